// Message subscriptions of waiting receive tasks, found by message name and correlation key.

import type { Database, Statement } from 'better-sqlite3';
import type { SubscriptionRecord } from '../../types.ts';

interface SubscriptionRow {
  id: string;
  process_instance_id: string;
  process_key: string;
  element_id: string;
  element_instance: string;
  message_name: string;
  correlation_key: string | null;
  created_at: string;
}

export class SubscriptionRecords {
  private readonly putStmt: Statement<[SubscriptionRow]>;
  private readonly deleteStmt: Statement<[string]>;
  private readonly findKeyed: Statement<[string, string], SubscriptionRow>;
  private readonly findUnkeyed: Statement<[string], SubscriptionRow>;

  constructor(db: Database) {
    this.putStmt = db.prepare(
      `INSERT OR REPLACE INTO subscriptions (id, process_instance_id, process_key, element_id, element_instance, message_name, correlation_key, created_at)
       VALUES (@id, @process_instance_id, @process_key, @element_id, @element_instance, @message_name, @correlation_key, @created_at)`,
    );
    this.deleteStmt = db.prepare('DELETE FROM subscriptions WHERE id = ?');
    this.findKeyed = db.prepare('SELECT * FROM subscriptions WHERE message_name = ? AND correlation_key = ? ORDER BY created_at, id');
    this.findUnkeyed = db.prepare('SELECT * FROM subscriptions WHERE message_name = ? AND correlation_key IS NULL ORDER BY created_at, id');
  }

  put(s: SubscriptionRecord): void {
    this.putStmt.run({
      id: s.id,
      process_instance_id: s.processInstanceId,
      process_key: s.processKey,
      element_id: s.elementId,
      element_instance: s.elementInstance,
      message_name: s.messageName,
      correlation_key: s.correlationKey,
      created_at: s.createdAt,
    });
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  find(messageName: string, correlationKey: string | null): SubscriptionRecord[] {
    const rows = correlationKey === null ? this.findUnkeyed.all(messageName) : this.findKeyed.all(messageName, correlationKey);
    return rows.map((r) => ({
      id: r.id,
      processInstanceId: r.process_instance_id,
      processKey: r.process_key,
      elementId: r.element_id,
      elementInstance: r.element_instance,
      messageName: r.message_name,
      correlationKey: r.correlation_key,
      createdAt: r.created_at,
    }));
  }
}
