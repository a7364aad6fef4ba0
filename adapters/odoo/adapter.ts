// Odoo as Karvon's ERP capability: the same five operations and schemas as the built-in ERP, over
// Odoo 19's JSON-2 API or, for older versions, /jsonrpc.

import { defineAdapter, type AdapterDescriptor } from '../sdk/descriptor.ts';
import { OdooClient } from './client.ts';
import { odooConfigSchema, type OdooConfig } from './config.ts';
import { checkStock } from './operations/checkStock.ts';
import { createInvoice } from './operations/createInvoice.ts';
import { getShipment } from './operations/getShipment.ts';
import { requestShipment } from './operations/requestShipment.ts';
import { upsertPartner } from './operations/upsertPartner.ts';

export const ODOO_ADAPTER_NAME = 'odoo';

/** Odoo field → the ERP partner field the CRM mapping writes, for the drift check. */
const PARTNER_FIELD_MAP: Readonly<Record<string, string[]>> = {
  ref: ['externalRef'], name: ['name'], is_company: ['kind'], vat: ['taxId'], phone: ['phone'], email: ['email'],
  property_payment_term_id: ['paymentTermDays'], street: ['address.street'], street2: ['address.street2'], city: ['address.city'],
  state_id: ['address.region'], zip: ['address.postcode'], country_id: ['address.countryCode'], comment: ['address.raw'],
};

export const odooAdapter: AdapterDescriptor = defineAdapter<OdooConfig>({
  name: ODOO_ADAPTER_NAME,
  version: '1.0.0',
  title: 'Odoo',
  description: 'Odoo inventory and accounting: partners, stock quants, delivery pickings, customer invoices.',
  capability: 'erp',
  configSchema: odooConfigSchema,
  operations: [checkStock, requestShipment, getShipment, createInvoice, upsertPartner],
  testConnection: async (context) => {
    await new OdooClient(context).call('res.partner', 'search_count', { domain: [] }, { idempotent: true });
  },
  describeFields: async (context) => {
    const fields = await new OdooClient(context).call('res.partner', 'fields_get', { attributes: ['type'] }, { idempotent: true });
    const names = fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? Object.keys(fields) : [];
    return { partner: names.flatMap((n) => PARTNER_FIELD_MAP[n] ?? []) };
  },
});

export default odooAdapter;
