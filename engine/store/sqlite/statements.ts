// Statements whose text depends on which filters a query uses. Filter combinations are few, so
// caching by SQL text keeps them prepared; the bound only guards against a caller that varies
// the text without end.

import type { Database, Statement } from 'better-sqlite3';
import type { Row, SqlValue } from './records.ts';

const MAX_CACHED = 256;

export class StatementCache {
  private readonly cache = new Map<string, Statement<SqlValue[], Row>>();

  constructor(private readonly db: Database) {}

  get(sql: string): Statement<SqlValue[], Row> {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      stmt = this.db.prepare<SqlValue[], Row>(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
}

/** A WHERE clause assembled from optional filters, with its parameters in order. */
export class Conditions {
  private readonly terms: string[] = [];
  readonly params: SqlValue[] = [];

  add(term: string, ...params: SqlValue[]): this {
    this.terms.push(term);
    this.params.push(...params);
    return this;
  }

  toSql(): string {
    return this.terms.length === 0 ? '' : `WHERE ${this.terms.join(' AND ')}`;
  }
}

/** SQLite reads LIMIT -1 as "no limit", so one statement serves both. */
export function limitParam(limit: number | undefined): number {
  return limit === undefined || limit < 0 ? -1 : Math.floor(limit);
}

export function isUniqueViolation(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
