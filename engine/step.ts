// The engine's pure core: (model, state, command, {now, ids}) → {state, effects}. No I/O, no
// awaits, no clock reads. The runtime loads state, calls `step`, and commits the result with a
// revision check; tests call `step` directly and compare exact effects.

import { behaviorOf } from './behaviors/index.ts';
import { ConflictError, ForbiddenError, KarvonError, NotFoundError, ValidationError } from './errors.ts';
import { addDuration } from './timers.ts';
import type { ProcessModel } from './model/types.ts';
import { ROOT, Transition, type CallFollowUp, type StepContext } from './runtime/transition.ts';
import { putJob } from './behaviors/job-worker-task.ts';
import { retryBody } from './runtime/multi-instance.ts';
import { retryCondition, runWithConditions } from './runtime/conditions.ts';
import { addTaskSearch, taskSearchText } from './runtime/task-search.ts';
import { engineLimits } from './limits.ts';
import { InstanceVariablesTooLarge } from './runtime/variable-size.ts';
import type { Effect, ElementInstance, InstanceState, TaskRecord, Variables } from './types.ts';

export type Command =
  /** `startElement` picks a timer or message start event; the none start event otherwise. */
  | { type: 'start'; instanceId: string; businessKey?: string | null; variables?: Variables; startElement?: string; parent?: { instanceId: string; elementInstance: string }; startedBy?: string | null }
  /** `inProcess`: the engine's own job runner reports an adapter's result (over the variable bound it is an incident, not a refusal). */
  | { type: 'completeJob'; jobKey: string; variables?: Variables; inProcess?: boolean }
  | { type: 'failJob'; jobKey: string; retries: number; errorMessage: string; backoffMs?: number }
  | { type: 'throwError'; jobKey: string; errorCode: string; errorMessage?: string; variables?: Variables }
  | { type: 'completeTask'; taskId: string; variables?: Variables; actor?: string | null }
  | { type: 'claimTask'; taskId: string; user: string }
  | { type: 'unclaimTask'; taskId: string }
  | { type: 'assignTask'; taskId: string; assignee: string | null }
  | { type: 'setVariables'; variables: Variables; scope?: string }
  | { type: 'resolveIncident'; incidentId: string }
  | { type: 'correlateMessage'; subscriptionId: string; variables?: Variables }
  | { type: 'fireTimer'; timerId: string }
  | { type: 'childCompleted'; elementInstance: string; childId: string; variables: Variables }
  | { type: 'childFailed'; elementInstance: string; childId: string; errorCode?: string; errorMessage: string; variables?: Variables }
  | { type: 'cancel' };

export interface StepResult {
  state: InstanceState;
  effects: Effect[];
  /** Signals thrown by the command, to broadcast after it commits. */
  broadcasts: Array<{ name: string; variables: Variables }>;
  /** Child instances to start or cancel, parents to report to. */
  calls: CallFollowUp[];
}

/**
 * Applies one command. `current` is left untouched unless `inPlace` is set, which the runtime
 * uses for state it has just read from the store and will not look at again.
 */
export function step(model: ProcessModel, current: InstanceState | null, command: Command, ctx: StepContext, inPlace = false): StepResult {
  if (command.type === 'start') return start(model, command, ctx);
  if (!current) throw new NotFoundError('process instance not found');
  const state = inPlace ? current : structuredClone(current);
  state.rev = current.rev + 1;
  if (state.status !== 'active') {
    throw new ConflictError(`process instance ${state.id} is ${state.status}`);
  }
  const t = new Transition(model, state, ctx);
  const bytesBefore = state.varBytes!;
  const outside = fromOutside(command);
  if (outside && 'variables' in command && command.variables) t.markRequest(command.variables);
  // Only an instance with open tasks has search text to keep current.
  const searchBefore = Object.keys(state.tasks).length > 0 ? taskSearchText(state.vars[ROOT]) : null;
  handlers[command.type](t, command as never);
  runWithConditions(t);
  if (outside) refuseGrowthOverBound(state, bytesBefore);
  addTaskSearch(state, t.effects, searchBefore);
  return { state, effects: t.effects, broadcasts: t.broadcasts, calls: t.calls };
}

function start(model: ProcessModel, command: Extract<Command, { type: 'start' }>, ctx: StepContext): StepResult {
  const iso = new Date(ctx.now).toISOString();
  const state: InstanceState = {
    id: command.instanceId,
    rev: 1,
    processKey: model.key,
    version: model.version,
    definitionId: model.definitionId,
    businessKey: command.businessKey ?? null,
    status: 'active',
    ...(command.parent ? { parent: command.parent } : {}),
    ...(command.startedBy ? { startedBy: command.startedBy } : {}),
    startedAt: iso,
    endedAt: null,
    seq: 0,
    hseq: 0,
    elements: { [ROOT]: { key: ROOT, elementId: model.key, scope: '' } },
    vars: { [ROOT]: { ...(command.variables ?? {}) } },
    joins: {},
    jobs: {},
    tasks: {},
    incidents: {},
  };
  const startElement = command.startElement ?? model.startEvent;
  if (!startElement) {
    throw new KarvonError(422, 'NO_NONE_START_EVENT', `process '${model.key}' has no none start event; it starts by its timer or message start event`);
  }
  const t = new Transition(model, state, ctx);
  t.history(model.key, 'bpmn:Process', 'activated');
  const root = state.elements[ROOT]!;
  if (t.openEventSubProcesses(root, model.key)) t.arrive(startElement, ROOT, null);
  else root.startAt = startElement;
  runWithConditions(t);
  refuseGrowthOverBound(state, 0);
  addTaskSearch(state, t.effects, null);
  return { state, effects: t.effects, broadcasts: t.broadcasts, calls: t.calls };
}

/** Commands that carry a request from outside the engine, which the variable bound refuses. */
function fromOutside(command: Command): boolean {
  switch (command.type) {
    case 'completeJob':
      return !command.inProcess;
    case 'throwError':
    case 'completeTask':
    case 'setVariables':
    case 'correlateMessage':
      return true;
    default:
      return false;
  }
}

/**
 * An outside request that leaves the instance's variables over the bound and larger than it
 * found them is refused as a whole; one that shrinks an instance already over (a lowered limit,
 * trimming after an incident) goes through.
 */
function refuseGrowthOverBound(state: InstanceState, bytesBefore: number): void {
  const limit = engineLimits().maxInstanceVariablesBytes;
  const after = state.varBytes!;
  if (after > limit && after > bytesBefore) throw new InstanceVariablesTooLarge(state.id, after, limit);
}

type Handlers = { [K in Exclude<Command['type'], 'start'>]: (t: Transition, c: Extract<Command, { type: K }>) => void };

function jobOwner(t: Transition, jobKey: string): ElementInstance {
  const job = t.state.jobs[jobKey];
  if (!job) throw new ConflictError(`job ${jobKey} is no longer active`);
  const inst = t.state.elements[job.elementInstance];
  if (!inst || inst.job !== jobKey) throw new ConflictError(`job ${jobKey} is no longer active`);
  return inst;
}

function taskOwner(t: Transition, taskId: string): { inst: ElementInstance; task: InstanceState['tasks'][string] } {
  const task = t.state.tasks[taskId];
  if (!task) throw new ConflictError(`task ${taskId} is no longer open`);
  return { inst: t.instance(task.elementInstance), task };
}

function patchTask(t: Transition, id: string, patch: Partial<TaskRecord>): void {
  t.effects.push({ type: 'task.patch', id, patch });
}

const handlers: Handlers = {
  completeJob(t, c) {
    const inst = jobOwner(t, c.jobKey);
    if (inst.incident) throw new ConflictError(`job ${c.jobKey} has an open incident; resolve it first`);
    delete t.state.jobs[c.jobKey];
    delete inst.job;
    t.effects.push({ type: 'job.delete', key: c.jobKey });
    t.complete(inst, c.variables ?? {});
  },

  failJob(t, c) {
    const inst = jobOwner(t, c.jobKey);
    const job = t.state.jobs[c.jobKey];
    const retries = Math.max(0, Math.floor(c.retries));
    job.retries = retries;
    if (retries > 0) {
      t.effects.push({
        type: 'job.patch',
        key: c.jobKey,
        patch: { retries, availableAt: t.now + Math.max(0, c.backoffMs ?? 0), lockOwner: null, lockExpiresAt: null, errorMessage: c.errorMessage },
      });
      return;
    }
    // Out of retries: the job leaves the activatable pool and waits for a person.
    t.effects.push({ type: 'job.delete', key: c.jobKey });
    t.incident(inst, 'JOB_NO_RETRIES', c.errorMessage || 'job failed with no retries left', c.jobKey);
  },

  throwError(t, c) {
    const inst = jobOwner(t, c.jobKey);
    delete t.state.jobs[c.jobKey];
    delete inst.job;
    t.effects.push({ type: 'job.delete', key: c.jobKey });
    t.throwError(inst, inst, c.errorCode, c.errorMessage ?? '', c.variables ?? null);
  },

  completeTask(t, c) {
    const { inst, task } = taskOwner(t, c.taskId);
    if (c.actor && task.assignee && task.assignee !== c.actor) {
      throw new ForbiddenError(`task ${c.taskId} is claimed by ${task.assignee}`);
    }
    delete t.state.tasks[c.taskId];
    delete inst.task;
    patchTask(t, c.taskId, { state: 'completed', completedAt: t.iso, completedBy: c.actor ?? null });
    t.complete(inst, c.variables ?? {});
  },

  claimTask(t, c) {
    const { task } = taskOwner(t, c.taskId);
    if (task.assignee && task.assignee !== c.user) throw new ConflictError(`task ${c.taskId} is already claimed by ${task.assignee}`);
    task.assignee = c.user;
    patchTask(t, c.taskId, { assignee: c.user });
  },

  unclaimTask(t, c) {
    const { task } = taskOwner(t, c.taskId);
    task.assignee = null;
    patchTask(t, c.taskId, { assignee: null });
  },

  assignTask(t, c) {
    const { task } = taskOwner(t, c.taskId);
    task.assignee = c.assignee;
    patchTask(t, c.taskId, { assignee: c.assignee });
  },

  setVariables(t, c) {
    const scope = c.scope ?? ROOT;
    if (!t.state.elements[scope]) throw new NotFoundError(`scope ${scope} is not active in instance ${t.state.id}`);
    for (const [k, v] of Object.entries(c.variables)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new ValidationError(`variable name '${k}' is not allowed`);
      t.setLocal(scope, k, v);
    }
  },

  resolveIncident(t, c) {
    const incident = t.state.incidents[c.incidentId];
    if (!incident) throw new ConflictError(`incident ${c.incidentId} is not open`);
    const inst = t.state.elements[incident.elementInstance];
    t.resolveIncidentRecord(c.incidentId);
    if (!inst) return;
    if (retryCondition(t, c.incidentId)) {
      if (inst.completing) t.complete(inst);
      return;
    }
    if (inst.key === ROOT) {
      if (inst.attaching && inst.startAt && t.openEventSubProcesses(inst, t.model.key)) {
        const startAt = inst.startAt;
        delete inst.startAt;
        t.arrive(startAt, ROOT, null);
      }
      return;
    }
    const el = t.element(inst.elementId);
    if (incident.jobKey && t.state.jobs[incident.jobKey]) {
      // A job out of retries gets one more attempt, as a fresh activatable record.
      const job = t.state.jobs[incident.jobKey];
      job.retries = Math.max(1, job.retries);
      putJob(t, inst, el, job.type, job.retries, job.key);
      return;
    }
    if (el.multiInstance && inst.loop === undefined) {
      retryBody(t, inst);
      return;
    }
    if (inst.completing) {
      t.complete(inst);
      return;
    }
    if (inst.attaching) {
      t.resumeActivation(inst);
      return;
    }
    if (incident.type === 'IO_MAPPING_ERROR') {
      t.reactivate(inst);
      return;
    }
    const behavior = behaviorOf(el);
    if (behavior.retry) behavior.retry(t, inst, el);
  },

  correlateMessage(t, c) {
    const sub = t.state.subscriptions?.[c.subscriptionId];
    if (!sub) throw new ConflictError(`subscription ${c.subscriptionId} is no longer open`);
    const owner = t.instance(sub.elementInstance);
    const el = t.element(sub.elementId);
    // A non-interrupting boundary or event sub-process keeps listening while its scope runs.
    if (el.cancelActivity) t.deleteSubscription(c.subscriptionId);
    behaviorOf(el).trigger?.(t, owner, el, c.variables ?? {});
  },

  fireTimer(t, c) {
    const timer = t.state.timers?.[c.timerId];
    if (!timer) throw new ConflictError(`timer ${c.timerId} is no longer scheduled`);
    const owner = t.instance(timer.elementInstance);
    const el = t.element(timer.elementId);
    t.deleteTimer(c.timerId);
    // A cycle schedules its next firing from the due time, so a late node does not drift it.
    if (timer.repeat && timer.repeat.remaining !== 0) {
      const remaining = timer.repeat.remaining === null ? null : timer.repeat.remaining - 1;
      t.putTimer(t.id(), timer.elementId, timer.elementInstance, addDuration(timer.dueAt, timer.repeat.interval), { interval: timer.repeat.interval, remaining });
    }
    behaviorOf(el).trigger?.(t, owner, el, null);
  },

  childCompleted(t, c) {
    const inst = t.instance(c.elementInstance);
    if (inst.child !== c.childId) throw new ConflictError(`call activity '${inst.elementId}' no longer waits for instance ${c.childId}`);
    delete inst.child;
    const el = t.element(inst.elementId);
    const payload = el.call!.propagateAllChildVariables || el.outputs.length ? c.variables : {};
    t.complete(inst, payload);
  },

  childFailed(t, c) {
    const inst = t.instance(c.elementInstance);
    if (inst.child !== c.childId) throw new ConflictError(`call activity '${inst.elementId}' no longer waits for instance ${c.childId}`);
    delete inst.child;
    if (c.errorCode) t.throwError(inst, inst, c.errorCode, c.errorMessage, c.variables ?? null);
    else t.incident(inst, 'CALLED_ELEMENT_ERROR', c.errorMessage);
  },

  cancel(t) {
    const root = t.state.elements[ROOT];
    if (root) {
      for (const k of Object.keys(t.state.elements)) {
        const inst = t.state.elements[k];
        if (inst && inst.scope === ROOT) t.terminate(inst);
      }
    }
    for (const id of Object.keys(t.state.incidents)) t.resolveIncidentRecord(id);
    t.state.joins = {};
    t.endProcess('canceled');
  },
};
