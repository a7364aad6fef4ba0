// Records with fixed ids and timestamps for the store contract. Every builder takes overrides so
// a test states only what it is about.

import type {
  Effect,
  HistoryRecord,
  IncidentRecord,
  InstanceState,
  JobRecord,
  SubscriptionRecord,
  TaskRecord,
  TimerRecord,
} from '../../engine/types.ts';
import type { DefinitionRecord, DeploymentRecord } from '../../engine/store/port.ts';

/** A fixed "now" for job leasing: 2025-01-01T00:00:00Z. */
export const NOW = Date.UTC(2025, 0, 1);

export function at(minute: number): string {
  return new Date(NOW + minute * 60_000).toISOString();
}

export function instance(id: string, overrides: Partial<InstanceState> = {}): InstanceState {
  return {
    id,
    rev: 1,
    processKey: 'order',
    version: 1,
    definitionId: 'order:1:dep-1',
    businessKey: null,
    status: 'active',
    startedAt: at(0),
    endedAt: null,
    seq: 1,
    hseq: 0,
    elements: { '0': { key: '0', elementId: 'order', scope: '' } },
    vars: { '0': { amount: 1200, customer: { id: 'c-1', tags: ['vip'] } } },
    joins: {},
    jobs: {},
    tasks: {},
    incidents: {},
    ...overrides,
  };
}

/** The next revision of `state`, as the engine would commit it. */
export function next(state: InstanceState, overrides: Partial<InstanceState> = {}): InstanceState {
  return { ...state, rev: state.rev + 1, seq: state.seq + 1, ...overrides };
}

export function task(id: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    name: 'Approve order',
    elementId: 'approve',
    processInstanceId: 'pi-1',
    processKey: 'order',
    processVersion: 1,
    businessKey: null,
    state: 'open',
    assignee: null,
    candidateGroups: [],
    candidateUsers: [],
    dueDate: null,
    followUpDate: null,
    priority: 50,
    formKey: null,
    createdAt: at(0),
    completedAt: null,
    completedBy: null,
    ...overrides,
  };
}

export function job(key: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    key,
    type: 'payment',
    processInstanceId: 'pi-1',
    processKey: 'order',
    elementId: 'charge',
    elementInstance: '3',
    retries: 3,
    customHeaders: { channel: 'web' },
    availableAt: NOW,
    lockOwner: null,
    lockExpiresAt: null,
    errorMessage: null,
    createdAt: at(0),
    ...overrides,
  };
}

export function incident(id: string, overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id,
    processInstanceId: 'pi-1',
    processKey: 'order',
    elementId: 'charge',
    elementInstance: '3',
    type: 'JOB_NO_RETRIES',
    message: 'payment gateway down',
    state: 'open',
    jobKey: null,
    createdAt: at(0),
    resolvedAt: null,
    ...overrides,
  };
}

export function subscription(id: string, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id,
    processInstanceId: 'pi-1',
    processKey: 'order',
    elementId: 'await-payment',
    elementInstance: '4',
    messageName: 'payment-received',
    correlationKey: 'ORD-1',
    createdAt: at(0),
    ...overrides,
  };
}

export function timer(id: string, overrides: Partial<TimerRecord> = {}): TimerRecord {
  return {
    id,
    processInstanceId: 'pi-1',
    processKey: 'order',
    definitionId: 'order:1:dep-1',
    elementId: 'reminder',
    elementInstance: '5',
    dueAt: NOW + 60_000,
    repeat: { interval: 'PT10M', remaining: 2 },
    ...overrides,
  };
}

export function history(
  processInstanceId: string,
  seq: number,
  overrides: Partial<HistoryRecord> = {},
): HistoryRecord {
  return {
    processInstanceId,
    seq,
    elementId: `el-${seq}`,
    elementType: 'serviceTask',
    event: 'activated',
    at: at(seq),
    ...overrides,
  };
}

export function deployment(id: string, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id,
    hash: `hash-${id}`,
    resources: [{ name: 'order.bpmn', content: '<definitions/>' }],
    deployedAt: at(0),
    deployedBy: 'analyst',
    processes: [{ key: 'order', version: 1 }],
    ...overrides,
  };
}

export function definition(
  key: string,
  version: number,
  deploymentId: string,
  overrides: Partial<DefinitionRecord> = {},
): DefinitionRecord {
  return {
    id: `${key}:${version}:${deploymentId}`,
    key,
    version,
    name: `${key} v${version}`,
    deploymentId,
    resourceName: `${key}.bpmn`,
    hash: `xml-${key}-${version}`,
    deployedAt: at(version),
    deployedBy: 'analyst',
    versionTag: null,
    ...overrides,
  };
}

export const put = {
  task: (record: TaskRecord): Effect => ({ type: 'task.put', task: record }),
  job: (record: JobRecord): Effect => ({ type: 'job.put', job: record }),
  incident: (record: IncidentRecord): Effect => ({ type: 'incident.put', incident: record }),
  history: (record: HistoryRecord): Effect => ({ type: 'history', record }),
  subscription: (record: SubscriptionRecord): Effect => ({ type: 'subscription.put', subscription: record }),
  timer: (record: TimerRecord): Effect => ({ type: 'timer.put', timer: record }),
};
