// The change feed in the embedded store: an autoincrement table that nodes sharing the file
// append to and poll. Entries live minutes; trimChanges removes older ones.

import type { Database } from 'better-sqlite3';
import type { ChangeEntry } from '../port.ts';

interface ChangeRow {
  id: string;
  node: string;
  at: number;
  type: string;
  instance_id: string;
  task_id: string | null;
  incident_id: string | null;
}

export class ChangeFeed {
  private readonly appendAll: (entries: ChangeEntry[]) => void;
  private readonly readStmt;
  private readonly trimStmt;

  constructor(db: Database) {
    // OR IGNORE: appending is retried after an unclear failure and an id is written once.
    const insert = db.prepare(
      `INSERT OR IGNORE INTO changes (id, node, at, type, instance_id, task_id, incident_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.appendAll = db.transaction((entries: ChangeEntry[]) => {
      for (const e of entries) insert.run(e.id, e.node, e.at, e.type, e.instanceId, e.taskId, e.incidentId);
    });
    this.readStmt = db.prepare<[number, number], ChangeRow>(
      `SELECT id, node, at, type, instance_id, task_id, incident_id FROM changes WHERE at >= ? ORDER BY at, id LIMIT ?`,
    );
    this.trimStmt = db.prepare<[number]>('DELETE FROM changes WHERE at < ?');
  }

  append(entries: ChangeEntry[]): void {
    if (entries.length > 0) this.appendAll(entries);
  }

  read(since: number, limit: number): ChangeEntry[] {
    if (limit <= 0) return [];
    return this.readStmt.all(since, limit).map((row) => ({
      id: row.id,
      node: row.node,
      at: row.at,
      type: row.type,
      instanceId: row.instance_id,
      taskId: row.task_id,
      incidentId: row.incident_id,
    }));
  }

  trim(olderThan: number): number {
    return this.trimStmt.run(olderThan).changes;
  }
}
