// User task records plus their candidate side table, which the inbox queries go through.

import type { Database, Statement } from 'better-sqlite3';
import type { TaskRecord } from '../../types.ts';
import type { TaskFilter } from '../port.ts';
import type { RecordTable, SqlValue } from './records.ts';
import { Conditions, limitParam, StatementCache } from './statements.ts';
import { taskTable } from './tables.ts';

type CandidateKind = 'group' | 'user';

const ORDER = 'ORDER BY t.priority DESC, t.due_date IS NULL, t.due_date, t.created_at, t.id';

export class TaskRecords {
  private readonly table: RecordTable<TaskRecord>;
  private readonly queries: StatementCache;
  private readonly insertCandidate: Statement<[CandidateKind, string, string, string]>;
  private readonly deleteCandidates: Statement<[string]>;
  private readonly deleteCandidatesOfKind: Statement<[string, CandidateKind]>;
  private readonly setCandidateState: Statement<[string, string]>;
  private readonly stateOf: Statement<[string], string>;

  constructor(db: Database) {
    this.table = taskTable(db);
    this.queries = new StatementCache(db);
    this.insertCandidate = db.prepare(
      'INSERT OR IGNORE INTO task_candidates (kind, value, state, task_id) VALUES (?, ?, ?, ?)',
    );
    this.deleteCandidates = db.prepare('DELETE FROM task_candidates WHERE task_id = ?');
    this.deleteCandidatesOfKind = db.prepare(
      'DELETE FROM task_candidates WHERE task_id = ? AND kind = ?',
    );
    this.setCandidateState = db.prepare('UPDATE task_candidates SET state = ? WHERE task_id = ?');
    this.stateOf = db.prepare<[string], string>('SELECT state FROM tasks WHERE id = ?').pluck();
  }

  get(id: string): TaskRecord | null {
    return this.table.get(id);
  }

  put(task: TaskRecord): void {
    this.table.upsert(task);
    this.deleteCandidates.run(task.id);
    this.addCandidates(task.id, 'group', task.candidateGroups, task.state);
    this.addCandidates(task.id, 'user', task.candidateUsers, task.state);
  }

  patch(id: string, patch: Partial<Omit<TaskRecord, 'id'>>): void {
    if (!this.table.patch(id, patch)) return;
    const groups = patch.candidateGroups;
    const users = patch.candidateUsers;
    if (patch.state !== undefined && groups === undefined && users === undefined) {
      this.setCandidateState.run(patch.state, id);
      return;
    }
    if (groups === undefined && users === undefined) return;
    const state = patch.state ?? this.stateOf.get(id)!;
    if (patch.state !== undefined) this.setCandidateState.run(state, id);
    if (groups !== undefined) this.replaceCandidates(id, 'group', groups, state);
    if (users !== undefined) this.replaceCandidates(id, 'user', users, state);
  }

  list(filter: TaskFilter): TaskRecord[] {
    const where = taskConditions(filter);
    const sql = `SELECT ${prefixed(this.table.columnList)} FROM tasks t ${where.toSql()} ${ORDER} LIMIT ?`;
    const rows = this.queries.get(sql).all(...where.params, limitParam(filter.limit));
    return rows.map((row) => this.table.fromRow(row));
  }

  private replaceCandidates(id: string, kind: CandidateKind, values: string[], state: string): void {
    this.deleteCandidatesOfKind.run(id, kind);
    this.addCandidates(id, kind, values, state);
  }

  private addCandidates(id: string, kind: CandidateKind, values: string[], state: string): void {
    for (const value of values) this.insertCandidate.run(kind, value, state, id);
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
