// "What the process gathered so far": renders process variables for people. Known business
// shapes (a CRM customer card, an ERP shipment, a list of items short of stock, order lines) get
// purpose-made views; everything else becomes labelled values and tables, never raw JSON.
//
// Shapes are recognised by their fields rather than by variable names, because a process
// analyst chooses the names (resultVariable, output mappings) and adapters may add fields.

import { h } from '../dom.ts';
import { formatDateValue, formatMoney, formatNumber, humanize, parseDate } from '../format.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

function pick(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null && o[k] !== '') return o[k];
  return undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Recognisers

const NAME_KEYS = ['name', 'displayName', 'fullName', 'companyName', 'title', 'legalName'];
const TAX_KEYS = ['taxId', 'tin', 'inn', 'vatId', 'vat', 'taxNumber'];

export function isCustomerCard(v: unknown): v is Obj {
  if (!isObj(v)) return false;
  const c = isObj(v.customer) ? { ...v.customer, ...v } : v;
  const hasName = NAME_KEYS.some((k) => typeof c[k] === 'string');
  const hasCustomerish = [...TAX_KEYS, 'address', 'contacts', 'phones', 'emails', 'openDeals', 'deals', 'segment'].some((k) => c[k] !== undefined);
  return hasName && hasCustomerish && !('status' in c && ('lines' in c || 'items' in c));
}

export function isShipment(v: unknown): v is Obj {
  if (!isObj(v)) return false;
  const hasId = ['id', 'number', 'shipmentNumber', 'shipmentId'].some((k) => v[k] !== undefined);
  const hasShape = ['lines', 'reservedLines', 'items', 'expectedDate', 'expectedShipDate', 'expectedDeliveryDate', 'warehouseId'].some((k) => v[k] !== undefined);
  return hasId && typeof v.status === 'string' && hasShape;
}

const SHORT_KEYS = ['short', 'shortage', 'shortBy', 'missing', 'shortQuantity', 'missingQuantity'];

function isShortLine(v: unknown): v is Obj {
  if (!isObj(v)) return false;
  const hasProduct = ['sku', 'productId', 'product', 'name'].some((k) => v[k] !== undefined);
  const hasShort = SHORT_KEYS.some((k) => v[k] !== undefined) || (v.available !== undefined && (v.requested !== undefined || v.quantity !== undefined));
  return hasProduct && hasShort;
}

export function isShortList(v: unknown): v is Obj[] {
  return Array.isArray(v) && v.length > 0 && v.every(isShortLine);
}

/** A CRM deal: a title, a pipeline stage and an amount or line items. */
export function isDeal(v: unknown): v is Obj {
  return isObj(v) && typeof v.title === 'string' && typeof v.stage === 'string' && (v.amount !== undefined || Array.isArray(v.lineItems));
}

/** A BPMN error's payload as adapters throw it: {code?, message, details?}. */
export function isErrorInfo(v: unknown): v is Obj {
  return isObj(v) && typeof v.message === 'string' && (typeof v.code === 'string' || typeof v.errorCode === 'string' || isObj(v.details));
}

function isOrderLine(v: unknown): v is Obj {
  return isObj(v) && ['sku', 'productId'].some((k) => v[k] !== undefined) && ['quantity', 'qty'].some((k) => v[k] !== undefined);
}

export function isOrderLines(v: unknown): v is Obj[] {
  return Array.isArray(v) && v.length > 0 && v.every(isOrderLine);
}

/** Finds a short-items list inside an error payload such as {code, message, details: {items}}. */
function findShortList(v: unknown, depth = 0): Obj[] | null {
  if (isShortList(v)) return v;
  if (depth > 2 || !isObj(v)) return null;
  for (const child of Object.values(v)) {
    const found = findShortList(child, depth + 1);
    if (found) return found;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Value rendering

/** [{field, problem, fix}]: what a mapping or validation found, one sentence pair each. */
function isProblemList(v: unknown): v is Obj[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => isObj(x) && typeof pick(x, 'problem', 'message') === 'string');
}

function problemList(items: Obj[]): HTMLElement {
  return h(
    'ul',
    { class: 'problem-list' },
    items.map((p) => {
      const field = text(pick(p, 'field', 'path'));
      const fix = text(pick(p, 'fix', 'hint'));
      return h(
        'li',
        null,
        field ? h('strong', null, `${humanize(field)}: `) : null,
        String(pick(p, 'problem', 'message')),
        fix ? h('span', { class: 'block' }, h('em', null, 'Fix: '), fix) : null,
      );
    }),
  );
}

export function renderValue(v: unknown, key = ''): Node {
  if (v === null || v === undefined || v === '') return h('span', { class: 'muted' }, '—');
  if (typeof v === 'boolean') return document.createTextNode(v ? 'Yes' : 'No');
  if (typeof v === 'number') {
    if (/amount|price|revenue|total|sum/i.test(key)) return document.createTextNode(formatMoney(v));
    return document.createTextNode(formatNumber(v));
  }
  if (typeof v === 'string') {
    if (parseDate(v)) return h('time', { datetime: v }, formatDateValue(v));
    if (/^https?:\/\//.test(v)) return h('a', { href: v, target: '_blank', rel: 'noopener noreferrer' }, v);
    return document.createTextNode(v);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return h('span', { class: 'muted' }, 'None');
    if (v.every(isScalar)) return document.createTextNode(v.map((x) => (typeof x === 'boolean' ? (x ? 'Yes' : 'No') : String(x ?? '—'))).join(', '));
    if (isProblemList(v)) return problemList(v);
    if (v.every(isObj)) return table(v as Obj[]);
    return h('ul', { class: 'plain-list' }, v.map((x) => h('li', null, renderValue(x))));
  }
  if (isObj(v)) {
    if (isAddress(v)) return document.createTextNode(addressText(v));
    if (isMoney(v)) return document.createTextNode(formatMoney(Number(v.amount), String(v.currency)));
    return keyValues(v);
  }
  return document.createTextNode(String(v));
}

function isMoney(v: Obj): boolean {
  return typeof v.amount === 'number' && typeof v.currency === 'string' && Object.keys(v).length <= 3;
}

function isAddress(v: Obj): boolean {
  return ['street', 'city', 'postcode', 'postalCode', 'countryCode', 'raw', 'line1'].filter((k) => v[k] !== undefined).length >= 2;
}

function addressText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (!isObj(v)) return '';
  const structured = [pick(v, 'street', 'line1'), pick(v, 'line2'), [pick(v, 'postcode', 'postalCode', 'zip'), pick(v, 'city')].filter(Boolean).join(' '), pick(v, 'region'), pick(v, 'country', 'countryCode')]
    .map((x) => (typeof x === 'string' ? x.trim() : ''))
    .filter(Boolean);
  if (structured.length >= 2) return structured.join(', ');
  const raw = pick(v, 'raw', 'text', 'full', 'freeText');
  return typeof raw === 'string' ? raw : structured.join(', ');
}

export function keyValues(o: Obj, skip: Set<string> = new Set()): HTMLElement {
  const entries = Object.entries(o).filter(([k, v]) => !skip.has(k) && !k.startsWith('_') && v !== undefined);
  if (entries.length === 0) return h('p', { class: 'muted' }, 'Nothing yet.');
  return h(
    'dl',
    { class: 'kv' },
    entries.map(([k, v]) => {
      // Tables and nested groups need the full width, with their label above them.
      const wide = (Array.isArray(v) && v.some(isObj)) || (isObj(v) && !isAddress(v) && !isMoney(v));
      return h('div', { class: wide ? 'kv-row kv-wide' : 'kv-row' }, h('dt', null, humanize(k)), h('dd', null, renderValue(v, k)));
    }),
  );
}

interface Column {
  key: string;
  label: string;
  value?: (r: Obj) => unknown;
  numeric?: boolean;
}

function table(rows: Obj[], columns?: Column[], caption?: string): HTMLElement {
  const cols: Column[] =
    columns ??
    Array.from(new Set(rows.flatMap((r) => Object.keys(r))))
      .filter((k) => !k.startsWith('_'))
      .slice(0, 8)
      .map((key) => ({ key, label: humanize(key), numeric: rows.every((r) => r[key] === undefined || typeof r[key] === 'number') }));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table responsive' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)))),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            null,
            cols.map((c) => h('td', { class: c.numeric ? 'num' : null, 'data-label': c.label }, renderValue(c.value ? c.value(r) : r[c.key], c.key))),
          ),
        ),
      ),
    ),
  );
}

function section(title: string, cls: string, ...body: Array<Node | null>): HTMLElement {
  return h('section', { class: `panel ${cls}` }, h('h3', { class: 'panel-title' }, title), body);
}

function badge(label: string, tone: string): HTMLElement {
  return h('span', { class: `badge badge-${tone}` }, label);
}

// ---------------------------------------------------------------------------------------------
// Business views

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

function qty(v: unknown, unit: unknown): unknown {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number') return v;
  return typeof unit === 'string' && unit ? `${formatNumber(n)} ${unit}` : formatNumber(n);
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
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
export function variablesView(vars: Record<string, unknown>): HTMLElement {
  const used = new Set<string>();
  const featured: HTMLElement[] = [];
  const entries = Object.entries(vars).filter(([k]) => !k.startsWith('_'));

  for (const [k, v] of entries) {
    if (isCustomerCard(v)) {
      featured.push(ranked(0, customerCardView(v, /card|customer/i.test(k) ? 'Customer' : humanize(k))));
      used.add(k);
    }
  }
  // A process keeps the error variable of a failed attempt after a retry succeeded; once a
  // live shipment exists, such an error is history, not the current state.
  const recovered = entries.some(([, v]) => isShipment(v) && !['canceled', 'cancelled'].includes(String(v.status).toLowerCase()));
  const earlier: HTMLElement[] = [];
  for (const [k, v] of entries) {
    if (used.has(k)) continue;
    if (recovered && isErrorInfo(v)) {
      earlier.push(
        h(
          'details',
          { class: 'panel earlier' },
          h('summary', null, `An earlier attempt failed: ${String(v.message)}`),
          findShortList(v) ? shortItemsView(findShortList(v)!, 'Items that were short') : null,
          errorView(v, !!findShortList(v)),
        ),
      );
      used.add(k);
      continue;
    }
    if (isShipment(v)) {
      featured.push(ranked(1, shipmentView(v, /shipment/i.test(k) ? 'Shipment' : humanize(k))));
      used.add(k);
      continue;
    }
    const short = isShortList(v) ? v : isObj(v) ? findShortList(v) : null;
    if (short) {
      featured.push(ranked(1, shortItemsView(short, 'Items short of stock', isErrorInfo(v) ? String(v.message) : undefined)));
      used.add(k);
      if (isErrorInfo(v)) {
        const rest = errorView(v, true);
        if (rest.querySelector('.kv')) featured.push(ranked(1, rest));
      }
      continue;
    }
    if (isErrorInfo(v)) {
      featured.push(ranked(1, errorView(v, false)));
      used.add(k);
      continue;
    }
    // crm.updateDealStage returns {deal, changed, previousStage}; a bare deal works too.
    if (isDeal(v) || (isObj(v) && isDeal(v.deal))) {
      const deal = (isDeal(v) ? v : (v as Obj).deal) as Obj;
      featured.push(ranked(2, dealView(deal, /deal/i.test(k) ? 'Deal' : humanize(k), isObj(v) ? text(v.previousStage) : undefined)));
      used.add(k);
      continue;
    }
    if (isOrderLines(v)) {
      featured.push(ranked(3, orderLinesView(v, humanize(k))));
      used.add(k);
    }
  }

  const rest = Object.fromEntries(entries.filter(([k]) => !used.has(k)));
  const scalars = Object.fromEntries(Object.entries(rest).filter(([, v]) => !isObj(v) && !(Array.isArray(v) && v.some(isObj))));
  const complex = Object.entries(rest).filter(([k]) => !(k in scalars));

  const out = h('div', { class: 'gathered' });
  if (featured.length === 0 && entries.length === 0) {
    out.appendChild(h('p', { class: 'muted' }, 'The process has not gathered any data yet.'));
    return out;
  }
  // Who the customer is, then what happened (shipment or problem), then the deal and the order.
  featured.sort((a, b) => Number(a.dataset.rank) - Number(b.dataset.rank));
  for (const f of featured) out.appendChild(f);
  for (const e of earlier) out.appendChild(e);
  if (Object.keys(scalars).length) out.appendChild(section('Details', 'details', keyValues(scalars)));
  for (const [k, v] of complex) out.appendChild(section(humanize(k), 'details', renderValue(v, k)));
  return out;
}

function ranked(rank: number, el: HTMLElement): HTMLElement {
  el.dataset.rank = String(rank);
  return el;
}

/** Words to search a task by: customer name, tax id, deal title, business key… */
export function searchableText(vars: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 3) return;
    if (typeof v === 'string' || typeof v === 'number') parts.push(String(v));
    else if (Array.isArray(v)) v.slice(0, 50).forEach((x) => walk(x, depth + 1));
    else if (isObj(v)) Object.values(v).forEach((x) => walk(x, depth + 1));
  };
  walk(vars, 0);
  return parts.join(' ').toLowerCase();
}

/** A one-line business summary for a task row: "Samarkand Textiles · Deal D-12". */
export function businessSummary(vars: Record<string, unknown>): string {
  const bits: string[] = [];
  for (const v of Object.values(vars)) {
    if (isCustomerCard(v)) {
      const c: Obj = isObj(v.customer) ? { ...v.customer, ...v } : v;
      const name = text(pick(c, ...NAME_KEYS));
      if (name) bits.push(name);
      break;
    }
  }
  if (bits.length === 0) {
    const name = text(pick(vars, 'customerName', 'companyName', 'customer'));
    if (name) bits.push(name);
    else if (text(vars.customerId)) bits.push(`Customer ${text(vars.customerId)}`);
  }
  const deal = text(pick(vars, 'dealTitle', 'dealName', 'dealId'));
  if (deal) bits.push(`Deal ${deal}`);
  const shipment = Object.values(vars).find(isShipment);
  if (shipment) bits.push(`Shipment ${text(pick(shipment, 'number', 'shipmentNumber', 'id'))} (${humanize(String(shipment.status)).toLowerCase()})`);
  return bits.join(' · ');
}
