// Generic rendering of process data for people: labelled values, tables, addresses, money.
// Nothing here knows about CRMs or ERPs; business views build on these pieces.

import { h } from '../dom.ts';
import { formatDateValue, formatMoney, formatNumber, humanize, parseDate } from '../format.ts';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

export function pick(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null && o[k] !== '') return o[k];
  return undefined;
}

export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  return undefined;
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

export function isMoney(v: Obj): boolean {
  return typeof v.amount === 'number' && typeof v.currency === 'string' && Object.keys(v).length <= 3;
}

export function isAddress(v: Obj): boolean {
  return ['street', 'city', 'postcode', 'postalCode', 'countryCode', 'raw', 'line1'].filter((k) => v[k] !== undefined).length >= 2;
}

export function addressText(v: unknown): string {
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

export interface Column {
  key: string;
  label: string;
  value?: (r: Obj) => unknown;
  numeric?: boolean;
}

export function table(rows: Obj[], columns?: Column[], caption?: string): HTMLElement {
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

export function section(title: string, cls: string, ...body: Array<Node | null>): HTMLElement {
  return h('section', { class: `panel ${cls}` }, h('h3', { class: 'panel-title' }, title), body);
}

export function badge(label: string, tone: string): HTMLElement {
  return h('span', { class: `badge badge-${tone}` }, label);
}

export function qty(v: unknown, unit: unknown): unknown {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number') return v;
  return typeof unit === 'string' && unit ? `${formatNumber(n)} ${unit}` : formatNumber(n);
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}
