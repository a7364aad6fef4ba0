// The audit trail in the embedded store: an insert-only table plus a target index table, both
// written in one transaction. There is deliberately no UPDATE or DELETE statement here.

import type { Database } from 'better-sqlite3';
import type { AuditEntry, AuditFilter } from '../port.ts';
import { Conditions, limitParam, StatementCache } from './statements.ts';

interface AuditRow {
  id: string;
  at: string;
  actor: string | null;
  action: string;
  targets: string;
  request_id: string | null;
  details: string;
}

export class AuditLog {
  private readonly queries: StatementCache;
  private readonly append: (entry: AuditEntry) => void;

  constructor(db: Database) {
    this.queries = new StatementCache(db);
    const insertEntry = db.prepare(
      `INSERT INTO audit_log (id, at, actor, action, targets, request_id, details) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertTarget = db.prepare(`INSERT OR IGNORE INTO audit_targets (target, at, entry_id) VALUES (?, ?, ?)`);
    this.append = db.transaction((entry: AuditEntry) => {
      insertEntry.run(
        entry.id,
        entry.at,
        entry.actor,
        entry.action,
        JSON.stringify(entry.targets),
        entry.requestId,
        JSON.stringify(entry.details),
      );
      for (const target of new Set(entry.targets)) insertTarget.run(target, entry.at, entry.id);
    });
  }

  add(entry: AuditEntry): void {
    this.append(entry);
  }

  list(filter: AuditFilter): AuditEntry[] {
    const where = new Conditions();
    if (filter.actor !== undefined) where.add('a.actor = ?', filter.actor);
    if (filter.action !== undefined) where.add('a.action = ?', filter.action);
    if (filter.from !== undefined) where.add('a.at >= ?', filter.from);
    if (filter.to !== undefined) where.add('a.at < ?', filter.to);
    if (filter.before !== undefined) {
      where.add('(a.at < ? OR (a.at = ? AND a.id < ?))', filter.before.at, filter.before.at, filter.before.id);
    }
    const from =
      filter.target !== undefined
        ? 'audit_targets t JOIN audit_log a ON a.id = t.entry_id'
        : 'audit_log a';
    if (filter.target !== undefined) where.add('t.target = ?', filter.target);
    const sql = `SELECT a.id, a.at, a.actor, a.action, a.targets, a.request_id, a.details FROM ${from}
      ${where.toSql()} ORDER BY a.at DESC, a.id DESC LIMIT ?`;
    const rows = this.queries.get(sql).all(...where.params, limitParam(filter.limit)) as unknown as AuditRow[];
    return rows.map(fromRow);
  }

  /** Every entry, oldest first: the SQLite → MongoDB migration copies them. */
  static *all(db: Database): Iterable<AuditEntry> {
    const rows = db
      .prepare('SELECT id, at, actor, action, targets, request_id, details FROM audit_log ORDER BY at, id')
      .iterate() as Iterable<AuditRow>;
    for (const row of rows) yield fromRow(row);
  }
}

function fromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    targets: JSON.parse(row.targets) as string[],
    requestId: row.request_id,
    details: JSON.parse(row.details) as AuditEntry['details'],
  };
}
