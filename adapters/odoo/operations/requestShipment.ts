import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { businessError, validationError } from '../../sdk/errors.ts';
import { mapCustomerToPartner } from '../../mapping/customer.ts';
import { mapOrderLines } from '../../mapping/lines.ts';
import { fromMilli } from '../../sdk/decimal.ts';
import { OdooClient, type OdooRecord } from '../client.ts';
import type { OdooConfig } from '../config.ts';
import { erpContract } from '../contract.ts';
import { dealNote, insufficientStock, locations, productsBySku, readPicking, shipmentView, stockFor, upsertPartner, type ShipmentView } from '../records.ts';

interface Input {
  customer: unknown;
  items: unknown;
  dealId?: string | null;
  deliveryDate?: string | null;
  shipTo?: unknown;
  shortStockPolicy?: 'reject' | 'wait' | 'partial';
  idempotencyKey?: string;
}

/**
 * A picking (with one move per line) whose `origin` is the idempotency key. The lookup by key comes
 * first on every attempt: after a connection reset on the create we cannot know whether Odoo made
 * the picking, and a second one would ship the goods twice.
 */
export const requestShipment: OperationDescriptor<OdooConfig> = defineOperation<Input, ShipmentView, OdooConfig>({
  ...erpContract('requestShipment'),
  handler: async (input, context) => {
    // Odoo ships a picking to its partner's address; saying nothing about an override would
    // send the goods somewhere the process did not ask for.
    if (input.shipTo !== undefined && input.shipTo !== null) {
      throw validationError('The Odoo adapter ships to the partner address in Odoo; a shipTo override is not supported. Update the partner, or leave shipTo out', [
        { path: 'shipTo', message: 'not supported by the Odoo adapter' },
      ]);
    }
    const odoo = new OdooClient(context);
    const config = context.config;
    const key = input.idempotencyKey ?? context.idempotencyKey;
    const policy = input.shortStockPolicy ?? 'reject';
    const where = locations(config);

    const [found] = await odoo.searchRead('stock.picking', [['origin', '=', key], ['state', '!=', 'cancel']], ['id']);
    let pickingId = found ? (found.id as number) : null;
    const { partner } = mapCustomerToPartner(input.customer, { defaultCountry: config.defaultCountry });
    if (pickingId === null) {
      const lines = mapOrderLines(input.items, { id: partner.externalRef, name: partner.name });
      const products = await productsBySku(odoo, lines.map((l) => l.sku));
      const unknown = lines.filter((l) => !products.has(l.sku)).map((l) => l.sku);
      if (unknown.length > 0) {
        throw businessError('UNKNOWN_PRODUCT', `Order for customer "${partner.name}": unknown SKU ${unknown.join(', ')}. Fix: correct the SKU or add the product to Odoo`, { customerId: partner.externalRef, customerName: partner.name, skus: unknown });
      }
      const wanted = lines.map((l) => ({ product: products.get(l.sku)!, quantity: fromMilli(l.quantityMilli) }));
      if (policy === 'reject') {
        const stock = await stockFor(odoo, config, wanted);
        if (stock.some((s) => s.short > 0)) throw insufficientStock(stock, config, partner.externalRef, partner.name);
      }
      const { id: partnerId } = await upsertPartner(odoo, partner);
      const moves = wanted.map(({ product, quantity }): [number, number, OdooRecord] => [0, 0, {
        name: product.name,
        product_id: product.id,
        product_uom_qty: quantity,
        ...(product.uomId ? { product_uom: product.uomId } : {}),
        location_id: where.source,
        location_dest_id: where.customers,
      }]);
      pickingId = await odoo.create('stock.picking', {
        partner_id: partnerId,
        picking_type_id: where.pickingTypeId,
        location_id: where.source,
        location_dest_id: where.customers,
        origin: key,
        scheduled_date: `${expectedDate(input.deliveryDate, config, context.now())} 12:00:00`,
        note: dealNote(input.dealId),
        move_ids: moves,
      });
    }

    let picking = await readPicking(odoo, pickingId);
    if (picking && (picking.state === 'draft' || picking.state === 'confirmed' || picking.state === 'waiting')) {
      if (picking.state === 'draft') await odoo.call('stock.picking', 'action_confirm', {}, { ids: [pickingId] });
      await odoo.call('stock.picking', 'action_assign', {}, { ids: [pickingId] });
      picking = await readPicking(odoo, pickingId);
    }
    if (!picking) throw businessError('INSUFFICIENT_STOCK', `Picking ${pickingId} vanished while being reserved`, { shortItems: [] });
    const view = await shipmentView(odoo, config, picking, policy);
    if (policy === 'reject' && view.status !== 'reserved') {
      // Stock went to someone else between our check and the reservation: undo, report short.
      await odoo.call('stock.picking', 'action_cancel', {}, { ids: [pickingId] });
      const products = await productsBySku(odoo, view.lines.map((l) => l.sku));
      const stock = await stockFor(odoo, config, view.lines.map((l) => ({ product: products.get(l.sku)!, quantity: l.requested })));
      throw insufficientStock(stock, config, partner.externalRef, partner.name);
    }
    return view;
  },
});

function expectedDate(requested: string | null | undefined, config: OdooConfig, now: number): string {
  const earliest = new Date(now + (config.leadTimeDays ?? 2) * 86_400_000).toISOString().slice(0, 10);
  return requested && /^\d{4}-\d{2}-\d{2}$/.test(requested) && requested > earliest ? requested : earliest;
}
