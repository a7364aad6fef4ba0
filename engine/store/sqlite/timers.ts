// Timers waiting to fire: those of instances (catch and boundary events) arrive as effects with
// their instance's commit; those of timer start events belong to a process and are replaced
// wholesale when a new version is deployed.

import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { TimerRecord } from '../../types.ts';
import type { TimerNext } from '../port.ts';
import type { RecordTable, Row } from './records.ts';
import { timerTable } from './tables.ts';

export class TimerRecords {
  private readonly table: RecordTable<TimerRecord>;
  private readonly deleteStmt: Statement<[string]>;
  private readonly dueStmt: Statement<[number, number], Row>;
  private readonly nextDueStmt: Statement<[], number | null>;
  private readonly deleteStartTimers: Statement<[string]>;
  private readonly moveStmt: Statement<[number, string | null, string, number]>;
  private readonly deleteDueStmt: Statement<[string, number]>;
  private readonly replaceTx: Transaction<(processKey: string, timers: TimerRecord[]) => void>;

  constructor(db: Database) {
    this.table = timerTable(db);
    this.deleteStmt = db.prepare('DELETE FROM timers WHERE id = ?');
    this.dueStmt = db.prepare(
      `SELECT ${this.table.columnList} FROM timers WHERE due_at <= ? ORDER BY due_at, id LIMIT ?`,
    );
    this.nextDueStmt = db.prepare<[], number | null>('SELECT MIN(due_at) FROM timers').pluck();
    this.deleteStartTimers = db.prepare(
      'DELETE FROM timers WHERE process_key = ? AND process_instance_id IS NULL',
    );
    this.moveStmt = db.prepare('UPDATE timers SET due_at = ?, repeat = ? WHERE id = ? AND due_at = ?');
    this.deleteDueStmt = db.prepare('DELETE FROM timers WHERE id = ? AND due_at = ?');
    this.replaceTx = db.transaction((processKey: string, timers: TimerRecord[]) => {
      this.deleteStartTimers.run(processKey);
      for (const timer of timers) this.table.upsert(timer);
    });
  }

  put(timer: TimerRecord): void {
    this.table.upsert(timer);
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  due(now: number, limit: number): TimerRecord[] {
    return this.dueStmt.all(now, Math.max(0, Math.floor(limit))).map((row) => this.table.fromRow(row));
  }

  nextDueAt(): number | null {
    return this.nextDueStmt.get() ?? null;
  }

  replaceStartTimers(processKey: string, timers: TimerRecord[]): void {
    this.replaceTx.immediate(processKey, timers);
  }

  /** The guard on `dueAt` makes this a compare-and-set: one claimant per firing. */
  claimStart(id: string, dueAt: number, next: TimerNext | null): boolean {
    const changed =
      next === null
        ? this.deleteDueStmt.run(id, dueAt)
        : this.moveStmt.run(next.dueAt, next.repeat ? JSON.stringify(next.repeat) : null, id, dueAt);
    return changed.changes > 0;
  }
}
