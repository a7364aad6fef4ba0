// History retention for the embedded store: removes instances that ended before a cut-off
// together with every record derived from them, a batch per transaction so that commits of
// running instances wait at most one short batch.

import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { StoreCounts } from '../port.ts';

interface TaskAudienceRow {
  id: string;
  state: string;
  priority: number;
  due_date: string | null;
  created_at: string;
  candidate_groups: string;
  candidate_users: string;
}

/** Tables counted by countRecords, in the order StoreCounts lists them. */
const COUNTED = ['instances', 'tasks', 'jobs', 'incidents', 'subscriptions', 'timers', 'history'] as const;

export class SqliteRetention {
  private readonly endedStmt: Statement<[string, number], string>;
  private readonly tasksOfStmt: Statement<[string], TaskAudienceRow>;
  private readonly deleteCandidateStmt: Statement<[string, string, string, number, number, string, string, string]>;
  private readonly deletes: Array<Statement<[string]>>;
  private readonly deleteInstanceStmt: Statement<[string]>;
  private readonly countStmts: Array<Statement<[], number>>;
  private readonly purgeTx: Transaction<(endedBefore: string, limit: number) => string[]>;

  constructor(db: Database) {
    // `ended_at < ?` implies ended_at IS NOT NULL, which lets SQLite use the partial index.
    this.endedStmt = db
      .prepare<[string, number], string>(
        `SELECT id FROM instances INDEXED BY instances_by_end
         WHERE ended_at < ? AND state <> 'active' ORDER BY ended_at, id LIMIT ?`,
      )
      .pluck();
    this.tasksOfStmt = db.prepare<[string], TaskAudienceRow>(
      `SELECT id, state, priority, due_date, created_at, candidate_groups, candidate_users
       FROM tasks INDEXED BY tasks_by_instance WHERE process_instance_id = ?`,
    );
    // task_candidates has no task_id index (see migration 1): its rows are found by full key.
    this.deleteCandidateStmt = db.prepare(
      `DELETE FROM task_candidates WHERE kind = ? AND value = ? AND state = ? AND priority = ?
         AND due_last = ? AND due_date = ? AND created_at = ? AND task_id = ?`,
    );
    // Jobs, subscriptions and timers of an ended instance are normally gone already (the engine
    // deletes them as it leaves their elements); these tables hold open work only, so the
    // unindexed look-up scans little.
    this.deletes = [
      'DELETE FROM tasks WHERE process_instance_id = ?',
      'DELETE FROM incidents WHERE process_instance_id = ?',
      'DELETE FROM history WHERE process_instance_id = ?',
      'DELETE FROM jobs WHERE process_instance_id = ?',
      'DELETE FROM subscriptions WHERE process_instance_id = ?',
      'DELETE FROM timers WHERE process_instance_id = ?',
    ].map((sql) => db.prepare<[string]>(sql));
    this.deleteInstanceStmt = db.prepare<[string]>("DELETE FROM instances WHERE id = ? AND state <> 'active'");
    this.countStmts = COUNTED.map((table) => db.prepare<[], number>(`SELECT COUNT(*) FROM ${table}`).pluck());
    this.purgeTx = db.transaction((endedBefore: string, limit: number) => {
      const ids = this.endedStmt.all(endedBefore, limit);
      for (const id of ids) this.purgeOne(id);
      return ids;
    });
  }

  /** Removes up to `limit` instances that ended before `endedBefore`; returns their ids. */
  purge(endedBefore: string, limit: number): string[] {
    if (limit <= 0) return [];
    return this.purgeTx.immediate(endedBefore, Math.floor(limit));
  }

  counts(): StoreCounts {
    const values = this.countStmts.map((stmt) => stmt.get() ?? 0);
    return Object.fromEntries(COUNTED.map((table, i) => [table, values[i]])) as unknown as StoreCounts;
  }

  private purgeOne(id: string): void {
    for (const task of this.tasksOfStmt.all(id)) {
      const dueLast = task.due_date === null ? 1 : 0;
      const due = task.due_date ?? '';
      const audience: Array<['group' | 'user', string]> = [
        ...(JSON.parse(task.candidate_groups) as string[]).map((g): ['group', string] => ['group', g]),
        ...(JSON.parse(task.candidate_users) as string[]).map((u): ['user', string] => ['user', u]),
      ];
      for (const [kind, value] of audience) {
        this.deleteCandidateStmt.run(kind, value, task.state, task.priority, dueLast, due, task.created_at, task.id);
      }
    }
    for (const stmt of this.deletes) stmt.run(id);
    this.deleteInstanceStmt.run(id);
  }
}
