import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { businessError } from '../../sdk/errors.ts';
import { fromMilli } from '../../sdk/decimal.ts';
import { mapOrderLines } from '../../mapping/lines.ts';
import { OdooClient } from '../client.ts';
import type { OdooConfig } from '../config.ts';
import { erpContract } from '../contract.ts';
import { locations, productsBySku, stockFor, type StockLine } from '../records.ts';

interface Input {
  items: { sku: string; quantity: number }[];
  warehouseId?: string;
}

export const checkStock: OperationDescriptor<OdooConfig> = defineOperation<Input, { available: boolean; warehouseId: string; items: StockLine[] }, OdooConfig>({
  ...erpContract('checkStock'),
  handler: async (input, context) => {
    const odoo = new OdooClient(context);
    const lines = mapOrderLines(input.items);
    const products = await productsBySku(odoo, lines.map((l) => l.sku));
    const unknown = lines.filter((l) => !products.has(l.sku)).map((l) => l.sku);
    if (unknown.length > 0) throw businessError('UNKNOWN_PRODUCT', `Unknown SKU ${unknown.join(', ')}`, { skus: unknown });
    // A warehouseId names the Odoo stock location to count under; by default the configured one.
    const config = input.warehouseId && /^[0-9]+$/.test(input.warehouseId) ? { ...context.config, sourceLocationId: Number(input.warehouseId) } : context.config;
    const items = await stockFor(odoo, config, lines.map((l) => ({ product: products.get(l.sku)!, quantity: fromMilli(l.quantityMilli) })));
    return { available: items.every((i) => i.short === 0), warehouseId: String(locations(config).source), items };
  },
});
