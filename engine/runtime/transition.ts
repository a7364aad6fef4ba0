// The generic token mechanics shared by every element: activate, complete, take flows, terminate,
// variables, incidents and errors. A Transition works on its own copy of one instance's state and
// only records effects; it never awaits and never touches I/O, so a command applied to the same
// state with the same clock and ids always gives the same result.

import { behaviorOf } from '../behaviors/index.ts';
import { KarvonError } from '../errors.ts';
import { evaluateCondition, evaluateExpr, type Expr } from '../feel.ts';
import type { CallBinding, ElementModel, Mapping, ProcessModel } from '../model/types.ts';
import { parseTimer } from '../timers.ts';
import { activateBody, completeBody, completeInner } from './multi-instance.ts';
import { armCondition, disarmCondition, disarmConditions, watchVariable } from './conditions.ts';
import { keepCompleted, releaseScope } from './compensation.ts';
import { entryBytes, InstanceVariablesTooLarge, instanceVariableBytes, overLimitMessage, scopeBytes } from './variable-size.ts';
import { engineLimits } from '../limits.ts';
import type {
  Effect,
  ElementInstance,
  HistoryEvent,
  IncidentType,
  InstanceState,
  Json,
  TaskRecord,
  TimerRecord,
  Variables,
} from '../types.ts';

export interface StepContext {
  now: number;
  newId: () => string;
}

type Work =
  | { kind: 'arrive'; elementId: string; scope: string; flowId: string | null }
  | { kind: 'complete'; key: string; payload: Variables | null };

/** Guards against a diagram that loops forever without a wait state. */
const MAX_WORK_PER_COMMAND = 10_000;

export const ROOT = '0';

/** What a call activity or a called instance asks of another instance after a commit. */
export type CallFollowUp =
  | {
      kind: 'start';
      childId: string;
      processId: string;
      /** Which version to start; `deployment` resolves against the caller's definition. */
      binding: CallBinding;
      /** The call activity and the definition it belongs to, for binding and incident messages. */
      caller: { elementId: string; definitionId: string };
      variables: Variables;
      parent: { instanceId: string; elementInstance: string };
    }
  | { kind: 'cancel'; childId: string }
  | { kind: 'done'; parentId: string; elementInstance: string; childId: string; variables: Variables }
  | { kind: 'error'; parentId: string; elementInstance: string; childId: string; errorCode: string; errorMessage: string; variables: Variables };

export class Transition {
  readonly model: ProcessModel;
  readonly state: InstanceState;
  readonly effects: Effect[] = [];
  /** Signals thrown during the command, broadcast after it commits. */
  readonly broadcasts: Array<{ name: string; variables: Variables }> = [];
  /** Work on other instances (call activities) to do after the command commits. */
  readonly calls: CallFollowUp[] = [];
  readonly now: number;
  readonly iso: string;
  private readonly newId: () => string;
  private readonly queue: Work[] = [];
  private work = 0;
  /** Scopes ended by a terminate end event: the process then ends as `terminated`. */
  private readonly terminatedScopes = new Set<string>();
  /**
   * The variables an outside request (task completion, a worker's job result, a message) hands
   * in, and the copies made of them as an event's locals: if applying them would pass the
   * instance's variable bound, the request is refused rather than the element getting an incident.
   */
  private fromRequest: Variables[] | null = null;

  constructor(model: ProcessModel, state: InstanceState, ctx: StepContext) {
    this.model = model;
    this.state = state;
    state.varBytes ??= instanceVariableBytes(state);
    this.now = ctx.now;
    this.iso = new Date(ctx.now).toISOString();
    this.newId = ctx.newId;
  }

  id(): string {
    return this.newId();
  }

  element(id: string): ElementModel {
    const el = this.model.elements.get(id);
    if (!el) throw new KarvonError(500, 'MODEL_MISMATCH', `element '${id}' is not part of process ${this.model.key} v${this.model.version}`);
    return el;
  }

  instance(key: string): ElementInstance {
    const inst = this.state.elements[key];
    if (!inst) throw new KarvonError(409, 'CONFLICT', `element instance ${key} is no longer active`);
    return inst;
  }

  // ------------------------------------------------------------------------------------------
  // Token movement

  /** Puts a token on `elementId` inside `scope`; processed when `run` drains the queue. */
  arrive(elementId: string, scope: string, flowId: string | null): void {
    this.queue.push({ kind: 'arrive', elementId, scope, flowId });
  }

  /** Asks the element to complete; `payload` are the variables its work produced. */
  complete(inst: ElementInstance, payload: Variables | null = null): void {
    inst.completing = true;
    this.queue.push({ kind: 'complete', key: inst.key, payload });
  }

  run(): void {
    for (;;) {
      while (this.queue.length) {
        if (++this.work > MAX_WORK_PER_COMMAND) {
          throw new KarvonError(422, 'NO_WAIT_STATE', `process ${this.model.key} ran ${MAX_WORK_PER_COMMAND} steps without reaching a wait state; it probably loops without one`);
        }
        const w = this.queue.shift()!;
        if (w.kind === 'arrive') this.doArrive(w.elementId, w.scope, w.flowId);
        else if (this.state.elements[w.key]) this.doComplete(this.state.elements[w.key], w.payload);
      }
      if (!this.fireInclusiveJoins()) return;
    }
  }

  private doArrive(elementId: string, scope: string, flowId: string | null): void {
    if (!this.state.elements[scope]) return; // the scope was terminated meanwhile
    const el = this.element(elementId);
    const behavior = behaviorOf(el);
    if (behavior.arrive) behavior.arrive(this, el, scope, flowId);
    else if (el.multiInstance) activateBody(this, el, scope);
    else this.activate(el, scope);
  }

  /** Creates the element instance, applies input mappings and hands over to the behaviour. */
  activate(el: ElementModel, scope: string, locals?: Variables): ElementInstance {
    const key = String(++this.state.seq);
    const inst: ElementInstance = { key, elementId: el.id, scope };
    this.state.elements[key] = inst;
    this.history(el.id, el.type, 'activated');
    if (locals) this.setScopeVars(key, this.copyOf(locals));
    if (el.inputs.length) {
      const ok = this.applyInputs(inst, el.inputs);
      if (!ok) return inst;
    }
    if (this.attachBoundaries(inst, el)) this.runActivation(inst, el);
    return inst;
  }

  /**
   * Runs the behaviour's own activation once the boundary events are armed. If that raises an
   * incident (a user task's assignee, a job type or a correlation key that fails), no boundary
   * event stays armed while it is open: Zeebe evaluates an element's own expressions before it
   * subscribes to its boundary events, so none can fire in that window. `attaching` makes
   * resolving the incident arm them again and rerun the activation.
   */
  private runActivation(inst: ElementInstance, el: ElementModel): void {
    behaviorOf(el).activate(this, inst, el);
    if (!inst.incident || this.state.elements[inst.key] !== inst || inst.loop !== undefined || el.boundaries.length === 0) return;
    for (const [id, timer] of Object.entries(this.state.timers ?? {})) if (timer.elementInstance === inst.key && el.boundaries.includes(timer.elementId)) this.deleteTimer(id);
    for (const [id, sub] of Object.entries(this.state.subscriptions ?? {})) if (sub.elementInstance === inst.key && el.boundaries.includes(sub.elementId)) this.deleteSubscription(id);
    for (const id of el.boundaries) disarmCondition(this, inst.key, id);
    inst.attaching = true;
  }

  /**
   * Opens what the boundary events of `host` wait for, skipping any already open. Stops at the
   * first incident and returns false: the activity must not start its work while a boundary event
   * it may need is not armed. `host.attaching` marks that state, so resolving the incident
   * resumes here instead of running the behaviour's own retry.
   */
  attachBoundaries(host: ElementInstance, el: ElementModel): boolean {
    for (const id of el.boundaries) {
      if (this.holds(host.key, id)) continue;
      const boundary = this.element(id);
      behaviorOf(boundary).attach?.(this, host, boundary);
      if (host.incident) {
        host.attaching = true;
        return false;
      }
    }
    delete host.attaching;
    return true;
  }

  /**
   * True when `owner` already holds a timer, subscription or condition for `elementId`, so
   * resuming an activation after an incident opens only what the failure left unopened.
   */
  holds(owner: string, elementId: string): boolean {
    const mine = (r: { elementId: string; elementInstance: string }) => r.elementInstance === owner && r.elementId === elementId;
    return (
      Object.values(this.state.timers ?? {}).some(mine) ||
      Object.values(this.state.subscriptions ?? {}).some(mine) ||
      Object.values(this.state.conditions ?? {}).some(mine)
    );
  }

  /** A boundary event fires: an interrupting one ends its host first. */
  triggerBoundary(host: ElementInstance, boundary: ElementModel, variables: Variables | null): void {
    const scope = host.scope;
    if (boundary.cancelActivity) this.terminate(host);
    this.activate(boundary, scope, variables && Object.keys(variables).length ? variables : undefined);
  }

  // ------------------------------------------------------------------------------------------
  // Timers

  /** Evaluates and schedules the timer of `el` on behalf of `owner`; an incident if it is invalid. */
  openTimer(owner: ElementInstance, el: ElementModel): void {
    const def = el.timer!;
    const value = this.evaluate(def.value, owner, `timer of '${el.id}'`);
    if (!value.ok) return;
    const parsed = parseTimer(def.kind, typeof value.value === 'string' ? value.value : JSON.stringify(value.value), this.now);
    if (!parsed.ok) {
      this.incident(owner, 'EXTRACT_VALUE_ERROR', `timer of '${el.id}': ${parsed.message}`);
      return;
    }
    this.putTimer(this.id(), el.id, owner.key, parsed.schedule.dueAt, parsed.schedule.repeat);
  }

  putTimer(id: string, elementId: string, owner: string, dueAt: number, repeat: TimerRecord['repeat']): void {
    (this.state.timers ??= {})[id] = { elementId, elementInstance: owner, dueAt, repeat };
    this.effects.push({
      type: 'timer.put',
      timer: { id, processInstanceId: this.state.id, processKey: this.state.processKey, definitionId: this.state.definitionId, elementId, elementInstance: owner, dueAt, repeat },
    });
  }

  /**
   * Opens a subscription on behalf of `owner` for the message or signal of `el`: a message's
   * name and correlation key are evaluated now; a signal subscribes as `signal:<name>`.
   */
  openSubscription(owner: ElementInstance, el: ElementModel): void {
    const def = el.message!;
    const name = this.evaluate(def.name, owner, `${def.signal ? 'signal' : 'message'} name of '${el.id}'`);
    if (!name.ok) return;
    let correlationKey: string | null = null;
    if (def.correlationKey) {
      const key = this.evaluate(def.correlationKey, owner, `correlation key of '${el.id}'`);
      if (!key.ok) return;
      if (key.value === null || typeof key.value === 'object') {
        this.incident(owner, 'EXTRACT_VALUE_ERROR', `correlation key '${def.correlationKey.raw}' of '${el.id}' is ${JSON.stringify(key.value)}; it must be a string or a number`);
        return;
      }
      correlationKey = String(key.value);
    }
    const id = this.id();
    (this.state.subscriptions ??= {})[id] = { elementId: el.id, elementInstance: owner.key };
    this.effects.push({
      type: 'subscription.put',
      subscription: {
        id,
        processInstanceId: this.state.id,
        processKey: this.state.processKey,
        elementId: el.id,
        elementInstance: owner.key,
        messageName: def.signal ? signalSubscriptionName(String(name.value)) : String(name.value),
        correlationKey,
        createdAt: this.iso,
      },
    });
  }

  deleteSubscription(id: string): void {
    if (!this.state.subscriptions?.[id]) return;
    delete this.state.subscriptions[id];
    this.effects.push({ type: 'subscription.delete', id });
  }

  /** Asks for a signal to be broadcast once the command has committed. */
  broadcast(name: string, variables: Variables): void {
    this.broadcasts.push({ name, variables });
  }

  /**
   * An event that an event-based gateway waits for happened: the gateway completes along the
   * flow to that event (dropping the other events' timers and subscriptions), and the event
   * completes with what it received.
   */
  passEventGateway(gateway: ElementInstance, event: ElementModel, variables: Variables | null): void {
    const gw = this.element(gateway.elementId);
    const flowId = gw.outgoing.find((f) => this.model.flows.get(f)!.target === event.id)!;
    this.history(gw.id, gw.type, 'completed');
    this.remove(gateway);
    this.history(flowId, 'sequenceFlow', 'taken');
    const inst = this.activateBare(event, gateway.scope);
    this.complete(inst, variables);
  }

  /** Creates an element instance without running its behaviour's activation. */
  private activateBare(el: ElementModel, scope: string): ElementInstance {
    const key = String(++this.state.seq);
    const inst: ElementInstance = { key, elementId: el.id, scope };
    this.state.elements[key] = inst;
    this.history(el.id, el.type, 'activated');
    return inst;
  }

  deleteTimer(id: string): void {
    if (!this.state.timers?.[id]) return;
    delete this.state.timers[id];
    this.effects.push({ type: 'timer.delete', id });
  }

  /** Runs an element's activation again after an incident on its input mappings was resolved. */
  reactivate(inst: ElementInstance): void {
    const el = this.element(inst.elementId);
    if (el.inputs.length && !this.applyInputs(inst, el.inputs)) return;
    this.resumeActivation(inst);
  }

  /**
   * Finishes an activation that stopped at an incident: arms the boundary events not yet armed
   * (an inner instance of a multi-instance body has none, the body holds them), then runs the
   * behaviour's activation.
   */
  resumeActivation(inst: ElementInstance): void {
    const el = this.element(inst.elementId);
    if (inst.loop === undefined && !this.attachBoundaries(inst, el)) return;
    this.runActivation(inst, el);
  }

  applyInputs(inst: ElementInstance, inputs: readonly Mapping[]): boolean {
    const locals: Variables = this.state.vars[inst.key] ?? {};
    const before = inputs.length ? scopeBytes(locals) : 0;
    let ok = true;
    for (const m of inputs) {
      const context = { ...this.context(inst.scope), ...locals };
      const r = evaluateExpr(m.source, context);
      if (!r.ok) {
        this.incident(inst, 'IO_MAPPING_ERROR', `input mapping '${m.target}' = '${m.source.raw}' failed: ${r.message}`);
        ok = false;
        break;
      }
      setPath(locals, m.target, r.value);
    }
    this.state.vars[inst.key] = locals;
    if (inputs.length) this.state.varBytes! += scopeBytes(locals) - before;
    return ok;
  }

  private doComplete(inst: ElementInstance, payload: Variables | null): void {
    const el = this.element(inst.elementId);
    if (inst.incident) return;
    if (inst.loop !== undefined) return completeInner(this, inst, el, payload);
    if (inst.mi) return completeBody(this, inst, el);
    const behavior = behaviorOf(el);
    // Outputs first: if they fail the element stays, with an incident, and keeps its payload.
    if (!this.applyOutputs(inst, el, payload)) return;
    const flows = behavior.leave ? behavior.leave(this, inst, el) : this.defaultLeave(inst, el);
    if (flows === null) return;
    this.history(el.id, el.type, 'completed');
    keepCompleted(this, inst, el);
    this.remove(inst);
    for (const flowId of flows) this.take(flowId, inst.scope);
    if (flows.length === 0) this.checkScope(inst.scope);
  }

  applyOutputs(inst: ElementInstance, el: ElementModel, payload: Variables | null): boolean {
    const result = payload ?? inst.pending ?? null;
    let produced: Variables | null = result;
    if (result && el.resultVariable) produced = { [el.resultVariable]: result };
    let out: Array<[string, Json]> = [];
    if (el.outputs.length) {
      const context = { ...this.context(inst.key), ...(produced ?? {}) };
      for (const m of el.outputs) {
        const r = evaluateExpr(m.source, context);
        if (!r.ok) {
          if (result) inst.pending = result;
          this.incident(inst, 'IO_MAPPING_ERROR', `output mapping '${m.target}' = '${m.source.raw}' failed: ${r.message}`);
          return false;
        }
        out.push([m.target, r.value]);
      }
    } else if (produced) {
      out = Object.entries(produced);
    }
    if (out.length && !this.withinVariableBound(inst, out, payload)) {
      if (result) inst.pending = result;
      return false;
    }
    for (const [target, value] of out) this.propagate(inst.scope, target, value);
    delete inst.pending;
    return true;
  }

  /**
   * Whether writing `out` from `inst` keeps the instance within its variable bound. Over it, an
   * outside request's own payload is refused (nothing changes); anything else (an in-process
   * adapter's result, an output mapping, a script) is an incident on the element, resolvable
   * once the variables have been trimmed.
   */
  private withinVariableBound(inst: ElementInstance, out: Array<[string, Json]>, payload: Variables | null): boolean {
    const limit = engineLimits().maxInstanceVariablesBytes;
    const growth = this.growthOf(inst.scope, out);
    const after = this.state.varBytes! + growth;
    if (growth <= 0 || after <= limit) return true;
    if (payload !== null && this.fromRequest?.includes(payload)) throw new InstanceVariablesTooLarge(this.state.id, after, limit);
    this.incident(inst, 'VARIABLES_TOO_LARGE', `result of '${inst.elementId}' not applied: ${overLimitMessage(this.state.id, after, limit)}; trim the variables, then resolve the incident`);
    return false;
  }

  markRequest(variables: Variables): void {
    (this.fromRequest ??= []).push(variables);
  }

  private copyOf(locals: Variables): Variables {
    const copy = { ...locals };
    if (this.fromRequest?.includes(locals)) this.fromRequest.push(copy);
    return copy;
  }

  /** How many bytes propagating `writes` from `scope` would add, without writing them. */
  private growthOf(scope: string, writes: Array<[string, Json]>): number {
    // Later writes to the same variable build on earlier ones; most results write each once.
    const shadow = writes.length > 1 ? new Map<string, Json | undefined>() : null;
    let growth = 0;
    for (const [name, value] of writes) {
      const dot = name.indexOf('.');
      const top = dot < 0 ? name : name.slice(0, dot);
      const key = this.targetScope(scope, top);
      const slot = shadow ? `${key}/${top}` : '';
      const old = shadow?.has(slot) ? shadow.get(slot) : this.state.vars[key]?.[top];
      let next: Json | undefined = value;
      if (top !== name) {
        const holder: Variables = old === undefined ? {} : { [top]: structuredClone(old) };
        setPath(holder, name, value);
        next = holder[top];
      }
      shadow?.set(slot, next);
      growth += entryBytes(top, next) - entryBytes(top, old);
    }
    return growth;
  }

  /** Outgoing flows of an activity or event: unconditional ones always, conditional ones when true. */
  defaultLeave(inst: ElementInstance, el: ElementModel): readonly string[] | null {
    if (el.outgoing.length <= 1 && !el.defaultFlow) {
      const only = el.outgoing[0];
      if (!only || !this.model.flows.get(only)!.condition) return el.outgoing;
    }
    return this.chooseFlows(inst, el, 'all');
  }

  /**
   * Evaluates the conditions of the element's outgoing flows. `first` takes the first true one
   * (exclusive), `all` every true one (inclusive); the default flow only when none is true.
   */
  chooseFlows(inst: ElementInstance, el: ElementModel, mode: 'first' | 'all'): string[] | null {
    const chosen: string[] = [];
    const context = this.context(inst.key);
    for (const flowId of el.outgoing) {
      if (flowId === el.defaultFlow) continue;
      const flow = this.model.flows.get(flowId)!;
      if (!flow.condition) {
        chosen.push(flowId);
        if (mode === 'first') break;
        continue;
      }
      const r = evaluateCondition(flow.condition, context);
      if (!r.ok) {
        this.incident(inst, 'CONDITION_ERROR', `condition '${flow.condition.text}' of sequence flow '${flowId}' ${r.message}`);
        return null;
      }
      if (r.value === true) {
        chosen.push(flowId);
        if (mode === 'first') break;
      }
    }
    if (chosen.length === 0 && el.defaultFlow) chosen.push(el.defaultFlow);
    if (chosen.length === 0 && el.outgoing.length > 0) {
      this.incident(inst, 'CONDITION_ERROR', `no outgoing sequence flow of '${el.id}' has a true condition and there is no default flow`);
      return null;
    }
    return chosen;
  }

  take(flowId: string, scope: string): void {
    const flow = this.model.flows.get(flowId)!;
    this.history(flowId, 'sequenceFlow', 'taken');
    this.arrive(flow.target, scope, flowId);
  }

  /** A scope with no tokens left completes (sub-process) or ends the process. */
  checkScope(scope: string): void {
    if (!this.state.elements[scope]) return;
    if (this.hasTokens(scope)) return;
    const inst = this.state.elements[scope];
    if (scope === ROOT) {
      this.endProcess(this.terminatedScopes.has(ROOT) ? 'terminated' : 'completed');
      return;
    }
    const el = this.element(inst.elementId);
    const behavior = behaviorOf(el);
    if (behavior.scopeDone) behavior.scopeDone(this, inst, el);
    else this.complete(inst);
  }

  hasTokens(scope: string): boolean {
    for (const k in this.state.elements) if (this.state.elements[k].scope === scope) return true;
    const prefix = `${scope}/`;
    for (const j in this.state.joins) if (j.startsWith(prefix)) return true;
    return false;
  }

  /** Marks the scope as ended by a terminate end event and removes every other token in it. */
  terminateScope(scope: string, except: ElementInstance): void {
    this.terminatedScopes.add(scope);
    for (const k of Object.keys(this.state.elements)) {
      const inst = this.state.elements[k];
      if (inst && inst.scope === scope && inst.key !== except.key) this.terminate(inst);
    }
    this.clearJoins(scope);
  }

  /** Terminates an element instance and everything inside it, children first. */
  terminate(inst: ElementInstance): void {
    for (const k of Object.keys(this.state.elements)) {
      const childInst = this.state.elements[k];
      if (childInst && childInst.scope === inst.key) this.terminate(childInst);
    }
    this.clearJoins(inst.key);
    const el = this.model.elements.get(inst.elementId);
    if (el && !inst.mi) behaviorOf(el).terminate?.(this, inst, el);
    if (inst.incident) this.resolveIncidentRecord(inst.incident);
    this.history(inst.elementId, inst.mi ? 'multiInstanceBody' : el ? el.type : 'bpmn:Process', 'terminated');
    this.remove(inst);
  }

  private clearJoins(scope: string): void {
    const prefix = `${scope}/`;
    for (const j of Object.keys(this.state.joins)) if (j.startsWith(prefix)) delete this.state.joins[j];
  }

  remove(inst: ElementInstance): void {
    delete this.state.elements[inst.key];
    this.setScopeVars(inst.key, undefined);
    releaseScope(this, inst.key);
    for (const [id, timer] of Object.entries(this.state.timers ?? {})) {
      if (timer.elementInstance === inst.key) this.deleteTimer(id);
    }
    for (const [id, sub] of Object.entries(this.state.subscriptions ?? {})) {
      if (sub.elementInstance === inst.key) this.deleteSubscription(id);
    }
    disarmConditions(this, inst.key);
  }

  endProcess(status: 'completed' | 'terminated' | 'canceled'): void {
    const root = this.state.elements[ROOT];
    if (root) {
      this.history(this.model.key, 'bpmn:Process', status === 'completed' ? 'completed' : 'terminated');
      delete this.state.elements[ROOT];
      // Triggers the process itself held (event sub-process starts) end with it.
      for (const [id, timer] of Object.entries(this.state.timers ?? {})) if (timer.elementInstance === ROOT) this.deleteTimer(id);
      for (const [id, sub] of Object.entries(this.state.subscriptions ?? {})) if (sub.elementInstance === ROOT) this.deleteSubscription(id);
      disarmConditions(this, ROOT);
    }
    // Nothing is left to compensate once the process has ended.
    delete this.state.compensable;
    this.state.status = status;
    this.state.endedAt = this.iso;
    this.effects.push({ type: 'instance.ended', status });
    const parent = this.state.parent;
    if (parent && status === 'completed') {
      this.calls.push({ kind: 'done', parentId: parent.instanceId, elementInstance: parent.elementInstance, childId: this.state.id, variables: { ...(this.state.vars[ROOT] ?? {}) } });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Joins

  /** Counts a token that arrived at a joining gateway; returns the join's bucket. */
  joinArrive(el: ElementModel, scope: string, flowId: string | null): Record<string, number> {
    const key = `${scope}/${el.id}`;
    const bucket = (this.state.joins[key] ??= {});
    const f = flowId ?? '';
    bucket[f] = (bucket[f] ?? 0) + 1;
    return bucket;
  }

  /** Consumes one token per incoming flow that has one. */
  joinConsume(el: ElementModel, scope: string, all: boolean): void {
    const key = `${scope}/${el.id}`;
    const bucket = this.state.joins[key];
    if (!bucket) return;
    for (const f of Object.keys(bucket)) {
      if (!all && !el.incoming.includes(f)) continue;
      if (--bucket[f] <= 0) delete bucket[f];
    }
    if (Object.keys(bucket).length === 0) delete this.state.joins[key];
  }

  /** Fires every waiting inclusive join no other token can still reach; true if one fired. */
  private fireInclusiveJoins(): boolean {
    let fired = false;
    for (const key of Object.keys(this.state.joins)) {
      const slash = key.lastIndexOf('/');
      const scope = key.slice(0, slash);
      const el = this.model.elements.get(key.slice(slash + 1));
      if (!el || el.behavior !== 'bpmn:InclusiveGateway') continue;
      const bucket = this.state.joins[key];
      if (!bucket || !this.inclusiveJoinReady(el, scope, bucket)) continue;
      this.joinConsume(el, scope, true);
      this.activate(el, scope);
      fired = true;
    }
    return fired;
  }

  private inclusiveJoinReady(el: ElementModel, scope: string, bucket: Record<string, number>): boolean {
    const waiting = el.incoming.filter((f) => !bucket[f]);
    if (waiting.length === 0) return true;
    const positions: string[] = [];
    for (const k in this.state.elements) if (this.state.elements[k].scope === scope) positions.push(this.state.elements[k].elementId);
    const prefix = `${scope}/`;
    for (const j in this.state.joins) if (j.startsWith(prefix) && j !== `${scope}/${el.id}`) positions.push(j.slice(prefix.length));
    for (const f of waiting) {
      const reach = this.model.reachableFrom.get(f);
      if (reach && positions.some((p) => reach.has(p))) return false;
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Variables

  /** The variables visible from a scope key: its own over its parents', up to the process. */
  context(key: string): Variables {
    return visibleVariables(this.state, key);
  }

  /** Sets a variable where it already exists on the way up from `scope`, else on the process. */
  propagate(scope: string, name: string, value: Json): void {
    const k = this.targetScope(scope, name.split('.')[0]);
    this.write(k, (this.state.vars[k] ??= {}), name, value);
  }

  /** The scope a propagated variable lands in: the nearest one that has it, else the process. */
  private targetScope(scope: string, top: string): string {
    for (let k: string | undefined = scope; k; k = this.state.elements[k]?.scope) {
      const v = this.state.vars[k];
      if (v && top in v) return k;
      if (k === ROOT) break;
    }
    return ROOT;
  }

  setLocal(scope: string, name: string, value: Json): void {
    this.write(scope, (this.state.vars[scope] ??= {}), name, value);
  }

  /** Replaces (or with `undefined` drops) a scope's variables, keeping the running size. */
  setScopeVars(key: string, vars: Variables | undefined): void {
    const before = scopeBytes(this.state.vars[key]);
    if (vars) this.state.vars[key] = vars;
    else delete this.state.vars[key];
    this.state.varBytes! += scopeBytes(vars) - before;
  }

  /**
   * Every write into an existing scope goes through here, so armed conditions see the change
   * and the running size counts only the variable written.
   */
  private write(scope: string, vars: Variables, name: string, value: Json): void {
    const changed = watchVariable(this, scope, vars, name);
    const dot = name.indexOf('.');
    const top = dot < 0 ? name : name.slice(0, dot);
    const before = entryBytes(top, vars[top]);
    setPath(vars, name, value);
    this.state.varBytes! += entryBytes(top, vars[top]) - before;
    changed?.();
  }

  evaluate(e: Expr, inst: ElementInstance, what: string): { ok: true; value: Json } | { ok: false } {
    const r = evaluateExpr(e, this.context(inst.key));
    if (r.ok) return r;
    this.incident(inst, 'EXTRACT_VALUE_ERROR', `${what} '${e.raw}' failed to evaluate: ${r.message}`);
    return { ok: false };
  }

  // ------------------------------------------------------------------------------------------
  // Errors and incidents

  incident(inst: ElementInstance, type: IncidentType, message: string, jobKey?: string): void {
    const id = this.id();
    const el = this.model.elements.get(inst.elementId);
    inst.incident = id;
    this.state.incidents[id] = { id, elementInstance: inst.key, elementId: inst.elementId, type, message, createdAt: this.iso, ...(jobKey ? { jobKey } : {}) };
    this.effects.push({
      type: 'incident.put',
      incident: {
        id,
        processInstanceId: this.state.id,
        processKey: this.state.processKey,
        elementId: el ? el.id : inst.elementId,
        elementInstance: inst.key,
        type,
        message,
        state: 'open',
        jobKey: jobKey ?? null,
        createdAt: this.iso,
        resolvedAt: null,
      },
    });
  }

  resolveIncidentRecord(id: string): void {
    const inc = this.state.incidents[id];
    if (!inc) return;
    delete this.state.incidents[id];
    const inst = this.state.elements[inc.elementInstance];
    if (inst && inst.incident === id) delete inst.incident;
    this.effects.push({ type: 'incident.patch', id, patch: { state: 'resolved', resolvedAt: this.iso } });
  }

  /**
   * Throws a BPMN error from `from` (the failing task, or the scope of an error end event) to the
   * nearest error boundary event that catches the code: an exact code beats a catch-all.
   */
  throwError(thrower: ElementInstance, from: ElementInstance | null, code: string, message: string, variables: Variables | null): void {
    for (let inst = from; inst && inst.key !== ROOT; inst = this.state.elements[inst.scope] ?? null) {
      // Boundary events of a multi-instance activity sit on its body, not its inner instances.
      if (inst.loop === undefined) {
        const el = this.element(inst.elementId);
        const catches = el.boundaries.map((b) => this.element(b)).filter((b) => b.behavior === 'bpmn:BoundaryEvent/error');
        const boundary = catches.find((b) => b.errorCode === code) ?? catches.find((b) => b.errorCode === null);
        if (boundary) {
          // The boundary keeps the error's variables as locals and hands them on as its result.
          this.triggerBoundary(inst, boundary, variables);
          return;
        }
      }
      const container = this.state.elements[inst.scope];
      const start = container ? this.catchingEventSubProcess(container, 'bpmn:StartEvent/error', code) : null;
      if (container && start) {
        this.triggerEventSubProcess(container, start, variables);
        return;
      }
    }
    const parent = this.state.parent;
    if (parent) {
      // Nothing here catches it: the called instance ends and the error goes to its call activity.
      for (const k of Object.keys(this.state.elements)) {
        const inst = this.state.elements[k];
        if (inst && inst.scope === ROOT) this.terminate(inst);
      }
      this.state.joins = {};
      this.calls.push({ kind: 'error', parentId: parent.instanceId, elementInstance: parent.elementInstance, childId: this.state.id, errorCode: code, errorMessage: message, variables: variables ?? {} });
      this.endProcess('terminated');
      return;
    }
    this.incident(thrower, 'UNHANDLED_ERROR_EVENT', `BPMN error '${code}'${message ? ` (${message})` : ''} was thrown by '${thrower.elementId}' and no error boundary event catches it`);
  }

  // ------------------------------------------------------------------------------------------
  // Event sub-processes

  /**
   * A scope started: the start events of its event sub-processes begin to wait, skipping any
   * already waiting. Stops at the first incident and returns false: as in Zeebe, the scope's
   * activation is blocked (its start event is not entered) until the incident is resolved, and
   * `scopeInst.attaching` makes resolving it resume the activation here.
   */
  openEventSubProcesses(scopeInst: ElementInstance, containerId: string): boolean {
    for (const espId of this.model.eventSubProcesses.get(containerId) ?? []) {
      const esp = this.element(espId);
      if (!esp.startEvent || scopeInst.opened?.includes(esp.startEvent) || this.holds(scopeInst.key, esp.startEvent)) continue;
      const start = this.element(esp.startEvent);
      if (start.timer) this.openTimer(scopeInst, start);
      else if (start.message) this.openSubscription(scopeInst, start);
      else if (start.conditional) armCondition(this, scopeInst.key, start);
      if (scopeInst.incident) {
        scopeInst.attaching = true;
        return false;
      }
      (scopeInst.opened ??= []).push(start.id);
    }
    delete scopeInst.attaching;
    delete scopeInst.opened;
    return true;
  }

  /** The start event of an event sub-process inside `scopeInst` was triggered. */
  triggerEventSubProcess(scopeInst: ElementInstance, start: ElementModel, variables: Variables | null): void {
    const esp = this.element(start.scope);
    if (start.cancelActivity && scopeInst.attaching) {
      // A trigger opened before the scope's activation stopped at an incident fired: the scope is
      // interrupted, so the activation that incident blocks will not happen any more.
      delete scopeInst.attaching;
      delete scopeInst.startAt;
      delete scopeInst.opened;
      if (scopeInst.incident) this.resolveIncidentRecord(scopeInst.incident);
    }
    if (start.cancelActivity) {
      for (const k of Object.keys(this.state.elements)) {
        const other = this.state.elements[k];
        if (other && other.scope === scopeInst.key) this.terminate(other);
      }
      this.clearJoins(scopeInst.key);
      // An interrupting event sub-process also closes its siblings' triggers.
      for (const [id, timer] of Object.entries(this.state.timers ?? {})) if (timer.elementInstance === scopeInst.key) this.deleteTimer(id);
      for (const [id, sub] of Object.entries(this.state.subscriptions ?? {})) if (sub.elementInstance === scopeInst.key) this.deleteSubscription(id);
      disarmConditions(this, scopeInst.key);
    }
    const espInst = this.activate(esp, scopeInst.key);
    if (espInst.incident) return;
    const startInst = this.activateBare(start, espInst.key);
    this.complete(startInst, variables && Object.keys(variables).length ? variables : null);
  }

  /** An event sub-process of `containerInst` whose start catches this error or escalation. */
  private catchingEventSubProcess(containerInst: ElementInstance, kind: 'bpmn:StartEvent/error' | 'bpmn:StartEvent/escalation', code: string): ElementModel | null {
    const containerId = containerInst.key === ROOT ? this.model.key : containerInst.elementId;
    const starts = (this.model.eventSubProcesses.get(containerId) ?? [])
      .map((id) => this.element(id).startEvent)
      .filter((id): id is string => id !== null)
      .map((id) => this.element(id))
      .filter((s) => s.behavior === kind);
    return starts.find((s) => s.errorCode === code) ?? starts.find((s) => s.errorCode === null) ?? null;
  }

  /** Raises an escalation from a throw event to the nearest matching escalation boundary. */
  throwEscalation(thrower: ElementInstance, code: string, variables: Variables | null): void {
    for (let inst: ElementInstance | null = thrower; inst; inst = this.state.elements[inst.scope] ?? null) {
      if (inst !== thrower && inst.key !== ROOT && inst.loop === undefined) {
        const el = this.element(inst.elementId);
        const catches = el.boundaries.map((b) => this.element(b)).filter((b) => b.behavior === 'bpmn:BoundaryEvent/escalation');
        const boundary = catches.find((b) => b.errorCode === code) ?? catches.find((b) => b.errorCode === null);
        if (boundary) {
          this.triggerBoundary(inst, boundary, variables);
          return;
        }
      }
      const container = this.state.elements[inst.scope];
      if (!container) return;
      const start = this.catchingEventSubProcess(container, 'bpmn:StartEvent/escalation', code);
      if (start) {
        this.triggerEventSubProcess(container, start, variables);
        return;
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Records

  history(elementId: string, elementType: string, event: HistoryEvent): void {
    this.effects.push({
      type: 'history',
      record: { processInstanceId: this.state.id, seq: ++this.state.hseq, elementId, elementType, event, at: this.iso },
    });
  }

  putTask(task: TaskRecord): void {
    this.effects.push({ type: 'task.put', task });
  }
}

export function signalSubscriptionName(name: string): string {
  return `signal:${name}`;
}

/** The variables visible from a scope key: its own over its parents', up to the process. */
export function visibleVariables(state: InstanceState, key: string): Variables {
  const chain: Variables[] = [];
  for (let k: string | undefined = key; k; k = state.elements[k]?.scope) {
    const v = state.vars[k];
    if (v) chain.push(v);
    if (k === ROOT) break;
  }
  if (chain.length === 1) return chain[0];
  const out: Variables = {};
  for (let i = chain.length - 1; i >= 0; i--) Object.assign(out, chain[i]);
  return out;
}

/** Sets `a.b.c` inside an object, creating intermediate objects. */
export function setPath(target: Variables, path: string, value: Json): void {
  const parts = path.split('.');
  let obj: Record<string, Json> = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    const next = obj[p];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) obj[p] = {};
    obj = obj[p] as Record<string, Json>;
  }
  const last = parts[parts.length - 1];
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') return;
  obj[last] = value;
}
