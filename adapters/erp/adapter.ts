// The built-in ERP as an adapter: one operation per file in operations/.

import { defineAdapter, type AdapterDescriptor } from '../sdk/descriptor.ts';
import { ERP_PARTNER_FIELDS } from './model.ts';
import { checkStock } from './operations/checkStock.ts';
import { createInvoice } from './operations/createInvoice.ts';
import { getShipment } from './operations/getShipment.ts';
import { requestShipment } from './operations/requestShipment.ts';
import { upsertPartner } from './operations/upsertPartner.ts';
import type { ErpService } from './service.ts';

export const ERP_ADAPTER_NAME = 'karvon-erp';

export function createErpAdapter(erp: ErpService): AdapterDescriptor {
  return defineAdapter({
    name: ERP_ADAPTER_NAME,
    version: '1.0.0',
    title: 'Karvon ERP',
    description: 'The ERP built into Karvon: products, stock, shipments, partners and invoices in its own store.',
    capability: 'erp',
    configSchema: { type: 'object', properties: {}, additionalProperties: false },
    operations: [checkStock(erp), requestShipment(erp), getShipment(erp), createInvoice(erp), upsertPartner(erp)],
    describeFields: async () => ({ partner: ERP_PARTNER_FIELDS }),
  });
}
