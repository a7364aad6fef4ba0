// A tiny in-memory engine room for the property test: several instances (a process and the
// children its call activities start) driven through the pure `step`, with the follow-ups the
// facade would carry after each commit (start, cancel or report to another instance; signal
// broadcasts) run right away, and the records a store would keep (jobs, tasks, incidents, timers,
// subscriptions) tracked from the effects so the test can see what would be left behind.

import { ConflictError, NotFoundError } from '../../engine/errors.ts';
import type { ProcessModel } from '../../engine/model/types.ts';
import { step, type Command } from '../../engine/step.ts';
import type { CallFollowUp } from '../../engine/runtime/transition.ts';
import type { Effect, InstanceState, SubscriptionRecord, TimerRecord, Variables } from '../../engine/types.ts';

/** What a store would hold beside one instance: only the open records. */
export interface OpenRecords {
  jobs: Map<string, { retries: number }>;
  tasks: Set<string>;
  incidents: Set<string>;
  timers: Map<string, TimerRecord>;
  subscriptions: Map<string, SubscriptionRecord>;
}

export interface SimInstance {
  id: string;
  model: ProcessModel;
  state: InstanceState;
  records: OpenRecords;
  /** Every history event, to check activations against completions and terminations. */
  history: Effect[];
}

type FollowUp = { kind: 'call'; call: CallFollowUp } | { kind: 'signal'; name: string; variables: Variables };

export class Cluster {
  readonly instances = new Map<string, SimInstance>();
  now = Date.parse('2026-03-01T09:00:00.000Z');
  private ids = 0;
  private readonly followUps: FollowUp[] = [];

  constructor(private readonly models: Map<string, ProcessModel>) {}

  private newId = (): string => `k${++this.ids}`;

  start(processKey: string, variables: Variables): SimInstance {
    const model = this.models.get(processKey);
    if (!model) throw new Error(`no process ${processKey}`);
    const id = `pi-${++this.ids}`;
    this.begin(model, { type: 'start', instanceId: id, variables });
    this.drain();
    return this.instances.get(id)!;
  }

  /** Runs a command on one instance, then everything it set off elsewhere. */
  apply(instanceId: string, command: Command): void {
    this.run(instanceId, command);
    this.drain();
  }

  /** Broadcasts a signal: every open subscription for it, in every instance, as the facade does. */
  broadcast(name: string, variables: Variables = {}): void {
    this.followUps.push({ kind: 'signal', name, variables });
    this.drain();
  }

  private begin(model: ProcessModel, command: Extract<Command, { type: 'start' }>): void {
    const result = step(model, null, command, { now: this.now, newId: this.newId });
    const inst: SimInstance = { id: command.instanceId, model, state: result.state, records: emptyRecords(), history: [] };
    this.instances.set(inst.id, inst);
    this.record(inst, result.effects);
    this.followUps.push(...result.calls.map((call) => ({ kind: 'call' as const, call })), ...result.broadcasts.map((b) => ({ kind: 'signal' as const, ...b })));
  }

  private run(instanceId: string, command: Command): void {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new NotFoundError(`no instance ${instanceId}`);
    const result = step(inst.model, inst.state, command, { now: this.now, newId: this.newId });
    inst.state = result.state;
    this.record(inst, result.effects);
    this.followUps.push(...result.calls.map((call) => ({ kind: 'call' as const, call })), ...result.broadcasts.map((b) => ({ kind: 'signal' as const, ...b })));
  }

  /** Like the facade: a follow-up that finds its target gone (conflict, not found) is dropped. */
  private drain(): void {
    while (this.followUps.length) {
      const next = this.followUps.shift()!;
      try {
        if (next.kind === 'signal') this.deliverSignal(next.name, next.variables);
        else this.follow(next.call);
      } catch (err) {
        if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
      }
    }
  }

  private deliverSignal(name: string, variables: Variables): void {
    for (const inst of [...this.instances.values()]) {
      for (const sub of [...inst.records.subscriptions.values()]) {
        if (sub.messageName !== `signal:${name}`) continue;
        try {
          this.run(inst.id, { type: 'correlateMessage', subscriptionId: sub.id, variables });
        } catch (err) {
          if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
        }
      }
    }
  }

  private follow(c: CallFollowUp): void {
    if (c.kind === 'cancel') return this.run(c.childId, { type: 'cancel' });
    if (c.kind === 'done') return this.run(c.parentId, { type: 'childCompleted', elementInstance: c.elementInstance, childId: c.childId, variables: c.variables });
    if (c.kind === 'error') {
      return this.run(c.parentId, { type: 'childFailed', elementInstance: c.elementInstance, childId: c.childId, errorCode: c.errorCode, errorMessage: c.errorMessage, variables: c.variables });
    }
    const model = this.models.get(c.processId);
    if (!model) return this.run(c.parent.instanceId, { type: 'childFailed', elementInstance: c.parent.elementInstance, childId: c.childId, errorMessage: `no process ${c.processId}` });
    this.begin(model, { type: 'start', instanceId: c.childId, variables: c.variables, parent: c.parent });
  }

  private record(inst: SimInstance, effects: Effect[]): void {
    const r = inst.records;
    for (const e of effects) {
      switch (e.type) {
        case 'job.put': r.jobs.set(e.job.key, { retries: e.job.retries }); break;
        case 'job.patch': if (r.jobs.has(e.key) && e.patch.retries !== undefined) r.jobs.set(e.key, { retries: e.patch.retries }); break;
        case 'job.delete': r.jobs.delete(e.key); break;
        case 'task.put': if (e.task.state === 'open') r.tasks.add(e.task.id); break;
        case 'task.patch': if (e.patch.state && e.patch.state !== 'open') r.tasks.delete(e.id); break;
        case 'incident.put': if (e.incident.state === 'open') r.incidents.add(e.incident.id); break;
        case 'incident.patch': if (e.patch.state === 'resolved') r.incidents.delete(e.id); break;
        case 'timer.put': r.timers.set(e.timer.id, e.timer); break;
        case 'timer.delete': r.timers.delete(e.id); break;
        case 'subscription.put': r.subscriptions.set(e.subscription.id, e.subscription); break;
        case 'subscription.delete': r.subscriptions.delete(e.id); break;
        case 'history': inst.history.push(e); break;
        case 'instance.ended': break;
      }
    }
  }
}

function emptyRecords(): OpenRecords {
  return { jobs: new Map(), tasks: new Set(), incidents: new Set(), timers: new Map(), subscriptions: new Map() };
}
