// Purpose-made views of what adapters return: the CRM customer card, an ERP shipment, items
// short of stock, a deal, a business error with its fix, order lines.

import { h } from '../dom.ts';
import { formatDateValue, formatMoney, humanize } from '../format.ts';
import { isShortList, NAME_KEYS, TAX_KEYS, SHORT_KEYS } from './recognise.ts';
import { addressText, badge, isObj, keyValues, num, pick, qty, renderValue, section, table, text, type Column, type Obj } from './values.ts';

function list(values: unknown, fmt: (x: unknown) => string | undefined): string | undefined {
  const arr = Array.isArray(values) ? values : values === undefined ? [] : [values];
  const out = arr.map(fmt).filter((x): x is string => !!x);
  return out.length ? out.join(', ') : undefined;
}

const phoneText = (x: unknown) => (typeof x === 'string' ? x : isObj(x) ? text(pick(x, 'number', 'value', 'phone')) : undefined);
const emailText = (x: unknown) => (typeof x === 'string' ? x : isObj(x) ? text(pick(x, 'address', 'value', 'email')) : undefined);

export function customerCardView(raw: Obj, title = 'Customer', options: { crmLink?: boolean } = {}): HTMLElement {
  // Adapters return either a flat customer or {customer, contacts, openDeals, ...}.
  const c: Obj = isObj(raw.customer) ? { ...raw.customer, ...raw, customer: undefined } : raw;
  const name = text(pick(c, ...NAME_KEYS)) ?? 'Customer';
  const kind = text(pick(c, 'type', 'kind'));
  const address = pick(c, 'address', 'billingAddress', 'shippingAddress');
  const rows: Array<[string, Node | string | undefined]> = [
    ['Tax ID', text(pick(c, ...TAX_KEYS))],
    ['Address', address === undefined ? undefined : addressView(address)],
    ['Phone', list(pick(c, 'phones', 'phone'), phoneText)],
    ['Email', list(pick(c, 'emails', 'email'), emailText)],
    ['Segment', text(c.segment)],
    ['Account owner', text(pick(c, 'owner', 'ownerName'))],
    ['Lifetime revenue', typeof c.lifetimeRevenue === 'number' ? formatMoney(c.lifetimeRevenue, text(c.currency)) : isObj(c.lifetimeRevenue) ? renderValue(c.lifetimeRevenue, 'lifetimeRevenue') : undefined],
    ['Customer ID', text(pick(c, 'id', 'customerId'))],
  ];
  const contacts = pick(c, 'contacts', 'contactPersons');
  const deals = pick(c, 'openDeals', 'deals');
  const activities = pick(c, 'recentActivities', 'activities');
  return section(
    title,
    'customer-card',
    h(
      'div',
      { class: 'card-head' },
      h('p', { class: 'card-name' }, name),
      kind ? badge(humanize(kind), 'neutral') : null,
      options.crmLink !== false && text(pick(c, 'id', 'customerId'))
        ? h('a', { class: 'card-link', href: `#/customers/${encodeURIComponent(text(pick(c, 'id', 'customerId'))!)}` }, 'Open in CRM')
        : null,
    ),
    h(
      'dl',
      { class: 'kv' },
      rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => h('div', { class: 'kv-row' }, h('dt', null, k), h('dd', null, v!))),
    ),
    Array.isArray(contacts) && contacts.length
      ? h(
          'div',
          { class: 'sub' },
          h('h4', null, 'Contacts'),
          h(
            'ul',
            { class: 'contact-list' },
            contacts.filter(isObj).map((p) =>
              h(
                'li',
                null,
                h('span', { class: 'contact-name' }, text(pick(p, 'name', 'fullName', 'firstName')) ?? 'Contact'),
                text(pick(p, 'role', 'position', 'title')) ? h('span', { class: 'muted' }, ` · ${text(pick(p, 'role', 'position', 'title'))}`) : null,
                h('span', { class: 'contact-lines' }, [list(pick(p, 'phones', 'phone'), phoneText), list(pick(p, 'emails', 'email'), emailText)].filter(Boolean).join(' · ')),
              ),
            ),
          ),
        )
      : null,
    Array.isArray(deals) && deals.length
      ? h(
          'div',
          { class: 'sub' },
          h('h4', null, 'Open deals'),
          table(deals.filter(isObj), [
            { key: 'title', label: 'Deal', value: (d) => pick(d, 'title', 'name', 'id') },
            { key: 'stage', label: 'Stage', value: (d) => { const s = pick(d, 'stage', 'stageName'); return typeof s === 'string' ? humanize(s) : s; } },
            { key: 'amount', label: 'Amount', numeric: true, value: (d) => (typeof d.amount === 'number' ? formatMoney(d.amount, text(d.currency)) : pick(d, 'amount', 'value')) },
          ], 'Open deals'),
        )
      : null,
    Array.isArray(activities) && activities.length
      ? h(
          'div',
          { class: 'sub' },
          h('h4', null, 'Recent activities'),
          h(
            'ul',
            { class: 'plain-list' },
            activities.filter(isObj).slice(0, 5).map((a) => {
              const at = text(pick(a, 'at', 'date', 'createdAt'));
              return h('li', null, [text(pick(a, 'type', 'kind')) && humanize(text(pick(a, 'type', 'kind'))!), text(pick(a, 'subject', 'summary', 'text', 'note'))].filter(Boolean).join(': '), at ? h('span', { class: 'muted' }, ` · ${formatDateValue(at)}`) : null);
            }),
          ),
        )
      : null,
  );
}

function addressView(address: unknown): Node {
  if (typeof address === 'string') return document.createTextNode(address);
  if (!isObj(address)) return renderValue(address);
  const line = addressText(address);
  const raw = text(pick(address, 'raw', 'text'));
  const lowConfidence = address.confidence !== undefined && (address.confidence === 'low' || (typeof address.confidence === 'number' && address.confidence < 0.6));
  return h(
    'span',
    null,
    line,
    raw && raw !== line ? h('span', { class: 'muted block' }, `As entered: ${raw}`) : null,
    lowConfidence ? h('span', { class: 'block' }, badge('Needs review', 'warning')) : null,
  );
}

const STATUS_TONE: Record<string, string> = {
  draft: 'neutral',
  waiting_for_stock: 'warning',
  waitingforstock: 'warning',
  reserved: 'info',
  shipped: 'ok',
  delivered: 'ok',
  canceled: 'danger',
  cancelled: 'danger',
};

export function shipmentView(s: Obj, title = 'Shipment'): HTMLElement {
  const status = String(s.status);
  const number = text(pick(s, 'number', 'shipmentNumber', 'id', 'shipmentId'));
  const expected = text(pick(s, 'expectedDate', 'expectedShipDate', 'expectedDeliveryDate', 'deliveryDate', 'plannedDate'));
  const lines = pick(s, 'reservedLines', 'lines', 'items');
  const rows: Array<[string, Node | string | undefined]> = [
    ['Shipment number', number],
    [
      'Status',
      h(
        'span',
        { class: 'badges' },
        badge(humanize(status), STATUS_TONE[status.toLowerCase().replace(/[\s-]/g, '_')] ?? STATUS_TONE[status.toLowerCase().replace(/[\s_-]/g, '')] ?? 'neutral'),
        s.partial === true ? badge('Partly reserved', 'warning') : null,
      ),
    ],
    ['Customer', text(pick(s, 'customerName'))],
    ['Expected', expected ? formatDateValue(expected) : undefined],
    ['Warehouse', text(pick(s, 'warehouseName', 'warehouse', 'warehouseId'))],
    ['Ship to', pick(s, 'shipTo', 'address', 'deliveryAddress') !== undefined ? addressView(pick(s, 'shipTo', 'address', 'deliveryAddress')) : undefined],
  ];
  return section(
    title,
    'shipment',
    h(
      'dl',
      { class: 'kv' },
      rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => h('div', { class: 'kv-row' }, h('dt', null, k), h('dd', null, v!))),
    ),
    Array.isArray(lines) && lines.length
      ? h(
          'div',
          { class: 'sub' },
          h('h4', null, pick(s, 'reservedLines') ? 'Reserved lines' : 'Lines'),
          table(lines.filter(isObj), ([
            { key: 'sku', label: 'SKU', value: (l) => pick(l, 'sku', 'productId') },
            { key: 'name', label: 'Product', value: (l) => pick(l, 'name', 'productName', 'description', 'title') },
            { key: 'quantity', label: 'Quantity', numeric: true, value: (l) => qty(pick(l, 'quantity', 'qty', 'requested'), l.unit) },
            { key: 'reserved', label: 'Reserved', numeric: true, value: (l) => qty(pick(l, 'reserved', 'reservedQuantity', 'quantityReserved'), l.unit) },
            { key: 'shipped', label: 'Shipped', numeric: true, value: (l) => qty(l.shipped, l.unit) },
          ] as Column[])
            .filter((c) => c.key !== 'shipped' || lines.some((l) => isObj(l) && typeof l.shipped === 'number' && l.shipped > 0)).filter((c) => c.key !== 'name' || lines.some((l) => isObj(l) && pick(l, 'name', 'productName', 'description', 'title') !== undefined)), 'Shipment lines'),
        )
      : null,
  );
}

export function shortItemsView(items: Obj[], title = 'Items short of stock', message?: string): HTMLElement {
  return section(
    title,
    'short-items',
    message ? h('p', null, message) : null,
    table(items, ([
      { key: 'sku', label: 'SKU', value: (l) => pick(l, 'sku', 'productId', 'product') },
      { key: 'name', label: 'Product', value: (l) => pick(l, 'name', 'productName', 'title') },
      { key: 'requested', label: 'Requested', numeric: true, value: (l) => qty(pick(l, 'requested', 'quantity', 'requestedQuantity'), l.unit) },
      { key: 'available', label: 'Available', numeric: true, value: (l) => qty(pick(l, 'available', 'availableQuantity'), l.unit) },
      {
        key: 'short',
        label: 'Short by',
        numeric: true,
        value: (l) => {
          const explicit = pick(l, ...SHORT_KEYS);
          if (explicit !== undefined) return qty(explicit, l.unit);
          const r = num(pick(l, 'requested', 'quantity'));
          const a = num(l.available);
          return r !== undefined && a !== undefined ? qty(Math.max(0, r - a), l.unit) : undefined;
        },
      },
    ] as Column[]).filter((c) => c.key !== 'name' || items.some((l) => pick(l, 'name', 'productName', 'title') !== undefined)), 'Items short of stock'),
  );
}

export function dealView(d: Obj, title: string, previousStage?: string): HTMLElement {
  const stage = String(d.stage);
  const tone = stage === 'won' ? 'ok' : stage === 'lost' ? 'danger' : 'info';
  const lines = Array.isArray(d.lineItems) ? d.lineItems.filter(isObj) : [];
  const rows: Array<[string, Node | string | undefined]> = [
    ['Deal', text(d.title)],
    [
      'Stage',
      h('span', { class: 'badges' }, previousStage && previousStage !== stage ? [badge(humanize(previousStage), 'neutral'), h('span', { 'aria-label': 'changed to' }, ' → ')] : null, badge(humanize(stage), tone)),
    ],
    ['Amount', typeof d.amount === 'number' ? formatMoney(d.amount, text(d.currency)) : undefined],
    ['Expected close', typeof d.expectedCloseDate === 'string' ? formatDateValue(d.expectedCloseDate) : undefined],
    ['Owner', text(d.owner)],
    ['Deal ID', text(d.id)],
  ];
  return section(
    title,
    'deal',
    h(
      'dl',
      { class: 'kv' },
      rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => h('div', { class: 'kv-row' }, h('dt', null, k), h('dd', null, v!))),
    ),
    lines.length
      ? h(
          'div',
          { class: 'sub' },
          h('h4', null, 'Line items'),
          table(lines, [
            { key: 'sku', label: 'SKU' },
            { key: 'name', label: 'Product' },
            { key: 'quantity', label: 'Quantity', numeric: true },
            { key: 'price', label: 'Price', numeric: true, value: (l) => (typeof l.price === 'number' ? formatMoney(l.price, text(d.currency)) : l.price) },
            { key: 'amount', label: 'Amount', numeric: true, value: (l) => (typeof l.amount === 'number' ? formatMoney(l.amount, text(d.currency)) : l.amount) },
          ], 'Deal line items'),
        )
      : null,
  );
}

export function errorView(e: Obj, shortShown: boolean): HTMLElement {
  const details = isObj(e.details) ? { ...e.details } : {};
  // The short items have their own table; the rest of the details name the field and the fix.
  if (shortShown) for (const [k, v] of Object.entries(details)) if (isShortList(v)) delete details[k];
  const code = text(pick(e, 'code', 'errorCode'));
  const fix = text(pick(details, 'fix', 'hint', 'resolution'));
  delete details.fix;
  delete details.hint;
  delete details.resolution;
  const customerId = text(details.customerId);
  const aboutCustomer = customerId && /address|customer|tax/i.test(`${code ?? ''} ${text(details.field) ?? ''}`);
  return section(
    shortShown ? 'More about the shortage' : 'What went wrong',
    'problem',
    // With the short items shown, their table already carries the message.
    shortShown ? null : h('p', { class: 'problem-message' }, String(e.message)),
    fix ? h('p', null, h('strong', null, 'How to fix it: '), fix) : null,
    aboutCustomer
      ? h('p', null, h('a', { class: 'btn btn-secondary btn-small', href: `#/customers/${encodeURIComponent(customerId)}` }, `Correct ${text(details.customerName) ?? 'the customer'} in the CRM`))
      : null,
    Object.keys(details).length ? keyValues(details) : null,
    code ? h('p', { class: 'muted small' }, `Code: ${code}`) : null,
  );
}

export function orderLinesView(items: Obj[], title: string): HTMLElement {
  return section(
    title,
    'order-lines',
    table(items, [
      { key: 'sku', label: 'SKU', value: (l) => pick(l, 'sku', 'productId') },
      ...(items.some((l) => pick(l, 'name', 'productName') !== undefined) ? [{ key: 'name', label: 'Product', value: (l: Obj) => pick(l, 'name', 'productName') }] : []),
      { key: 'quantity', label: 'Quantity', numeric: true, value: (l) => qty(pick(l, 'quantity', 'qty'), l.unit) },
    ], title),
  );
}

/**
 * Renders all variables: recognised business objects first, then the rest as labelled values.
 * Returns the sections so the caller can place them.
 */
