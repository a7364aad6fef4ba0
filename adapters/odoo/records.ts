// What the ERP operations share over Odoo: partners keyed by the CRM id in `ref`, products by SKU
// in `default_code`, stock from `stock.quant`, and a picking with its moves as a Karvon shipment.

import { businessError, isAdapterError, type AdapterError } from '../sdk/errors.ts';
import type { Json } from '../sdk/json.ts';
import type { PartnerData } from '../mapping/customer.ts';
import { OdooClient, m2oId, m2oName, text, type OdooRecord } from './client.ts';
import { ODOO_DEFAULTS, type OdooConfig } from './config.ts';

export const PARTNER_FIELDS = ['id', 'name', 'ref', 'vat', 'is_company', 'phone', 'email', 'street', 'street2', 'city', 'zip', 'state_id', 'country_id'];
export const PICKING_FIELDS = ['id', 'name', 'state', 'partner_id', 'origin', 'scheduled_date', 'create_date', 'write_date', 'move_ids', 'note'];
export const MOVE_FIELDS = ['id', 'product_id', 'product_uom_qty', 'quantity', 'state'];

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export function locations(config: OdooConfig) {
  return {
    pickingTypeId: config.pickingTypeId ?? ODOO_DEFAULTS.pickingTypeId,
    source: config.sourceLocationId ?? ODOO_DEFAULTS.sourceLocationId,
    customers: config.customerLocationId ?? ODOO_DEFAULTS.customerLocationId,
  };
}

export interface Product {
  id: number;
  sku: string;
  name: string;
  unit: string;
  uomId: number | null;
  price: number;
}

export async function productsBySku(odoo: OdooClient, skus: string[]): Promise<Map<string, Product>> {
  const rows = await odoo.searchRead('product.product', [['default_code', 'in', skus]], ['id', 'default_code', 'name', 'uom_id', 'lst_price']);
  const map = new Map<string, Product>();
  for (const r of rows) {
    const sku = text(r.default_code);
    if (sku) map.set(sku, { id: r.id as number, sku, name: text(r.name) ?? sku, unit: m2oName(r.uom_id) ?? 'Units', uomId: m2oId(r.uom_id), price: Number(r.lst_price) || 0 });
  }
  return map;
}

export interface StockLine {
  sku: string;
  requested: number;
  onHand: number;
  reserved: number;
  available: number;
  short: number;
}

/** On hand and reserved under the source location (child locations included), per product. */
export async function stockFor(odoo: OdooClient, config: OdooConfig, wanted: { product: Product; quantity: number }[]): Promise<StockLine[]> {
  const quants = await odoo.searchRead('stock.quant', [['product_id', 'in', wanted.map((w) => w.product.id)], ['location_id', 'child_of', locations(config).source]], ['product_id', 'quantity', 'reserved_quantity']);
  return wanted.map(({ product, quantity }) => {
    const own = quants.filter((q) => m2oId(q.product_id) === product.id);
    const onHand = round3(own.reduce((s, q) => s + (Number(q.quantity) || 0), 0));
    const reserved = round3(own.reduce((s, q) => s + (Number(q.reserved_quantity) || 0), 0));
    const available = round3(Math.max(0, onHand - reserved));
    return { sku: product.sku, requested: quantity, onHand, reserved, available, short: round3(Math.max(0, quantity - available)) };
  });
}

/** The same details shape as the built-in ERP's INSUFFICIENT_STOCK, so forms and diagrams agree. */
export function insufficientStock(lines: StockLine[], config: OdooConfig, customerId: string, customerName: string): AdapterError {
  const short = lines.filter((l) => l.short > 0).map((l) => ({ sku: l.sku, requested: l.requested, available: l.available, short: l.short }));
  const warehouse = config.warehouseName ?? 'Main warehouse';
  const list = short.map((i) => `${i.sku}: requested ${i.requested}, available ${i.available}, short ${i.short}`).join('; ');
  const details: Json = { customerId, customerName, warehouseId: String(locations(config).source), warehouse, shortItems: short };
  return businessError('INSUFFICIENT_STOCK', `Not enough stock in ${warehouse} for customer "${customerName}": ${list}`, details);
}

export async function countryId(odoo: OdooClient, code: string): Promise<number | null> {
  const [row] = await odoo.searchRead('res.country', [['code', '=', code]], ['id']);
  return row ? (row.id as number) : null;
}

/** Creates or updates the partner whose `ref` is the CRM customer id; a retry finds the first. */
export async function upsertPartner(odoo: OdooClient, partner: PartnerData): Promise<{ id: number; created: boolean }> {
  const country = await countryId(odoo, partner.address.countryCode);
  const values: OdooRecord = {
    name: partner.name,
    ref: partner.externalRef,
    vat: partner.taxId,
    is_company: partner.kind === 'company',
    phone: partner.phone ?? false,
    email: partner.email ?? false,
    street: partner.address.street,
    street2: partner.address.street2 ?? false,
    city: partner.address.city,
    zip: partner.address.postcode ?? false,
    country_id: country ?? false,
  };
  const [existing] = await odoo.searchRead('res.partner', [['ref', '=', partner.externalRef]], ['id']);
  if (existing) {
    await odoo.write('res.partner', [existing.id as number], values);
    return { id: existing.id as number, created: false };
  }
  return { id: await odoo.create('res.partner', values), created: true };
}

export interface PartnerView {
  id: string;
  externalRef: string;
  name: string;
  kind: 'company' | 'person';
  taxId: string;
  phone: string | null;
  email: string | null;
  paymentTermDays: number | null;
  address: { street: string; street2: string | null; city: string; region: string | null; postcode: string | null; countryCode: string; raw: string | null };
}

export async function readPartner(odoo: OdooClient, id: number): Promise<PartnerView> {
  const [p] = await odoo.read('res.partner', [id], PARTNER_FIELDS);
  const countryRef = m2oId(p?.country_id);
  const [country] = countryRef ? await odoo.read('res.country', [countryRef], ['code']) : [];
  return {
    id: String(id),
    externalRef: text(p?.ref) ?? '',
    name: text(p?.name) ?? '',
    kind: p?.is_company === false ? 'person' : 'company',
    taxId: text(p?.vat) ?? '',
    phone: text(p?.phone),
    email: text(p?.email),
    paymentTermDays: null,
    address: {
      street: text(p?.street) ?? '',
      street2: text(p?.street2),
      city: text(p?.city) ?? '',
      region: m2oName(p?.state_id),
      postcode: text(p?.zip),
      countryCode: text(country?.code) ?? '',
      raw: null,
    },
  };
}

type ShipmentStatus = 'draft' | 'waiting_for_stock' | 'reserved' | 'shipped' | 'delivered' | 'canceled';
const STATUS: Readonly<Record<string, ShipmentStatus>> = { draft: 'draft', waiting: 'waiting_for_stock', confirmed: 'waiting_for_stock', assigned: 'reserved', done: 'shipped', cancel: 'canceled' };

export interface ShipmentView {
  id: string;
  number: string | null;
  status: ShipmentStatus;
  partnerId: string;
  customerRef: string;
  customerName: string;
  shipTo: PartnerView['address'];
  warehouseId: string;
  lines: { sku: string; productId: string; name: string; unit: string; requested: number; reserved: number; shipped: number }[];
  partial: boolean;
  shortStockPolicy: 'reject' | 'wait' | 'partial';
  dealId: string | null;
  expectedDate: string;
  createdAt: string;
  updatedAt: string;
}

const DEAL_NOTE = /Karvon deal: ([^\s<]+)/;
export const dealNote = (dealId: string | null | undefined): string | false => (dealId ? `Karvon deal: ${dealId}` : false);

const isoOf = (value: unknown): string => {
  // Odoo writes datetimes as "YYYY-MM-DD HH:MM:SS" in UTC.
  const t = typeof value === 'string' ? Date.parse(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`) : NaN;
  return Number.isNaN(t) ? new Date(0).toISOString() : new Date(t).toISOString();
};

/** Null when Odoo has no such picking (its read raises MissingError for unknown ids). */
export async function readPicking(odoo: OdooClient, id: number): Promise<OdooRecord | null> {
  try {
    const [picking] = await odoo.read('stock.picking', [id], PICKING_FIELDS);
    return picking ?? null;
  } catch (error) {
    if (isAdapterError(error) && error.kind === 'not_found') return null;
    throw error;
  }
}

export async function shipmentView(odoo: OdooClient, config: OdooConfig, picking: OdooRecord, policy: ShipmentView['shortStockPolicy'] = 'reject'): Promise<ShipmentView> {
  const moveIds = Array.isArray(picking.move_ids) ? (picking.move_ids as number[]) : [];
  const moves = moveIds.length > 0 ? await odoo.read('stock.move', moveIds, MOVE_FIELDS) : [];
  const productIds = moves.map((m) => m2oId(m.product_id)).filter((n): n is number => n !== null);
  const products = productIds.length > 0 ? await odoo.read('product.product', productIds, ['id', 'default_code', 'name', 'uom_id']) : [];
  const partner = await readPartner(odoo, m2oId(picking.partner_id) ?? 0);
  const status = STATUS[String(picking.state)] ?? 'draft';
  const lines = moves.map((m) => {
    const product = products.find((p) => p.id === m2oId(m.product_id));
    const requested = round3(Number(m.product_uom_qty) || 0);
    const quantity = round3(Number(m.quantity) || 0);
    return {
      sku: text(product?.default_code) ?? String(m2oId(m.product_id)),
      productId: String(m2oId(m.product_id)),
      name: text(product?.name) ?? '',
      unit: m2oName(product?.uom_id) ?? 'Units',
      requested,
      reserved: status === 'reserved' || status === 'waiting_for_stock' ? quantity : 0,
      shipped: status === 'shipped' ? quantity : 0,
    };
  });
  const note = typeof picking.note === 'string' ? DEAL_NOTE.exec(picking.note) : null;
  return {
    id: String(picking.id),
    number: text(picking.name),
    status,
    partnerId: partner.id,
    customerRef: partner.externalRef,
    customerName: partner.name,
    shipTo: partner.address,
    warehouseId: String(locations(config).source),
    lines,
    partial: status === 'reserved' && lines.some((l) => l.reserved < l.requested),
    shortStockPolicy: policy,
    dealId: note ? note[1] : null,
    expectedDate: isoOf(picking.scheduled_date).slice(0, 10),
    createdAt: isoOf(picking.create_date),
    updatedAt: isoOf(picking.write_date),
  };
}
