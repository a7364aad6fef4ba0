// The audit trail in MongoDB: one insert-only collection. What queries filter on (actor, action,
// targets) is top-level and indexed, so FerretDB answers them from an index; `_order` is
// `${at} ${id}` (at has a fixed width), one sortable key for "newest first" and the next page.
// There is deliberately no update or delete here.

import type { Collection, Filter } from 'mongodb';
import { ConflictError } from '../../errors.ts';
import type { AuditEntry, AuditFilter } from '../port.ts';
import type { StoredDoc } from './codec.ts';

interface AuditDoc extends StoredDoc {
  _order: string;
  at: string;
  actor: string | null;
  action: string;
  targets: string[];
  requestId: string | null;
  /** JSON text: detail keys are free-form and MongoDB-compatible servers refuse some as field names. */
  details: string;
}

const orderKey = (at: string, id: string): string => `${at} ${id}`;

export function auditToDoc(entry: AuditEntry): AuditDoc {
  return {
    _id: entry.id,
    _order: orderKey(entry.at, entry.id),
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    targets: [...new Set(entry.targets)],
    requestId: entry.requestId,
    details: JSON.stringify(entry.details),
  };
}

function auditFromDoc(doc: AuditDoc): AuditEntry {
  return {
    id: doc._id,
    at: doc.at,
    actor: doc.actor,
    action: doc.action,
    targets: doc.targets,
    requestId: doc.requestId,
    details: JSON.parse(doc.details) as AuditEntry['details'],
  };
}

export class MongoAuditLog {
  constructor(private readonly collection: Collection<AuditDoc>) {}

  async add(entry: AuditEntry): Promise<void> {
    try {
      await this.collection.insertOne(auditToDoc(entry));
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) throw new ConflictError(`audit entry ${entry.id} already exists`);
      throw error;
    }
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    if (filter.limit <= 0) return [];
    const { filter: where, sort } = auditQuery(filter);
    const docs = await this.collection.find(where as Filter<AuditDoc>, { sort, limit: filter.limit }).toArray();
    return docs.map((d) => auditFromDoc(d as AuditDoc));
  }
}

/** The query behind a page of the trail; the explain test checks it uses an index. */
export function auditQuery(filter: Omit<AuditFilter, 'limit'>): { filter: Filter<StoredDoc>; sort: { _order: -1 } } {
  const where: Filter<AuditDoc> = {};
  if (filter.actor !== undefined) where.actor = filter.actor;
  if (filter.action !== undefined) where.action = filter.action;
  if (filter.target !== undefined) where.targets = filter.target;
  const order: { $gte?: string; $lt?: string } = {};
  // `at` is a prefix of `_order`, so bounds on it are bounds on the one sorted key.
  if (filter.from !== undefined) order.$gte = filter.from;
  let upper: string | undefined = filter.to;
  if (filter.before !== undefined) {
    const key = orderKey(filter.before.at, filter.before.id);
    if (upper === undefined || key < upper) upper = key;
  }
  if (upper !== undefined) order.$lt = upper;
  if (order.$gte !== undefined || order.$lt !== undefined) where._order = order;
  return { filter: where as Filter<StoredDoc>, sort: { _order: -1 } };
}
