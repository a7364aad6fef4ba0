// Order lines from a process (a form, a CRM deal) → ERP shipment lines. Quantities must be numbers:
// text such as "5" or "5 pcs" is reported, naming the item and the customer, never coerced.

import { businessError, type AdapterError } from '../sdk/errors.ts';
import { DecimalError, toMilli } from '../sdk/decimal.ts';

export interface OrderLine {
  sku: string;
  /** Exact, in thousandths of the product's unit. */
  quantityMilli: number;
}

export const ORDER_DATA_INVALID = 'ORDER_DATA_INVALID';

export interface LineProblem {
  field: string;
  problem: string;
  fix: string;
}

/** Validates and merges lines of the same SKU; throws ORDER_DATA_INVALID listing every problem. */
export function mapOrderLines(items: unknown, customer: { id?: string | null; name?: string | null } = {}): OrderLine[] {
  const problems: LineProblem[] = [];
  const merged = new Map<string, number>();
  if (!Array.isArray(items) || items.length === 0) {
    problems.push({ field: 'items', problem: 'no items to ship', fix: 'Add at least one item with a SKU and a quantity' });
  } else {
    items.forEach((item: unknown, index) => {
      const path = `items[${index}]`;
      const record = (item ?? {}) as Record<string, unknown>;
      const sku = typeof record.sku === 'string' ? record.sku.trim() : '';
      if (sku === '') problems.push({ field: `${path}.sku`, problem: 'is missing', fix: 'Enter the product SKU' });
      const quantity = record.quantity;
      let milli: number | null = null;
      if (typeof quantity === 'string') {
        problems.push({ field: `${path}.quantity`, problem: `arrived as text "${quantity}" where a number is expected`, fix: `Enter the quantity of ${sku || 'the item'} as a number` });
      } else if (typeof quantity !== 'number') {
        problems.push({ field: `${path}.quantity`, problem: 'is missing', fix: `Enter the quantity of ${sku || 'the item'}` });
      } else if (!(quantity > 0)) {
        problems.push({ field: `${path}.quantity`, problem: `must be more than 0, got ${quantity}`, fix: 'Enter a positive quantity' });
      } else {
        try {
          milli = toMilli(quantity);
        } catch (error) {
          if (!(error instanceof DecimalError)) throw error;
          problems.push({ field: `${path}.quantity`, problem: error.message, fix: 'Use at most three decimal places' });
        }
      }
      if (sku !== '' && milli !== null) merged.set(sku, (merged.get(sku) ?? 0) + milli);
    });
  }
  if (problems.length > 0) throw orderError(customer, problems);
  return [...merged].map(([sku, quantityMilli]) => ({ sku, quantityMilli }));
}

function orderError(customer: { id?: string | null; name?: string | null }, problems: LineProblem[]): AdapterError {
  const who = customer.name ? `Order for customer "${customer.name}"${customer.id ? ` (${customer.id})` : ''}` : 'Order';
  return businessError(
    ORDER_DATA_INVALID,
    `${who}: ${problems.map((p) => `${p.field} ${p.problem}. Fix: ${p.fix}`).join(' ')}`,
    { customerId: customer.id ?? null, customerName: customer.name ?? null, field: problems[0].field, problems: problems.map((p) => ({ ...p })) },
  );
}
