// Bitrix24 as Karvon's CRM capability: the same five operations and schemas as the built-in CRM,
// over the portal's REST API (inbound webhook or OAuth token).

import { defineAdapter, type AdapterDescriptor } from '../sdk/descriptor.ts';
import { Bitrix24Client } from './client.ts';
import { bitrix24ConfigSchema, type Bitrix24Config } from './config.ts';
import { createLead } from './operations/createLead.ts';
import { findCustomers } from './operations/findCustomers.ts';
import { getCustomerCard } from './operations/getCustomerCard.ts';
import { logActivity } from './operations/logActivity.ts';
import { updateDealStage } from './operations/updateDealStage.ts';

export const BITRIX24_ADAPTER_NAME = 'bitrix24';

export const bitrix24Adapter: AdapterDescriptor = defineAdapter<Bitrix24Config>({
  name: BITRIX24_ADAPTER_NAME,
  version: '1.0.0',
  title: 'Bitrix24',
  description: 'Bitrix24 CRM over REST: companies and contacts as customers, deals, activities, leads.',
  capability: 'crm',
  configSchema: bitrix24ConfigSchema,
  operations: [getCustomerCard, findCustomers, createLead, updateDealStage, logActivity],
  testConnection: async (context) => {
    // `profile` needs no scope: it proves the webhook or token works without touching CRM data.
    await new Bitrix24Client(context).call('profile', {}, { idempotent: true });
  },
});

export default bitrix24Adapter;
