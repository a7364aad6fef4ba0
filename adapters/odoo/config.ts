// Odoo connection configuration: URL, protocol (the JSON-2 API of Odoo 19, or `/jsonrpc` for
// older versions), credentials, and which warehouse locations and picking type shipments use.

import type { ObjectSchema } from '../sdk/descriptor.ts';

export const odooConfigSchema = {
  type: 'object',
  required: ['url', 'apiKey'],
  properties: {
    url: { type: 'string', pattern: '^https?://', title: 'Odoo URL', description: 'e.g. https://acme.odoo.com' },
    protocol: { enum: ['json2', 'jsonrpc'], default: 'json2', title: 'Protocol', description: 'json2: /json/2 with a bearer API key (Odoo 19+); jsonrpc: /jsonrpc execute_kw (older versions)' },
    database: { type: 'string', title: 'Database', description: 'Required for jsonrpc; sent as X-Odoo-Database with json2 when set' },
    uid: { type: 'integer', minimum: 1, title: 'User id', description: 'jsonrpc: the numeric id of the API user' },
    apiKey: { type: 'string', minLength: 4, title: 'API key', 'x-secret': true },
    pickingTypeId: { type: 'integer', minimum: 1, title: 'Delivery operation type id (stock.picking.type)' },
    sourceLocationId: { type: 'integer', minimum: 1, title: 'Stock location id shipments leave from' },
    customerLocationId: { type: 'integer', minimum: 1, title: 'Customers location id shipments go to' },
    warehouseName: { type: 'string', default: 'Main warehouse', title: 'Warehouse name, shown in INSUFFICIENT_STOCK' },
    defaultCountry: { type: 'string', pattern: '^[A-Z]{2}$', title: 'Country assumed when an address names none' },
    leadTimeDays: { type: 'integer', minimum: 0, default: 2, title: 'Days from today to the earliest expected date' },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export interface OdooConfig {
  url: string;
  protocol?: 'json2' | 'jsonrpc';
  database?: string;
  uid?: number;
  apiKey: string;
  pickingTypeId?: number;
  sourceLocationId?: number;
  customerLocationId?: number;
  warehouseName?: string;
  defaultCountry?: string;
  leadTimeDays?: number;
}

/** Odoo's demo-database defaults: WH/Stock, Partners/Customers, the WH delivery type. */
export const ODOO_DEFAULTS = { pickingTypeId: 2, sourceLocationId: 8, customerLocationId: 5 } as const;
