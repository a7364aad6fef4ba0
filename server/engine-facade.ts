// What the server needs from the engine, written as an interface so that services depend on
// this narrow surface rather than on the Engine class: engine/engine.ts satisfies it
// structurally, and tests can see at a glance which engine calls the HTTP API makes.

import type { EngineEvent } from '../engine/engine.ts';
import type { ProcessModel } from '../engine/model/types.ts';
import type { Clock } from '../engine/ports.ts';
import type { InstanceFilter, IncidentFilter, Store, TaskFilter } from '../engine/store/port.ts';
import type {
  HistoryEvent,
  IncidentRecord,
  InstanceSummary,
  Json,
  TaskRecord,
  Variables,
} from '../engine/types.ts';

export interface ProcessSummary {
  key: string;
  version: number;
  name: string | null;
}

export interface ProcessVersionInfo {
  version: number;
  deployedAt: string;
  deployedBy: string | null;
  deploymentId: string;
  /** The version's `zeebe:versionTag`; absent when the process has none. */
  versionTag?: string;
}

export interface ProcessDetail extends ProcessSummary {
  versions: ProcessVersionInfo[];
}

export interface DeployResult {
  deploymentId: string;
  created: boolean;
  processes: ProcessSummary[];
}

export interface StartRequest {
  processKey: string;
  version?: number;
  /** The highest version carrying this `zeebe:versionTag`; not together with `version`. */
  versionTag?: string;
  businessKey?: string;
  variables?: Variables;
}

export interface InstanceDetail extends InstanceSummary {
  variables: Variables;
  activeElements: string[];
  incidents: IncidentRecord[];
}

export interface HistoryEntry {
  elementId: string;
  elementType: string;
  event: HistoryEvent;
  at: string;
}

export interface TaskDetail extends TaskRecord {
  variables: Variables;
  form: Json | null;
}

export interface ActivateJobsRequest {
  type: string;
  worker: string;
  maxJobs: number;
  lockMs: number;
}

export interface ActivatedJob {
  id: string;
  type: string;
  processInstanceId: string;
  elementId: string;
  variables: Variables;
  customHeaders: Record<string, string>;
  retries: number;
}

export interface MessageRequest {
  name: string;
  correlationKey?: string | null;
  variables?: Variables;
  ttlMs?: number;
  messageId?: string;
}

export interface MessageResult {
  correlated: string[];
  started: string[];
  buffered: boolean;
}

/** The engine's own event union: task and instance changes, and a timing event per command. */
export type { EngineEvent };

export interface EngineFacade {
  readonly store: Store;
  readonly clock: Clock;
  deploy(
    resources: { name: string; content: string }[],
    opts?: { deployedBy?: string },
  ): Promise<DeployResult>;
  listProcesses(): Promise<ProcessSummary[]>;
  /** The latest version of each process, compiled: which connections its tasks call. */
  latestModels(): Promise<ProcessModel[]>;
  /** One deployed process version, compiled (by definition id). */
  processModel(definitionId: string): Promise<ProcessModel>;
  getProcess(key: string): Promise<ProcessDetail>;
  getProcessXml(key: string, version?: number): Promise<string>;
  getForm(formKeyOrId: string | null, context?: { processKey: string; version?: number }): Promise<Json | null>;
  startInstance(request: StartRequest, opts?: { startedBy?: string }): Promise<InstanceSummary>;
  getInstance(id: string): Promise<InstanceDetail>;
  listInstances(filter: InstanceFilter): Promise<InstanceSummary[]>;
  history(id: string): Promise<HistoryEntry[]>;
  cancelInstance(id: string): Promise<void>;
  /** Sets variables on the process scope; armed conditional events look at the change. */
  setVariables(id: string, variables: Variables): Promise<void>;
  listTasks(filter: TaskFilter): Promise<TaskRecord[]>;
  getTask(id: string): Promise<TaskDetail>;
  claimTask(id: string, username: string): Promise<TaskRecord>;
  unclaimTask(id: string): Promise<TaskRecord>;
  assignTask(id: string, assignee: string | null): Promise<TaskRecord>;
  completeTask(id: string, variables: Variables, opts?: { actor?: string }): Promise<void>;
  activateJobs(request: ActivateJobsRequest): Promise<ActivatedJob[]>;
  completeJob(key: string, variables?: Variables): Promise<void>;
  failJob(key: string, failure: { errorMessage: string; retries: number; retryBackoffMs?: number }): Promise<void>;
  throwJobError(
    key: string,
    error: { errorCode: string; errorMessage?: string; variables?: Variables },
  ): Promise<void>;
  correlateMessage(request: MessageRequest): Promise<MessageResult>;
  broadcastSignal(name: string, variables?: Variables): Promise<{ triggered: number }>;
  /** Test clock only: moves it and resolves once everything due by then has run; returns the new time. */
  advanceClock(to: { addMs: number } | { pin: number }): Promise<number>;
  listIncidents(filter: IncidentFilter): Promise<IncidentRecord[]>;
  resolveIncident(id: string): Promise<void>;
  on(listener: (event: EngineEvent) => void): () => void;
  close(): Promise<void>;
}
