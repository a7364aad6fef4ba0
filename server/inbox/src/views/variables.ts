// "What the process gathered so far": renders process variables for people. Known business
// shapes (a CRM customer card, an ERP shipment, a list of items short of stock, order lines) get
// purpose-made views; everything else becomes labelled values and tables, never raw JSON.
//
// Shapes are recognised by their fields rather than by variable names, because a process
// analyst chooses the names (resultVariable, output mappings) and adapters may add fields.

import { h } from '../dom.ts';
import { humanize } from '../format.ts';
import { customerCardView, dealView, errorView, orderLinesView, shipmentView, shortItemsView } from './business.ts';
import { findShortList, isCustomerCard, isDeal, isErrorInfo, isOrderLines, isShipment, isShortList, NAME_KEYS } from './recognise.ts';
import { isObj, keyValues, pick, renderValue, section, text, type Obj } from './values.ts';

export { customerCardView } from './business.ts';

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
