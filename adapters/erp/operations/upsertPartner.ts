import { defineOperation, type ObjectSchema, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { crmCustomerInputSchema, partnerSchema } from '../schemas.ts';
import type { ErpService, Partner } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['customer'],
  properties: { customer: crmCustomerInputSchema },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['partner', 'created'],
  properties: { partner: partnerSchema, created: { type: 'boolean' } },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export function upsertPartner(erp: ErpService): OperationDescriptor {
  return defineOperation<{ customer: unknown }, { partner: Partner; created: boolean }>({
    name: 'upsertPartner',
    title: 'Create or update partner',
    description: 'Maps a CRM customer to an ERP partner (tax id and structured address required) and creates or updates it, keyed by the CRM id.',
    safeToRetry: true,
    inputSchema,
    outputSchema,
    errors: {
      ADDRESS_INCOMPLETE: 'The customer\'s address is missing or cannot be structured confidently',
      CUSTOMER_DATA_INVALID: 'A field the ERP requires is missing or has the wrong type',
    },
    handler: async (input) => erp.upsertPartnerFromCustomer(input.customer),
  });
}
