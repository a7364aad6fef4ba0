// SQL for listTasks. The most selective filter present "drives" the query (its index is where
// reading starts) and the others are checked per row. The choice is written into the SQL
// (INDEXED BY, CROSS JOIN) rather than left to the planner: without statistics SQLite would walk
// the inbox-order index and filter, which takes a full scan of the open tasks for an employee
// who can see only a few of them.
//
// The inbox page itself (open tasks visible to someone, first N) goes further: every group, the
// user's name and the assignee index each yield their own first N in index order, and only
// those few rows are merged and sorted.

import type { TaskFilter, TaskPosition } from '../port.ts';
import type { SqlValue } from './records.ts';
import { Conditions, limitParam } from './statements.ts';

export interface TaskQuery {
  sql: string;
  params: SqlValue[];
}

interface Fragment {
  sql: string;
  params: SqlValue[];
}

type Driver = 'instance' | 'assignee' | 'candidateUser' | 'visibleTo' | 'candidateGroups' | 'order';

const ORDER = 'ORDER BY t.priority DESC, t.due_date IS NULL, t.due_date, t.created_at, t.id';
/** A UNION of more arms than this falls back to reading the whole id set. */
const MAX_TOP_ARMS = 64;

export function taskQuery(filter: TaskFilter, columns: string): TaskQuery {
  const driver = chooseDriver(filter);
  const from = topOfEach(driver, filter) ?? source(driver, filter);
  const where = rowConditions(driver, filter);
  const selected = columns
    .split(', ')
    .map((c) => `t.${c}`)
    .join(', ');
  return {
    sql: `SELECT ${selected} FROM ${from.sql} ${where.toSql()} ${ORDER} LIMIT ?`,
    params: [...from.params, ...where.params, limitParam(filter.limit)],
  };
}

/** Most selective first: an instance has a few tasks, a group thousands. */
function chooseDriver(filter: TaskFilter): Driver {
  if (filter.processInstanceId !== undefined) return 'instance';
  if (filter.assignee !== undefined) return 'assignee';
  if (filter.candidateUser !== undefined) return 'candidateUser';
  if (filter.visibleTo !== undefined) return 'visibleTo';
  if (filter.candidateGroups !== undefined) return 'candidateGroups';
  return 'order';
}

function source(driver: Driver, filter: TaskFilter): Fragment {
  const state = filter.state;
  switch (driver) {
    case 'instance':
      return { sql: 'tasks t INDEXED BY tasks_by_instance', params: [] };
    case 'assignee':
      return { sql: 'tasks t INDEXED BY tasks_by_assignee', params: [] };
    case 'candidateUser':
      return taskIds([offeredToUser(filter.candidateUser!, state)]);
    case 'visibleTo': {
      const { username, groups } = filter.visibleTo!;
      return taskIds([
        assignedTo(username, state),
        offeredToUser(username, state),
        offeredToGroups(groups, state),
      ]);
    }
    case 'candidateGroups':
      return taskIds([offeredToGroups(filter.candidateGroups!, state)]);
    case 'order':
      return { sql: 'tasks t', params: [] };
  }
}

/**
 * For a first page of one state filtered by candidates alone: the first N of each arm, read in
 * index order. The page is within the union of those, whatever the sizes of the groups.
 */
function topOfEach(driver: Driver, filter: TaskFilter): Fragment | null {
  const { state, limit } = filter;
  if (state === undefined || limit === undefined || limit < 0) return null;
  // A search is checked per row, so the first N of an arm need not hold the first N matches.
  if (filter.processKey !== undefined || filter.search !== undefined) return null;
  const arms: Fragment[] = [];
  if (driver === 'visibleTo' && filter.candidateGroups === undefined) {
    const { username, groups } = filter.visibleTo!;
    arms.push(
      firstAssigned(username, state, limit, filter.after),
      firstOffered('user', username, state, limit, filter.after),
    );
    for (const group of new Set(groups)) arms.push(firstOffered('group', group, state, limit, filter.after));
  } else if (driver === 'candidateGroups') {
    for (const group of new Set(filter.candidateGroups)) {
      arms.push(firstOffered('group', group, state, limit, filter.after));
    }
  } else if (driver === 'candidateUser' && filter.visibleTo === undefined && filter.candidateGroups === undefined) {
    arms.push(firstOffered('user', filter.candidateUser!, state, limit, filter.after));
  } else {
    return null;
  }
  if (arms.length === 0 || arms.length > MAX_TOP_ARMS) return null;
  return taskIds(arms);
}

function firstAssigned(username: string, state: string, limit: number, after: TaskPosition | undefined): Fragment {
  const past = pastPosition(TASK_COLUMNS(''), after);
  return {
    sql: `SELECT task_id FROM (SELECT id AS task_id FROM tasks INDEXED BY tasks_by_assignee
      WHERE assignee = ? AND state = ?${past.sql}
      ORDER BY priority DESC, due_date IS NULL, due_date, created_at, id LIMIT ?)`,
    params: [username, state, ...past.params, limitParam(limit)],
  };
}

function firstOffered(
  kind: 'group' | 'user',
  value: string,
  state: string,
  limit: number,
  after: TaskPosition | undefined,
): Fragment {
  const past = pastPosition(CANDIDATE_COLUMNS, after);
  return {
    sql: `SELECT task_id FROM (SELECT task_id FROM task_candidates
      WHERE kind = '${kind}' AND value = ? AND state = ?${past.sql}
      ORDER BY priority DESC, due_last, due_date, created_at, task_id LIMIT ?)`,
    params: [value, state, ...past.params, limitParam(limit)],
  };
}

// --- Keyset paging and search ----------------------------------------------------------------

/** The inbox sort key as SQL expressions: priority (descending), due last, due date, creation, id. */
type SortColumns = [priority: string, dueLast: string, dueDate: string, createdAt: string, id: string];

const TASK_COLUMNS = (alias: string): SortColumns => [
  `${alias}priority`,
  `(${alias}due_date IS NULL)`,
  `COALESCE(${alias}due_date, '')`,
  `${alias}created_at`,
  `${alias}id`,
];
const CANDIDATE_COLUMNS: SortColumns = ['priority', 'due_last', 'due_date', 'created_at', 'task_id'];

/** ` AND <row comes after the position>`, or nothing without a position. */
function pastPosition(columns: SortColumns, after: TaskPosition | undefined): Fragment {
  if (after === undefined) return { sql: '', params: [] };
  const condition = afterCondition(columns, after);
  return { sql: ` AND ${condition.sql}`, params: condition.params };
}

function afterCondition(columns: SortColumns, after: TaskPosition): Fragment {
  const [priority, dueLast, dueDate, createdAt, id] = columns;
  const values: SqlValue[] = [
    after.priority,
    after.dueDate === null ? 1 : 0,
    after.dueDate ?? '',
    after.createdAt,
    after.id,
  ];
  // Strictly after: the first differing column decides; priority runs high to low.
  const sql = `(${priority} < ? OR (${priority} = ? AND (${dueLast} > ? OR (${dueLast} = ? AND (${dueDate} > ? OR (${dueDate} = ? AND (${createdAt} > ? OR (${createdAt} = ? AND ${id} > ?))))))))`;
  const [p, l, d, c, i] = values;
  return { sql, params: [p, p, l, l, d, d, c, c, i] };
}

/**
 * SQLite's lower() folds ASCII only; the needle is folded the same way so both sides agree.
 * search_text is stored lower-cased by JavaScript, so it is compared with the fully folded needle.
 */
function searchCondition(search: string): Fragment {
  const needle = search.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
  return {
    sql: `(instr(lower(t.name), ?) > 0 OR instr(lower(COALESCE(t.business_key, '')), ?) > 0
      OR instr(lower(t.process_key), ?) > 0 OR instr(COALESCE(t.search_text, ''), ?) > 0)`,
    params: [needle, needle, needle, search.toLowerCase()],
  };
}

/** Reads the ids first, then each task by primary key; CROSS JOIN pins that order. */
function taskIds(branches: Fragment[]): Fragment {
  const union = branches.map((b) => b.sql).join(' UNION ');
  const distinct = branches.length === 1 ? union.replace(/^SELECT /, 'SELECT DISTINCT ') : union;
  return {
    sql: `(${distinct}) v CROSS JOIN tasks t ON t.id = v.task_id`,
    params: branches.flatMap((b) => b.params),
  };
}

function rowConditions(driver: Driver, filter: TaskFilter): Conditions {
  const where = new Conditions();
  if (filter.state !== undefined) where.add('t.state = ?', filter.state);
  if (filter.processInstanceId !== undefined) {
    where.add('t.process_instance_id = ?', filter.processInstanceId);
  }
  if (filter.assignee !== undefined) where.add('t.assignee = ?', filter.assignee);
  if (filter.processKey !== undefined) where.add('t.process_key = ?', filter.processKey);
  if (filter.search !== undefined) {
    const match = searchCondition(filter.search);
    where.add(match.sql, ...match.params);
  }
  if (filter.after !== undefined) {
    const past = afterCondition(TASK_COLUMNS('t.'), filter.after);
    where.add(past.sql, ...past.params);
  }
  if (filter.candidateUser !== undefined && driver !== 'candidateUser') {
    const check = rowOfferedToUser(filter.candidateUser);
    where.add(check.sql, ...check.params);
  }
  if (filter.visibleTo !== undefined && driver !== 'visibleTo') {
    const { username, groups } = filter.visibleTo;
    const byName = rowOfferedToUser(username);
    const byGroup = rowOfferedToGroups(groups);
    where.add(
      `(t.assignee = ? OR ${byName.sql} OR ${byGroup.sql})`,
      username,
      ...byName.params,
      ...byGroup.params,
    );
  }
  if (filter.candidateGroups !== undefined && driver !== 'candidateGroups') {
    const check = rowOfferedToGroups(filter.candidateGroups);
    where.add(check.sql, ...check.params);
  }
  return where;
}

// --- Id sets, read from an index ------------------------------------------------------------

function assignedTo(username: string, state: string | undefined): Fragment {
  return withState('SELECT id AS task_id FROM tasks WHERE assignee = ?', [username], state);
}

function offeredToUser(username: string, state: string | undefined): Fragment {
  return withState(
    "SELECT task_id FROM task_candidates WHERE kind = 'user' AND value = ?",
    [username],
    state,
  );
}

function offeredToGroups(groups: string[], state: string | undefined): Fragment {
  // One JSON parameter instead of one placeholder per group keeps a single cached statement.
  return withState(
    "SELECT task_id FROM task_candidates WHERE kind = 'group' AND value IN (SELECT value FROM json_each(?))",
    [JSON.stringify(groups)],
    state,
  );
}

function withState(sql: string, params: SqlValue[], state: string | undefined): Fragment {
  return state === undefined ? { sql, params } : { sql: `${sql} AND state = ?`, params: [...params, state] };
}

// --- Per-row checks: point look-ups on the candidate primary key ------------------------------

/** Every primary key column after (kind, value), taken from the task row. */
const SAME_TASK = `c.state = t.state AND c.priority = t.priority AND c.due_last = (t.due_date IS NULL)
  AND c.due_date = COALESCE(t.due_date, '') AND c.created_at = t.created_at AND c.task_id = t.id`;

function rowOfferedToUser(username: string): Fragment {
  return {
    sql: `EXISTS (SELECT 1 FROM task_candidates c WHERE c.kind = 'user' AND c.value = ? AND ${SAME_TASK})`,
    params: [username],
  };
}

function rowOfferedToGroups(groups: string[]): Fragment {
  return {
    sql: `EXISTS (SELECT 1 FROM task_candidates c WHERE c.kind = 'group'
      AND c.value IN (SELECT value FROM json_each(?)) AND ${SAME_TASK})`,
    params: [JSON.stringify(groups)],
  };
}
