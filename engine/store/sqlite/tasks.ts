// User task records plus their candidate side table, which the inbox queries go through.

import type { Database, Statement } from 'better-sqlite3';
import type { TaskRecord } from '../../types.ts';
import type { TaskFilter } from '../port.ts';
import type { RecordTable, Row, SqlValue } from './records.ts';
import { Conditions, limitParam, StatementCache } from './statements.ts';
import { taskTable } from './tables.ts';

type CandidateKind = 'group' | 'user';

/** What task_candidates mirrors of one task. */
interface Audience {
  state: string;
  group: string[];
  user: string[];
}

const KINDS: readonly CandidateKind[] = ['group', 'user'];
const ORDER = 'ORDER BY t.priority DESC, t.due_date IS NULL, t.due_date, t.created_at, t.id';

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
    const where = taskConditions(filter);
    const sql = `SELECT ${prefixed(this.table.columnList)} FROM tasks t ${where.toSql()} ${ORDER} LIMIT ?`;
    const rows = this.queries.get(sql).all(...where.params, limitParam(filter.limit));
    return rows.map((row) => this.table.fromRow(row));
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

function taskConditions(filter: TaskFilter): Conditions {
  const where = new Conditions();
  const state = filter.state;
  if (state !== undefined) where.add('t.state = ?', state);
  if (filter.assignee !== undefined) where.add('t.assignee = ?', filter.assignee);
  if (filter.processInstanceId !== undefined) {
    where.add('t.process_instance_id = ?', filter.processInstanceId);
  }
  if (filter.processKey !== undefined) where.add('t.process_key = ?', filter.processKey);
  if (filter.candidateGroups !== undefined) {
    const [sql, params] = offeredToGroups(filter.candidateGroups, state);
    where.add(`t.id IN (${sql})`, ...params);
  }
  if (filter.candidateUser !== undefined) {
    const [sql, params] = offeredToUser(filter.candidateUser, state);
    where.add(`t.id IN (${sql})`, ...params);
  }
  if (filter.visibleTo !== undefined) {
    const { username, groups } = filter.visibleTo;
    const [assigned, assignedParams] = assignedTo(username, state);
    const [byName, byNameParams] = offeredToUser(username, state);
    const [byGroup, byGroupParams] = offeredToGroups(groups, state);
    // Each branch is an index look-up; the union is then joined to tasks by primary key.
    where.add(
      `t.id IN (${assigned} UNION ALL ${byName} UNION ALL ${byGroup})`,
      ...assignedParams,
      ...byNameParams,
      ...byGroupParams,
    );
  }
  return where;
}

type Fragment = [sql: string, params: SqlValue[]];

function assignedTo(username: string, state: string | undefined): Fragment {
  return state === undefined
    ? ['SELECT id FROM tasks WHERE assignee = ?', [username]]
    : ['SELECT id FROM tasks WHERE assignee = ? AND state = ?', [username, state]];
}

function offeredToUser(username: string, state: string | undefined): Fragment {
  const sql = "SELECT task_id FROM task_candidates WHERE kind = 'user' AND value = ?";
  return state === undefined ? [sql, [username]] : [`${sql} AND state = ?`, [username, state]];
}

function offeredToGroups(groups: string[], state: string | undefined): Fragment {
  // One JSON parameter instead of one placeholder per group keeps a single cached statement.
  const sql =
    "SELECT task_id FROM task_candidates WHERE kind = 'group' AND value IN (SELECT value FROM json_each(?))";
  const list = JSON.stringify(groups);
  return state === undefined ? [sql, [list]] : [`${sql} AND state = ?`, [list, state]];
}

function prefixed(columnList: string): string {
  return columnList
    .split(', ')
    .map((c) => `t.${c}`)
    .join(', ');
}
