import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { businessError } from '../../sdk/errors.ts';
import { OdooClient, m2oId, m2oName, text, type OdooRecord } from '../client.ts';
import type { OdooConfig } from '../config.ts';
import { erpContract } from '../contract.ts';
import { productsBySku, readPicking, shipmentView } from '../records.ts';

interface Invoice {
  id: string;
  number: string;
  partnerId: string;
  shipmentId: string | null;
  lines: { sku: string; quantity: number; price: number; amount: number }[];
  total: number;
  currency: string;
  status: 'issued' | 'paid' | 'canceled';
  issuedAt: string;
  dueDate: string;
}

const MOVE_FIELDS = ['id', 'name', 'partner_id', 'invoice_origin', 'amount_total', 'currency_id', 'state', 'payment_state', 'invoice_date', 'invoice_date_due', 'invoice_line_ids'];

/** A customer invoice (`account.move`, out_invoice) whose `invoice_origin` is the picking's number. */
export const createInvoice: OperationDescriptor<OdooConfig> = defineOperation<{ shipmentId: string; dueDays?: number }, { invoice: Invoice; created: boolean }, OdooConfig>({
  ...erpContract('createInvoice'),
  handler: async (input, context) => {
    const odoo = new OdooClient(context);
    const id = Number(input.shipmentId);
    const picking = Number.isSafeInteger(id) && id > 0 ? await readPicking(odoo, id) : null;
    if (!picking) throw businessError('SHIPMENT_NOT_FOUND', `Odoo has no picking ${input.shipmentId}`, { shipmentId: input.shipmentId });
    const shipment = await shipmentView(odoo, context.config, picking);
    if (shipment.status !== 'reserved' && shipment.status !== 'shipped' && shipment.status !== 'delivered') {
      throw businessError('SHIPMENT_NOT_INVOICEABLE', `Picking ${shipment.number ?? shipment.id} is ${shipment.status}`, { shipmentId: input.shipmentId, status: shipment.status });
    }
    const origin = shipment.number ?? shipment.id;
    // Keyed by the picking: a retry, or a second call, finds the invoice already made.
    const [existing] = await odoo.searchRead('account.move', [['invoice_origin', '=', origin], ['move_type', '=', 'out_invoice'], ['state', '!=', 'cancel']], ['id']);
    let moveId = existing ? (existing.id as number) : null;
    if (moveId === null) {
      const products = await productsBySku(odoo, shipment.lines.map((l) => l.sku));
      const today = new Date(context.now()).toISOString().slice(0, 10);
      const due = new Date(context.now() + (input.dueDays ?? 0) * 86_400_000).toISOString().slice(0, 10);
      moveId = await odoo.create('account.move', {
        move_type: 'out_invoice',
        partner_id: Number(shipment.partnerId),
        invoice_origin: origin,
        invoice_date: today,
        invoice_date_due: due,
        invoice_line_ids: shipment.lines.map((l): [number, number, OdooRecord] => [0, 0, { product_id: Number(l.productId), quantity: l.reserved || l.requested, price_unit: products.get(l.sku)?.price ?? 0 }]),
      });
      await odoo.call('account.move', 'action_post', {}, { ids: [moveId] });
    }
    const [move] = await odoo.read('account.move', [moveId], MOVE_FIELDS);
    const lineIds = Array.isArray(move.invoice_line_ids) ? (move.invoice_line_ids as number[]) : [];
    const lines = lineIds.length > 0 ? await odoo.read('account.move.line', lineIds, ['product_id', 'quantity', 'price_unit', 'price_subtotal']) : [];
    const skuOf = (productId: number | null) => shipment.lines.find((l) => l.productId === String(productId))?.sku ?? String(productId);
    return {
      created: existing === undefined,
      invoice: {
        id: String(moveId),
        number: text(move.name) ?? String(moveId),
        partnerId: String(m2oId(move.partner_id)),
        shipmentId: shipment.id,
        lines: lines.map((l) => ({ sku: skuOf(m2oId(l.product_id)), quantity: Number(l.quantity) || 0, price: Number(l.price_unit) || 0, amount: Number(l.price_subtotal) || 0 })),
        total: Number(move.amount_total) || 0,
        currency: m2oName(move.currency_id) ?? 'UZS',
        status: move.state === 'cancel' ? 'canceled' : move.payment_state === 'paid' ? 'paid' : 'issued',
        issuedAt: text(move.invoice_date) ?? new Date(context.now()).toISOString().slice(0, 10),
        dueDate: text(move.invoice_date_due) ?? new Date(context.now()).toISOString().slice(0, 10),
      },
    };
  },
});
