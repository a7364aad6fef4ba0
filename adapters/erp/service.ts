// The built-in ERP: products, warehouses, stock, partners, shipments and invoices, as typed
// functions for the REST routes and the adapter operations. Stock changes are read-modify-write
// with the store's revision check and a retry loop, so reservations stay exact under concurrency.

import type { FromSchema } from 'json-schema-to-ts';
import { ConflictError, NotFoundError, ValidationError } from '../../engine/errors.ts';
import { AdapterError, businessError, transientError } from '../sdk/errors.ts';
import { fromMilli, fromMinor, lineAmountMinor, toMilli, toMinor } from '../sdk/decimal.ts';
import { idFromKey } from '../sdk/keys.ts';
import type { Json } from '../sdk/json.ts';
import { checker } from '../runtime/service-validation.ts';
import { describeAddressProblems, parseAddress } from '../mapping/address.ts';
import { ADDRESS_INCOMPLETE, mapCustomerToPartner, type PartnerData } from '../mapping/customer.ts';
import { mapOrderLines } from '../mapping/lines.ts';
import {
  SHIPMENT_TRANSITIONS,
  erpCollections,
  stockId,
  type CounterDoc,
  type ErpCollections,
  type InvoiceDoc,
  type PartnerDoc,
  type ProductDoc,
  type ShipToDoc,
  type ShipmentDoc,
  type ShipmentLineDoc,
  type ShipmentStatus,
  type ShortStockPolicy,
  type StockDoc,
  type WarehouseDoc,
} from './model.ts';
import {
  adjustStockSchema,
  createProductSchema,
  createWarehouseSchema,
  shipmentQuerySchema,
  stockQuerySchema,
  type invoiceSchema,
  type partnerSchema,
  type productSchema,
  type shipmentSchema,
  type stockSchema,
} from './schemas.ts';
import type { CollectionStore } from '../crm/model.ts';

export type Product = FromSchema<typeof productSchema>;
export type Stock = FromSchema<typeof stockSchema>;
export type Shipment = FromSchema<typeof shipmentSchema>;
export type Partner = FromSchema<typeof partnerSchema>;
export type Invoice = FromSchema<typeof invoiceSchema>;
export type CreateProductInput = FromSchema<typeof createProductSchema>;
export type CreateWarehouseInput = FromSchema<typeof createWarehouseSchema>;
export type StockQuery = FromSchema<typeof stockQuerySchema>;
export type ShipmentQuery = FromSchema<typeof shipmentQuerySchema>;
export interface AdjustStockInput {
  productId?: string;
  sku?: string;
  warehouseId: string;
  delta?: number;
  set?: number;
  reason?: string;
}

const checkCreateProduct = checker<CreateProductInput>(createProductSchema, 'product');
const checkCreateWarehouse = checker<CreateWarehouseInput>(createWarehouseSchema, 'warehouse');
const checkStockQuery = checker<StockQuery>(stockQuerySchema, 'stock query');
const checkAdjust = checker<AdjustStockInput>(adjustStockSchema, 'stock adjustment');
const checkShipmentQuery = checker<ShipmentQuery>(shipmentQuerySchema, 'shipment query');

export const INSUFFICIENT_STOCK = 'INSUFFICIENT_STOCK';
export const UNKNOWN_PRODUCT = 'UNKNOWN_PRODUCT';

export interface ShortItem {
  sku: string;
  requested: number;
  available: number;
  short: number;
}

export interface ShipmentRequest {
  /** The CRM customer (card's `customer`); mapped to an ERP partner. */
  customer: unknown;
  /** Free text or structured; defaults to the customer's address. */
  shipTo?: unknown;
  items: unknown;
  warehouseId?: string;
  /** YYYY-MM-DD; defaults to today + lead time. */
  deliveryDate?: string;
  dealId?: string | null;
  shortStockPolicy?: ShortStockPolicy;
}

export interface ErpServiceOptions {
  store: CollectionStore;
  now?: () => number;
  currency?: string;
  /** Days from request to expected delivery when none is asked for. */
  leadTimeDays?: number;
  /** Days to pay an invoice when the partner has no term of its own. */
  paymentTermDays?: number;
  /** Assumed country for addresses that name none (such addresses still go to review). */
  defaultCountry?: string;
}

/** Serialises work per key inside this process (same idempotency key twice at once → one run). */
class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => {}).then(fn);
    this.tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key);
    }
  }
}

const MAX_CAS_ATTEMPTS = 500;

export class ErpService {
  readonly collections: ErpCollections;
  readonly currency: string;
  private readonly now: () => number;
  private readonly leadTimeDays: number;
  private readonly paymentTermDays: number;
  private readonly defaultCountry: string | undefined;
  private readonly locks = new KeyedLock();

  constructor(options: ErpServiceOptions) {
    this.collections = erpCollections(options.store);
    this.now = options.now ?? Date.now;
    this.currency = options.currency ?? 'UZS';
    this.leadTimeDays = options.leadTimeDays ?? 2;
    this.paymentTermDays = options.paymentTermDays ?? 14;
    this.defaultCountry = options.defaultCountry;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  // ---- products and warehouses ------------------------------------------------------------------

  async listProducts(): Promise<Product[]> {
    return (await this.collections.products.find({ orderBy: 'sku' })).map(productView);
  }

  async createProduct(input: unknown): Promise<Product> {
    const data = checkCreateProduct(input);
    const id = productIdFor(data.sku);
    try {
      return productView(await this.collections.products.insert({
        id,
        sku: data.sku,
        name: data.name,
        unit: data.unit,
        priceMinor: this.scaled(toMinor, data.price, 'price'),
        currency: data.currency ?? this.currency,
        weightGrams: data.weight === undefined || data.weight === null ? null : this.scaled(toMilli, data.weight, 'weight'),
        active: true,
        createdAt: this.iso(),
      }));
    } catch (error) {
      if (error instanceof ConflictError) throw new ConflictError(`A product with SKU "${data.sku}" exists`, [{ path: 'sku', message: 'is taken' }]);
      throw error;
    }
  }

  async getProduct(id: string): Promise<Product> {
    const doc = await this.collections.products.get(id);
    if (!doc) throw new NotFoundError(`Product "${id}" not found`);
    return productView(doc);
  }

  async productBySku(sku: string): Promise<ProductDoc | null> {
    return this.collections.products.get(productIdFor(sku));
  }

  async listWarehouses(): Promise<WarehouseDoc[]> {
    return this.collections.warehouses.find({ orderBy: 'code' });
  }

  async createWarehouse(input: unknown): Promise<WarehouseDoc> {
    const data = checkCreateWarehouse(input);
    return this.collections.warehouses.insert({
      id: `wh_${data.code}`,
      code: data.code,
      name: data.name,
      allowNegative: data.allowNegative ?? false,
      isDefault: data.isDefault ?? false,
    });
  }

  private async warehouse(id: string | undefined): Promise<WarehouseDoc> {
    if (id) {
      const doc = (await this.collections.warehouses.get(id)) ?? (await this.collections.warehouses.get(`wh_${id}`));
      if (!doc) throw new NotFoundError(`Warehouse "${id}" not found`);
      return doc;
    }
    const all = await this.collections.warehouses.find({ orderBy: 'code' });
    const chosen = all.find((w) => w.isDefault) ?? all[0];
    if (!chosen) throw new NotFoundError('No warehouse is set up');
    return chosen;
  }

  // ---- stock --------------------------------------------------------------------------------

  async queryStock(query: unknown = {}): Promise<Stock[]> {
    const q = checkStockQuery(query ?? {});
    const where: Record<string, string> = {};
    if (q.productId) where.productId = q.productId;
    if (q.warehouseId) where.warehouseId = q.warehouseId;
    if (q.sku) where.sku = q.sku;
    return (await this.collections.stock.find({ where, orderBy: 'sku' })).map(stockView);
  }

  async stockOf(productId: string, warehouseId: string): Promise<Stock> {
    const doc = await this.collections.stock.get(stockId(productId, warehouseId));
    const product = await this.collections.products.get(productId);
    return doc ? stockView(doc) : { productId, sku: product?.sku ?? '', warehouseId, onHand: 0, reserved: 0, available: 0 };
  }

  /** Counts and write-offs. Never leaves stock on hand below zero, nor below what is reserved. */
  async adjustStock(input: unknown): Promise<Stock> {
    const data = checkAdjust(input);
    const product = data.productId ? await this.collections.products.get(data.productId) : await this.productBySku(data.sku ?? '');
    if (!product) throw new NotFoundError(`Product "${data.productId ?? data.sku}" not found`);
    const warehouse = await this.warehouse(data.warehouseId);
    const field = data.set !== undefined ? 'set' : 'delta';
    const amount = this.scaled(toMilli, (data.set ?? data.delta)!, field);
    const stored = await this.updateStock(product, warehouse, (doc) => {
      const onHand = field === 'set' ? amount : doc.onHandMilli + amount;
      if (onHand < 0 && !warehouse.allowNegative) {
        throw new ValidationError(`Stock of ${product.sku} cannot go below zero`, [{ path: field, message: `would leave ${fromMilli(onHand)} on hand` }]);
      }
      if (onHand - doc.reservedMilli < 0 && !warehouse.allowNegative) {
        throw new ValidationError(`Stock of ${product.sku} cannot go below what is reserved`, [
          { path: field, message: `would leave ${fromMilli(onHand)} on hand with ${fromMilli(doc.reservedMilli)} reserved` },
        ]);
      }
      return { ...doc, onHandMilli: onHand };
    });
    if (amount > 0 || field === 'set') await this.reserveWaitingShipments();
    return stockView(stored);
  }

  private async updateStock(product: ProductDoc, warehouse: WarehouseDoc, change: (doc: StockDoc) => StockDoc | null): Promise<StockDoc> {
    const id = stockId(product.id, warehouse.id);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      let doc = await this.collections.stock.get(id);
      if (!doc) {
        try {
          doc = await this.collections.stock.insert({ id, productId: product.id, warehouseId: warehouse.id, sku: product.sku, onHandMilli: 0, reservedMilli: 0, holds: {}, updatedAt: this.iso() });
        } catch (error) {
          if (error instanceof ConflictError) continue;
          throw error;
        }
      }
      const next = change(doc);
      if (next === null) return doc;
      const stored = await this.collections.stock.replace({ ...next, updatedAt: this.iso() });
      if (stored) return stored;
    }
    throw transientError(`Stock of ${product.sku} is too contended; try again`);
  }

  /** Availability per requested line; a shipment's own holds count as available to it. */
  async checkAvailability(lines: readonly { sku: string; quantityMilli: number }[], warehouseId?: string, shipmentId?: string): Promise<{ warehouse: WarehouseDoc; lines: (Stock & { requested: number; short: number; known: boolean })[] }> {
    const warehouse = await this.warehouse(warehouseId);
    const result = [];
    for (const line of lines) {
      const product = await this.productBySku(line.sku);
      const doc = product ? await this.collections.stock.get(stockId(product.id, warehouse.id)) : null;
      const own = shipmentId ? doc?.holds[shipmentId] ?? 0 : 0;
      const onHand = doc?.onHandMilli ?? 0;
      const reserved = (doc?.reservedMilli ?? 0) - own;
      const available = warehouse.allowNegative ? Math.max(onHand - reserved, line.quantityMilli) : onHand - reserved;
      result.push({
        productId: product?.id ?? '',
        sku: line.sku,
        warehouseId: warehouse.id,
        onHand: fromMilli(onHand),
        reserved: fromMilli(reserved),
        available: fromMilli(Math.max(0, available)),
        requested: fromMilli(line.quantityMilli),
        short: fromMilli(Math.max(0, line.quantityMilli - Math.max(0, available))),
        known: product !== null,
      });
    }
    return { warehouse, lines: result };
  }

  // ---- partners -----------------------------------------------------------------------------

  async getPartner(id: string): Promise<Partner> {
    const doc = await this.collections.partners.get(id);
    if (!doc) throw new NotFoundError(`Partner "${id}" not found`);
    return partnerView(doc);
  }

  async listPartners(): Promise<Partner[]> {
    return (await this.collections.partners.find({ orderBy: 'name' })).map(partnerView);
  }

  /** Maps a CRM customer (business errors name the field and the fix) and upserts it. */
  async upsertPartnerFromCustomer(customer: unknown): Promise<{ partner: Partner; created: boolean }> {
    const { partner } = mapCustomerToPartner(customer, { defaultCountry: this.defaultCountry });
    return this.upsertPartner(partner);
  }

  /** Keyed by the CRM reference, so repeating it updates one partner instead of adding another. */
  async upsertPartner(data: PartnerData): Promise<{ partner: Partner; created: boolean }> {
    const id = idFromKey('prt', data.externalRef);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const existing = await this.collections.partners.get(id);
      const fields = {
        externalRef: data.externalRef,
        name: data.name,
        kind: data.kind,
        taxId: data.taxId,
        phone: data.phone,
        email: data.email,
        paymentTermDays: data.paymentTermDays,
        address: { ...data.address },
      };
      if (!existing) {
        try {
          const at = this.iso();
          return { partner: partnerView(await this.collections.partners.insert({ id, ...fields, createdAt: at, updatedAt: at })), created: true };
        } catch (error) {
          if (error instanceof ConflictError) continue;
          throw error;
        }
      }
      const same = JSON.stringify({ ...partnerView(existing), id: undefined }) === JSON.stringify({ ...partnerView({ ...existing, ...fields }), id: undefined });
      if (same) return { partner: partnerView(existing), created: false };
      const stored = await this.collections.partners.replace({ ...existing, ...fields, updatedAt: this.iso() });
      if (stored) return { partner: partnerView(stored), created: false };
    }
    throw transientError(`Partner "${data.externalRef}" is too contended; try again`);
  }

  // ---- shipments ----------------------------------------------------------------------------

  async listShipments(query: unknown = {}): Promise<Shipment[]> {
    const raw = query && typeof query === 'object' && typeof (query as { limit?: unknown }).limit === 'string'
      ? { ...query, limit: Number((query as { limit: string }).limit) }
      : query ?? {};
    const q = checkShipmentQuery(raw);
    const where: Record<string, string> = {};
    if (q.status) where.status = q.status;
    if (q.partnerId) where.partnerId = q.partnerId;
    if (q.customerRef) where.customerRef = q.customerRef;
    if (q.dealId) where.dealId = q.dealId;
    const docs = await this.collections.shipments.find({ where, orderBy: 'createdAt', desc: true, limit: q.limit ?? 100 });
    return docs.filter((d) => d.status !== 'draft' || q.status === 'draft').map(shipmentView);
  }

  async getShipment(id: string): Promise<Shipment> {
    const doc = await this.collections.shipments.get(id);
    if (!doc) throw new NotFoundError(`Shipment "${id}" not found`);
    return shipmentView(doc);
  }

  /**
   * Creates (or, for a key seen before, returns) a shipment and reserves its stock.
   * Everything that can be wrong with the request is checked before anything is written; with the
   * default `reject` policy short stock throws INSUFFICIENT_STOCK and leaves nothing behind.
   */
  async requestShipment(request: ShipmentRequest, idempotencyKey: string): Promise<Shipment> {
    return this.locks.run(idempotencyKey, async () => {
      const id = idFromKey('shp', idempotencyKey);
      const existing = await this.collections.shipments.get(id);
      if (existing && existing.status !== 'draft') return shipmentView(existing);

      const plan = await this.plan(request);
      let draft = existing;
      if (!draft) {
        if (plan.policy === 'reject') await this.throwIfShort(plan.lines, plan.warehouse, plan.partner, null);
        const { partner } = await this.upsertPartner(plan.partner);
        const at = this.iso();
        try {
          draft = await this.collections.shipments.insert({
            id,
            number: null,
            idempotencyKey,
            status: 'draft',
            partnerId: partner.id,
            customerRef: plan.partner.externalRef,
            customerName: plan.partner.name,
            shipTo: plan.shipTo,
            warehouseId: plan.warehouse.id,
            lines: plan.lines,
            policy: plan.policy,
            partial: false,
            dealId: request.dealId ?? null,
            expectedDate: plan.expectedDate,
            createdAt: at,
            updatedAt: at,
            history: [{ status: 'draft', at }],
          });
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          // Another node took the same key: finish its draft, or return its result.
          draft = await this.collections.shipments.get(id);
          if (!draft) throw transientError(`Shipment for key ${idempotencyKey} vanished while being created`);
          if (draft.status !== 'draft') return shipmentView(draft);
        }
      }
      return shipmentView(await this.reserveDraft(draft, plan.warehouse, plan.partner));
    });
  }

  private async plan(request: ShipmentRequest) {
    const { partner } = mapCustomerToPartner(request.customer, { defaultCountry: this.defaultCountry });
    let shipTo: ShipToDoc = partner.address;
    if (typeof request.shipTo === 'string' && request.shipTo.trim() !== '') {
      const parsed = parseAddress(request.shipTo, { defaultCountry: this.defaultCountry });
      if (parsed.confidence !== 'high' || !parsed.structured) {
        throw businessError(ADDRESS_INCOMPLETE, `Customer "${partner.name}" (${partner.externalRef}): ship-to address "${parsed.raw}" cannot be structured confidently: ${describeAddressProblems(parsed)}. Fix: write it as "street and house, city, postcode, country"`, {
          customerId: partner.externalRef, customerName: partner.name, field: 'shipTo',
          problems: [{ field: 'shipTo', source: 'shipTo', problem: describeAddressProblems(parsed), fix: 'Write the address as "street and house, city, postcode, country"' }],
        });
      }
      shipTo = { ...parsed.structured, raw: parsed.raw };
    } else if (request.shipTo && typeof request.shipTo === 'object') {
      const given = request.shipTo as Partial<ShipToDoc>;
      const missing = (['street', 'city', 'countryCode'] as const).filter((f) => typeof given[f] !== 'string' || given[f] === '');
      if (missing.length > 0) {
        throw businessError(ADDRESS_INCOMPLETE, `Customer "${partner.name}" (${partner.externalRef}): ship-to address lacks ${missing.join(', ')}. Fix: complete the ship-to address`, {
          customerId: partner.externalRef, customerName: partner.name, field: `shipTo.${missing[0]}`,
          problems: missing.map((f) => ({ field: `shipTo.${f}`, source: 'shipTo', problem: 'is missing', fix: 'Complete the ship-to address' })),
        });
      }
      shipTo = { street: given.street!, street2: given.street2 ?? null, city: given.city!, region: given.region ?? null, postcode: given.postcode ?? null, countryCode: given.countryCode!, raw: given.raw ?? null };
    }
    const orderLines = mapOrderLines(request.items, { id: partner.externalRef, name: partner.name });
    const warehouse = await this.warehouse(request.warehouseId);
    const lines: ShipmentLineDoc[] = [];
    const unknown: string[] = [];
    for (const line of orderLines) {
      const product = await this.productBySku(line.sku);
      if (!product || !product.active) unknown.push(line.sku);
      else lines.push({ sku: product.sku, productId: product.id, name: product.name, unit: product.unit, requestedMilli: line.quantityMilli, reservedMilli: 0, shippedMilli: 0 });
    }
    if (unknown.length > 0) {
      throw businessError(UNKNOWN_PRODUCT, `Order for customer "${partner.name}": unknown SKU ${unknown.join(', ')}. Fix: correct the SKU or add the product to the ERP`, {
        customerId: partner.externalRef, customerName: partner.name, skus: unknown,
      });
    }
    return { partner, shipTo, warehouse, lines, policy: request.shortStockPolicy ?? 'reject', expectedDate: this.expectedDate(request.deliveryDate) };
  }

  private expectedDate(requested: string | undefined): string {
    const earliest = new Date(this.now() + this.leadTimeDays * 86_400_000).toISOString().slice(0, 10);
    return requested && /^\d{4}-\d{2}-\d{2}$/.test(requested) && requested > earliest ? requested : earliest;
  }

  private async shortItems(lines: readonly ShipmentLineDoc[], warehouse: WarehouseDoc, shipmentId: string | null): Promise<ShortItem[]> {
    const { lines: checked } = await this.checkAvailability(lines.map((l) => ({ sku: l.sku, quantityMilli: l.requestedMilli })), warehouse.id, shipmentId ?? undefined);
    return checked.filter((l) => l.short > 0).map((l) => ({ sku: l.sku, requested: l.requested, available: l.available, short: l.short }));
  }

  private async throwIfShort(lines: readonly ShipmentLineDoc[], warehouse: WarehouseDoc, partner: PartnerData, shipmentId: string | null): Promise<void> {
    const short = await this.shortItems(lines, warehouse, shipmentId);
    if (short.length > 0) throw insufficientStock(short, warehouse, partner.externalRef, partner.name);
  }

  /** Reserves a draft's lines by its policy and moves it on; resumable after a crash. */
  private async reserveDraft(draft: ShipmentDoc, warehouse: WarehouseDoc, partner: PartnerData): Promise<ShipmentDoc> {
    for (let round = 0; round < 5; round++) {
      const granted: number[] = [];
      let short = false;
      for (const line of draft.lines) {
        const got = await this.hold(draft.id, line, warehouse, draft.policy === 'partial');
        if (got === null) {
          short = true;
          break;
        }
        granted.push(got);
      }
      if (!short) {
        const total = granted.reduce((a, b) => a + b, 0);
        const status: ShipmentStatus = total === 0 ? 'waiting_for_stock' : 'reserved';
        if (status === 'waiting_for_stock') await this.releaseHolds(draft);
        const lines = draft.lines.map((l, i) => ({ ...l, reservedMilli: status === 'reserved' ? granted[i] : 0 }));
        const partial = status === 'reserved' && lines.some((l) => l.reservedMilli < l.requestedMilli);
        return this.transition(draft.id, status, (doc) => ({ ...doc, lines, partial }));
      }
      await this.releaseHolds(draft);
      if (draft.policy === 'wait') return this.transition(draft.id, 'waiting_for_stock', (doc) => doc);
      const items = await this.shortItems(draft.lines, warehouse, draft.id);
      if (items.length > 0) {
        await this.collections.shipments.delete(draft.id);
        throw insufficientStock(items, warehouse, partner.externalRef, partner.name);
      }
      // Stock came back between our hold and our check (another request let go): try again.
    }
    throw transientError(`Stock for shipment ${draft.id} kept changing; try again`);
  }

  /**
   * Holds stock for one line. Returns the quantity held; null when the whole quantity is not there
   * (or, for partial shipments, 0 when nothing is).
   */
  private async hold(shipmentId: string, line: ShipmentLineDoc, warehouse: WarehouseDoc, partial: boolean): Promise<number | null> {
    let granted: number | null = null;
    const product = (await this.collections.products.get(line.productId))!;
    await this.updateStock(product, warehouse, (doc) => {
      const own = doc.holds[shipmentId];
      if (own !== undefined) {
        granted = own;
        return null;
      }
      const available = doc.onHandMilli - doc.reservedMilli;
      const want = line.requestedMilli;
      granted = warehouse.allowNegative || available >= want ? want : partial ? Math.max(0, available) : null;
      if (granted === null || granted === 0) return null;
      return { ...doc, holds: { ...doc.holds, [shipmentId]: granted }, reservedMilli: doc.reservedMilli + granted };
    });
    return granted;
  }

  private async releaseHolds(shipment: ShipmentDoc, consume = false): Promise<void> {
    const warehouse = await this.warehouse(shipment.warehouseId);
    for (const line of shipment.lines) {
      const product = await this.collections.products.get(line.productId);
      if (!product) continue;
      await this.updateStock(product, warehouse, (doc) => {
        const own = doc.holds[shipment.id];
        if (own === undefined) return null;
        const holds = { ...doc.holds };
        delete holds[shipment.id];
        return { ...doc, holds, reservedMilli: doc.reservedMilli - own, onHandMilli: consume ? doc.onHandMilli - own : doc.onHandMilli };
      });
    }
  }

  private async transition(id: string, to: ShipmentStatus, change: (doc: ShipmentDoc) => ShipmentDoc): Promise<ShipmentDoc> {
    let number: string | null = null;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const doc = await this.collections.shipments.get(id);
      if (!doc) throw new NotFoundError(`Shipment "${id}" not found`);
      if (doc.status === to) return doc;
      assertTransition(doc, to);
      // Numbers are given when a shipment leaves draft, so rejected requests leave no gaps.
      if (doc.number === null && number === null && to !== 'canceled') number = await this.nextNumber('shipment', 'SH');
      const at = this.iso();
      const next = change({ ...doc, status: to, number: doc.number ?? number, updatedAt: at, history: [...doc.history, { status: to, at }] });
      const stored = await this.collections.shipments.replace(next);
      if (stored) return stored;
    }
    throw transientError(`Shipment ${id} is too contended; try again`);
  }

  /** Ships, delivers or cancels; stock follows (shipping consumes holds, canceling releases them). */
  async transitionShipment(id: string, to: 'shipped' | 'delivered' | 'canceled'): Promise<Shipment> {
    const doc = await this.collections.shipments.get(id);
    if (!doc) throw new NotFoundError(`Shipment "${id}" not found`);
    if (doc.status === to) return shipmentView(doc);
    assertTransition(doc, to);
    if (to === 'shipped') {
      await this.releaseHolds(doc, true);
      return shipmentView(await this.transition(id, 'shipped', (d) => ({ ...d, lines: d.lines.map((l) => ({ ...l, shippedMilli: l.reservedMilli })) })));
    }
    if (to === 'canceled') await this.releaseHolds(doc);
    return shipmentView(await this.transition(id, to, (d) => d));
  }

  /** Tries every shipment waiting for stock again, oldest first. */
  async reserveWaitingShipments(): Promise<number> {
    const waiting = await this.collections.shipments.find({ where: { status: 'waiting_for_stock' }, orderBy: 'createdAt' });
    let reserved = 0;
    for (const shipment of waiting) {
      const warehouse = await this.warehouse(shipment.warehouseId);
      const granted: number[] = [];
      for (const line of shipment.lines) {
        const got = await this.hold(shipment.id, line, warehouse, shipment.policy === 'partial');
        if (got === null) break;
        granted.push(got);
      }
      if (granted.length < shipment.lines.length || granted.every((g) => g === 0)) {
        await this.releaseHolds(shipment);
        continue;
      }
      const lines = shipment.lines.map((l, i) => ({ ...l, reservedMilli: granted[i] }));
      await this.transition(shipment.id, 'reserved', (d) => ({ ...d, lines, partial: lines.some((l) => l.reservedMilli < l.requestedMilli) }));
      reserved++;
    }
    return reserved;
  }

  // ---- invoices -----------------------------------------------------------------------------

  /** One invoice per shipment, whatever the key: invoicing twice returns the first invoice. */
  async createInvoice(shipmentId: string, options: { dueDays?: number } = {}): Promise<{ invoice: Invoice; created: boolean }> {
    const shipment = await this.collections.shipments.get(shipmentId);
    if (!shipment) throw new NotFoundError(`Shipment "${shipmentId}" not found`);
    const id = idFromKey('inv', `shipment:${shipmentId}`);
    const existing = await this.collections.invoices.get(id);
    if (existing) return { invoice: invoiceView(existing), created: false };
    if (!['reserved', 'shipped', 'delivered'].includes(shipment.status)) {
      throw new NotInvoiceableError(shipment);
    }
    const partner = await this.collections.partners.get(shipment.partnerId);
    const lines = [];
    for (const line of shipment.lines) {
      const quantityMilli = line.shippedMilli || line.reservedMilli;
      if (quantityMilli === 0) continue;
      const product = await this.collections.products.get(line.productId);
      const priceMinor = product?.priceMinor ?? 0;
      lines.push({ sku: line.sku, quantityMilli, priceMinor, amountMinor: lineAmountMinor(quantityMilli, priceMinor) });
    }
    const dueDays = options.dueDays ?? partner?.paymentTermDays ?? this.paymentTermDays;
    const number = await this.nextNumber('invoice', 'INV');
    try {
      const invoice = await this.collections.invoices.insert({
        id,
        number: number ?? id,
        partnerId: shipment.partnerId,
        shipmentId,
        lines,
        totalMinor: lines.reduce((sum, l) => sum + l.amountMinor, 0),
        currency: this.currency,
        status: 'issued',
        issuedAt: this.iso(),
        dueDate: new Date(this.now() + dueDays * 86_400_000).toISOString().slice(0, 10),
      });
      return { invoice: invoiceView(invoice), created: true };
    } catch (error) {
      const raced = error instanceof ConflictError ? await this.collections.invoices.get(id) : null;
      if (raced) return { invoice: invoiceView(raced), created: false };
      throw error;
    }
  }

  async listInvoices(): Promise<Invoice[]> {
    return (await this.collections.invoices.find({ orderBy: 'issuedAt', desc: true })).map(invoiceView);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private async nextNumber(sequence: string, prefix: string): Promise<string> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const doc = await this.collections.counters.get(sequence);
      let stored: CounterDoc | null;
      if (!doc) {
        try {
          stored = await this.collections.counters.insert({ id: sequence, value: 1 });
        } catch (error) {
          if (error instanceof ConflictError) continue;
          throw error;
        }
      } else stored = await this.collections.counters.replace({ ...doc, value: doc.value + 1 });
      if (stored) return `${prefix}-${String(stored.value).padStart(6, '0')}`;
    }
    throw transientError(`Numbering ${sequence} is too contended; try again`);
  }

  private scaled(convert: (n: number) => number, value: number, path: string): number {
    try {
      return convert(value);
    } catch (error) {
      throw new ValidationError(`Invalid ${path}: ${(error as Error).message}`, [{ path, message: (error as Error).message }]);
    }
  }
}

export class NotInvoiceableError extends ConflictError {
  constructor(readonly shipment: ShipmentDoc) {
    super(`Shipment ${shipment.number ?? shipment.id} is ${shipment.status} and cannot be invoiced`);
  }
}

export class ShipmentTransitionError extends ConflictError {
  constructor(id: string, from: ShipmentStatus, to: ShipmentStatus) {
    super(`Expected shipment ${id} in a state that can become "${to}", found "${from}"`, [
      { path: 'status', message: `allowed from "${from}": ${SHIPMENT_TRANSITIONS[from].join(', ') || 'none (final)'}` },
    ]);
  }
}

function assertTransition(doc: ShipmentDoc, to: ShipmentStatus): void {
  if (!SHIPMENT_TRANSITIONS[doc.status].includes(to)) throw new ShipmentTransitionError(doc.id, doc.status, to);
}

export function insufficientStock(items: ShortItem[], warehouse: WarehouseDoc, customerId: string, customerName: string): AdapterError {
  const list = items.map((i) => `${i.sku}: requested ${i.requested}, available ${i.available}, short ${i.short}`).join('; ');
  const details: Json = { customerId, customerName, warehouseId: warehouse.id, warehouse: warehouse.name, shortItems: items.map((i) => ({ ...i })) };
  return businessError(INSUFFICIENT_STOCK, `Not enough stock in ${warehouse.name} for customer "${customerName}": ${list}`, details);
}

export function productIdFor(sku: string): string {
  return /^[A-Za-z0-9._-]{1,64}$/.test(sku) ? `prd_${sku}` : idFromKey('prd', sku);
}

function productView(doc: ProductDoc): Product {
  return { id: doc.id, sku: doc.sku, name: doc.name, unit: doc.unit, price: fromMinor(doc.priceMinor), currency: doc.currency, weight: doc.weightGrams === null ? null : fromMilli(doc.weightGrams), active: doc.active };
}

function stockView(doc: StockDoc): Stock {
  return { productId: doc.productId, sku: doc.sku, warehouseId: doc.warehouseId, onHand: fromMilli(doc.onHandMilli), reserved: fromMilli(doc.reservedMilli), available: fromMilli(doc.onHandMilli - doc.reservedMilli) };
}

export function shipmentView(doc: ShipmentDoc): Shipment {
  return {
    id: doc.id,
    number: doc.number,
    status: doc.status,
    partnerId: doc.partnerId,
    customerRef: doc.customerRef,
    customerName: doc.customerName,
    shipTo: { ...doc.shipTo },
    warehouseId: doc.warehouseId,
    lines: doc.lines.map((l) => ({ sku: l.sku, productId: l.productId, name: l.name, unit: l.unit, requested: fromMilli(l.requestedMilli), reserved: fromMilli(l.reservedMilli), shipped: fromMilli(l.shippedMilli) })),
    partial: doc.partial,
    shortStockPolicy: doc.policy,
    dealId: doc.dealId,
    expectedDate: doc.expectedDate,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function partnerView(doc: PartnerDoc): Partner {
  return { id: doc.id, externalRef: doc.externalRef, name: doc.name, kind: doc.kind, taxId: doc.taxId, phone: doc.phone, email: doc.email, paymentTermDays: doc.paymentTermDays, address: { ...doc.address } };
}

function invoiceView(doc: InvoiceDoc): Invoice {
  return {
    id: doc.id,
    number: doc.number,
    partnerId: doc.partnerId,
    shipmentId: doc.shipmentId,
    lines: doc.lines.map((l) => ({ sku: l.sku, quantity: fromMilli(l.quantityMilli), price: fromMinor(l.priceMinor), amount: fromMinor(l.amountMinor) })),
    total: fromMinor(doc.totalMinor),
    currency: doc.currency,
    status: doc.status,
    issuedAt: doc.issuedAt,
    dueDate: doc.dueDate,
  };
}
