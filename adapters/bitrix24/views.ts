// Bitrix24 records → the CRM capability's shapes (adapters/crm/schemas.ts). Companies and contacts
// are two entity types in Bitrix24 but one "customer" in Karvon, so the customer id carries the
// type: `company-12`, `contact-7` (a bare number means a company).

import { notFound } from '../sdk/errors.ts';
import type { BxRecord, BxValue } from './client.ts';
import { DEFAULT_STAGES, type Bitrix24Config, type DealStage } from './config.ts';

export type EntityType = 'company' | 'contact';
/** Bitrix24's CRM entity type ids, used by activities' OWNER_TYPE_ID. */
export const OWNER_TYPE_ID: Readonly<Record<EntityType | 'deal' | 'lead', number>> = { lead: 1, deal: 2, contact: 3, company: 4 };

export interface CustomerRef {
  type: EntityType;
  id: string;
}

export function parseCustomerId(customerId: string): CustomerRef {
  const match = /^(?:(company|contact)-)?([0-9]+)$/.exec(customerId.trim());
  if (!match) throw notFound(`"${customerId}" is not a Bitrix24 customer id (company-<n>, contact-<n> or <n>)`);
  return { type: (match[1] as EntityType | undefined) ?? 'company', id: match[2] };
}

export const customerIdOf = (ref: CustomerRef): string => `${ref.type}-${ref.id}`;

const str = (value: BxValue | undefined): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : null);

function multi(value: BxValue | undefined): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? str(v.VALUE) : null)).filter((v): v is string => v !== null);
}

/** The address as one line, the way the built-in CRM keeps it; the ERP side structures it. */
export function addressText(record: BxRecord): string | null {
  const parts = ['ADDRESS', 'ADDRESS_2', 'ADDRESS_CITY', 'ADDRESS_REGION', 'ADDRESS_PROVINCE', 'ADDRESS_POSTAL_CODE', 'ADDRESS_COUNTRY'].map((f) => str(record[f])).filter((v): v is string => v !== null);
  return parts.length > 0 ? parts.join(', ') : null;
}

const iso = (value: BxValue | undefined): string => {
  const text = str(value);
  const at = text ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? new Date(0).toISOString() : new Date(at).toISOString();
};

export interface CustomerView {
  id: string;
  kind: 'company' | 'person';
  name: string;
  taxId: string | null;
  phones: string[];
  emails: string[];
  address: string | null;
  segment: string | null;
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}

export function customerView(type: EntityType, record: BxRecord, config: Bitrix24Config): CustomerView {
  const name = type === 'company'
    ? str(record.TITLE) ?? `Company ${String(record.ID)}`
    : [str(record.NAME), str(record.SECOND_NAME), str(record.LAST_NAME)].filter(Boolean).join(' ') || `Contact ${String(record.ID)}`;
  return {
    id: customerIdOf({ type, id: String(record.ID) }),
    kind: type === 'company' ? 'company' : 'person',
    name,
    taxId: str(record[config.taxIdField ?? 'UF_CRM_TAX_ID']),
    phones: multi(record.PHONE),
    emails: multi(record.EMAIL),
    address: addressText(record),
    segment: str(type === 'company' ? record.INDUSTRY ?? record.COMPANY_TYPE : record.TYPE_ID),
    owner: str(record.ASSIGNED_BY_ID),
    createdAt: iso(record.DATE_CREATE),
    updatedAt: iso(record.DATE_MODIFY),
  };
}

export interface ContactView {
  id: string;
  customerId: string;
  name: string;
  position: string | null;
  phones: string[];
  emails: string[];
}

export function contactView(record: BxRecord, customerId: string): ContactView {
  return {
    id: customerIdOf({ type: 'contact', id: String(record.ID) }),
    customerId,
    name: [str(record.NAME), str(record.LAST_NAME)].filter(Boolean).join(' ') || `Contact ${String(record.ID)}`,
    position: str(record.POST),
    phones: multi(record.PHONE),
    emails: multi(record.EMAIL),
  };
}

export function stageIds(config: Bitrix24Config): Record<DealStage, string> {
  return { ...DEFAULT_STAGES, ...config.stages };
}

/** A pipeline's own stage ids (`C2:WON`) or ones the map does not name fall back to the semantics. */
export function karvonStage(record: BxRecord, config: Bitrix24Config): DealStage {
  const stageId = str(record.STAGE_ID) ?? '';
  const ids = stageIds(config);
  for (const [stage, id] of Object.entries(ids) as [DealStage, string][]) if (id === stageId) return stage;
  const bare = stageId.replace(/^C\d+:/, '');
  for (const [stage, id] of Object.entries(DEFAULT_STAGES) as [DealStage, string][]) if (id === bare) return stage;
  const semantic = str(record.STAGE_SEMANTIC_ID);
  if (semantic === 'S') return 'won';
  if (semantic === 'F') return 'lost';
  return 'qualified';
}

export interface DealView {
  id: string;
  customerId: string;
  title: string;
  stage: DealStage;
  lineItems: { sku: string; name: string | null; quantity: number; price: number; amount: number }[];
  amount: number;
  currency: string;
  owner: string | null;
  expectedCloseDate: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export function dealView(record: BxRecord, config: Bitrix24Config): DealView {
  const company = str(record.COMPANY_ID);
  const contact = str(record.CONTACT_ID);
  const customerId = company && company !== '0' ? customerIdOf({ type: 'company', id: company }) : contact && contact !== '0' ? customerIdOf({ type: 'contact', id: contact }) : '';
  const closeDate = str(record.CLOSEDATE);
  return {
    id: String(record.ID),
    customerId,
    title: str(record.TITLE) ?? `Deal ${String(record.ID)}`,
    stage: karvonStage(record, config),
    lineItems: [],
    amount: Number(record.OPPORTUNITY ?? 0) || 0,
    currency: str(record.CURRENCY_ID) ?? config.currency ?? 'UZS',
    owner: str(record.ASSIGNED_BY_ID),
    expectedCloseDate: closeDate ? closeDate.slice(0, 10) : null,
    createdAt: iso(record.DATE_CREATE),
    updatedAt: iso(record.DATE_MODIFY),
    closedAt: record.CLOSED === 'Y' ? iso(record.DATE_MODIFY) : null,
  };
}

export type ActivityType = 'call' | 'email' | 'meeting' | 'note' | 'task' | 'system';
/** Bitrix24 activity TYPE_ID: 1 meeting, 2 call, 3 task, 4 e-mail. Notes are kept as tasks. */
export const ACTIVITY_TYPE_ID: Readonly<Record<ActivityType, number>> = { meeting: 1, call: 2, task: 3, email: 4, note: 3, system: 3 };

export interface ActivityView {
  id: string;
  customerId: string;
  dealId: string | null;
  type: ActivityType;
  subject: string;
  body: string | null;
  author: string | null;
  at: string;
}

export function activityView(record: BxRecord, customerId: string, type?: ActivityType): ActivityView {
  const typeId = Number(record.TYPE_ID);
  const byId: ActivityType = typeId === 1 ? 'meeting' : typeId === 2 ? 'call' : typeId === 4 ? 'email' : 'task';
  return {
    id: String(record.ID),
    customerId,
    dealId: Number(record.OWNER_TYPE_ID) === OWNER_TYPE_ID.deal ? String(record.OWNER_ID) : null,
    type: type ?? byId,
    subject: str(record.SUBJECT) ?? '',
    body: str(record.DESCRIPTION),
    author: str(record.AUTHOR_ID ?? record.RESPONSIBLE_ID),
    at: iso(record.CREATED ?? record.START_TIME),
  };
}

export function asRecord(value: BxValue): BxRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}
