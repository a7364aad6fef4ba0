// Display helpers: dates, priorities, labels. The inbox shows times in the employee's locale.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function parseDate(value: unknown): Date | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(value: string | null | undefined): string {
  const d = parseDate(value);
  return d ? dateTime.format(d) : '';
}

/** A date-only ISO string (2026-12-05) stays a date; a timestamp gets its time. */
export function formatDateValue(value: string): string {
  const d = parseDate(value);
  if (!d) return value;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? dateOnly.format(d) : dateTime.format(d);
}

/** "today at 10:42" or "5 Dec 2026, 10:42": how conflict messages name a moment. */
export function formatMoment(value: string | null | undefined): string {
  const d = parseDate(value);
  if (!d) return '';
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return `at ${timeOnly.format(d)}`;
  return `on ${dateTime.format(d)}`;
}

export type DueState = 'overdue' | 'today' | 'soon' | 'later' | 'none';

export function dueState(due: string | null, now = new Date()): DueState {
  const d = parseDate(due);
  if (!d) return 'none';
  if (d.getTime() < now.getTime()) return 'overdue';
  const endOfToday = new Date(now);
  endOfToday.setHours(23, 59, 59, 999);
  if (d.getTime() <= endOfToday.getTime()) return 'today';
  if (d.getTime() - now.getTime() <= 7 * 24 * 3600 * 1000) return 'soon';
  return 'later';
}

export function dueLabel(due: string | null): string {
  const d = parseDate(due);
  if (!d) return 'No due date';
  const state = dueState(due);
  if (state === 'overdue') return `Overdue since ${dateTime.format(d)}`;
  if (state === 'today') return `Due today ${timeOnly.format(d)}`;
  return `Due ${dateTime.format(d)}`;
}

/** Zeebe priorities run 0..100 with 50 as the default. */
export type PriorityBand = 'high' | 'medium' | 'low';

export function priorityBand(priority: number | null | undefined): PriorityBand {
  const p = priority ?? 50;
  if (p >= 75) return 'high';
  if (p >= 40) return 'medium';
  return 'low';
}

export function priorityLabel(priority: number | null | undefined): string {
  const band = priorityBand(priority);
  return `${band[0]!.toUpperCase()}${band.slice(1)} priority`;
}

/** customerId -> "Customer ID", deliveryDate -> "Delivery date", ship_to -> "Ship to". */
export function humanize(key: string): string {
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .trim()
    .split(/\s+/)
    .map((w) => w.toLowerCase());
  const fixed = words.map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w));
  const first = fixed[0] ?? '';
  fixed[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return fixed.join(' ');
}

const ACRONYMS = new Set(['id', 'sku', 'vat', 'tin', 'inn', 'crm', 'erp', 'url', 'iban', 'bic']);

export function formatNumber(value: number): string {
  return new Intl.NumberFormat().format(value);
}

export function formatMoney(amount: number, currency?: string): string {
  if (currency && /^[A-Z]{3}$/.test(currency)) {
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
    } catch {
      // An unknown currency code: fall through to the plain number.
    }
  }
  return currency ? `${formatNumber(amount)} ${currency}` : formatNumber(amount);
}

export function processLabel(key: string, names: Map<string, string>): string {
  return names.get(key) || humanize(key);
}
