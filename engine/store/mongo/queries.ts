// The hot queries, built in one place so the store and the explain test use the very same
// filters. Every one of them has at least one top-level equality: that is what FerretDB hands to
// PostgreSQL (ranges, `$in`, `$or` and `null` equality are evaluated after fetching the whole
// collection), and what a MongoDB index starts with.

import type { Document, Filter, Sort } from 'mongodb';
import type { IncidentFilter, InstanceFilter, TaskFilter, TaskPosition } from '../port.ts';
import type { StoredDoc } from './codec.ts';

export interface Query {
  filter: Filter<StoredDoc>;
  sort: Sort;
}

export const TASK_ORDER = { priority: -1, _noDue: 1, dueDate: 1, createdAt: 1, _id: 1 } as const;
export const JOB_PICK_ORDER = { availableAt: 1, createdAt: 1, _id: 1 } as const;

type Equality = [field: string, value: string];

/**
 * One query per combination of the alternatives a filter allows ("offered to any of these
 * groups", "assigned to me or offered to me or my groups"), each a conjunction of equalities;
 * the caller merges their results. A filter that can match nothing gives no query.
 */
export function taskQueries(filter: TaskFilter): Query[] {
  const base: Equality[] = [];
  if (filter.state !== undefined) base.push(['state', filter.state]);
  if (filter.assignee !== undefined) base.push(['assignee', filter.assignee]);
  if (filter.processInstanceId !== undefined) base.push(['processInstanceId', filter.processInstanceId]);
  if (filter.processKey !== undefined) base.push(['processKey', filter.processKey]);

  const choices: Equality[][] = [];
  if (filter.candidateGroups !== undefined) {
    choices.push(filter.candidateGroups.map((g): Equality => ['candidateGroups', g]));
  }
  if (filter.candidateUser !== undefined) choices.push([['candidateUsers', filter.candidateUser]]);
  if (filter.visibleTo !== undefined) {
    const { username, groups } = filter.visibleTo;
    choices.push([
      ['assignee', username],
      ['candidateUsers', username],
      ...groups.map((g): Equality => ['candidateGroups', g]),
    ]);
  }

  let branches: Equality[][] = [base];
  for (const alternatives of choices) {
    branches = branches.flatMap((branch) => alternatives.map((alt) => [...branch, alt]));
  }
  // Paging and search are checked after the equalities (FerretDB fetches by those, then
  // filters); every query keeps its top-level equalities.
  const extra: Document[] = [];
  if (filter.after !== undefined) extra.push(afterPosition(filter.after));
  if (filter.search !== undefined) extra.push(searchFilter(filter.search));
  return branches.map((branch) => {
    const where: Document = conjunction(branch);
    if (extra.length > 0) where.$and = [...((where.$and as Document[] | undefined) ?? []), ...extra];
    return { filter: where, sort: TASK_ORDER };
  });
}

/** Tasks strictly after `p` in TASK_ORDER. */
function afterPosition(p: TaskPosition): Document {
  const noDue = p.dueDate === null ? 1 : 0;
  const branches: Document[] = [
    { priority: { $lt: p.priority } },
    { priority: p.priority, _noDue: { $gt: noDue } },
  ];
  // Tasks without a due date all have null there: nothing sorts between them on that field.
  if (p.dueDate !== null) branches.push({ priority: p.priority, _noDue: noDue, dueDate: { $gt: p.dueDate } });
  const same = { priority: p.priority, _noDue: noDue, dueDate: p.dueDate };
  branches.push({ ...same, createdAt: { $gt: p.createdAt } });
  branches.push({ ...same, createdAt: p.createdAt, _id: { $gt: p.id } });
  return { $or: branches };
}

/** Case-insensitive substring of the task name, business key, process key or search text. */
function searchFilter(search: string): Document {
  const pattern = search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    $or: ['name', 'businessKey', 'processKey', '_search'].map((field) => ({ [field]: { $regex: pattern, $options: 'i' } })),
  };
}

/** Equalities as one filter; a second value for the same field goes into `$and`. */
function conjunction(equalities: Equality[]): Filter<StoredDoc> {
  const filter: Document = {};
  const more: Document[] = [];
  for (const [field, value] of equalities) {
    if (!(field in filter)) filter[field] = value;
    else if (filter[field] !== value) more.push({ [field]: value });
  }
  if (more.length > 0) filter.$and = more;
  return filter;
}

/** Jobs of a type that a worker may lease at `now`. */
export function jobActivationQuery(type: string, now: number): Query {
  return { filter: { type, ...available(now) }, sort: JOB_PICK_ORDER };
}

export function available(now: number): Document {
  return {
    availableAt: { $lte: now },
    $or: [{ lockOwner: null }, { lockExpiresAt: { $lte: now } }],
  };
}

export function instanceQuery(filter: InstanceFilter): Query {
  const where: Filter<StoredDoc> = {};
  if (filter.processKey !== undefined) where.processKey = filter.processKey;
  if (filter.state !== undefined) where.state = filter.state;
  if (filter.businessKey !== undefined) where.businessKey = filter.businessKey;
  if (filter.startedBy !== undefined) where.startedBy = filter.startedBy;
  const direction = filter.newestFirst ? -1 : 1;
  // Like the task cursor: the range goes after the equalities, which FerretDB still pushes down.
  if (filter.after !== undefined) {
    const past = filter.newestFirst ? '$lt' : '$gt';
    const { startedAt, id } = filter.after;
    where.$and = [{ $or: [{ startedAt: { [past]: startedAt } }, { startedAt, _id: { [past]: id } }] }];
  }
  return { filter: where, sort: { startedAt: direction, _id: direction } };
}

export function incidentQuery(filter: IncidentFilter): Query {
  const where: Filter<StoredDoc> = {};
  if (filter.state !== undefined) where.state = filter.state;
  if (filter.processInstanceId !== undefined) where.processInstanceId = filter.processInstanceId;
  return { filter: where, sort: { createdAt: 1, _id: 1 } };
}

/** Open subscriptions waiting for a message; a null key matches subscriptions without one. */
export function subscriptionQuery(messageName: string, correlationKey: string | null): Query {
  return { filter: { messageName, correlationKey }, sort: { createdAt: 1, _id: 1 } };
}

/**
 * Timers due by `now`. A range only: FerretDB evaluates it after fetching the timers (no
 * equality to push down), MongoDB walks the dueAt index. Open timers are few next to records.
 */
export function dueTimersQuery(now: number): Query {
  return { filter: { dueAt: { $lte: now } }, sort: { dueAt: 1, _id: 1 } };
}

/**
 * Instances in one end state that ended before `endedBefore`, oldest end first: retention's
 * batch. The state equality is what FerretDB pushes down; MongoDB walks by_state_end.
 */
export function endedInstancesQuery(state: string, endedBefore: string): Query {
  return { filter: { state, endedAt: { $lt: endedBefore } }, sort: { endedAt: 1, _id: 1 } };
}

export function historyQuery(instanceId: string): Query {
  return { filter: { processInstanceId: instanceId }, sort: { seq: 1 } };
}

/** Mongo's limit(0) means "no limit"; so does an absent or negative limit here. */
export function limitOf(limit: number | undefined): number {
  return limit === undefined || limit < 0 ? 0 : Math.floor(limit);
}
