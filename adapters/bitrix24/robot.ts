// A Bitrix24 deal-stage robot (or an ONCRMDEALUPDATE outbound webhook) calling Karvon: what the
// call carries, checking it came from our portal, and reading the deal into the variables the
// process starts with. Bitrix24 posts these as application/x-www-form-urlencoded, so the fields
// arrive nested the way `qs` reads `auth[application_token]`, `data[FIELDS][ID]`, `document_id[2]`.

import { timingSafeEqual, createHash } from 'node:crypto';
import type { ConnectionContext } from '../sdk/descriptor.ts';
import { businessError, isAdapterError } from '../sdk/errors.ts';
import { Bitrix24Client, type BxRecord } from './client.ts';
import type { Bitrix24Config } from './config.ts';
import { asRecord } from './views.ts';

export interface RobotCall {
  /** The deal id, from `document_id[2]` (`DEAL_11`) or `data[FIELDS][ID]`. */
  dealId: string | null;
  applicationToken: string | null;
  domain: string | null;
  /** `ONCRMDEALUPDATE` for an outbound webhook; null for a robot. */
  event: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : null);
const record = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

export function parseRobotCall(body: unknown): RobotCall {
  const b = record(body);
  const auth = record(b.auth);
  // document_id is [module, entity class, "DEAL_<id>"]; qs turns document_id[2] into an array.
  const documentId = Array.isArray(b.document_id) ? b.document_id : Object.values(record(b.document_id));
  const fromDocument = /^DEAL_([0-9]+)$/.exec(text(documentId[2]) ?? '')?.[1] ?? null;
  const fromEvent = text(record(record(b.data).FIELDS).ID);
  const dealId = fromDocument ?? (fromEvent !== null && /^[0-9]+$/.test(fromEvent) ? fromEvent : null);
  return { dealId, applicationToken: text(auth.application_token), domain: text(auth.domain), event: text(b.event) };
}

/** Constant-time, and without leaking the configured token's length through an early return. */
export function applicationTokenMatches(config: Pick<Bitrix24Config, 'applicationToken'>, given: string | null): boolean {
  if (!config.applicationToken || given === null) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(config.applicationToken), digest(given));
}

export interface DealForProcess {
  dealId: string;
  stageId: string | null;
  /** `company-<n>` or `contact-<n>`, as the Bitrix24 CRM adapter's operations take it. */
  customerId: string | null;
  items: { sku: string; quantity: number }[];
}

/** Reads the deal, its customer and its product rows (SKUs from the catalogue's `skuField`). */
export async function loadDeal(context: ConnectionContext<Bitrix24Config>, dealId: string): Promise<DealForProcess> {
  const bx = new Bitrix24Client(context);
  let deal: BxRecord;
  try {
    deal = asRecord(await bx.call('crm.deal.get', { id: dealId }, { idempotent: true }));
  } catch (error) {
    if (isAdapterError(error) && error.kind === 'not_found') throw businessError('DEAL_NOT_FOUND', `Bitrix24 has no deal ${dealId}`, { dealId });
    throw error;
  }
  const companyId = text(deal.COMPANY_ID);
  const contactId = text(deal.CONTACT_ID);
  const customerId = companyId && companyId !== '0' ? `company-${companyId}` : contactId && contactId !== '0' ? `contact-${contactId}` : null;

  const rows = await bx.call('crm.deal.productrows.get', { id: dealId }, { idempotent: true });
  const lines = (Array.isArray(rows) ? rows : []).map(asRecord);
  const productIds = [...new Set(lines.map((r) => text(r.PRODUCT_ID)).filter((id): id is string => id !== null && id !== '0'))];
  const skuField = context.config.robot?.skuField ?? 'XML_ID';
  const skus = new Map<string, string>();
  if (productIds.length > 0) {
    const products = await bx.list('crm.product.list', { filter: { ID: productIds }, select: ['ID', skuField] });
    for (const p of products.result) {
      const sku = text(p[skuField]);
      if (sku !== null) skus.set(String(p.ID), sku);
    }
  }
  // A row without a catalogue product (free text) or without a SKU keeps its name, so the ERP's
  // UNKNOWN_PRODUCT error names it for a person instead of the line silently vanishing.
  const items = lines.map((r) => ({
    sku: skus.get(text(r.PRODUCT_ID) ?? '') ?? text(r.PRODUCT_NAME) ?? `bitrix24-product-${text(r.PRODUCT_ID) ?? '?'}`,
    quantity: Number(r.QUANTITY),
  }));
  return { dealId, stageId: text(deal.STAGE_ID), customerId, items };
}
