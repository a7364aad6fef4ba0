// The store port: everything the engine and the server persist goes through this interface.
// Two backends implement it (embedded SQLite, MongoDB) and one contract suite checks both.
//
// Design rule: no operation needs a multi-document transaction. An instance is one record with a
// revision number; `commitInstance` is a compare-and-set on that revision. The records derived from
// a command (tasks, jobs, incidents, history) travel with it as `effects`; a backend with
// transactions writes them in the same transaction, one without keeps them in the instance record
// as an outbox and applies them idempotently (every effect is an upsert or a keyed patch).

import type {
  Effect,
  HistoryRecord,
  Json,
  IncidentRecord,
  InstanceState,
  InstanceStatus,
  InstanceSummary,
  JobRecord,
  SubscriptionRecord,
  TaskRecord,
  TimerRecord,
} from '../types.ts';

export interface TimerNext {
  dueAt: number;
  repeat: TimerRecord['repeat'];
}

export interface DeploymentResource {
  name: string;
  content: string;
}

export interface DeploymentRecord {
  id: string;
  /** sha256 of the resources, names included, so an identical deploy is recognised. */
  hash: string;
  resources: DeploymentResource[];
  deployedAt: string;
  deployedBy: string | null;
  /**
   * Every process of the deployment with the version it resolved to, unchanged ones included
   * (they keep an earlier deployment's version): what call activities bound to `deployment` start.
   * Empty for deployments written before Karvon recorded it.
   */
  processes: Array<{ key: string; version: number }>;
}

export interface DefinitionRecord {
  /** `${key}:${version}:${deploymentId}` style id, unique. */
  id: string;
  key: string;
  version: number;
  name: string | null;
  deploymentId: string;
  /** The resource (by name) inside the deployment that holds this process. */
  resourceName: string;
  /** sha256 of this process's XML resource, to tell whether a redeploy changed it. */
  hash: string;
  deployedAt: string;
  deployedBy: string | null;
  /** The process's `zeebe:versionTag` value; call activities can bind to it. */
  versionTag: string | null;
}

export interface InstanceFilter {
  processKey?: string;
  state?: InstanceStatus;
  businessKey?: string;
  startedBy?: string;
  /** Newest first instead of the default oldest first (start time, then id). */
  newestFirst?: boolean;
  /** Keyset paging: only instances after this one in the chosen order. */
  after?: InstancePosition;
  limit?: number;
}

/** Where an instance sits in the instance order (start time, then id). */
export interface InstancePosition {
  startedAt: string;
  id: string;
}

export interface TaskFilter {
  state?: TaskRecord['state'];
  assignee?: string;
  candidateGroups?: string[];
  candidateUser?: string;
  processInstanceId?: string;
  processKey?: string;
  /** Visibility for an employee: assigned to them, or offered to them or one of their groups. */
  visibleTo?: { username: string; groups: string[] };
  /**
   * Case-insensitive substring of the task name, business key, process key or the task's search
   * text (TaskRecord.searchText, its instance's variable values): the inbox search.
   * Checked per row on the tasks the other filters select (for an employee, what they may see).
   */
  search?: string;
  /** Keyset paging: only tasks after this one in the inbox order. */
  after?: TaskPosition;
  limit?: number;
}

/** Where a task sits in the inbox order (priority high first, due date none last, creation, id). */
export interface TaskPosition {
  priority: number;
  dueDate: string | null;
  createdAt: string;
  id: string;
}

export interface IncidentFilter {
  state?: IncidentRecord['state'];
  processInstanceId?: string;
  limit?: number;
}

/** How many records a store holds, per kind: what retention keeps from growing. */
export interface StoreCounts {
  instances: number;
  tasks: number;
  jobs: number;
  incidents: number;
  subscriptions: number;
  timers: number;
  history: number;
}

export interface JobActivation {
  type: string;
  worker: string;
  maxJobs: number;
  lockMs: number;
  now: number;
}

/** One line of the audit trail: who did what to which records, when, in which request. */
export interface AuditEntry {
  /** Unique; with `at` it orders entries that share a millisecond. */
  id: string;
  /** ISO 8601 UTC with milliseconds (Date#toISOString), so strings sort as times. */
  at: string;
  /** The username, or what was typed as one on a failed sign-in; null when nobody is known. */
  actor: string | null;
  action: string;
  /** Ids of the records acted on (task, instance, deployment, process key, user, ...). */
  targets: string[];
  requestId: string | null;
  /** Small facts about the action (assignee, version); never passwords, tokens or secrets. */
  details: Record<string, Json>;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  /** Entries naming this id among their targets. */
  target?: string;
  /** Inclusive lower bound on `at` (ISO string). */
  from?: string;
  /** Exclusive upper bound on `at` (ISO string). */
  to?: string;
  /** Entries strictly older than this one in the (at, id) order: the next page. */
  before?: { at: string; id: string };
  limit: number;
}

/**
 * One entry of the change feed: that something happened to an instance, task or incident, so
 * that nodes sharing the database can tell their live streams. Ids only: never variables.
 */
export interface ChangeEntry {
  /** Unique; a reader de-duplicates by it. */
  id: string;
  /** The node whose command caused the change; readers skip their own. */
  node: string;
  /** Epoch milliseconds on the writing node's clock. */
  at: number;
  type: string;
  instanceId: string;
  taskId: string | null;
  incidentId: string | null;
}

/** A generic document collection for rooms outside the engine (users, CRM, ERP, sessions). */
export interface Doc {
  id: string;
  rev: number;
  [field: string]: unknown;
}

export interface DocQuery {
  /** Equality on top-level fields; an array field matches when it contains the value. */
  where?: Record<string, string | number | boolean | null>;
  orderBy?: string;
  desc?: boolean;
  limit?: number;
}

export interface DocCollection<T extends Doc = Doc> {
  get(id: string): Promise<T | null>;
  /** Inserts with rev 1; rejects with a ConflictError when the id exists. */
  insert(doc: Omit<T, 'rev'>): Promise<T>;
  /** Replaces when the stored rev equals `doc.rev`; returns the stored doc (rev + 1) or null on a stale rev. */
  replace(doc: T): Promise<T | null>;
  delete(id: string): Promise<boolean>;
  find(query?: DocQuery): Promise<T[]>;
  count(query?: DocQuery): Promise<number>;
}

export interface CollectionSpec {
  name: string;
  /** Top-level fields that queries filter or sort on; the backend indexes them. */
  indexes: string[];
  /** Fields whose value must be unique across the collection. */
  unique?: string[];
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';

  // Deployments and process definitions
  findDeploymentByHash(hash: string): Promise<DeploymentRecord | null>;
  /** Saves a deployment with its definitions in one step. */
  saveDeployment(deployment: DeploymentRecord, definitions: DefinitionRecord[]): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | null>;
  getDefinition(id: string): Promise<DefinitionRecord | null>;
  findDefinition(key: string, version?: number): Promise<DefinitionRecord | null>;
  listDefinitions(key?: string): Promise<DefinitionRecord[]>;
  /** The highest version of a process whose `versionTag` is exactly `versionTag`, or null. */
  findDefinitionByVersionTag(key: string, versionTag: string): Promise<DefinitionRecord | null>;

  // Instances
  /** Inserts a new instance (rev must be 1) with its first effects. */
  createInstance(state: InstanceState, effects: Effect[]): Promise<void>;
  getInstance(id: string): Promise<InstanceState | null>;
  /**
   * Writes `state` (whose rev is expectedRev + 1) only if the stored rev is still `expectedRev`,
   * together with the effects. Returns false on a stale revision and writes nothing.
   */
  commitInstance(state: InstanceState, expectedRev: number, effects: Effect[]): Promise<boolean>;
  listInstances(filter: InstanceFilter): Promise<InstanceSummary[]>;

  // Derived records
  getTask(id: string): Promise<TaskRecord | null>;
  listTasks(filter: TaskFilter): Promise<TaskRecord[]>;
  getJob(key: string): Promise<JobRecord | null>;
  /** Leases up to maxJobs available jobs of a type to a worker, atomically per job. */
  activateJobs(request: JobActivation): Promise<JobRecord[]>;
  /** Jobs whose type matches one of `types`, available now and unlocked or with an expired lock. */
  countAvailableJobs(types: string[] | null, now: number): Promise<number>;
  /** Earliest availableAt / lockExpiresAt among open jobs of these types after `now`, or null. */
  nextJobWakeUp(types: string[] | null, now: number): Promise<number | null>;
  /** Releases every lease a worker holds: a restarted node takes back what its last life held. */
  releaseJobLocks(worker: string): Promise<number>;
  /**
   * Moves the end of the lease `worker` holds on job `key` to `until`; false when it no longer
   * holds one (it ran out by `now`, another worker has the job, or the job is gone). A node
   * renews while an attempt runs, so only a node that stopped renewing loses its job.
   */
  renewJobLease(key: string, worker: string, until: number, now: number): Promise<boolean>;
  /** Distinct types of open jobs, so a restarted node knows which in-process types to poll. */
  jobTypes(): Promise<string[]>;
  /** Timers due at `now` or earlier, earliest first. */
  dueTimers(now: number, limit: number): Promise<TimerRecord[]>;
  /** When the earliest timer is due, or null when none is scheduled. */
  nextTimerDueAt(): Promise<number | null>;
  /** Replaces a process's timer start events: a new version's schedule supersedes the old one's. */
  replaceStartTimers(processKey: string, timers: TimerRecord[]): Promise<void>;
  /**
   * Moves a start timer due at `dueAt` to `next` (its next firing and the repetitions left then)
   * or deletes it (`next` null). Guarded on `dueAt`: of several nodes exactly one gets true.
   */
  claimStartTimer(id: string, dueAt: number, next: TimerNext | null): Promise<boolean>;
  /** Drops a timer whose instance no longer has it (left behind by a crash between writes). */
  deleteTimer(id: string): Promise<void>;
  /** Open message subscriptions for a message name and correlation key, oldest first. */
  findSubscriptions(messageName: string, correlationKey: string | null): Promise<SubscriptionRecord[]>;
  getIncident(id: string): Promise<IncidentRecord | null>;
  listIncidents(filter: IncidentFilter): Promise<IncidentRecord[]>;
  history(instanceId: string): Promise<HistoryRecord[]>;

  // Audit trail: append-only. No method changes or removes an entry, and history retention
  // does not touch it.
  appendAuditEntry(entry: AuditEntry): Promise<void>;
  /** Newest first, ordered by (at, id) descending. */
  listAuditEntries(filter: AuditFilter): Promise<AuditEntry[]>;

  // Change feed: short-lived, append-only, shared by the nodes of one database.
  appendChanges(entries: ChangeEntry[]): Promise<void>;
  /**
   * Entries with `at` >= `since`, ordered by (at, id), at most `limit`. Readers re-read a window
   * behind their last position and de-duplicate by id: an entry committed late may carry an
   * earlier `at` than one already read.
   */
  readChanges(since: number, limit: number): Promise<ChangeEntry[]>;
  /** Removes entries with `at` < `olderThan`; returns how many. Safe on several nodes at once. */
  trimChanges(olderThan: number): Promise<number>;

  // Retention
  /**
   * Deletes up to `limit` instances that ended before `endedBefore` (ISO time), oldest end first,
   * with their tasks, jobs, incidents, subscriptions, timers and history. Active instances and
   * their records are never touched, nor is anything outside the engine's records (collections,
   * deployments). Safe to run on several nodes at once; returns the ids this call removed.
   */
  purgeEndedInstances(endedBefore: string, limit: number): Promise<string[]>;
  /** Record counts per kind; a full count, meant for checks and benchmarks, not hot paths. */
  countRecords(): Promise<StoreCounts>;

  // Generic collections for users, sessions, CRM, ERP and so on
  collection<T extends Doc>(spec: CollectionSpec): DocCollection<T>;

  close(): Promise<void>;
}
