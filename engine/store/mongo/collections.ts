// Generic document collections: `doc_<name>`, one document per record with `id` stored as `_id`
// and `rev` as a plain field. Equality on a field matches an array field that contains the value,
// which MongoDB does by itself. A replace is a conditional update on `rev`, run under a claim so
// it stays exclusive on FerretDB too (see claims.ts).

import type { Collection, Db, Document, Filter, Sort } from 'mongodb';
import { ConflictError, ValidationError } from '../../errors.ts';
import type { CollectionSpec, Doc, DocCollection, DocQuery } from '../port.ts';
import type { Claims } from './claims.ts';
import { checkName, duplicateKeyFields, isDuplicateKey } from './codec.ts';
import type { StoredDoc } from './codec.ts';
import { ensureCollectionIndexes } from './schema.ts';
import type { IndexDef } from './schema.ts';

/** Checks a spec and creates its indexes; the promise settles once they exist. */
export function prepareCollection(db: Db, spec: CollectionSpec): { unique: string[]; ready: Promise<void> } {
  checkName('collection', spec.name);
  const unique = [...new Set(spec.unique ?? [])];
  const plain = [...new Set(spec.indexes)].filter((f) => !unique.includes(f));
  for (const field of [...unique, ...plain]) checkName('field', field);
  const indexes: IndexDef[] = [
    // Sparse: documents without the field do not collide with each other, as in SQLite.
    ...unique.filter((f) => f !== 'id').map((f) => ({ key: { [f]: 1 as const }, name: `u_${f}`, unique: true, sparse: true })),
    ...plain.filter((f) => f !== 'id').map((f) => ({ key: { [f]: 1 as const }, name: `i_${f}` })),
  ];
  const ready = indexes.length === 0 ? Promise.resolve() : ensureCollectionIndexes(db, `doc_${spec.name}`, indexes);
  // Every operation awaits `ready` and sees a failure there; this only keeps an unawaited
  // failure from being reported as unhandled.
  ready.catch(() => undefined);
  return { unique, ready };
}

type WhereValue = string | number | boolean | null;

export class MongoDocCollection<T extends Doc> implements DocCollection<T> {
  private readonly collection: Collection<StoredDoc>;

  constructor(
    db: Db,
    private readonly name: string,
    private readonly unique: string[],
    private readonly ready: Promise<void>,
    private readonly claims: Claims,
  ) {
    this.collection = db.collection<StoredDoc>(`doc_${name}`);
  }

  async get(id: string): Promise<T | null> {
    await this.ready;
    const doc = await this.collection.findOne({ _id: id });
    return doc ? toDoc<T>(doc) : null;
  }

  async insert(doc: Omit<T, 'rev'>): Promise<T> {
    await this.ready;
    const id = docId(doc);
    const body = bodyOf(doc);
    try {
      await this.collection.insertOne({ _id: id, rev: 1, ...body });
    } catch (error) {
      throw await this.conflictOr(error, id, body);
    }
    return { ...doc, id, rev: 1 } as unknown as T;
  }

  async replace(doc: T): Promise<T | null> {
    await this.ready;
    const id = docId(doc);
    const body = bodyOf(doc);
    // A writer already replacing from this rev wins or fails on its own; either way this caller
    // has to read again, as after any stale rev.
    const replaced = await this.claims.with(`doc:${this.name}:${id}:${doc.rev + 1}`, async () => {
      try {
        const result = await this.collection.replaceOne({ _id: id, rev: doc.rev }, {
          rev: doc.rev + 1,
          ...body,
        });
        return result.matchedCount > 0;
      } catch (error) {
        throw await this.conflictOr(error, id, body);
      }
    });
    return replaced?.value ? ({ ...doc, rev: doc.rev + 1 } as T) : null;
  }

  async delete(id: string): Promise<boolean> {
    await this.ready;
    const result = await this.collection.deleteOne({ _id: id });
    return result.deletedCount > 0;
  }

  async find(query: DocQuery = {}): Promise<T[]> {
    await this.ready;
    if (query.limit === 0) return [];
    const filter = this.filter(query);
    const sort = this.sort(query);
    const limit = query.limit === undefined || query.limit < 0 ? 0 : Math.floor(query.limit);
    const docs = await this.collection.find(filter, { sort, limit }).toArray();
    return docs.map((d) => toDoc<T>(d));
  }

  async count(query: DocQuery = {}): Promise<number> {
    await this.ready;
    return this.collection.countDocuments(this.filter(query));
  }

  private filter(query: DocQuery): Filter<StoredDoc> {
    const filter: Filter<StoredDoc> = {};
    for (const [field, value] of Object.entries(query.where ?? {})) {
      checkName('field', field);
      if (value === undefined) continue;
      if (!isScalar(value)) {
        // An object here would be read as a query operator ({$ne: null}, {$where: ...}).
        throw new ValidationError(`where.${field} must be a string, number, boolean or null`, [
          { path: field, message: 'scalar value required' },
        ]);
      }
      filter[storedField(field)] = value;
    }
    return filter;
  }

  private sort(query: DocQuery): Sort {
    const direction = query.desc ? -1 : 1;
    if (query.orderBy === undefined || query.orderBy === 'id') return { _id: direction };
    checkName('field', query.orderBy);
    return { [storedField(query.orderBy)]: direction, _id: direction };
  }

  /** The ConflictError for a duplicate key, naming the field; any other error as it is. */
  private async conflictOr(error: unknown, id: string, body: Record<string, unknown>): Promise<unknown> {
    if (!isDuplicateKey(error)) return error;
    const field = await this.violatedField(error, id, body);
    return new ConflictError(`${this.name}: a document with this ${field} already exists`, [
      { path: field, message: 'already exists' },
    ]);
  }

  private async violatedField(error: unknown, id: string, body: Record<string, unknown>): Promise<string> {
    const named = duplicateKeyFields(error);
    if (named) return named[0] === '_id' ? 'id' : named[0];
    // FerretDB does not say which index it was: look for the document holding the value.
    for (const field of this.unique) {
      if (field === 'id' || body[field] === undefined) continue;
      const holder = await this.collection.findOne(
        { [field]: body[field], _id: { $ne: id } },
        { projection: { _id: 1 } },
      );
      if (holder) return field;
    }
    return 'id';
  }
}

function isScalar(value: unknown): value is WhereValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function storedField(field: string): string {
  return field === 'id' ? '_id' : field;
}

function docId(doc: { id?: unknown }): string {
  if (typeof doc.id !== 'string' || doc.id === '') {
    throw new ValidationError('a document needs a non-empty string id', [{ path: 'id', message: 'required' }]);
  }
  return doc.id;
}

/** Everything but id and rev, which the store keeps itself. */
function bodyOf(doc: object): Record<string, unknown> {
  const { id: _id, rev: _rev, ...body } = doc as Record<string, unknown>;
  if ('_id' in body) {
    throw new ValidationError('a document cannot carry an "_id" field; "id" is its key', [
      { path: '_id', message: 'not allowed' },
    ]);
  }
  return body;
}

function toDoc<T extends Doc>(stored: Document): T {
  const { _id, ...rest } = stored;
  return { id: _id, ...rest } as T;
}
