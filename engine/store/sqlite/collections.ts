// Generic JSON document collections: table doc_<name> (id, rev, data). Listed fields get an
// expression index on json_extract for equality and order; array values of those fields also go
// into doc_<name>__items so "the array contains x" is an index look-up too.
//
// Names are spliced into SQL (an expression index only matches literal text), so every
// collection and field name is checked against NAME before it gets anywhere near a statement.

import type { Database, Statement } from 'better-sqlite3';
import { ConflictError, ValidationError } from '../../errors.ts';
import type { CollectionSpec, Doc, DocCollection, DocQuery } from '../port.ts';
import type { Row, SqlValue } from './records.ts';
import { Conditions, isUniqueViolation, limitParam, StatementCache } from './statements.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Fields kept in columns rather than in the JSON body. */
const COLUMN_FIELDS = new Set(['id', 'rev']);

type WhereValue = NonNullable<DocQuery['where']>[string];

export function checkName(kind: string, name: string): void {
  if (!NAME.test(name)) {
    throw new ValidationError(`invalid ${kind} name "${name}": use letters, digits and underscores`, [
      { path: name, message: 'letters, digits and underscores only' },
    ]);
  }
}

/** Creates what a spec needs (idempotent) and returns the field sets it indexes. */
export function ensureCollection(db: Database, spec: CollectionSpec): { indexed: string[]; unique: string[] } {
  checkName('collection', spec.name);
  const unique = [...new Set(spec.unique ?? [])];
  const indexed = [...new Set([...spec.indexes, ...unique])];
  for (const field of indexed) checkName('field', field);
  const table = `doc_${spec.name}`;
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, rev INTEGER NOT NULL, data TEXT NOT NULL)`);
    // `value` has no declared type, so 1 and '1' stay different, as they are in JSON.
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${table}__items (field TEXT NOT NULL, value, id TEXT NOT NULL,
         PRIMARY KEY (field, value, id)) WITHOUT ROWID`,
    );
    db.exec(`CREATE INDEX IF NOT EXISTS ${table}__items_by_id ON ${table}__items (id)`);
    for (const field of indexed) {
      if (COLUMN_FIELDS.has(field)) continue;
      const kind = unique.includes(field) ? 'UNIQUE INDEX' : 'INDEX';
      const index = indexName(spec.name, field, unique.includes(field));
      if (indexExists(db, index)) continue;
      db.exec(`CREATE ${kind} ${index} ON ${table} (${extract(field)})`);
      backfillItems(db, table, field);
    }
  }).immediate();
  return { indexed: indexed.filter((f) => !COLUMN_FIELDS.has(f)), unique };
}

export class SqliteDocCollection<T extends Doc> implements DocCollection<T> {
  private readonly table: string;
  private readonly queries: StatementCache;
  private readonly getStmt: Statement<[string], Row>;
  private readonly insertStmt: Statement<[string, string]>;
  private readonly replaceStmt: Statement<[string, string, number]>;
  private readonly deleteStmt: Statement<[string]>;
  private readonly insertItem: Statement<[string, SqlValue, string]>;
  private readonly deleteItems: Statement<[string]>;
  private readonly write: (run: () => void) => void;

  constructor(
    private readonly db: Database,
    private readonly name: string,
    private readonly indexed: string[],
    private readonly unique: string[],
  ) {
    this.table = `doc_${name}`;
    this.queries = new StatementCache(db);
    this.getStmt = db.prepare(`SELECT id, rev, data FROM ${this.table} WHERE id = ?`);
    this.insertStmt = db.prepare(`INSERT INTO ${this.table} (id, rev, data) VALUES (?, 1, ?)`);
    this.replaceStmt = db.prepare(
      `UPDATE ${this.table} SET rev = rev + 1, data = ? WHERE id = ? AND rev = ?`,
    );
    this.deleteStmt = db.prepare(`DELETE FROM ${this.table} WHERE id = ?`);
    this.insertItem = db.prepare(
      `INSERT OR IGNORE INTO ${this.table}__items (field, value, id) VALUES (?, ?, ?)`,
    );
    this.deleteItems = db.prepare(`DELETE FROM ${this.table}__items WHERE id = ?`);
    const tx = db.transaction((run: () => void) => run());
    this.write = (run) => tx.immediate(run);
  }

  async get(id: string): Promise<T | null> {
    const row = this.getStmt.get(id);
    return row ? toDoc<T>(row) : null;
  }

  async insert(doc: Omit<T, 'rev'>): Promise<T> {
    const id = docId(doc);
    const body = bodyOf(doc);
    this.guardUnique(() =>
      this.write(() => {
        this.insertStmt.run(id, body);
        this.syncItems(id, doc);
      }),
    );
    return { ...doc, id, rev: 1 } as unknown as T;
  }

  async replace(doc: T): Promise<T | null> {
    const id = docId(doc);
    let replaced = false;
    this.guardUnique(() =>
      this.write(() => {
        replaced = this.replaceStmt.run(bodyOf(doc), id, doc.rev).changes > 0;
        if (replaced) this.syncItems(id, doc);
      }),
    );
    return replaced ? ({ ...doc, rev: doc.rev + 1 } as T) : null;
  }

  async delete(id: string): Promise<boolean> {
    let deleted = false;
    this.write(() => {
      deleted = this.deleteStmt.run(id).changes > 0;
      if (deleted) this.deleteItems.run(id);
    });
    return deleted;
  }

  async find(query: DocQuery = {}): Promise<T[]> {
    const where = this.conditions(query);
    const sql = `SELECT id, rev, data FROM ${this.table} ${where.toSql()} ${this.order(query)} LIMIT ?`;
    const rows = this.queries.get(sql).all(...where.params, limitParam(query.limit));
    return rows.map((row) => toDoc<T>(row));
  }

  async count(query: DocQuery = {}): Promise<number> {
    const where = this.conditions(query);
    const sql = `SELECT COUNT(*) AS n FROM ${this.table} ${where.toSql()}`;
    return this.queries.get(sql).get(...where.params)!.n as number;
  }

  private conditions(query: DocQuery): Conditions {
    const where = new Conditions();
    for (const [field, value] of Object.entries(query.where ?? {})) {
      checkName('field', field);
      this.addEquality(where, field, value);
    }
    return where;
  }

  private addEquality(where: Conditions, field: string, value: WhereValue): void {
    if (value === undefined) return;
    if (COLUMN_FIELDS.has(field)) {
      where.add(value === null ? `${field} IS NULL` : `${field} = ?`, ...(value === null ? [] : [sqlValue(value)]));
      return;
    }
    if (value === null) {
      where.add(`${extract(field)} IS NULL`);
      return;
    }
    const bound = sqlValue(value);
    // json_extract hands back an array or object as JSON text; the type check keeps the string
    // '["a"]' from matching the array ["a"].
    const scalar = `(${extract(field)} = ? AND json_type(data, '$.${field}') NOT IN ('array', 'object'))`;
    if (this.indexed.includes(field)) {
      where.add(
        `(${scalar} OR id IN (SELECT id FROM ${this.table}__items WHERE field = '${field}' AND value = ?))`,
        bound,
        bound,
      );
    } else {
      where.add(
        `(${scalar} OR (json_type(data, '$.${field}') = 'array' AND EXISTS (SELECT 1 FROM json_each(data, '$.${field}') WHERE value = ?)))`,
        bound,
        bound,
      );
    }
  }

  private order(query: DocQuery): string {
    const direction = query.desc ? 'DESC' : 'ASC';
    if (query.orderBy === undefined) return `ORDER BY id ${direction}`;
    checkName('field', query.orderBy);
    const key = COLUMN_FIELDS.has(query.orderBy) ? query.orderBy : extract(query.orderBy);
    return `ORDER BY ${key} ${direction}, id ${direction}`;
  }

  private syncItems(id: string, doc: Record<string, unknown>): void {
    this.deleteItems.run(id);
    for (const field of this.indexed) {
      const value = doc[field];
      if (!Array.isArray(value)) continue;
      for (const item of value) {
        const bound = itemValue(item);
        if (bound !== undefined) this.insertItem.run(field, bound, id);
      }
    }
  }

  private guardUnique(write: () => void): void {
    try {
      write();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const field = this.violatedField(error.message);
      throw new ConflictError(`${this.name}: a document with this ${field} already exists`, [
        { path: field, message: 'already exists' },
      ]);
    }
  }

  private violatedField(message: string): string {
    for (const field of this.unique) {
      if (message.includes(indexName(this.name, field, true))) return field;
    }
    return 'id';
  }
}

function extract(field: string): string {
  return `json_extract(data, '$.${field}')`;
}

function indexName(collection: string, field: string, unique: boolean): string {
  return `doc_${collection}__${unique ? 'u' : 'i'}_${field}`;
}

function indexExists(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?").get(name) !== undefined;
}

/** A field indexed after documents exist gets their array items too. */
function backfillItems(db: Database, table: string, field: string): void {
  db.exec(
    `INSERT OR IGNORE INTO ${table}__items (field, value, id)
     SELECT '${field}', j.value, d.id FROM ${table} d, json_each(d.data, '$.${field}') j
     WHERE json_type(d.data, '$.${field}') = 'array' AND j.type NOT IN ('object', 'array', 'null')`,
  );
}

function docId(doc: { id?: unknown }): string {
  if (typeof doc.id !== 'string' || doc.id === '') {
    throw new ValidationError('a document needs a non-empty string id', [{ path: 'id', message: 'required' }]);
  }
  return doc.id;
}

/** The JSON body leaves out id and rev: the columns are the single source of both. */
function bodyOf(doc: object): string {
  const { id: _id, rev: _rev, ...body } = doc as Record<string, unknown>;
  return JSON.stringify(body);
}

function toDoc<T extends Doc>(row: Row): T {
  return { id: row.id, rev: row.rev, ...JSON.parse(row.data as string) } as T;
}

/** JSON true/false come out of json_extract as 1/0, so bind them that way. */
function sqlValue(value: string | number | boolean): SqlValue {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function itemValue(item: unknown): SqlValue | undefined {
  if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
    return sqlValue(item);
  }
  return undefined;
}
