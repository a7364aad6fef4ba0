// Toasts for outcomes (announced politely to screen readers) and inline alerts for problems
// the employee has to act on.

import { ApiError } from './api.ts';
import { h } from './dom.ts';

let region: HTMLElement | null = null;

export function mountToasts(parent: HTMLElement): void {
  region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
  parent.appendChild(region);
}

export function toast(message: string, kind: 'ok' | 'error' | 'info' = 'ok'): void {
  if (!region) return;
  const el = h('div', { class: `toast toast-${kind}` }, message);
  region.appendChild(el);
  window.setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

export function alertBox(message: string | Node, kind: 'error' | 'warning' | 'info' | 'ok' = 'error', ...actions: Node[]): HTMLElement {
  return h(
    'div',
    { class: `alert alert-${kind}`, role: kind === 'error' || kind === 'warning' ? 'alert' : 'status' },
    h('div', { class: 'alert-text' }, message),
    actions.length ? h('div', { class: 'alert-actions' }, actions) : null,
  );
}

/** Turns any thrown value into a sentence an employee can read. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return err.message;
    if (err.status === 403 && !err.message) return 'You are not allowed to do this.';
    const fields = err.details
      .map((d) => (d && typeof d === 'object' ? (d as Record<string, unknown>) : null))
      .filter((d): d is Record<string, unknown> => d !== null)
      .map((d) => [d.path ?? d.field ?? d.instancePath, d.message].filter(Boolean).join(': '))
      .filter(Boolean);
    return fields.length ? `${err.message} (${fields.join('; ')})` : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
