// Maps a flat record type onto one table: one column per field, nested values as JSON text.
// Statements are prepared once; partial updates get one statement per distinct set of fields,
// which stays a handful because the engine patches the same few field sets over and over.

import type { Database, Statement } from 'better-sqlite3';

export type SqlValue = string | number | bigint | null;
export type Row = Record<string, unknown>;

export interface ColumnSpec<R> {
  field: keyof R & string;
  column: string;
  /** Stored as JSON text (lists, maps). */
  json?: boolean;
  /**
   * Written, never read back into a record (a search column). A write that leaves the field
   * undefined keeps what the row holds.
   */
  writeOnly?: boolean;
}

export class RecordTable<R extends object> {
  readonly columnList: string;
  private readonly byField: Map<string, ColumnSpec<R>>;
  private readonly keyColumn: string;
  private readonly readColumns: readonly ColumnSpec<R>[];
  private readonly insertStmt: Statement<SqlValue[]>;
  private readonly insertNewStmt: Statement<SqlValue[]>;
  private readonly upsertStmt: Statement<SqlValue[]>;
  private readonly getStmt: Statement<[string], Row>;
  private readonly patchStmts = new Map<string, Statement<SqlValue[]>>();

  constructor(
    private readonly db: Database,
    readonly table: string,
    readonly keyField: keyof R & string,
    readonly columns: readonly ColumnSpec<R>[],
  ) {
    this.byField = new Map(columns.map((c) => [c.field, c]));
    this.keyColumn = this.byField.get(keyField)!.column;
    this.readColumns = columns.filter((c) => !c.writeOnly);
    this.columnList = this.readColumns.map((c) => c.column).join(', ');
    const written = columns.map((c) => c.column).join(', ');
    const marks = columns.map(() => '?').join(', ');
    const updates = columns
      .filter((c) => c.field !== keyField)
      .map((c) => `${c.column} = ${c.writeOnly ? `COALESCE(excluded.${c.column}, ${c.column})` : `excluded.${c.column}`}`)
      .join(', ');
    this.insertStmt = db.prepare<SqlValue[]>(`INSERT INTO ${table} (${written}) VALUES (${marks})`);
    this.insertNewStmt = db.prepare<SqlValue[]>(
      `INSERT INTO ${table} (${written}) VALUES (${marks}) ON CONFLICT (${this.keyColumn}) DO NOTHING`,
    );
    this.upsertStmt = db.prepare<SqlValue[]>(
      `INSERT INTO ${table} (${written}) VALUES (${marks})
       ON CONFLICT (${this.keyColumn}) DO UPDATE SET ${updates}`,
    );
    this.getStmt = db.prepare<[string], Row>(
      `SELECT ${this.columnList} FROM ${table} WHERE ${this.keyColumn} = ?`,
    );
  }

  insert(record: R): void {
    this.insertStmt.run(...this.values(record));
  }

  /** Inserts the record unless one with its key exists; returns whether it did. */
  insertNew(record: R): boolean {
    return this.insertNewStmt.run(...this.values(record)).changes > 0;
  }

  upsert(record: R): void {
    this.upsertStmt.run(...this.values(record));
  }

  get(key: string): R | null {
    const row = this.getStmt.get(key);
    return row ? this.fromRow(row) : null;
  }

  /**
   * Sets the named fields of one record; returns whether it existed. A missing record is left
   * missing: a patch carries too little to create one.
   */
  patch(key: string, patch: Partial<R>): boolean {
    const fields = Object.keys(patch).filter(
      (f) => (patch as Record<string, unknown>)[f] !== undefined,
    );
    if (fields.length === 0) return this.getStmt.get(key) !== undefined;
    const params: SqlValue[] = fields.map((f) =>
      toSql(this.column(f), (patch as Record<string, unknown>)[f]),
    );
    params.push(key);
    return this.patchStatement(fields).run(...params).changes > 0;
  }

  fromRow(row: Row): R {
    const record: Record<string, unknown> = {};
    for (const c of this.readColumns) {
      const value = row[c.column];
      record[c.field] = c.json && typeof value === 'string' ? JSON.parse(value) : value;
    }
    return record as R;
  }

  private values(record: R): SqlValue[] {
    const source = record as Record<string, unknown>;
    return this.columns.map((c) => toSql(c, source[c.field]));
  }

  private column(field: string): ColumnSpec<R> {
    const column = this.byField.get(field);
    // Field names become SQL text below, so only known fields pass.
    if (!column || field === this.keyField) {
      throw new Error(`cannot patch field "${field}" of ${this.table}`);
    }
    return column;
  }

  private patchStatement(fields: string[]): Statement<SqlValue[]> {
    const cacheKey = fields.join(',');
    let stmt = this.patchStmts.get(cacheKey);
    if (!stmt) {
      const sets = fields.map((f) => `${this.column(f).column} = ?`).join(', ');
      stmt = this.db.prepare<SqlValue[]>(`UPDATE ${this.table} SET ${sets} WHERE ${this.keyColumn} = ?`);
      this.patchStmts.set(cacheKey, stmt);
    }
    return stmt;
  }
}

function toSql<R>(column: ColumnSpec<R>, value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (column.json) return JSON.stringify(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    return value;
  }
  throw new Error(`field "${column.field}" cannot hold a ${typeof value}`);
}
