// The built-in CRM's records as they sit in the store's document collections.

import type { CollectionSpec, Doc, DocCollection, Store } from '../../engine/store/port.ts';

export type CustomerKind = 'company' | 'person';

export interface CustomerDoc extends Doc {
  kind: CustomerKind;
  name: string;
  /** Lower-cased name for search; CRMs are searched by fragments of names. */
  nameKey: string;
  taxId: string | null;
  phones: string[];
  emails: string[];
  /** Free text, the way CRMs keep addresses; structured only on the way to the ERP. */
  address: string | null;
  segment: string | null;
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ContactDoc extends Doc {
  customerId: string;
  name: string;
  position: string | null;
  phones: string[];
  emails: string[];
  createdAt: string;
}

export const DEAL_STAGES = ['new', 'qualified', 'proposal', 'won', 'lost'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];
export const OPEN_STAGES: readonly DealStage[] = ['new', 'qualified', 'proposal'];

/** Allowed stage moves, as data: open deals move freely; won is final; lost can be reopened. */
export const STAGE_TRANSITIONS: Readonly<Record<DealStage, readonly DealStage[]>> = {
  new: ['qualified', 'proposal', 'won', 'lost'],
  qualified: ['new', 'proposal', 'won', 'lost'],
  proposal: ['new', 'qualified', 'won', 'lost'],
  won: [],
  lost: ['new'],
};

export interface LineItemDoc {
  sku: string;
  name: string | null;
  quantityMilli: number;
  priceMinor: number;
}

export interface DealDoc extends Doc {
  customerId: string;
  title: string;
  stage: DealStage;
  lineItems: LineItemDoc[];
  amountMinor: number;
  currency: string;
  owner: string | null;
  expectedCloseDate: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'note', 'task', 'system'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export interface ActivityDoc extends Doc {
  customerId: string;
  dealId: string | null;
  type: ActivityType;
  subject: string;
  body: string | null;
  author: string | null;
  at: string;
}

export const CRM_COLLECTIONS = {
  customers: { name: 'crm_customers', indexes: ['kind', 'taxId', 'segment', 'owner', 'nameKey'] },
  contacts: { name: 'crm_contacts', indexes: ['customerId'] },
  deals: { name: 'crm_deals', indexes: ['customerId', 'stage', 'owner'] },
  activities: { name: 'crm_activities', indexes: ['customerId', 'dealId', 'at'] },
} as const satisfies Record<string, CollectionSpec>;

export interface CrmCollections {
  customers: DocCollection<CustomerDoc>;
  contacts: DocCollection<ContactDoc>;
  deals: DocCollection<DealDoc>;
  activities: DocCollection<ActivityDoc>;
}

/** What the CRM needs from a store: just collections. */
export type CollectionStore = Pick<Store, 'collection'>;

export function crmCollections(store: CollectionStore): CrmCollections {
  return {
    customers: store.collection<CustomerDoc>(CRM_COLLECTIONS.customers),
    contacts: store.collection<ContactDoc>(CRM_COLLECTIONS.contacts),
    deals: store.collection<DealDoc>(CRM_COLLECTIONS.deals),
    activities: store.collection<ActivityDoc>(CRM_COLLECTIONS.activities),
  };
}
