// The embedded store: one SQLite file through better-sqlite3. Every write is one short
// transaction, so an instance's new state and the records derived from it land together or not
// at all. WAL with synchronous=NORMAL survives a killed process (what a crashed node looks like)
// without an fsync per commit; only a power loss can drop the last commits.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
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
import { AuditLog } from './sqlite/audit.ts';
import { ChangeFeed } from './sqlite/changes.ts';
import { ensureCollection, SqliteDocCollection } from './sqlite/collections.ts';
import { GroupCommit } from './sqlite/group-commit.ts';
import { JobRecords } from './sqlite/jobs.ts';
import type { RecordTable, Row } from './sqlite/records.ts';
import { migrate } from './sqlite/schema.ts';
import { Conditions, isUniqueViolation, limitParam, StatementCache } from './sqlite/statements.ts';
import { definitionTable, deploymentTable, incidentTable } from './sqlite/tables.ts';
import { SqliteRetention } from './sqlite/retention.ts';
import { simplifyTaskFilter } from './task-filter.ts';
import { TaskRecords } from './sqlite/tasks.ts';
import { TimerRecords } from './sqlite/timers.ts';
import { SubscriptionRecords } from './sqlite/subscriptions.ts';

export interface SqliteStoreOptions {
  /** Path of the database file; its folder is created when missing. */
  file: string;
  /** How long a write waits for another process's transaction, in ms. */
  busyTimeoutMs?: number;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const file = resolve(options.file);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    migrate(db);
    return new SqliteStore(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

type Db = InstanceType<typeof Database>;
type InstanceRow = [
  id: string,
  rev: number,
  processKey: string,
  version: number,
  definitionId: string,
  businessKey: string | null,
  state: string,
  startedAt: string,
  endedAt: string | null,
  data: string,
  startedBy: string | null,
];
type HistoryRow = [
  processInstanceId: string,
  seq: number,
  elementId: string,
  elementType: string,
  event: string,
  at: string,
];

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;

  private readonly queries: StatementCache;
  private readonly groupCommit: GroupCommit;
  private readonly tasks: TaskRecords;
  private readonly jobs: JobRecords;
  private readonly subscriptions: SubscriptionRecords;
  private readonly incidents: RecordTable<IncidentRecord>;
  private readonly timers: TimerRecords;
  private readonly deployments: RecordTable<DeploymentRecord>;
  private readonly definitions: RecordTable<DefinitionRecord>;
  private readonly retention: SqliteRetention;
  private readonly collections = new Map<string, { key: string; collection: DocCollection<Doc> }>();
  private readonly audit: AuditLog;
  private readonly changes: ChangeFeed;

  private readonly insertInstanceStmt: Statement<InstanceRow>;
  private readonly updateInstanceStmt: Statement<[rev: number, data: string, id: string, expectedRev: number]>;
  private readonly updateSummaryStmt: Statement<
    [{ businessKey: string | null; state: string; endedAt: string | null; id: string }]
  >;
  private readonly getInstanceStmt: Statement<[string], string>;
  private readonly insertHistoryStmt: Statement<HistoryRow>;
  private readonly listHistoryStmt: Statement<[string], Row>;
  private readonly deploymentByHashStmt: Statement<[string], Row>;
  private readonly latestDefinitionStmt: Statement<[string], Row>;
  private readonly definitionByVersionStmt: Statement<[string, number], Row>;
  private readonly definitionByTagStmt: Statement<[string, string], Row>;

  private readonly createTx;
  private readonly commitTx;
  private readonly activateTx;
  private readonly deployTx;

  constructor(private readonly db: Db) {
    this.queries = new StatementCache(db);
    this.groupCommit = new GroupCommit(db);
    this.tasks = new TaskRecords(db);
    this.jobs = new JobRecords(db);
    this.subscriptions = new SubscriptionRecords(db);
    this.incidents = incidentTable(db);
    this.audit = new AuditLog(db);
    this.changes = new ChangeFeed(db);
    this.timers = new TimerRecords(db);
    this.deployments = deploymentTable(db);
    this.definitions = definitionTable(db);
    this.retention = new SqliteRetention(db);

    this.insertInstanceStmt = db.prepare(
      `INSERT INTO instances (id, rev, process_key, version, definition_id, business_key, state,
         started_at, ended_at, data, started_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updateInstanceStmt = db.prepare(
      'UPDATE instances SET rev = ?, data = ? WHERE id = ? AND rev = ?',
    );
    // SQLite rewrites an index entry whenever its column is SET, even to the same value; most
    // commits leave these columns alone, so they get their own statement that only writes on
    // a change.
    this.updateSummaryStmt = db.prepare(
      `UPDATE instances SET business_key = @businessKey, state = @state, ended_at = @endedAt
       WHERE id = @id
         AND (business_key IS NOT @businessKey OR state IS NOT @state OR ended_at IS NOT @endedAt)`,
    );
    this.getInstanceStmt = db.prepare<[string], string>('SELECT data FROM instances WHERE id = ?').pluck();
    this.insertHistoryStmt = db.prepare(
      `INSERT INTO history (process_instance_id, seq, element_id, element_type, event, at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.listHistoryStmt = db.prepare(
      `SELECT process_instance_id, seq, element_id, element_type, event, at
       FROM history WHERE process_instance_id = ? ORDER BY seq`,
    );
    this.deploymentByHashStmt = db.prepare(
      `SELECT ${this.deployments.columnList} FROM deployments WHERE hash = ?
       ORDER BY deployed_at DESC, rowid DESC LIMIT 1`,
    );
    this.latestDefinitionStmt = db.prepare(
      `SELECT ${this.definitions.columnList} FROM definitions WHERE key = ? ORDER BY version DESC LIMIT 1`,
    );
    this.definitionByTagStmt = db.prepare(
      `SELECT ${this.definitions.columnList} FROM definitions WHERE key = ? AND version_tag = ? ORDER BY version DESC LIMIT 1`,
    );
    this.definitionByVersionStmt = db.prepare(
      `SELECT ${this.definitions.columnList} FROM definitions WHERE key = ? AND version = ?`,
    );

    // Both run nested inside a group commit, so each is a savepoint of the shared transaction.
    this.createTx = db.transaction((state: InstanceState, data: string, effects: Effect[]) => {
      this.insertInstance(state, data);
      this.applyEffects(effects);
    });
    this.commitTx = db.transaction((state: InstanceState, data: string, expectedRev: number, effects: Effect[]) => {
      const updated = this.updateInstanceStmt.run(state.rev, data, state.id, expectedRev);
      if (updated.changes === 0) return false;
      this.updateSummaryStmt.run({
        businessKey: state.businessKey,
        state: state.status,
        endedAt: state.endedAt,
        id: state.id,
      });
      this.applyEffects(effects);
      return true;
    });
    this.activateTx = db.transaction((request: JobActivation) => this.jobs.activate(request));
    this.deployTx = db.transaction((deployment: DeploymentRecord, definitions: DefinitionRecord[]) => {
      this.deployments.insert(deployment);
      for (const definition of definitions) this.definitions.insert(definition);
    });
  }

  // --- Deployments and definitions --------------------------------------------------------

  async findDeploymentByHash(hash: string): Promise<DeploymentRecord | null> {
    const row = this.deploymentByHashStmt.get(hash);
    return row ? withProcesses(this.deployments.fromRow(row)) : null;
  }

  async saveDeployment(deployment: DeploymentRecord, definitions: DefinitionRecord[]): Promise<void> {
    try {
      this.deployTx.immediate(deployment, definitions);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw deploymentConflict(error.message, deployment);
    }
  }

  async getDeployment(id: string): Promise<DeploymentRecord | null> {
    const deployment = this.deployments.get(id);
    return deployment ? withProcesses(deployment) : null;
  }

  async getDefinition(id: string): Promise<DefinitionRecord | null> {
    return this.definitions.get(id);
  }

  async findDefinition(key: string, version?: number): Promise<DefinitionRecord | null> {
    const row =
      version === undefined
        ? this.latestDefinitionStmt.get(key)
        : this.definitionByVersionStmt.get(key, version);
    return row ? this.definitions.fromRow(row) : null;
  }

  async findDefinitionByVersionTag(key: string, versionTag: string): Promise<DefinitionRecord | null> {
    const row = this.definitionByTagStmt.get(key, versionTag);
    return row ? this.definitions.fromRow(row) : null;
  }

  async listDefinitions(key?: string): Promise<DefinitionRecord[]> {
    const where = new Conditions();
    if (key !== undefined) where.add('key = ?', key);
    const sql = `SELECT ${this.definitions.columnList} FROM definitions ${where.toSql()} ORDER BY key, version`;
    return this.queries.get(sql).all(...where.params).map((row) => this.definitions.fromRow(row));
  }

  // --- Instances ---------------------------------------------------------------------------

  async createInstance(state: InstanceState, effects: Effect[]): Promise<void> {
    if (state.rev !== 1) throw new Error(`a new instance starts at rev 1, got ${state.rev}`);
    // Serialised now: the caller may go on changing its state object before the group commit.
    const data = JSON.stringify(state);
    await this.groupCommit.submit(() => this.createTx(state, data, effects));
  }

  async getInstance(id: string): Promise<InstanceState | null> {
    const data = this.getInstanceStmt.get(id);
    return data === undefined ? null : (JSON.parse(data) as InstanceState);
  }

  async commitInstance(state: InstanceState, expectedRev: number, effects: Effect[]): Promise<boolean> {
    if (state.rev !== expectedRev + 1) {
      throw new Error(`instance ${state.id}: rev ${state.rev} does not follow ${expectedRev}`);
    }
    const data = JSON.stringify(state);
    return this.groupCommit.submit(() => this.commitTx(state, data, expectedRev, effects));
  }

  async listInstances(filter: InstanceFilter): Promise<InstanceSummary[]> {
    const where = new Conditions();
    if (filter.processKey !== undefined) where.add('process_key = ?', filter.processKey);
    if (filter.state !== undefined) where.add('state = ?', filter.state);
    if (filter.businessKey !== undefined) where.add('business_key = ?', filter.businessKey);
    if (filter.startedBy !== undefined) where.add('started_by = ?', filter.startedBy);
    const past = filter.newestFirst ? '<' : '>';
    const direction = filter.newestFirst ? 'DESC' : 'ASC';
    if (filter.after !== undefined) {
      where.add(`(started_at ${past} ? OR (started_at = ? AND id ${past} ?))`, filter.after.startedAt, filter.after.startedAt, filter.after.id);
    }
    const sql = `SELECT id, process_key, version, business_key, started_by, state, started_at, ended_at
      FROM instances ${where.toSql()} ORDER BY started_at ${direction}, id ${direction} LIMIT ?`;
    const rows = this.queries.get(sql).all(...where.params, limitParam(filter.limit));
    return rows.map(toSummary);
  }

  // --- Derived records ---------------------------------------------------------------------

  async getTask(id: string): Promise<TaskRecord | null> {
    return this.tasks.get(id);
  }

  async listTasks(filter: TaskFilter): Promise<TaskRecord[]> {
    return this.tasks.list(simplifyTaskFilter(filter));
  }

  async getJob(key: string): Promise<JobRecord | null> {
    return this.jobs.get(key);
  }

  async activateJobs(request: JobActivation): Promise<JobRecord[]> {
    return this.activateTx.immediate(request);
  }

  async countAvailableJobs(types: string[] | null, now: number): Promise<number> {
    return this.jobs.countAvailable(types, now);
  }

  async nextJobWakeUp(types: string[] | null, now: number): Promise<number | null> {
    return this.jobs.nextWakeUp(types, now);
  }

  async releaseJobLocks(worker: string): Promise<number> {
    return this.jobs.release(worker);
  }

  async renewJobLease(key: string, worker: string, until: number, now: number): Promise<boolean> {
    return this.jobs.renew(key, worker, until, now);
  }

  async jobTypes(): Promise<string[]> {
    return this.jobs.types();
  }

  async dueTimers(now: number, limit: number): Promise<TimerRecord[]> {
    return this.timers.due(now, limit);
  }

  async nextTimerDueAt(): Promise<number | null> {
    return this.timers.nextDueAt();
  }

  async replaceStartTimers(processKey: string, timers: TimerRecord[]): Promise<void> {
    this.timers.replaceStartTimers(processKey, timers);
  }

  async claimStartTimer(id: string, dueAt: number, next: TimerNext | null): Promise<boolean> {
    return this.timers.claimStart(id, dueAt, next);
  }

  async deleteTimer(id: string): Promise<void> {
    this.timers.delete(id);
  }

  async findSubscriptions(messageName: string, correlationKey: string | null): Promise<SubscriptionRecord[]> {
    return this.subscriptions.find(messageName, correlationKey);
  }

  async getIncident(id: string): Promise<IncidentRecord | null> {
    return this.incidents.get(id);
  }

  async listIncidents(filter: IncidentFilter): Promise<IncidentRecord[]> {
    const where = new Conditions();
    if (filter.state !== undefined) where.add('state = ?', filter.state);
    if (filter.processInstanceId !== undefined) {
      where.add('process_instance_id = ?', filter.processInstanceId);
    }
    const sql = `SELECT ${this.incidents.columnList} FROM incidents ${where.toSql()}
      ORDER BY created_at, id LIMIT ?`;
    const rows = this.queries.get(sql).all(...where.params, limitParam(filter.limit));
    return rows.map((row) => this.incidents.fromRow(row));
  }

  async history(instanceId: string): Promise<HistoryRecord[]> {
    return this.listHistoryStmt.all(instanceId).map(toHistory);
  }

  // --- Audit trail -------------------------------------------------------------------------

  async appendAuditEntry(entry: AuditEntry): Promise<void> {
    try {
      this.audit.add(entry);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`audit entry ${entry.id} already exists`);
      throw error;
    }
  }

  async listAuditEntries(filter: AuditFilter): Promise<AuditEntry[]> {
    return this.audit.list(filter);
  }

  // --- Change feed -------------------------------------------------------------------------

  async appendChanges(entries: ChangeEntry[]): Promise<void> {
    this.changes.append(entries);
  }

  async readChanges(since: number, limit: number): Promise<ChangeEntry[]> {
    return this.changes.read(since, limit);
  }

  async trimChanges(olderThan: number): Promise<number> {
    return this.changes.trim(olderThan);
  }

  // --- Retention ---------------------------------------------------------------------------

  async purgeEndedInstances(endedBefore: string, limit: number): Promise<string[]> {
    // Commits queued for this turn go first: the purge then sees every instance's latest state.
    this.groupCommit.flush();
    return this.retention.purge(endedBefore, limit);
  }

  async countRecords(): Promise<StoreCounts> {
    return this.retention.counts();
  }

  // --- Collections -------------------------------------------------------------------------

  collection<T extends Doc>(spec: CollectionSpec): DocCollection<T> {
    const key = JSON.stringify([spec.indexes, spec.unique ?? []]);
    const known = this.collections.get(spec.name);
    if (known?.key === key) return known.collection as DocCollection<T>;
    const { indexed, unique } = ensureCollection(this.db, spec);
    const collection = new SqliteDocCollection<T>(this.db, spec.name, indexed, unique);
    this.collections.set(spec.name, { key, collection: collection as unknown as DocCollection<Doc> });
    return collection;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.groupCommit.flush();
    this.db.close();
  }

  // --- Writing -----------------------------------------------------------------------------

  private insertInstance(state: InstanceState, data: string): void {
    try {
      this.insertInstanceStmt.run(
        state.id,
        state.rev,
        state.processKey,
        state.version,
        state.definitionId,
        state.businessKey,
        state.status,
        state.startedAt,
        state.endedAt,
        data,
        state.startedBy ?? null,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`instance ${state.id} already exists`);
      throw error;
    }
  }

  private applyEffects(effects: Effect[]): void {
    for (const effect of effects) this.applyEffect(effect);
  }

  private applyEffect(effect: Effect): void {
    switch (effect.type) {
      case 'job.put':
        return this.jobs.put(effect.job);
      case 'job.patch':
        return this.jobs.patch(effect.key, effect.patch);
      case 'job.delete':
        return this.jobs.delete(effect.key);
      case 'task.put':
        return this.tasks.put(effect.task);
      case 'task.patch':
        return this.tasks.patch(effect.id, effect.patch);
      case 'incident.put':
        return this.incidents.upsert(effect.incident);
      case 'incident.patch':
        this.incidents.patch(effect.id, effect.patch);
        return;
      case 'subscription.put':
        return this.subscriptions.put(effect.subscription);
      case 'subscription.delete':
        return this.subscriptions.delete(effect.id);
      case 'timer.put':
        return this.timers.put(effect.timer);
      case 'timer.delete':
        return this.timers.delete(effect.id);
      case 'history':
        return this.insertHistory(effect.record);
      case 'instance.ended':
        // The instance row already carries status and end time.
        return;
      default: {
        // `never` here makes a new effect kind a compile error until it is handled above.
        const unknown: never = effect;
        throw new Error(`unknown effect ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  }

  private insertHistory(record: HistoryRecord): void {
    this.insertHistoryStmt.run(
      record.processInstanceId,
      record.seq,
      record.elementId,
      record.elementType,
      record.event,
      record.at,
    );
  }
}

/** Deployments written before schema 6 have no process list. */
function withProcesses(deployment: DeploymentRecord): DeploymentRecord {
  return { ...deployment, processes: deployment.processes ?? [] };
}

function deploymentConflict(message: string, deployment: DeploymentRecord): ConflictError {
  if (message.includes('definitions.key')) {
    return new ConflictError('a process version in this deployment already exists', [
      { path: 'version', message: 'another deployment took this version first' },
    ]);
  }
  const what = message.includes('definitions.id') ? 'a definition id' : `deployment ${deployment.id}`;
  return new ConflictError(`${what} already exists`, [{ path: 'id', message: 'already exists' }]);
}

function toSummary(row: Row): InstanceSummary {
  return {
    id: row.id as string,
    processKey: row.process_key as string,
    version: row.version as number,
    businessKey: row.business_key as string | null,
    startedBy: (row.started_by as string | null) ?? null,
    state: row.state as InstanceSummary['state'],
    startedAt: row.started_at as string,
    endedAt: row.ended_at as string | null,
  };
}

function toHistory(row: Row): HistoryRecord {
  return {
    processInstanceId: row.process_instance_id as string,
    seq: row.seq as number,
    elementId: row.element_id as string,
    elementType: row.element_type as string,
    event: row.event as HistoryRecord['event'],
    at: row.at as string,
  };
}

