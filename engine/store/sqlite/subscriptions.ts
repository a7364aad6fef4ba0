// Message subscriptions of waiting receive tasks, found by message name and correlation key.

import type { Database, Statement } from 'better-sqlite3';
import type { SubscriptionRecord } from '../../types.ts';
import type { RecordTable, Row } from './records.ts';
import { subscriptionTable } from './tables.ts';

export class SubscriptionRecords {
  private readonly table: RecordTable<SubscriptionRecord>;
  private readonly deleteStmt: Statement<[string]>;
  private readonly findKeyed: Statement<[string, string], Row>;
  private readonly findUnkeyed: Statement<[string], Row>;

  constructor(db: Database) {
    this.table = subscriptionTable(db);
    this.deleteStmt = db.prepare('DELETE FROM subscriptions WHERE id = ?');
    const select = `SELECT ${this.table.columnList} FROM subscriptions WHERE message_name = ?`;
    this.findKeyed = db.prepare(`${select} AND correlation_key = ? ORDER BY created_at, id`);
    this.findUnkeyed = db.prepare(`${select} AND correlation_key IS NULL ORDER BY created_at, id`);
  }

  put(subscription: SubscriptionRecord): void {
    this.table.upsert(subscription);
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  find(messageName: string, correlationKey: string | null): SubscriptionRecord[] {
    const rows =
      correlationKey === null
        ? this.findUnkeyed.all(messageName)
        : this.findKeyed.all(messageName, correlationKey);
    return rows.map((row) => this.table.fromRow(row));
  }
}
