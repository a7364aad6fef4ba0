// The MongoDB store: for companies that run several Karvon nodes on one database (a replica set,
// Atlas, or a standalone server). It needs no multi-document transactions, no change streams and
// no TTL or partial indexes, so it also runs on FerretDB, which CI uses.
//
// How it stays consistent without transactions:
// - An instance is one document; a commit is the insert of a commit document for the next
//   revision (unique `_id`), which also holds the effects as an outbox (mongo/commits.ts).
// - Derived records (tasks, jobs, incidents, subscriptions, timers, history) are written from that outbox after the
//   instance, each write guarded by its effect sequence so replays and late appliers change
//   nothing (mongo/effects.ts). An unfinished outbox is finished by the next commit or read of
//   the instance, by recoverOutboxes() at open, and by a periodic sweep.
// - Conditional updates that must be exclusive (job leases, document replaces) run under a claim
//   (an insert with a unique `_id`), because FerretDB does not make them atomic
//   (mongo/claims.ts).
// - Every query filters on top-level fields with an index behind them (mongo/queries.ts).

import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import { ConflictError } from '../errors.ts';
import type {
  Effect,
  HistoryRecord,
  IncidentRecord,
  InstanceState,
  InstanceSummary,
  JobRecord,
  SubscriptionRecord,
  TaskRecord,
  TimerRecord,
} from '../types.ts';
import type {
  AuditEntry,
  AuditFilter,
  ChangeEntry,
  CollectionSpec,
  DefinitionRecord,
  DeploymentRecord,
  Doc,
  DocCollection,
  IncidentFilter,
  InstanceFilter,
  JobActivation,
  Store,
  StoreCounts,
  TaskFilter,
  TimerNext,
} from './port.ts';
import { MongoAuditLog } from './mongo/audit.ts';
import { MongoChangeFeed } from './mongo/changes.ts';
import { Claims } from './mongo/claims.ts';
import {
  definitionFromDoc,
  definitionToDoc,
  deploymentFromDoc,
  duplicateKeyFields,
  incidentFromDoc,
  isDuplicateKey,
  subscriptionFromDoc,
  taskFromDoc,
} from './mongo/codec.ts';
import type { StoredDoc } from './mongo/codec.ts';
import { MongoDocCollection, prepareCollection } from './mongo/collections.ts';
import { InstanceCommits } from './mongo/commits.ts';
import type { CommitFaults, InstanceDoc } from './mongo/commits.ts';
import { MongoJobs } from './mongo/jobs.ts';
import { historyQuery, incidentQuery, instanceQuery, limitOf, subscriptionQuery } from './mongo/queries.ts';
import { COLLECTIONS, ensureIndexes } from './mongo/schema.ts';
import { MongoRetention } from './mongo/retention.ts';
import { listTasks } from './mongo/tasks.ts';
import { simplifyTaskFilter } from './task-filter.ts';
import { MongoTimers } from './mongo/timers.ts';

export interface MongoStoreOptions {
  /** A mongodb:// or mongodb+srv:// URL; its path names the database unless dbName does. */
  url: string;
  /** Database name; default: the one in the URL, else "karvon". */
  dbName?: string;
  /**
   * How old an unfinished commit must be before a reader or the sweep finishes it for its
   * committer (which may simply still be working). Default 2000 ms.
   */
  settleMs?: number;
  /** Interval of the sweep that finishes commits a crashed node left; 0 turns it off. Default 5000 ms. */
  recoverEveryMs?: number;
  /** Where failures of the background sweep go; default: one line on stderr. */
  onBackgroundError?: (error: unknown) => void;
  /** Crash stand-ins for tests: throwing here leaves a commit half done. */
  faults?: CommitFaults;
}

/** The Store plus what only this backend has. */
export interface MongoStore extends Store {
  readonly kind: 'mongodb';
  readonly db: Db;
  /** Finishes every unfinished commit (outbox) now; returns how many it found. */
  recoverOutboxes(): Promise<number>;
  getTimer(id: string): Promise<TimerRecord | null>;
  /** Every timer's id and due time. */
  timerSchedule(): Promise<Array<{ id: string; dueAt: number }>>;
  /**
   * Calls `listener` with the ids of timers after every write that put, moved or deleted them:
   * commits, outboxes finished after a crash, start timers. The listener reads the timers again
   * (a replayed effect may name a timer a newer one changed). A listener that throws fails the
   * write; a commit's outbox then stays and is healed, listener included, later.
   */
  onTimersChanged(listener: (ids: string[]) => Promise<void>): () => void;
}

/**
 * Connections per node unless the URL says otherwise (`?maxPoolSize=`). The driver's 100 is too
 * many on FerretDB 1.24: its update and findAndModify keep the query's PostgreSQL connection
 * while they take a second one for the write, so once the nodes together have as many updates
 * in flight as its PostgreSQL pool has connections (50), every one of them waits for a second
 * connection forever. With 10 per node, up to four nodes stay below that; a node with ten
 * operations in flight keeps a database busy anyway.
 */
export const DEFAULT_MAX_POOL_SIZE = 10;

export async function openMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  // ignoreUndefined: an absent optional field stays absent, as it does in JSON.
  const client = new MongoClient(options.url, {
    ignoreUndefined: true,
    ...(/[?&]maxPoolSize=/i.test(options.url) ? {} : { maxPoolSize: DEFAULT_MAX_POOL_SIZE }),
  });
  await client.connect();
  try {
    const db = client.db(options.dbName ?? databaseFromUrl(options.url) ?? 'karvon');
    await ensureIndexes(db);
    const store = new MongoDbStore(client, db, options);
    await store.recoverOutboxes();
    store.startSweep(options.recoverEveryMs ?? 5000);
    return store;
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** The database named in a connection string's path, if any (the driver's default is "test"). */
export function databaseFromUrl(url: string): string | null {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? null : name;
}

class MongoDbStore implements MongoStore {
  readonly kind = 'mongodb' as const;

  private readonly commits: InstanceCommits;
  private readonly claims: Claims;
  private readonly jobRecords: MongoJobs;
  private readonly timerRecords: MongoTimers;
  private readonly retention: MongoRetention;
  private readonly collections = new Map<string, { key: string; collection: DocCollection<Doc> }>();
  private readonly timerListeners = new Set<(ids: string[]) => Promise<void>>();
  private sweep: NodeJS.Timeout | null = null;
  private sweeping = false;
  private closed = false;

  constructor(
    private readonly client: MongoClient,
    readonly db: Db,
    private readonly options: MongoStoreOptions,
  ) {
    const timersChanged = (ids: string[]) => this.timersChanged(ids);
    this.commits = new InstanceCommits(db, options.settleMs ?? 2000, options.faults, timersChanged);
    this.claims = new Claims(db);
    this.jobRecords = new MongoJobs(db.collection<StoredDoc>(COLLECTIONS.jobs), this.claims);
    this.timerRecords = new MongoTimers(db.collection<StoredDoc>(COLLECTIONS.timers), this.claims, timersChanged);
    this.retention = new MongoRetention(db, this.commits);
  }

  onTimersChanged(listener: (ids: string[]) => Promise<void>): () => void {
    this.timerListeners.add(listener);
    return () => this.timerListeners.delete(listener);
  }

  private async timersChanged(ids: string[]): Promise<void> {
    for (const listener of this.timerListeners) await listener(ids);
  }

  getTimer(id: string): Promise<TimerRecord | null> {
    return this.timerRecords.get(id);
  }

  timerSchedule(): Promise<Array<{ id: string; dueAt: number }>> {
    return this.timerRecords.schedule();
  }

  startSweep(everyMs: number): void {
    if (everyMs <= 0) return;
    this.sweep = setInterval(() => void this.sweepOnce(), everyMs);
    // The sweep alone must not keep a process alive.
    this.sweep.unref();
  }

  private async sweepOnce(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      await this.commits.recover();
    } catch (error) {
      if (this.closed) return;
      (this.options.onBackgroundError ?? reportSweepError)(error);
    } finally {
      this.sweeping = false;
    }
  }

  recoverOutboxes(): Promise<number> {
    return this.commits.recover(true);
  }

  // --- Deployments and definitions --------------------------------------------------------

  async findDeploymentByHash(hash: string): Promise<DeploymentRecord | null> {
    // A deployment still marked pending lost its definitions to a crash; it must not make an
    // identical redeploy look done.
    const doc = await this.db
      .collection<StoredDoc>(COLLECTIONS.deployments)
      .findOne({ hash, _pending: { $exists: false } }, { sort: { deployedAt: -1, _id: -1 } });
    return doc ? deploymentFromDoc(doc) : null;
  }

  async saveDeployment(deployment: DeploymentRecord, definitions: DefinitionRecord[]): Promise<void> {
    const deployments = this.db.collection<StoredDoc>(COLLECTIONS.deployments);
    const defs = this.db.collection<StoredDoc>(COLLECTIONS.definitions);
    const { id, ...rest } = deployment;
    try {
      await deployments.insertOne({ _id: id, ...rest, _pending: true });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new ConflictError(`deployment ${id} already exists`, [{ path: 'id', message: 'already exists' }]);
    }
    if (definitions.length > 0) {
      try {
        await defs.insertMany(definitions.map(definitionToDoc), { ordered: true });
      } catch (error) {
        // Undo what this call wrote; the definitions it names by id are its own.
        await Promise.all(definitions.map((d) => defs.deleteOne({ _id: d.id, deploymentId: id })));
        await deployments.deleteOne({ _id: id });
        if (!isDuplicateKey(error)) throw error;
        throw await this.definitionConflict(error, definitions);
      }
    }
    await deployments.updateOne({ _id: id }, { $unset: { _pending: 1 } });
  }

  private async definitionConflict(error: unknown, definitions: DefinitionRecord[]): Promise<ConflictError> {
    const fields = duplicateKeyFields(error);
    let versionTaken = fields ? fields.includes('version') : false;
    if (!fields) {
      // FerretDB does not say which index: look for another definition holding a key+version.
      const holders = await Promise.all(
        definitions.map((d) =>
          this.db.collection<StoredDoc>(COLLECTIONS.definitions).findOne({ key: d.key, version: d.version }, { projection: { _id: 1 } }),
        ),
      );
      versionTaken = holders.some((h) => h !== null);
    }
    if (versionTaken) {
      return new ConflictError('a process version in this deployment already exists', [
        { path: 'version', message: 'another deployment took this version first' },
      ]);
    }
    return new ConflictError('a definition id already exists', [{ path: 'id', message: 'already exists' }]);
  }

  async getDeployment(id: string): Promise<DeploymentRecord | null> {
    const doc = await this.db.collection<StoredDoc>(COLLECTIONS.deployments).findOne({ _id: id });
    return doc ? deploymentFromDoc(doc) : null;
  }

  async getDefinition(id: string): Promise<DefinitionRecord | null> {
    const doc = await this.db.collection<StoredDoc>(COLLECTIONS.definitions).findOne({ _id: id });
    return doc ? definitionFromDoc(doc) : null;
  }

  async findDefinition(key: string, version?: number): Promise<DefinitionRecord | null> {
    const defs = this.db.collection<StoredDoc>(COLLECTIONS.definitions);
    const doc =
      version === undefined
        ? await defs.findOne({ key }, { sort: { version: -1 } })
        : await defs.findOne({ key, version });
    return doc ? definitionFromDoc(doc) : null;
  }

  async findDefinitionByVersionTag(key: string, versionTag: string): Promise<DefinitionRecord | null> {
    const doc = await this.db.collection<StoredDoc>(COLLECTIONS.definitions).findOne({ key, versionTag }, { sort: { version: -1 } });
    return doc ? definitionFromDoc(doc) : null;
  }

  async listDefinitions(key?: string): Promise<DefinitionRecord[]> {
    const filter = key === undefined ? {} : { key };
    const docs = await this.db
      .collection<StoredDoc>(COLLECTIONS.definitions)
      .find(filter, { sort: { key: 1, version: 1 } })
      .toArray();
    return docs.map(definitionFromDoc);
  }

  // --- Instances ---------------------------------------------------------------------------

  async createInstance(state: InstanceState, effects: Effect[]): Promise<void> {
    if (state.rev !== 1) throw new Error(`a new instance starts at rev 1, got ${state.rev}`);
    await this.commits.create(state, effects);
  }

  async getInstance(id: string): Promise<InstanceState | null> {
    const [doc, healed] = await Promise.all([this.commits.instances.findOne({ _id: id }), this.commits.settle(id)]);
    const current = healed > 0 ? await this.commits.instances.findOne({ _id: id }) : doc;
    return current ? (JSON.parse(current.data) as InstanceState) : null;
  }

  /**
   * A rejection means the outcome is unknown, as with any write whose reply was lost: the commit
   * may be durable and will then be finished by whoever reads the instance next. Read again.
   */
  async commitInstance(state: InstanceState, expectedRev: number, effects: Effect[]): Promise<boolean> {
    if (state.rev !== expectedRev + 1) {
      throw new Error(`instance ${state.id}: rev ${state.rev} does not follow ${expectedRev}`);
    }
    return this.commits.commit(state, expectedRev, effects);
  }

  async listInstances(filter: InstanceFilter): Promise<InstanceSummary[]> {
    if (filter.limit === 0) return [];
    const { filter: where, sort } = instanceQuery(filter);
    const docs = await this.commits.instances
      .find(where, { sort, limit: limitOf(filter.limit), projection: { data: 0, _commit: 0 } })
      .toArray();
    return docs.map(toSummary);
  }

  // --- Derived records ---------------------------------------------------------------------

  async getTask(id: string): Promise<TaskRecord | null> {
    const doc = await this.db.collection<StoredDoc>(COLLECTIONS.tasks).findOne({ _id: id });
    return doc ? taskFromDoc(doc) : null;
  }

  async listTasks(filter: TaskFilter): Promise<TaskRecord[]> {
    if (filter.processInstanceId !== undefined) await this.commits.settle(filter.processInstanceId);
    return listTasks(this.db.collection<StoredDoc>(COLLECTIONS.tasks), simplifyTaskFilter(filter));
  }

  getJob(key: string): Promise<JobRecord | null> {
    return this.jobRecords.get(key);
  }

  activateJobs(request: JobActivation): Promise<JobRecord[]> {
    return this.jobRecords.activate(request);
  }

  async countAvailableJobs(types: string[] | null, now: number): Promise<number> {
    return this.jobRecords.countAvailable(types, now);
  }

  nextJobWakeUp(types: string[] | null, now: number): Promise<number | null> {
    return this.jobRecords.nextWakeUp(types, now);
  }

  releaseJobLocks(worker: string): Promise<number> {
    return this.jobRecords.release(worker);
  }

  renewJobLease(key: string, worker: string, until: number, now: number): Promise<boolean> {
    return this.jobRecords.renew(key, worker, until, now);
  }

  jobTypes(): Promise<string[]> {
    return this.jobRecords.types();
  }

  dueTimers(now: number, limit: number): Promise<TimerRecord[]> {
    return this.timerRecords.due(now, limit);
  }

  nextTimerDueAt(): Promise<number | null> {
    return this.timerRecords.nextDueAt();
  }

  replaceStartTimers(processKey: string, timers: TimerRecord[]): Promise<void> {
    return this.timerRecords.replaceStart(processKey, timers);
  }

  claimStartTimer(id: string, dueAt: number, next: TimerNext | null): Promise<boolean> {
    return this.timerRecords.claimStart(id, dueAt, next);
  }

  deleteTimer(id: string): Promise<void> {
    return this.timerRecords.delete(id);
  }

  async findSubscriptions(messageName: string, correlationKey: string | null): Promise<SubscriptionRecord[]> {
    const { filter, sort } = subscriptionQuery(messageName, correlationKey);
    const docs = await this.db.collection<StoredDoc>(COLLECTIONS.subscriptions).find(filter, { sort }).toArray();
    return docs.map(subscriptionFromDoc);
  }

  async getIncident(id: string): Promise<IncidentRecord | null> {
    const doc = await this.db.collection<StoredDoc>(COLLECTIONS.incidents).findOne({ _id: id });
    return doc ? incidentFromDoc(doc) : null;
  }

  async listIncidents(filter: IncidentFilter): Promise<IncidentRecord[]> {
    if (filter.limit === 0) return [];
    if (filter.processInstanceId !== undefined) await this.commits.settle(filter.processInstanceId);
    const { filter: where, sort } = incidentQuery(filter);
    const docs = await this.db
      .collection<StoredDoc>(COLLECTIONS.incidents)
      .find(where, { sort, limit: limitOf(filter.limit) })
      .toArray();
    return docs.map(incidentFromDoc);
  }

  async history(instanceId: string): Promise<HistoryRecord[]> {
    await this.commits.settle(instanceId);
    const { filter, sort } = historyQuery(instanceId);
    const docs = await this.db
      .collection<StoredDoc>(COLLECTIONS.history)
      .find(filter, { sort, projection: { _id: 0 } })
      .toArray();
    return docs as unknown as HistoryRecord[];
  }

  // --- Audit trail -------------------------------------------------------------------------

  appendAuditEntry(entry: AuditEntry): Promise<void> {
    return this.auditLog().add(entry);
  }

  listAuditEntries(filter: AuditFilter): Promise<AuditEntry[]> {
    return this.auditLog().list(filter);
  }

  private auditLog(): MongoAuditLog {
    return new MongoAuditLog(this.db.collection(COLLECTIONS.audit));
  }

  // --- Change feed -------------------------------------------------------------------------

  appendChanges(entries: ChangeEntry[]): Promise<void> {
    return this.changeFeed().append(entries);
  }

  readChanges(since: number, limit: number): Promise<ChangeEntry[]> {
    return this.changeFeed().read(since, limit);
  }

  trimChanges(olderThan: number): Promise<number> {
    return this.changeFeed().trim(olderThan);
  }

  private changeFeed(): MongoChangeFeed {
    return new MongoChangeFeed(this.db.collection(COLLECTIONS.changes));
  }

  // --- Retention ---------------------------------------------------------------------------

  purgeEndedInstances(endedBefore: string, limit: number): Promise<string[]> {
    return this.retention.purge(endedBefore, limit);
  }

  countRecords(): Promise<StoreCounts> {
    return this.retention.counts();
  }

  // --- Collections -------------------------------------------------------------------------

  collection<T extends Doc>(spec: CollectionSpec): DocCollection<T> {
    const key = JSON.stringify([spec.indexes, spec.unique ?? []]);
    const known = this.collections.get(spec.name);
    if (known?.key === key) return known.collection as DocCollection<T>;
    const { unique, ready } = prepareCollection(this.db, spec);
    const collection = new MongoDocCollection<T>(this.db, spec.name, unique, ready, this.claims);
    this.collections.set(spec.name, { key, collection: collection as unknown as DocCollection<Doc> });
    return collection;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweep) clearInterval(this.sweep);
    await this.client.close();
  }
}

function toSummary(doc: Partial<InstanceDoc>): InstanceSummary {
  return {
    id: doc._id as string,
    processKey: doc.processKey as string,
    version: doc.version as number,
    businessKey: doc.businessKey ?? null,
    startedBy: doc.startedBy ?? null,
    state: doc.state as InstanceSummary['state'],
    startedAt: doc.startedAt as string,
    endedAt: doc.endedAt ?? null,
  };
}

function reportSweepError(error: unknown): void {
  console.warn(`karvon mongo store: outbox sweep failed: ${(error as Error)?.message ?? String(error)}`);
}
