// Stock and shipments in the built-in ERP, read-only: what the warehouse has, what is reserved,
// and the shipments processes created.

import { api, type ErpStock } from '../api.ts';
import { clear, h, uid } from '../dom.ts';
import { formatDateValue, formatMoney, formatNumber, humanize } from '../format.ts';
import { alertBox, describeError } from '../notify.ts';
import type { Page } from '../router.ts';

const STATUS_TONE: Record<string, string> = { reserved: 'info', shipped: 'ok', delivered: 'ok', waiting_for_stock: 'warning', canceled: 'danger', draft: 'neutral' };

export async function stockPage(): Promise<Page> {
  const [products, stock, warehouses] = await Promise.all([api.products(), api.stock(), api.warehouses().catch(() => [])]);
  const warehouseName = new Map(warehouses.map((w) => [w.id, typeof w.name === 'string' ? w.name : w.id]));
  const bySku = new Map<string, ErpStock[]>();
  for (const s of stock) bySku.set(s.sku, [...(bySku.get(s.sku) ?? []), s]);

  const statusId = uid('status');
  const statusSelect = h(
    'select',
    { id: statusId },
    [['', 'Any status'], ['reserved', 'Reserved'], ['waiting_for_stock', 'Waiting for stock'], ['shipped', 'Shipped'], ['delivered', 'Delivered'], ['canceled', 'Canceled']].map(([v, l]) => h('option', { value: v }, l)),
  );
  const shipmentsEl = h('div');
  async function loadShipments(): Promise<void> {
    try {
      const list = await api.shipments({ status: statusSelect.value || undefined });
      if (list.length === 0) {
        clear(shipmentsEl, h('p', { class: 'muted' }, 'No shipments.'));
        return;
      }
      clear(
        shipmentsEl,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'data-table responsive' },
            h('caption', { class: 'visually-hidden' }, 'Shipments'),
            h('thead', null, h('tr', null, ['Shipment', 'Customer', 'Status', 'Expected', 'Lines'].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              null,
              list.map((s) => {
                const status = String(s.status ?? '');
                const lines = Array.isArray(s.lines) ? s.lines : [];
                return h(
                  'tr',
                  null,
                  h('td', { 'data-label': 'Shipment' }, String(s.number ?? s.id)),
                  h('td', { 'data-label': 'Customer' }, String(s.customerName ?? s.customerRef ?? '')),
                  h('td', { 'data-label': 'Status' }, h('span', { class: `badge badge-${STATUS_TONE[status] ?? 'neutral'}` }, humanize(status))),
                  h('td', { 'data-label': 'Expected' }, typeof s.expectedDate === 'string' ? formatDateValue(s.expectedDate) : '—'),
                  h('td', { 'data-label': 'Lines' }, lines.map((l) => (l && typeof l === 'object' ? `${(l as Record<string, unknown>).sku} × ${formatNumber(Number((l as Record<string, unknown>).requested ?? 0))}` : '')).join(', ')),
                );
              }),
            ),
          ),
        ),
      );
    } catch (err) {
      clear(shipmentsEl, alertBox(`The shipments could not be loaded: ${describeError(err)}`));
    }
  }
  statusSelect.addEventListener('change', () => void loadShipments());

  const el = h(
    'div',
    { class: 'page page-stock' },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Stock'), h('p', { class: 'page-sub' }, 'Products, what is on hand and reserved in each warehouse, and shipments.'))),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'products-h' },
      h('h2', { id: 'products-h' }, 'Products'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data-table responsive' },
          h('caption', { class: 'visually-hidden' }, 'Products and stock'),
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'SKU'), h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col' }, 'Warehouse'), ['On hand', 'Reserved', 'Available', 'Price'].map((c) => h('th', { scope: 'col', class: 'num' }, c)))),
          h(
            'tbody',
            null,
            products.flatMap((p) => {
              const rows = bySku.get(p.sku) ?? [];
              const unit = (n: number) => `${formatNumber(n)} ${p.unit}`;
              const base = (s: ErpStock | null) =>
                h(
                  'tr',
                  { class: s && s.available <= 0 ? 'row-warn' : null },
                  h('td', { 'data-label': 'SKU' }, p.sku),
                  h('td', { 'data-label': 'Product' }, p.name),
                  h('td', { 'data-label': 'Warehouse' }, s ? (warehouseName.get(s.warehouseId) ?? s.warehouseId) : h('span', { class: 'muted' }, 'none')),
                  h('td', { class: 'num', 'data-label': 'On hand' }, s ? unit(s.onHand) : '—'),
                  h('td', { class: 'num', 'data-label': 'Reserved' }, s ? unit(s.reserved) : '—'),
                  h('td', { class: 'num', 'data-label': 'Available' }, s ? unit(s.available) : '—'),
                  h('td', { class: 'num', 'data-label': 'Price' }, formatMoney(p.price, p.currency)),
                );
              return rows.length ? rows.map(base) : [base(null)];
            }),
          ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'card stock-shipments', 'aria-labelledby': 'shipments-h' },
      h('h2', { id: 'shipments-h' }, 'Shipments'),
      h('div', { class: 'filter-grid' }, h('div', { class: 'field' }, h('label', { for: statusId }, 'Status'), statusSelect)),
      shipmentsEl,
    ),
  );
  await loadShipments();
  return { el, title: 'Stock' };
}
