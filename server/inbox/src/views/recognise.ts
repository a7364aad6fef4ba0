// Recognisers for the business shapes adapters return. They look at fields rather than variable
// names, because the process analyst chooses the names (resultVariable, output mappings).

import { isObj, type Obj } from './values.ts';

export const NAME_KEYS = ['name', 'displayName', 'fullName', 'companyName', 'title', 'legalName'];
export const TAX_KEYS = ['taxId', 'tin', 'inn', 'vatId', 'vat', 'taxNumber'];

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

export const SHORT_KEYS = ['short', 'shortage', 'shortBy', 'missing', 'shortQuantity', 'missingQuantity'];

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
export function findShortList(v: unknown, depth = 0): Obj[] | null {
  if (isShortList(v)) return v;
  if (depth > 2 || !isObj(v)) return null;
  for (const child of Object.values(v)) {
    const found = findShortList(child, depth + 1);
    if (found) return found;
  }
  return null;
}
