// User task records plus their candidate side table, which the inbox queries go through.

import type { Database, Statement } from 'better-sqlite3';
import type { TaskRecord } from '../../types.ts';
import type { TaskFilter } from '../port.ts';
import type { RecordTable, Row } from './records.ts';
import { StatementCache } from './statements.ts';
import { taskQuery } from './task-query.ts';
import { taskTable } from './tables.ts';

type CandidateKind = 'group' | 'user';

/** The fields task_candidates copies from its task: the state and the inbox sort key. */
interface Placement {
  state: string;
  priority: number;
  dueDate: string | null;
  createdAt: string;
}

/** What task_candidates mirrors of one task. */
interface Audience extends Placement {
  group: string[];
  user: string[];
}

type CandidateRow = [
  kind: CandidateKind,
  value: string,
  state: string,
  priority: number,
  dueLast: number,
  dueDate: string,
  createdAt: string,
  taskId: string,
];

const KINDS: readonly CandidateKind[] = ['group', 'user'];
/** Patching any of these moves or re-offers the task in task_candidates. */
const AUDIENCE_FIELDS = ['state', 'priority', 'dueDate', 'createdAt', 'candidateGroups', 'candidateUsers'] as const;

export class TaskRecords {
  private readonly table: RecordTable<TaskRecord>;
  private readonly queries: StatementCache;
  private readonly audienceOf: Statement<[string], Row>;
  private readonly insertCandidate: Statement<CandidateRow>;
  private readonly deleteCandidate: Statement<CandidateRow>;

  constructor(db: Database) {
    this.table = taskTable(db);
    this.queries = new StatementCache(db);
    this.audienceOf = db.prepare(
      `SELECT state, priority, due_date, created_at, candidate_groups, candidate_users
       FROM tasks WHERE id = ?`,
    );
    this.insertCandidate = db.prepare(
      `INSERT OR IGNORE INTO task_candidates
         (kind, value, state, priority, due_last, due_date, created_at, task_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteCandidate = db.prepare(
      `DELETE FROM task_candidates WHERE kind = ? AND value = ? AND state = ? AND priority = ?
         AND due_last = ? AND due_date = ? AND created_at = ? AND task_id = ?`,
    );
  }

  get(id: string): TaskRecord | null {
    return this.table.get(id);
  }

  put(task: TaskRecord): void {
    const after: Audience = {
      state: task.state,
      priority: task.priority,
      dueDate: task.dueDate,
      createdAt: task.createdAt,
      group: task.candidateGroups,
      user: task.candidateUsers,
    };
    // The engine puts a task once, when it is created: only a put over an existing row needs to
    // read what task_candidates holds for it.
    if (this.table.insertNew(task)) {
      this.syncCandidates(task.id, null, after);
      return;
    }
    const before = this.audience(task.id);
    this.table.upsert(task);
    this.syncCandidates(task.id, before, after);
  }

  patch(id: string, patch: Partial<Omit<TaskRecord, 'id'>>): void {
    if (!AUDIENCE_FIELDS.some((field) => patch[field] !== undefined)) {
      this.table.patch(id, patch);
      return;
    }
    const before = this.audience(id);
    if (!before) return;
    this.table.patch(id, patch);
    this.syncCandidates(id, before, {
      state: patch.state ?? before.state,
      priority: patch.priority ?? before.priority,
      dueDate: patch.dueDate === undefined ? before.dueDate : patch.dueDate,
      createdAt: patch.createdAt ?? before.createdAt,
      group: patch.candidateGroups ?? before.group,
      user: patch.candidateUsers ?? before.user,
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
      priority: row.priority as number,
      dueDate: row.due_date as string | null,
      createdAt: row.created_at as string,
      group: JSON.parse(row.candidate_groups as string) as string[],
      user: JSON.parse(row.candidate_users as string) as string[],
    };
  }

  /** Writes only the rows that changed: a re-put of the same task touches no candidate page. */
  private syncCandidates(id: string, before: Audience | null, after: Audience): void {
    const moved = before !== null && !samePlacement(before, after);
    for (const kind of KINDS) {
      const old = new Set(before?.[kind]);
      const now = new Set(after[kind]);
      for (const value of old) {
        if (moved || !now.has(value)) this.deleteCandidate.run(...candidateRow(kind, value, before!, id));
      }
      for (const value of now) {
        if (moved || !old.has(value)) this.insertCandidate.run(...candidateRow(kind, value, after, id));
      }
    }
  }
}

function samePlacement(a: Placement, b: Placement): boolean {
  return (
    a.state === b.state &&
    a.priority === b.priority &&
    a.dueDate === b.dueDate &&
    a.createdAt === b.createdAt
  );
}

/** A primary key column cannot hold NULL, so "no due date" is due_last = 1 with an empty date. */
function candidateRow(kind: CandidateKind, value: string, at: Placement, id: string): CandidateRow {
  return [kind, value, at.state, at.priority, at.dueDate === null ? 1 : 0, at.dueDate ?? '', at.createdAt, id];
}
