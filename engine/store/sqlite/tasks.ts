// User task records plus their candidate side table, which the inbox queries go through.

import type { Database, Statement } from 'better-sqlite3';
import type { TaskRecord } from '../../types.ts';
import type { TaskFilter } from '../port.ts';
import type { RecordTable, Row } from './records.ts';
import { StatementCache } from './statements.ts';
import { taskQuery } from './task-query.ts';
import { taskTable } from './tables.ts';

type CandidateKind = 'group' | 'user';

/** What task_candidates mirrors of one task. */
interface Audience {
  state: string;
  group: string[];
  user: string[];
}

const KINDS: readonly CandidateKind[] = ['group', 'user'];

export class TaskRecords {
  private readonly table: RecordTable<TaskRecord>;
  private readonly queries: StatementCache;
  private readonly audienceOf: Statement<[string], Row>;
  private readonly insertCandidate: Statement<[CandidateKind, string, string, string]>;
  private readonly deleteCandidate: Statement<[CandidateKind, string, string, string]>;

  constructor(db: Database) {
    this.table = taskTable(db);
    this.queries = new StatementCache(db);
    this.audienceOf = db.prepare(
      'SELECT state, candidate_groups, candidate_users FROM tasks WHERE id = ?',
    );
    this.insertCandidate = db.prepare(
      'INSERT OR IGNORE INTO task_candidates (kind, value, state, task_id) VALUES (?, ?, ?, ?)',
    );
    this.deleteCandidate = db.prepare(
      'DELETE FROM task_candidates WHERE kind = ? AND value = ? AND state = ? AND task_id = ?',
    );
  }

  get(id: string): TaskRecord | null {
    return this.table.get(id);
  }

  put(task: TaskRecord): void {
    const before = this.audience(task.id);
    this.table.upsert(task);
    this.syncCandidates(task.id, before, {
      state: task.state,
      group: task.candidateGroups,
      user: task.candidateUsers,
    });
  }

  patch(id: string, patch: Partial<Omit<TaskRecord, 'id'>>): void {
    const { state, candidateGroups, candidateUsers } = patch;
    if (state === undefined && candidateGroups === undefined && candidateUsers === undefined) {
      this.table.patch(id, patch);
      return;
    }
    const before = this.audience(id);
    if (!before) return;
    this.table.patch(id, patch);
    this.syncCandidates(id, before, {
      state: state ?? before.state,
      group: candidateGroups ?? before.group,
      user: candidateUsers ?? before.user,
    });
  }

  list(filter: TaskFilter): TaskRecord[] {
    const { sql, params } = taskQuery(filter, this.table.columnList);
    return this.queries.get(sql).all(...params).map((row) => this.table.fromRow(row));
  }

  private audience(id: string): Audience | null {
    const row = this.audienceOf.get(id);
    if (!row) return null;
    return {
      state: row.state as string,
      group: JSON.parse(row.candidate_groups as string) as string[],
      user: JSON.parse(row.candidate_users as string) as string[],
    };
  }

  /** Writes only the rows that changed: a re-put of the same task touches no candidate page. */
  private syncCandidates(id: string, before: Audience | null, after: Audience): void {
    for (const kind of KINDS) {
      const old = new Set(before?.[kind]);
      const now = new Set(after[kind]);
      const moved = before !== null && before.state !== after.state;
      for (const value of old) {
        if (moved || !now.has(value)) this.deleteCandidate.run(kind, value, before!.state, id);
      }
      for (const value of now) {
        if (moved || !old.has(value)) this.insertCandidate.run(kind, value, after.state, id);
      }
    }
  }
}
