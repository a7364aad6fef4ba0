// The built-in CRM as an adapter: the descriptor lists one operation per file in operations/.

import { defineAdapter, type AdapterDescriptor } from '../sdk/descriptor.ts';
import { createLead } from './operations/createLead.ts';
import { findCustomers } from './operations/findCustomers.ts';
import { getCustomerCard } from './operations/getCustomerCard.ts';
import { logActivity } from './operations/logActivity.ts';
import { updateDealStage } from './operations/updateDealStage.ts';
import type { CrmService } from './service.ts';

export const CRM_ADAPTER_NAME = 'karvon-crm';

export function createCrmAdapter(crm: CrmService): AdapterDescriptor {
  return defineAdapter({
    name: CRM_ADAPTER_NAME,
    version: '1.0.0',
    title: 'Karvon CRM',
    description: 'The CRM built into Karvon, kept in its own store.',
    capability: 'crm',
    // The data lives in Karvon's store: nothing to configure, nothing secret.
    configSchema: { type: 'object', properties: {}, additionalProperties: false },
    operations: [getCustomerCard(crm), findCustomers(crm), createLead(crm), updateDealStage(crm), logActivity(crm)],
  });
}
