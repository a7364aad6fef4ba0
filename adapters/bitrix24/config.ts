// Bitrix24 connection configuration: where the portal is, how to sign in (an inbound webhook's
// user id and token, or an OAuth access token), the client-side rate limit, and how Karvon's deal
// stages and customer fields map onto this portal's.

import type { ObjectSchema } from '../sdk/descriptor.ts';

export const bitrix24ConfigSchema = {
  type: 'object',
  required: ['portalUrl'],
  properties: {
    portalUrl: { type: 'string', pattern: '^https?://', title: 'Portal URL', description: 'e.g. https://acme.bitrix24.com' },
    webhookUserId: { type: 'string', pattern: '^[0-9]+$', title: 'Webhook user id', description: 'The number in /rest/<user>/<token>/ of an inbound webhook' },
    webhookToken: { type: 'string', minLength: 4, title: 'Webhook token', 'x-secret': true },
    accessToken: { type: 'string', minLength: 4, title: 'OAuth access token', description: 'Used when no webhook is configured', 'x-secret': true },
    requestsPerSecond: { type: 'number', exclusiveMinimum: 0, default: 2, title: 'Requests per second', description: 'Leak rate of the portal\'s request bucket (2; 5 on Enterprise)' },
    burst: { type: 'integer', minimum: 1, default: 50, title: 'Burst', description: 'Bucket size before the portal answers QUERY_LIMIT_EXCEEDED (50; 250 on Enterprise)' },
    taxIdField: { type: 'string', default: 'UF_CRM_TAX_ID', title: 'Tax id field', description: 'Company/contact field holding the tax id (INN/STIR/VAT)' },
    currency: { type: 'string', default: 'UZS', title: 'Currency for lifetime revenue' },
    applicationToken: {
      type: 'string',
      minLength: 8,
      title: 'Application token',
      description: 'auth[application_token] that this portal\'s outbound webhook or robot sends; Karvon rejects robot calls without it',
      'x-secret': true,
    },
    robot: {
      type: 'object',
      title: 'Deal-stage robot',
      description: 'POST /api/integrations/bitrix24/<connection>/robot starts this process for the deal',
      required: ['processKey'],
      properties: {
        processKey: { type: 'string', minLength: 1, title: 'Process key' },
        stage: { type: 'string', minLength: 1, title: 'Stage', description: 'STAGE_ID the deal must be in (e.g. C1:PREPARATION); calls for other stages are ignored' },
        skuField: { type: 'string', minLength: 1, default: 'XML_ID', title: 'SKU field', description: 'crm.product field holding the SKU the ERP knows (XML_ID is the external code ERP exchanges fill)' },
      },
      additionalProperties: false,
    },
    stages: {
      type: 'object',
      title: 'Deal stages',
      description: 'Karvon stage → Bitrix24 STAGE_ID (a pipeline other than the default writes them as C<n>:WON etc.)',
      properties: {
        new: { type: 'string' },
        qualified: { type: 'string' },
        proposal: { type: 'string' },
        won: { type: 'string' },
        lost: { type: 'string' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type DealStage = 'new' | 'qualified' | 'proposal' | 'won' | 'lost';

export interface Bitrix24Config {
  portalUrl: string;
  webhookUserId?: string;
  webhookToken?: string;
  accessToken?: string;
  requestsPerSecond?: number;
  burst?: number;
  taxIdField?: string;
  currency?: string;
  applicationToken?: string;
  robot?: { processKey: string; stage?: string; skuField?: string };
  stages?: Partial<Record<DealStage, string>>;
}

export const DEFAULT_STAGES: Readonly<Record<DealStage, string>> = {
  new: 'NEW',
  qualified: 'PREPARATION',
  proposal: 'PREPAYMENT_INVOICE',
  won: 'WON',
  lost: 'LOSE',
};
