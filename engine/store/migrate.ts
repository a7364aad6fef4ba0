// Moves an embedded (SQLite) store to MongoDB: deployments, definitions, instances with their
// state and revision, tasks, jobs, incidents, history, timers, subscriptions, the audit trail and every document
// collection (users, CRM, ERP, forms, buffered messages, ...). Stop the Karvon server first.
//
// Every write is an upsert by `_id`, so a re-run (after an interruption, or with --force) writes
// the same documents again instead of duplicating them. Derived records get the `_src` sequence
// of their instance's current revision, so the next commit on MongoDB overwrites them as if they
// had been written there. A table this code does not know stops the migration before it writes
// anything: nothing is silently left behind.

import Database from 'better-sqlite3';
import type { Db } from 'mongodb';
import type { HistoryRecord, InstanceState } from '../types.ts';
import { openMongoStore } from './mongo.ts';
import {
  definitionToDoc,
  incidentToDoc,
  jobToDoc,
  subscriptionToDoc,
  taskToDoc,
  timerToDoc,
} from './mongo/codec.ts';
import type { StoredDoc } from './mongo/codec.ts';
import { auditToDoc } from './mongo/audit.ts';
import { instanceDoc } from './mongo/commits.ts';
import { COLLECTIONS, EFFECT_SLOTS } from './mongo/schema.ts';
import { openSqliteStore } from './sqlite.ts';
import { AuditLog } from './sqlite/audit.ts';
import {
  definitionTable,
  deploymentTable,
  incidentTable,
  jobTable,
  subscriptionTable,
  taskTable,
  timerTable,
} from './sqlite/tables.ts';

export interface MigrateOptions {
  /** Path of the SQLite file (karvon.db). */
  from: string;
  /** mongodb:// URL of the target; its path names the database unless dbName does. */
  to: string;
  dbName?: string;
  /** Write into a target that already holds data from elsewhere. */
  force?: boolean;
  log?: (line: string) => void;
}

export type MigrateCounts = Record<string, number>;

/** Tables the embedded store derives from others (kept in step by its own writes). */
const DERIVED_TABLES = /^(task_candidates(_v\d+)?|audit_targets|schema_version|sqlite_.*)$/;
/** Tables that only live for minutes (the change feed's prompts to re-read); nothing to carry over. */
const TRANSIENT_TABLES = new Set(['changes']);
const KNOWN_TABLES = new Set(['instances', 'tasks', 'jobs', 'incidents', 'history', 'deployments', 'definitions', 'subscriptions', 'timers', 'audit_log']);
const MARKER = 'karvon_migrations';
const BATCH = 500;

export class MigrationRefused extends Error {}

export async function migrateSqliteToMongo(options: MigrateOptions): Promise<MigrateCounts> {
  const log = options.log ?? (() => {});
  // Opening through the store first brings an older file up to the current schema.
  await (await openSqliteStore({ file: options.from })).close();
  const sqlite = new Database(options.from, { fileMustExist: true });
  const target = await openMongoStore({ url: options.to, dbName: options.dbName, recoverEveryMs: 0 });
  try {
    const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
    const unknown = tables.filter((t) => !KNOWN_TABLES.has(t) && !TRANSIENT_TABLES.has(t) && !DERIVED_TABLES.test(t) && !/^doc_\w+$/.test(t));
    if (unknown.length > 0) throw new Error(`do not know how to migrate table(s) ${unknown.join(', ')}; nothing was written`);
    const docTables = tables.filter((t) => /^doc_\w+$/.test(t) && !t.endsWith('__items') && !/__items/.test(t));

    await refuseNonEmpty(target.db, options);
    await target.db.collection<{ _id: string; [k: string]: unknown }>(MARKER).updateOne(
      { _id: 'sqlite' },
      { $set: { source: options.from, startedAt: new Date().toISOString() } },
      { upsert: true },
    );

    const counts: MigrateCounts = {};
    const revs = new Map<string, number>();
    for (const row of sqlite.prepare('SELECT id, rev FROM instances').iterate() as Iterable<{ id: string; rev: number }>) revs.set(row.id, row.rev);
    // The next commit of an instance writes (rev + 1) * SLOTS + i + 1: always newer than this.
    const src = (instanceId: string | null | undefined): number | undefined => {
      const rev = instanceId ? revs.get(instanceId) : undefined;
      return rev === undefined ? undefined : (rev + 1) * EFFECT_SLOTS;
    };
    const withSrc = (doc: StoredDoc, instanceId: string | null | undefined): StoredDoc => {
      const s = src(instanceId);
      return s === undefined ? doc : { ...doc, _src: s };
    };

    const copy = async (name: string, collection: string, docs: Iterable<StoredDoc>): Promise<void> => {
      counts[name] = await upsertAll(target.db, collection, docs);
      log(`${name}: ${counts[name]}`);
    };
    const all = <R extends object>(table: { table: string; columnList: string; fromRow(row: Record<string, unknown>): R }): Iterable<R> =>
      mapIter(sqlite.prepare(`SELECT ${table.columnList} FROM ${table.table}`).iterate() as Iterable<Record<string, unknown>>, (row) => table.fromRow(row));

    await copy('deployments', COLLECTIONS.deployments, mapIter(all(deploymentTable(sqlite)), ({ id, ...rest }) => ({ _id: id, ...rest })));
    await copy('definitions', COLLECTIONS.definitions, mapIter(all(definitionTable(sqlite)), definitionToDoc));
    await copy('tasks', COLLECTIONS.tasks, mapIter(all(taskTable(sqlite)), (t) => withSrc(taskToDoc(t), t.processInstanceId)));
    // Leases stay as they were: the owner releases them when it starts on MongoDB, or they expire.
    await copy('jobs', COLLECTIONS.jobs, mapIter(all(jobTable(sqlite)), (j) => ({ ...withSrc(jobToDoc(j), j.processInstanceId), _lease: 0 })));
    await copy('incidents', COLLECTIONS.incidents, mapIter(all(incidentTable(sqlite)), (i) => withSrc(incidentToDoc(i), i.processInstanceId)));
    await copy('subscriptions', COLLECTIONS.subscriptions, mapIter(all(subscriptionTable(sqlite)), (s) => withSrc(subscriptionToDoc(s), s.processInstanceId)));
    await copy('timers', COLLECTIONS.timers, mapIter(all(timerTable(sqlite)), (t) => withSrc(timerToDoc(t), t.processInstanceId)));
    await copy(
      'history',
      COLLECTIONS.history,
      mapIter(
        sqlite
          .prepare('SELECT process_instance_id, seq, element_id, element_type, event, at FROM history')
          .iterate() as Iterable<Record<string, unknown>>,
        (r) => {
          const record: HistoryRecord = {
            processInstanceId: r.process_instance_id as string,
            seq: r.seq as number,
            elementId: r.element_id as string,
            elementType: r.element_type as string,
            event: r.event as HistoryRecord['event'],
            at: r.at as string,
          };
          return { _id: `${record.processInstanceId}:${record.seq}`, ...record };
        },
      ),
    );
    await copy('audit', COLLECTIONS.audit, mapIter(AuditLog.all(sqlite), auditToDoc));
    for (const table of docTables) {
      await copy(
        table,
        table,
        mapIter(sqlite.prepare(`SELECT id, rev, data FROM ${table}`).iterate() as Iterable<{ id: string; rev: number; data: string }>, (r) => ({
          _id: r.id,
          rev: r.rev,
          ...(JSON.parse(r.data) as Record<string, unknown>),
        })),
      );
    }
    // Instances last: an instance that is there has everything it refers to.
    await copy(
      'instances',
      COLLECTIONS.instances,
      mapIter(sqlite.prepare('SELECT data FROM instances').iterate() as Iterable<{ data: string }>, (r) => {
        const state = JSON.parse(r.data) as InstanceState;
        // No commit document carries this token, so nothing treats the instance as mid-commit.
        return instanceDoc(state, `migrated:${state.rev}`);
      }),
    );
    await target.db.collection<{ _id: string }>(MARKER).updateOne({ _id: 'sqlite' }, { $set: { finishedAt: new Date().toISOString(), counts } });
    return counts;
  } finally {
    sqlite.close();
    await target.close();
  }
}

/** Refuses a target with data unless --force or the data is an earlier run from the same source. */
async function refuseNonEmpty(db: Db, options: MigrateOptions): Promise<void> {
  if (options.force) return;
  const marker = await db.collection<{ _id: string; source?: string }>(MARKER).findOne({ _id: 'sqlite' });
  if (marker?.source === options.from) return;
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  for (const name of names) {
    if (name === MARKER || name === COLLECTIONS.claims) continue;
    if ((await db.collection(name).estimatedDocumentCount()) > 0) {
      throw new MigrationRefused(`target database ${db.databaseName} is not empty (${name} has documents); use --force to write into it anyway`);
    }
  }
}

async function upsertAll(db: Db, collection: string, docs: Iterable<StoredDoc>): Promise<number> {
  const target = db.collection<StoredDoc>(collection);
  let count = 0;
  let batch: StoredDoc[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const ids = batch.map((d) => d._id);
    const existing = new Set((await target.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const fresh = batch.filter((d) => !existing.has(d._id));
    if (fresh.length > 0) await target.insertMany(fresh, { ordered: true });
    // One at a time: FerretDB 1.24 hung here on a bulk of upserts that all matched existing
    // documents (a re-run), so the documents already there are replaced one by one.
    for (const doc of batch) {
      if (!existing.has(doc._id)) continue;
      const { _id, ...rest } = doc;
      await target.replaceOne({ _id }, rest);
    }
    batch = [];
  };
  for (const doc of docs) {
    batch.push(doc);
    count++;
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return count;
}

function* mapIter<A, B>(items: Iterable<A>, f: (a: A) => B): Iterable<B> {
  for (const item of items) yield f(item);
}
