// The built-in CRM: typed functions the REST routes call and the adapter operations wrap. Inputs
// are validated here (ValidationError with field paths), so routes stay one call each.

import { randomUUID } from 'node:crypto';
import type { FromSchema } from 'json-schema-to-ts';
import { ConflictError, NotFoundError, ValidationError } from '../../engine/errors.ts';
import { fromMilli, fromMinor, lineAmountMinor, toMilli, toMinor } from '../sdk/decimal.ts';
import { idFromKey } from '../sdk/keys.ts';
import { checker } from '../runtime/service-validation.ts';
import {
  OPEN_STAGES,
  STAGE_TRANSITIONS,
  crmCollections,
  type ActivityDoc,
  type CollectionStore,
  type ContactDoc,
  type CrmCollections,
  type CustomerDoc,
  type DealDoc,
  type DealStage,
  type LineItemDoc,
} from './model.ts';
import {
  createContactSchema,
  createCustomerSchema,
  createDealSchema,
  customerQuerySchema,
  dealQuerySchema,
  logActivitySchema,
  patchCustomerSchema,
  patchDealSchema,
  type activitySchema,
  type contactSchema,
  type customerCardSchema,
  type customerSchema,
  type dealSchema,
} from './schemas.ts';

export type Customer = FromSchema<typeof customerSchema>;
export type Contact = FromSchema<typeof contactSchema>;
export type Deal = FromSchema<typeof dealSchema>;
export type Activity = FromSchema<typeof activitySchema>;
export type CustomerCard = FromSchema<typeof customerCardSchema>;
export type CreateCustomerInput = FromSchema<typeof createCustomerSchema>;
export type PatchCustomerInput = FromSchema<typeof patchCustomerSchema>;
export type CreateDealInput = FromSchema<typeof createDealSchema>;
export type PatchDealInput = FromSchema<typeof patchDealSchema>;
export type CreateContactInput = FromSchema<typeof createContactSchema>;
export type LogActivityInput = FromSchema<typeof logActivitySchema>;
export type CustomerQuery = FromSchema<typeof customerQuerySchema>;
export type DealQuery = FromSchema<typeof dealQuerySchema>;

const checkCreateCustomer = checker<CreateCustomerInput>(createCustomerSchema, 'customer');
const checkPatchCustomer = checker<PatchCustomerInput>(patchCustomerSchema, 'customer update');
const checkCreateDeal = checker<CreateDealInput>(createDealSchema, 'deal');
const checkPatchDeal = checker<PatchDealInput>(patchDealSchema, 'deal update');
const checkCreateContact = checker<CreateContactInput>(createContactSchema, 'contact');
const checkLogActivity = checker<LogActivityInput>(logActivitySchema, 'activity');
const checkCustomerQuery = checker<CustomerQuery>(customerQuerySchema, 'customer query');
const checkDealQuery = checker<DealQuery>(dealQuerySchema, 'deal query');

export interface CrmServiceOptions {
  store: CollectionStore;
  now?: () => number;
  newId?: () => string;
  /** The CRM's base currency: deal amounts and lifetime revenue are in it. */
  currency?: string;
}

/** Query strings arrive as text; the routes may pass them through as they are. */
function withNumericLimit(query: unknown): unknown {
  if (query && typeof query === 'object' && typeof (query as { limit?: unknown }).limit === 'string') {
    const limit = Number((query as { limit: string }).limit);
    return { ...query, limit: Number.isInteger(limit) ? limit : (query as { limit: string }).limit };
  }
  return query ?? {};
}

/** Keeps only the fields a patch actually sets. */
function dropUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

export class CrmService {
  readonly collections: CrmCollections;
  readonly currency: string;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(options: CrmServiceOptions) {
    this.collections = crmCollections(options.store);
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => randomUUID().replace(/-/g, '').slice(0, 16));
    this.currency = options.currency ?? 'UZS';
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  // ---- customers ------------------------------------------------------------------------------

  async listCustomers(query: unknown = {}): Promise<Customer[]> {
    const q = checkCustomerQuery(withNumericLimit(query));
    const where: Record<string, string> = {};
    if (q.taxId !== undefined) where.taxId = q.taxId;
    if (q.segment !== undefined) where.segment = q.segment;
    if (q.owner !== undefined) where.owner = q.owner;
    if (q.kind !== undefined) where.kind = q.kind;
    let docs = await this.collections.customers.find({ where, orderBy: 'nameKey' });
    if (q.q !== undefined && q.q.trim() !== '') {
      const needle = q.q.trim().toLowerCase();
      const digits = needle.replace(/\D/g, '');
      docs = docs.filter((d) =>
        d.nameKey.includes(needle) ||
        (d.taxId ?? '').toLowerCase().includes(needle) ||
        d.emails.some((e) => e.toLowerCase().includes(needle)) ||
        (digits.length >= 3 && d.phones.some((p) => p.replace(/\D/g, '').includes(digits))));
    }
    return docs.slice(0, q.limit ?? 100).map(customerView);
  }

  async createCustomer(input: unknown): Promise<Customer> {
    const data = checkCreateCustomer(input);
    return customerView(await this.insertCustomer(data.id ?? `cus_${this.newId()}`, data));
  }

  private async insertCustomer(id: string, data: Omit<CreateCustomerInput, 'id'>): Promise<CustomerDoc> {
    const at = this.iso();
    return this.collections.customers.insert({
      id,
      kind: data.kind,
      name: data.name.trim(),
      nameKey: data.name.trim().toLowerCase(),
      taxId: normalizeTaxId(data.taxId),
      phones: data.phones ?? [],
      emails: data.emails ?? [],
      address: blankToNull(data.address),
      segment: data.segment ?? null,
      owner: data.owner ?? null,
      createdAt: at,
      updatedAt: at,
    });
  }

  async getCustomer(id: string): Promise<Customer> {
    return customerView(await this.customerDoc(id));
  }

  private async customerDoc(id: string): Promise<CustomerDoc> {
    const doc = await this.collections.customers.get(id);
    if (!doc) throw new NotFoundError(`Customer "${id}" not found`);
    return doc;
  }

  async patchCustomer(id: string, patch: unknown): Promise<Customer> {
    const data = checkPatchCustomer(patch);
    return customerView(await this.update(this.collections.customers, id, `Customer "${id}"`, (doc) => ({
      ...doc,
      ...dropUndefined({
        kind: data.kind,
        name: data.name?.trim(),
        nameKey: data.name?.trim().toLowerCase(),
        taxId: data.taxId === undefined ? undefined : normalizeTaxId(data.taxId),
        phones: data.phones,
        emails: data.emails,
        address: data.address === undefined ? undefined : blankToNull(data.address),
        segment: data.segment,
        owner: data.owner,
      }),
      updatedAt: this.iso(),
    })));
  }

  /** The customer with what a salesperson needs beside it. */
  async getCustomerCard(id: string, options: { recentActivities?: number } = {}): Promise<CustomerCard> {
    const customer = await this.customerDoc(id);
    const [contacts, deals, activities] = await Promise.all([
      this.collections.contacts.find({ where: { customerId: id }, orderBy: 'name' }),
      this.collections.deals.find({ where: { customerId: id }, orderBy: 'createdAt' }),
      this.collections.activities.find({ where: { customerId: id }, orderBy: 'at', desc: true, limit: options.recentActivities ?? 10 }),
    ]);
    const revenueMinor = deals.filter((d) => d.stage === 'won').reduce((sum, d) => sum + d.amountMinor, 0);
    return {
      customer: customerView(customer),
      contacts: contacts.map(contactView),
      openDeals: deals.filter((d) => OPEN_STAGES.includes(d.stage)).map(dealView),
      recentActivities: activities.map(activityView),
      lifetimeRevenue: fromMinor(revenueMinor),
      currency: this.currency,
    };
  }

  // ---- contacts -------------------------------------------------------------------------------

  async createContact(input: unknown): Promise<Contact> {
    const data = checkCreateContact(input);
    await this.customerDoc(data.customerId);
    return contactView(await this.collections.contacts.insert({
      id: `con_${this.newId()}`,
      customerId: data.customerId,
      name: data.name,
      position: data.position ?? null,
      phones: data.phones ?? [],
      emails: data.emails ?? [],
      createdAt: this.iso(),
    }));
  }

  async listContacts(customerId: string): Promise<Contact[]> {
    return (await this.collections.contacts.find({ where: { customerId }, orderBy: 'name' })).map(contactView);
  }

  // ---- deals ----------------------------------------------------------------------------------

  async listDeals(query: unknown = {}): Promise<Deal[]> {
    const q = checkDealQuery(withNumericLimit(query));
    const where: Record<string, string> = {};
    if (q.customerId !== undefined) where.customerId = q.customerId;
    if (q.stage !== undefined) where.stage = q.stage;
    if (q.owner !== undefined) where.owner = q.owner;
    return (await this.collections.deals.find({ where, orderBy: 'createdAt', desc: true, limit: q.limit ?? 100 })).map(dealView);
  }

  async getDeal(id: string): Promise<Deal> {
    return dealView(await this.dealDoc(id));
  }

  private async dealDoc(id: string): Promise<DealDoc> {
    const doc = await this.collections.deals.get(id);
    if (!doc) throw new NotFoundError(`Deal "${id}" not found`);
    return doc;
  }

  async createDeal(input: unknown): Promise<Deal> {
    const data = checkCreateDeal(input);
    return dealView(await this.insertDeal(data.id ?? `deal_${this.newId()}`, data));
  }

  private async insertDeal(id: string, data: Omit<CreateDealInput, 'id'>): Promise<DealDoc> {
    await this.customerDoc(data.customerId);
    const lineItems = toLineItems(data.lineItems ?? [], 'lineItems');
    const stage = data.stage ?? 'new';
    const at = this.iso();
    return this.collections.deals.insert({
      id,
      customerId: data.customerId,
      title: data.title,
      stage,
      lineItems,
      amountMinor: totalMinor(lineItems),
      currency: this.currency,
      owner: data.owner ?? null,
      expectedCloseDate: data.expectedCloseDate ?? null,
      createdAt: at,
      updatedAt: at,
      closedAt: stage === 'won' || stage === 'lost' ? at : null,
    });
  }

  async patchDeal(id: string, patch: unknown): Promise<Deal> {
    const data = checkPatchDeal(patch);
    const lineItems = data.lineItems === undefined ? undefined : toLineItems(data.lineItems, 'lineItems');
    return dealView(await this.update(this.collections.deals, id, `Deal "${id}"`, (doc) => {
      const next: DealDoc = { ...doc, ...dropUndefined({ title: data.title, owner: data.owner, expectedCloseDate: data.expectedCloseDate }), updatedAt: this.iso() };
      if (lineItems) {
        next.lineItems = lineItems;
        next.amountMinor = totalMinor(lineItems);
      }
      if (data.stage !== undefined && data.stage !== doc.stage) this.moveStage(next, data.stage);
      return next;
    }));
  }

  /** Moves a deal; the same stage again is a no-op so a retried call changes nothing. */
  async updateDealStage(id: string, stage: DealStage, note?: { subject: string; author: string | null; idempotencyKey?: string }): Promise<{ deal: Deal; changed: boolean; previousStage: DealStage }> {
    let previousStage: DealStage = 'new';
    let changed = false;
    const doc = await this.update(this.collections.deals, id, `Deal "${id}"`, (current) => {
      previousStage = current.stage;
      if (current.stage === stage) return null;
      const next: DealDoc = { ...current, updatedAt: this.iso() };
      this.moveStage(next, stage);
      changed = true;
      return next;
    });
    if (changed && note) {
      await this.logActivity(
        { customerId: doc.customerId, dealId: doc.id, type: 'system', subject: note.subject, author: note.author },
        note.idempotencyKey,
      );
    }
    return { deal: dealView(doc), changed, previousStage };
  }

  private moveStage(deal: DealDoc, to: DealStage): void {
    if (!STAGE_TRANSITIONS[deal.stage].includes(to)) {
      throw new StageTransitionError(deal.id, deal.stage, to);
    }
    deal.stage = to;
    deal.closedAt = to === 'won' || to === 'lost' ? this.iso() : null;
  }

  // ---- activities -----------------------------------------------------------------------------

  /** With an idempotency key, logging twice yields the first activity and nothing else. */
  async logActivity(input: unknown, idempotencyKey?: string): Promise<Activity> {
    const data = checkLogActivity(input);
    await this.customerDoc(data.customerId);
    if (data.dealId) {
      const deal = await this.dealDoc(data.dealId);
      if (deal.customerId !== data.customerId) {
        throw new ValidationError(`Deal "${data.dealId}" belongs to another customer`, [{ path: 'dealId', message: `belongs to customer "${deal.customerId}"` }]);
      }
    }
    const id = idempotencyKey ? idFromKey('act', idempotencyKey) : `act_${this.newId()}`;
    if (idempotencyKey) {
      const existing = await this.collections.activities.get(id);
      if (existing) return activityView(existing);
    }
    try {
      return activityView(await this.collections.activities.insert({
        id,
        customerId: data.customerId,
        dealId: data.dealId ?? null,
        type: data.type,
        subject: data.subject,
        body: data.body ?? null,
        author: data.author ?? null,
        at: this.iso(),
      }));
    } catch (error) {
      const existing = idempotencyKey && error instanceof ConflictError ? await this.collections.activities.get(id) : null;
      if (existing) return activityView(existing);
      throw error;
    }
  }

  async listActivities(customerId: string, limit = 50): Promise<Activity[]> {
    return (await this.collections.activities.find({ where: { customerId }, orderBy: 'at', desc: true, limit })).map(activityView);
  }

  // ---- leads ----------------------------------------------------------------------------------

  /**
   * A new prospect: reuses the customer with the same tax id, else creates one; then opens a deal.
   * Ids derive from the idempotency key, so a retried call finds what the first one made.
   */
  async createLead(
    input: { customer: Omit<CreateCustomerInput, 'id'>; deal: { title: string; lineItems?: CreateDealInput['lineItems']; owner?: string | null } },
    idempotencyKey: string,
  ): Promise<{ customer: Customer; deal: Deal; customerCreated: boolean }> {
    const customerData = checkCreateCustomer(input.customer);
    const dealId = idFromKey('deal', idempotencyKey);
    const existingDeal = await this.collections.deals.get(dealId);
    if (existingDeal) {
      return { customer: await this.getCustomer(existingDeal.customerId), deal: dealView(existingDeal), customerCreated: false };
    }
    const taxId = normalizeTaxId(customerData.taxId);
    let customer = taxId ? (await this.collections.customers.find({ where: { taxId }, limit: 1 }))[0] ?? null : null;
    let customerCreated = false;
    if (!customer) {
      const id = idFromKey('cus', idempotencyKey);
      customer = await this.collections.customers.get(id);
      if (!customer) {
        customer = await this.insertCustomer(id, customerData);
        customerCreated = true;
      }
    }
    checkCreateDeal({ customerId: customer.id, title: input.deal.title, lineItems: input.deal.lineItems, owner: input.deal.owner });
    let deal: DealDoc;
    try {
      deal = await this.insertDeal(dealId, { customerId: customer.id, title: input.deal.title, lineItems: input.deal.lineItems, owner: input.deal.owner ?? customer.owner, stage: 'new' });
    } catch (error) {
      const raced = error instanceof ConflictError ? await this.collections.deals.get(dealId) : null;
      if (!raced) throw error;
      deal = raced;
    }
    return { customer: customerView(customer), deal: dealView(deal), customerCreated };
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Read-modify-write with the store's revision check; `change` returning null means no write. */
  private async update<T extends CustomerDoc | DealDoc>(
    collection: { get(id: string): Promise<T | null>; replace(doc: T): Promise<T | null> },
    id: string,
    label: string,
    change: (doc: T) => T | null,
  ): Promise<T> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const doc = await collection.get(id);
      if (!doc) throw new NotFoundError(`${label} not found`);
      const next = change(doc);
      if (next === null) return doc;
      const stored = await collection.replace(next);
      if (stored) return stored;
    }
    throw new ConflictError(`${label} is being changed by others; try again`);
  }
}

export class StageTransitionError extends ConflictError {
  constructor(readonly dealId: string, readonly from: DealStage, readonly to: DealStage) {
    super(`Deal "${dealId}" cannot move from "${from}" to "${to}"`, [
      { path: 'stage', message: `allowed from "${from}": ${STAGE_TRANSITIONS[from].join(', ') || 'none (final stage)'}` },
    ]);
  }
}

function normalizeTaxId(taxId: string | null | undefined): string | null {
  const trimmed = (taxId ?? '').replace(/\s+/g, '');
  return trimmed === '' ? null : trimmed;
}

function blankToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value.trim();
}

function toLineItems(items: NonNullable<CreateDealInput['lineItems']>, path: string): LineItemDoc[] {
  return items.map((item, index) => {
    try {
      return { sku: item.sku, name: item.name ?? null, quantityMilli: toMilli(item.quantity), priceMinor: toMinor(item.price) };
    } catch (error) {
      throw new ValidationError(`Invalid line item: ${(error as Error).message}`, [{ path: `${path}[${index}]`, message: (error as Error).message }]);
    }
  });
}

function totalMinor(items: readonly LineItemDoc[]): number {
  return items.reduce((sum, item) => sum + lineAmountMinor(item.quantityMilli, item.priceMinor), 0);
}

export function customerView(doc: CustomerDoc): Customer {
  return {
    id: doc.id,
    kind: doc.kind,
    name: doc.name,
    taxId: doc.taxId,
    phones: [...doc.phones],
    emails: [...doc.emails],
    address: doc.address,
    segment: doc.segment,
    owner: doc.owner,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function contactView(doc: ContactDoc): Contact {
  return { id: doc.id, customerId: doc.customerId, name: doc.name, position: doc.position, phones: [...doc.phones], emails: [...doc.emails] };
}

export function dealView(doc: DealDoc): Deal {
  return {
    id: doc.id,
    customerId: doc.customerId,
    title: doc.title,
    stage: doc.stage,
    lineItems: doc.lineItems.map((li) => ({
      sku: li.sku,
      name: li.name,
      quantity: fromMilli(li.quantityMilli),
      price: fromMinor(li.priceMinor),
      amount: fromMinor(lineAmountMinor(li.quantityMilli, li.priceMinor)),
    })),
    amount: fromMinor(doc.amountMinor),
    currency: doc.currency,
    owner: doc.owner,
    expectedCloseDate: doc.expectedCloseDate,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    closedAt: doc.closedAt,
  };
}

function activityView(doc: ActivityDoc): Activity {
  return { id: doc.id, customerId: doc.customerId, dealId: doc.dealId, type: doc.type, subject: doc.subject, body: doc.body, author: doc.author, at: doc.at };
}
