// Multi-instance: a body instance holds the collection and runs one inner instance per item (all
// at once, or one after the other). Boundary events belong to the body, so an interrupting one
// ends every inner instance with it. As in Zeebe, a conditional boundary event is armed once, on
// the body, and evaluated in the body's scope: it sees the output collection (a variable of the
// body) and the variables above, never an inner instance's own (input element, loopCounter,
// input mappings), and it is looked at after each inner instance, before the body goes on.

import { behaviorOf } from '../behaviors/index.ts';
import { evaluateCondition, evaluateExpr } from '../feel.ts';
import { engineLimits } from '../limits.ts';
import type { ElementModel } from '../model/types.ts';
import type { ElementInstance, Variables } from '../types.ts';
import type { Transition } from './transition.ts';
import { keepCompleted } from './compensation.ts';
import { settleOwner } from './conditions.ts';

export function activateBody(t: Transition, el: ElementModel, scope: string, locals?: Variables): void {
  const key = String(++t.state.seq);
  const body: ElementInstance = { key, elementId: el.id, scope };
  t.state.elements[key] = body;
  if (locals) t.setScopeVars(key, { ...locals });
  t.history(el.id, 'multiInstanceBody', 'activated');
  if (t.attachBoundaries(body, el)) startBody(t, body, el);
}

/** Runs a body again after an incident on it was resolved. */
export function retryBody(t: Transition, body: ElementInstance): void {
  const el = t.element(body.elementId);
  if (body.attaching && !t.attachBoundaries(body, el)) return;
  if (!body.mi) startBody(t, body, el);
  else if (body.mi.completed === body.mi.items.length) completeBody(t, body, el);
}

function startBody(t: Transition, body: ElementInstance, el: ElementModel): void {
  const mi = el.multiInstance!;
  const key = body.key;
  const r = t.evaluate(mi.inputCollection, body, `inputCollection of '${el.id}'`);
  if (!r.ok) return;
  if (!Array.isArray(r.value)) {
    t.incident(body, 'EXTRACT_VALUE_ERROR', `inputCollection '${mi.inputCollection.raw}' of '${el.id}' is ${JSON.stringify(r.value)}, not a list`);
    return;
  }
  // Every parallel item becomes element instances, jobs or tasks in one commit; a list of 200 000
  // small values fits in a variable document, but not in one step.
  const { maxParallelMultiInstance } = engineLimits();
  if (!mi.sequential && r.value.length > maxParallelMultiInstance) {
    t.incident(body, 'EXTRACT_VALUE_ERROR', `inputCollection '${mi.inputCollection.raw}' of '${el.id}' has ${r.value.length} items; a parallel multi-instance runs at most ${maxParallelMultiInstance} (KARVON_MAX_PARALLEL_MULTI_INSTANCE)`);
    return;
  }
  body.mi = { items: r.value, started: 0, completed: 0 };
  if (mi.outputCollection) t.setScopeVars(key, { ...t.state.vars[key], [mi.outputCollection]: r.value.map(() => null) });
  if (r.value.length === 0) return completeBody(t, body, el);
  const first = mi.sequential ? 1 : r.value.length;
  for (let i = 0; i < first; i++) activateInner(t, body, el);
}

function activateInner(t: Transition, body: ElementInstance, el: ElementModel): void {
  const mi = body.mi!;
  const index = mi.started++;
  const key = String(++t.state.seq);
  const inst: ElementInstance = { key, elementId: el.id, scope: body.key, loop: index };
  t.state.elements[key] = inst;
  t.history(el.id, el.type, 'activated');
  const locals: Variables = { loopCounter: index + 1 };
  if (el.multiInstance!.inputElement) locals[el.multiInstance!.inputElement] = mi.items[index];
  t.setScopeVars(key, locals);
  if (el.inputs.length && !t.applyInputs(inst, el.inputs)) return;
  behaviorOf(el).activate(t, inst, el);
}

export function completeInner(t: Transition, inst: ElementInstance, el: ElementModel, payload: Variables | null): void {
  const body = t.state.elements[inst.scope];
  const mi = el.multiInstance!;
  // The output collection belongs to the body. A result that carries a copy of it (a called child
  // hands back the parent variables it started with) would overwrite what siblings collected.
  if (payload && mi.outputCollection && Object.hasOwn(payload, mi.outputCollection)) {
    const { [mi.outputCollection]: _stale, ...rest } = payload;
    payload = rest;
  }
  const produced = payload ?? inst.pending ?? null;
  if (!t.applyOutputs(inst, el, payload)) return;
  if (mi.outputCollection && mi.outputElement) {
    const context = { ...t.context(inst.key), ...(produced && el.resultVariable ? { [el.resultVariable]: produced } : produced ?? {}) };
    const r = evaluateExpr(mi.outputElement, context);
    if (!r.ok) {
      if (produced) inst.pending = produced;
      t.incident(inst, 'IO_MAPPING_ERROR', `outputElement '${mi.outputElement.raw}' of '${el.id}' failed: ${r.message}`);
      return;
    }
    const results = t.state.vars[body.key]?.[mi.outputCollection];
    if (Array.isArray(results)) {
      // A new list through setLocal, so conditions over the output collection see the change.
      const next = [...results];
      next[inst.loop!] = r.value;
      t.setLocal(body.key, mi.outputCollection, next);
    }
  }
  t.history(el.id, el.type, 'completed');
  keepCompleted(t, inst, el);
  t.remove(inst);
  const progress = body.mi!;
  progress.completed++;
  settleOwner(t, body.key);
  if (!t.state.elements[body.key]) return; // an interrupting boundary event ended the body
  if (mi.completionCondition) {
    const active = Object.values(t.state.elements).filter((e) => e.scope === body.key).length;
    const context = { ...t.context(body.key), numberOfInstances: progress.items.length, numberOfCompletedInstances: progress.completed, numberOfActiveInstances: active };
    const r = evaluateCondition(mi.completionCondition, context);
    if (!r.ok) {
      t.incident(body, 'CONDITION_ERROR', `completionCondition '${mi.completionCondition.text}' of '${el.id}' ${r.message}`);
      return;
    }
    if (r.value) {
      for (const k of Object.keys(t.state.elements)) {
        const other = t.state.elements[k];
        if (other && other.scope === body.key) t.terminate(other);
      }
      return completeBody(t, body, el);
    }
  }
  if (mi.sequential && progress.started < progress.items.length) activateInner(t, body, el);
  else if (progress.completed === progress.items.length) completeBody(t, body, el);
}

export function completeBody(t: Transition, body: ElementInstance, el: ElementModel): void {
  const mi = el.multiInstance!;
  const flows = t.defaultLeave(body, el);
  if (flows === null) return;
  if (mi.outputCollection) t.propagate(body.scope, mi.outputCollection, t.state.vars[body.key]?.[mi.outputCollection] ?? []);
  t.history(el.id, 'multiInstanceBody', 'completed');
  keepCompleted(t, body, el);
  t.remove(body);
  for (const flowId of flows) t.take(flowId, body.scope);
  if (flows.length === 0) t.checkScope(body.scope);
}
