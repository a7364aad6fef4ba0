// Task lists: each alternative of a filter is its own equality query (an index look-up on
// MongoDB, a pushed-down filter on FerretDB, where `$in`/`$or` would fetch every task), and the
// results are merged in the inbox order the queries sort by.

import type { Collection, Document } from 'mongodb';
import type { TaskRecord } from '../../types.ts';
import type { TaskFilter } from '../port.ts';
import { taskFromDoc } from './codec.ts';
import type { StoredDoc } from './codec.ts';
import { limitOf, taskQueries } from './queries.ts';

export async function listTasks(tasks: Collection<StoredDoc>, filter: TaskFilter): Promise<TaskRecord[]> {
  if (filter.limit === 0) return [];
  const limit = limitOf(filter.limit);
  const queries = taskQueries(filter);
  const results = await Promise.all(
    queries.map((q) => tasks.find(q.filter, { sort: q.sort, limit }).toArray()),
  );
  if (results.length === 1) return results[0].map(taskFromDoc);
  const merged = new Map<string, Document>();
  for (const docs of results) for (const doc of docs) merged.set(doc._id, doc);
  const sorted = [...merged.values()].sort(inboxOrder);
  return (limit > 0 ? sorted.slice(0, limit) : sorted).map(taskFromDoc);
}

/** The same order as TASK_ORDER, for merging the results of several queries. */
function inboxOrder(a: Document, b: Document): number {
  return (
    (b.priority as number) - (a.priority as number) ||
    (a._noDue as number) - (b._noDue as number) ||
    compare(a.dueDate, b.dueDate) ||
    compare(a.createdAt, b.createdAt) ||
    compare(a._id, b._id)
  );
}

/** Strings compare as MongoDB compares them without a collation; null sorts first, as there. */
function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return String(a) < String(b) ? -1 : 1;
}
