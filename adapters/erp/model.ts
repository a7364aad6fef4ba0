// The built-in ERP's records. Quantities are integers of thousandths (milli-units) and money is in
// minor units, so stock arithmetic is exact; the public views convert at the edge.

import type { CollectionSpec, Doc, DocCollection, Store } from '../../engine/store/port.ts';
import type { StructuredAddress } from '../mapping/address.ts';

export interface ProductDoc extends Doc {
  sku: string;
  name: string;
  unit: string;
  priceMinor: number;
  currency: string;
  /** Kilograms × 1000 (grams), per unit. */
  weightGrams: number | null;
  active: boolean;
  createdAt: string;
}

export interface WarehouseDoc extends Doc {
  code: string;
  name: string;
  /** Lets available stock go below zero (drop-shipping, counted later); off by default. */
  allowNegative: boolean;
  isDefault: boolean;
}

export interface StockDoc extends Doc {
  productId: string;
  warehouseId: string;
  sku: string;
  onHandMilli: number;
  /** Always the sum of `holds`; kept for queries. */
  reservedMilli: number;
  /**
   * Reservations by shipment id. Keyed holds make reserving idempotent per shipment: a resumed or
   * duplicated reservation finds its hold instead of adding a second one.
   */
  holds: Record<string, number>;
  updatedAt: string;
}

export const SHIPMENT_STATUSES = ['draft', 'waiting_for_stock', 'reserved', 'shipped', 'delivered', 'canceled'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** The shipment lifecycle as data; every change goes through `assertTransition`. */
export const SHIPMENT_TRANSITIONS: Readonly<Record<ShipmentStatus, readonly ShipmentStatus[]>> = {
  draft: ['waiting_for_stock', 'reserved', 'canceled'],
  waiting_for_stock: ['reserved', 'canceled'],
  reserved: ['shipped', 'canceled'],
  shipped: ['delivered'],
  delivered: [],
  canceled: [],
};

/** What to do when stock is short: reject (nothing created), wait for stock, or reserve what is there. */
export const SHORT_STOCK_POLICIES = ['reject', 'wait', 'partial'] as const;
export type ShortStockPolicy = (typeof SHORT_STOCK_POLICIES)[number];

export interface ShipmentLineDoc {
  sku: string;
  productId: string;
  name: string;
  unit: string;
  requestedMilli: number;
  reservedMilli: number;
  shippedMilli: number;
}

export interface ShipToDoc extends StructuredAddress {
  raw: string | null;
}

export interface ShipmentDoc extends Doc {
  /** Human number ("SH-000042"); assigned when the shipment leaves draft. */
  number: string | null;
  idempotencyKey: string;
  status: ShipmentStatus;
  partnerId: string;
  customerRef: string;
  customerName: string;
  shipTo: ShipToDoc;
  warehouseId: string;
  lines: ShipmentLineDoc[];
  policy: ShortStockPolicy;
  partial: boolean;
  dealId: string | null;
  expectedDate: string;
  createdAt: string;
  updatedAt: string;
  history: { status: ShipmentStatus; at: string }[];
}

export interface PartnerDoc extends Doc {
  externalRef: string;
  name: string;
  kind: 'company' | 'person';
  taxId: string;
  phone: string | null;
  email: string | null;
  paymentTermDays: number | null;
  address: ShipToDoc;
  createdAt: string;
  updatedAt: string;
}

export interface InvoiceLineDoc {
  sku: string;
  quantityMilli: number;
  priceMinor: number;
  amountMinor: number;
}

export interface InvoiceDoc extends Doc {
  number: string;
  partnerId: string;
  shipmentId: string | null;
  lines: InvoiceLineDoc[];
  totalMinor: number;
  currency: string;
  status: 'issued' | 'paid' | 'canceled';
  issuedAt: string;
  dueDate: string;
}

export interface CounterDoc extends Doc {
  value: number;
}

/** The partner fields the ERP declares; the mapping drift check compares against them. */
export const ERP_PARTNER_FIELDS: readonly string[] = [
  'externalRef', 'name', 'kind', 'taxId', 'phone', 'email', 'paymentTermDays',
  'address.street', 'address.street2', 'address.city', 'address.region', 'address.postcode', 'address.countryCode', 'address.raw',
];

export const ERP_COLLECTIONS = {
  products: { name: 'erp_products', indexes: ['sku', 'active'] },
  warehouses: { name: 'erp_warehouses', indexes: ['code', 'isDefault'] },
  stock: { name: 'erp_stock', indexes: ['productId', 'warehouseId', 'sku'] },
  shipments: { name: 'erp_shipments', indexes: ['status', 'partnerId', 'customerRef', 'createdAt', 'dealId'] },
  partners: { name: 'erp_partners', indexes: ['externalRef', 'taxId'] },
  invoices: { name: 'erp_invoices', indexes: ['partnerId', 'shipmentId', 'issuedAt'] },
  counters: { name: 'erp_counters', indexes: [] },
} as const satisfies Record<string, CollectionSpec>;

export interface ErpCollections {
  products: DocCollection<ProductDoc>;
  warehouses: DocCollection<WarehouseDoc>;
  stock: DocCollection<StockDoc>;
  shipments: DocCollection<ShipmentDoc>;
  partners: DocCollection<PartnerDoc>;
  invoices: DocCollection<InvoiceDoc>;
  counters: DocCollection<CounterDoc>;
}

export function erpCollections(store: Pick<Store, 'collection'>): ErpCollections {
  return {
    products: store.collection<ProductDoc>(ERP_COLLECTIONS.products),
    warehouses: store.collection<WarehouseDoc>(ERP_COLLECTIONS.warehouses),
    stock: store.collection<StockDoc>(ERP_COLLECTIONS.stock),
    shipments: store.collection<ShipmentDoc>(ERP_COLLECTIONS.shipments),
    partners: store.collection<PartnerDoc>(ERP_COLLECTIONS.partners),
    invoices: store.collection<InvoiceDoc>(ERP_COLLECTIONS.invoices),
    counters: store.collection<CounterDoc>(ERP_COLLECTIONS.counters),
  };
}

export function stockId(productId: string, warehouseId: string): string {
  return `${productId}@${warehouseId}`;
}
