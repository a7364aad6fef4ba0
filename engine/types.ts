// Shared data shapes of the engine: what an instance's durable state looks like, the records
// derived from it (tasks, jobs, incidents, history), and the effects a transition emits.
// Everything here is plain JSON so that every store backend can keep it as it is.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Variables = Record<string, Json>;

export type InstanceStatus = 'active' | 'completed' | 'terminated' | 'canceled';

/** A live token holder: one activation of one flow element inside its parent scope. */
export interface ElementInstance {
  /** Local key inside the instance ("0" is the process itself). */
  key: string;
  elementId: string;
  /** Key of the enclosing scope's element instance; "" for the process. */
  scope: string;
  /** The element waits on something outside the engine. */
  job?: string;
  task?: string;
  /** Open incident blocking this element. */
  incident?: string;
  /** Set once the element was asked to complete, so a resolved incident completes it again. */
  completing?: boolean;
  /** Multi-instance body: items and progress of the inner instances. */
  mi?: { items: Json[]; started: number; completed: number };
  /** Call activity: the child instance it waits for. */
  child?: string;
  /** Inner instance of a multi-instance body: its 0-based position in the collection. */
  loop?: number;
  /** Completion payload kept while an incident blocks completion (e.g. output mapping failed). */
  pending?: Variables;
  /** A boundary event could not be armed (incident); resolving it resumes the activation there. */
  attaching?: boolean;
  /** Process instance whose activation an incident blocks: the start event it enters once resumed. */
  startAt?: string;
  /**
   * Event sub-process start events a scope opened before its activation stopped at an incident:
   * a timer among them may have fired since, and resuming must not schedule it again.
   */
  opened?: string[];
}

export interface JobState {
  key: string;
  type: string;
  retries: number;
  elementInstance: string;
}

export interface TaskAssignment {
  assignee: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
}

export interface UserTaskState extends TaskAssignment {
  id: string;
  elementInstance: string;
}

export interface IncidentState {
  id: string;
  elementInstance: string;
  elementId: string;
  type: IncidentType;
  message: string;
  createdAt: string;
  jobKey?: string;
}

export type IncidentType =
  | 'JOB_NO_RETRIES'
  | 'CONDITION_ERROR'
  | 'EXTRACT_VALUE_ERROR'
  | 'IO_MAPPING_ERROR'
  | 'VARIABLES_TOO_LARGE'
  | 'UNHANDLED_ERROR_EVENT'
  | 'CALLED_ELEMENT_ERROR';

/** The whole durable state of one process instance; one row or document. */
export interface InstanceState {
  id: string;
  /** Optimistic concurrency: bumped by every committed command. */
  rev: number;
  processKey: string;
  version: number;
  definitionId: string;
  businessKey: string | null;
  status: InstanceStatus;
  /** Who started it (a user name), when a person did. */
  startedBy?: string | null;
  /** Set for an instance started by a call activity: where to report back. */
  parent?: { instanceId: string; elementInstance: string } | null;
  startedAt: string;
  endedAt: string | null;
  /** Counter for element instance keys and history order. */
  seq: number;
  hseq: number;
  elements: Record<string, ElementInstance>;
  /** Variables per scope key ("0" is the process scope). */
  vars: Record<string, Variables>;
  /**
   * Running serialized size of `vars` (engine/runtime/variable-size.ts), kept so a command
   * measures only what it changes; absent in states written before it existed.
   */
  varBytes?: number;
  /** Tokens waiting at joining gateways: scopeKey/gatewayId -> flowId -> count. */
  joins: Record<string, Record<string, number>>;
  jobs: Record<string, JobState>;
  tasks: Record<string, UserTaskState>;
  /** Open message and signal subscriptions by id, with the element instance that owns each. */
  subscriptions?: Record<string, { elementId: string; elementInstance: string }>;
  /** Open timers by id, with the element instance that owns each. */
  timers?: Record<string, { elementId: string; elementInstance: string; dueAt: number; repeat: TimerRecord['repeat'] }>;
  incidents: Record<string, IncidentState>;
  /**
   * Armed conditional events by `<owner key>/<event id>`: the owner is the catch event itself,
   * the activity a boundary event is attached to, or the scope of an event sub-process. They
   * need no record outside the state: only a command that changes variables can make them true.
   */
  conditions?: Record<string, ConditionState>;
  /** Completed activities that compensation can still undo, in completion order (engine/runtime/compensation.ts). */
  compensable?: CompensableRecord[];
}

export interface ConditionState {
  elementId: string;
  elementInstance: string;
  /** Set while an incident (a condition that is not a boolean) holds it. */
  incident?: string;
}

/**
 * One completion of an activity that has a compensation handler, or of a sub-process inside which
 * such completions are kept. It lives while its scope does and goes when it is compensated.
 */
export interface CompensableRecord {
  /** The completed element instance's key; records inside a completed sub-process point at it. */
  key: string;
  elementId: string;
  /** Key of the scope it completed in. */
  scope: string;
  /** The handler to run, or null for a sub-process without one (only its inner records run). */
  handler: string | null;
  /** The activity's local variables when it completed; the handler starts with them. */
  vars?: Variables;
}

// ---------------------------------------------------------------------------------------------
// Derived records: what the store keeps beside the instance so that lists can be queried.

export interface TaskRecord extends TaskAssignment {
  id: string;
  name: string;
  elementId: string;
  processInstanceId: string;
  processKey: string;
  processVersion: number;
  businessKey: string | null;
  state: 'open' | 'completed' | 'canceled';
  dueDate: string | null;
  followUpDate: string | null;
  priority: number;
  formKey: string | null;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  /**
   * Lower-cased values of the instance's process variables that the inbox search matches
   * (engine/runtime/task-search.ts). Written by the engine, kept by the stores, never read back.
   */
  searchText?: string;
}

export interface JobRecord {
  key: string;
  type: string;
  processInstanceId: string;
  processKey: string;
  elementId: string;
  elementInstance: string;
  retries: number;
  customHeaders: Record<string, string>;
  /** Epoch ms before which the job is not handed out (retry backoff). */
  availableAt: number;
  lockOwner: string | null;
  lockExpiresAt: number | null;
  errorMessage: string | null;
  createdAt: string;
}

export interface IncidentRecord {
  id: string;
  processInstanceId: string;
  processKey: string;
  elementId: string;
  elementInstance: string;
  type: IncidentType;
  message: string;
  state: 'open' | 'resolved';
  jobKey: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface SubscriptionRecord {
  id: string;
  processInstanceId: string;
  processKey: string;
  elementId: string;
  elementInstance: string;
  messageName: string;
  /** Evaluated when the subscription opened; null when the message has no correlation key. */
  correlationKey: string | null;
  createdAt: string;
}

/** A timer waiting to fire: on an instance element (catch or boundary event) or a process start. */
export interface TimerRecord {
  id: string;
  /** Null for a timer start event, which belongs to a process version, not an instance. */
  processInstanceId: string | null;
  processKey: string;
  definitionId: string;
  /** The timer event. */
  elementId: string;
  /** Element instance that owns it: the catch event itself, or the activity a boundary is attached to. */
  elementInstance: string | null;
  dueAt: number;
  /** Cycle: interval and firings left after this one (null = forever). */
  repeat: { interval: string; remaining: number | null } | null;
}

export type HistoryEvent = 'activated' | 'completed' | 'terminated' | 'taken';

export interface HistoryRecord {
  processInstanceId: string;
  seq: number;
  elementId: string;
  elementType: string;
  event: HistoryEvent;
  at: string;
}

export interface InstanceSummary {
  id: string;
  processKey: string;
  version: number;
  businessKey: string | null;
  startedBy: string | null;
  state: InstanceStatus;
  startedAt: string;
  endedAt: string | null;
}

// ---------------------------------------------------------------------------------------------
// Effects: what a transition asks the outside world to do. The store applies the record effects
// atomically with the new state (or idempotently after it, for backends without transactions);
// the runtime reacts to the rest (run an adapter job, notify inbox listeners).

export type Effect =
  | { type: 'job.put'; job: JobRecord }
  | { type: 'job.patch'; key: string; patch: Partial<Omit<JobRecord, 'key'>> }
  | { type: 'job.delete'; key: string }
  | { type: 'task.put'; task: TaskRecord }
  | { type: 'task.patch'; id: string; patch: Partial<Omit<TaskRecord, 'id'>> }
  | { type: 'incident.put'; incident: IncidentRecord }
  | { type: 'incident.patch'; id: string; patch: Partial<Omit<IncidentRecord, 'id'>> }
  | { type: 'timer.put'; timer: TimerRecord }
  | { type: 'timer.delete'; id: string }
  | { type: 'subscription.put'; subscription: SubscriptionRecord }
  | { type: 'subscription.delete'; id: string }
  | { type: 'history'; record: HistoryRecord }
  | { type: 'instance.ended'; status: InstanceStatus };

export type RecordEffect = Exclude<Effect, { type: 'instance.ended' }>;
