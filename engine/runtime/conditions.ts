// Conditional events (Camunda 8.9 semantics): a condition is armed while its owner is active
// (the catch event itself, the activity a boundary event is attached to, or the scope of an event
// sub-process) and evaluated (1) once when it is armed and (2) whenever a command creates or
// changes a variable it depends on, in the owner's scope or above it. Evaluation waits until the
// command's token work has drained, so the element that armed it has finished activating (a job
// already exists, then is cancelled), and one command evaluates each condition at most once, top
// scope first. A true result fires the event; a non-interrupting one stays armed and fires again
// on the next relevant change that leaves it true, as Zeebe does.

import { behaviorOf } from '../behaviors/index.ts';
import { evaluateExpr } from '../feel.ts';
import type { ElementModel } from '../model/types.ts';
import type { ConditionState, InstanceState, Json, Variables } from '../types.ts';
import { ROOT, type Transition } from './transition.ts';

interface VariableChange {
  /** Key of the scope whose variables changed. */
  scope: string;
  /** Top-level variable name. */
  name: string;
  kind: 'create' | 'update';
}

/** What one command has armed and changed but not evaluated yet. */
interface Pending {
  armed: string[];
  changes: VariableChange[];
  /** Conditions settled early (settleOwner): how many of `changes` they have already seen. */
  seen: Map<string, number>;
}

const pendingByTransition = new WeakMap<Transition, Pending>();

function pendingOf(t: Transition): Pending {
  let p = pendingByTransition.get(t);
  if (!p) pendingByTransition.set(t, (p = { armed: [], changes: [], seen: new Map() }));
  return p;
}

function key(ownerKey: string, elementId: string): string {
  return `${ownerKey}/${elementId}`;
}

/** Arms the condition of `el` on behalf of `owner`; it is evaluated before the command returns. */
export function armCondition(t: Transition, ownerKey: string, el: ElementModel): void {
  const k = key(ownerKey, el.id);
  (t.state.conditions ??= {})[k] = { elementId: el.id, elementInstance: ownerKey };
  pendingOf(t).armed.push(k);
}

/**
 * Drops every condition `ownerKey` holds (it completed, was terminated or was interrupted), with
 * the incident one of them raised: a process can end while its event sub-process's condition
 * is in error.
 */
export function disarmConditions(t: Transition, ownerKey: string): void {
  const conditions = t.state.conditions;
  if (!conditions) return;
  for (const [k, c] of Object.entries(conditions)) {
    if (c.elementInstance !== ownerKey) continue;
    if (c.incident) t.resolveIncidentRecord(c.incident);
    delete conditions[k];
  }
  if (Object.keys(conditions).length === 0) delete t.state.conditions;
}

/**
 * Call before writing `name` into the variables of scope `scopeKey`; the returned function,
 * called after the write, records a change if the value is new or different. Null (and no
 * cost) while nothing is armed.
 */
export function watchVariable(t: Transition, scopeKey: string, vars: Variables, name: string): (() => void) | null {
  if (!t.state.conditions) return null;
  const top = name.split('.')[0];
  const had = Object.hasOwn(vars, top);
  const before = had ? JSON.stringify(vars[top]) : undefined;
  return () => {
    const after = Object.hasOwn(vars, top) ? JSON.stringify(vars[top]) : undefined;
    if (after !== before) pendingOf(t).changes.push({ scope: scopeKey, name: top, kind: had ? 'update' : 'create' });
  };
}

/**
 * Runs the command's token work, then evaluates what it armed or made relevant, and repeats
 * while firing events arms or changes more.
 */
export function runWithConditions(t: Transition): void {
  t.run();
  for (;;) {
    const p = pendingByTransition.get(t);
    if (!p || (p.armed.length === 0 && p.changes.length === 0)) return;
    const armed = new Set(p.armed.splice(0));
    const changes = p.changes.splice(0);
    const seen = new Map(p.seen);
    p.seen.clear();
    const conditions = t.state.conditions ?? {};
    const due = Object.keys(conditions).filter((k) => armed.has(k) || affected(t, conditions[k], changes.slice(seen.get(k) ?? 0)));
    for (const k of topDown(t, due)) evaluate(t, k);
    t.run();
  }
}

/**
 * Evaluates now, not when the command settles, the conditions held by `ownerKey` and the scopes
 * around it that the command has armed or made relevant so far, top scope first; the settled
 * evaluation then only looks at later changes. A multi-instance body calls this after each inner
 * instance, before its next step: in Zeebe the inner instance's variables trigger conditional
 * events before the body activates the next instance or completes, so the last instance's result
 * can still fire the body's boundary events (and an enclosing interrupting event still wins).
 */
export function settleOwner(t: Transition, ownerKey: string): void {
  const p = pendingByTransition.get(t);
  const conditions = t.state.conditions;
  if (!p || !conditions) return;
  const due = Object.keys(conditions).filter((k) => {
    const c = conditions[k];
    return sees(t.state, ownerKey, c.elementInstance) && (p.armed.includes(k) || affected(t, c, p.changes.slice(p.seen.get(k) ?? 0)));
  });
  for (const k of topDown(t, due)) {
    p.seen.set(k, p.changes.length);
    p.armed = p.armed.filter((a) => a !== k);
    evaluate(t, k);
  }
}

/**
 * After an incident on a condition was resolved: evaluates it again. Returns false when the
 * incident did not come from a condition.
 */
export function retryCondition(t: Transition, incidentId: string): boolean {
  for (const [k, c] of Object.entries(t.state.conditions ?? {})) {
    if (c.incident !== incidentId) continue;
    delete c.incident;
    pendingOf(t).armed.push(k);
    return true;
  }
  return false;
}

function affected(t: Transition, c: ConditionState, changes: readonly VariableChange[]): boolean {
  if (c.incident) return false;
  const def = t.element(c.elementId).conditional!;
  return changes.some(
    (ch) =>
      def.variableNames.includes(ch.name) &&
      (def.variableEvents.length === 0 || def.variableEvents.includes(ch.kind)) &&
      sees(t.state, c.elementInstance, ch.scope),
  );
}

/** True when `scope` is `from` or one of its enclosing scopes, i.e. its variables are visible there. */
function sees(state: InstanceState, from: string, scope: string): boolean {
  for (let k: string | undefined = from; k; k = state.elements[k]?.scope) {
    if (k === scope) return true;
    if (k === ROOT) break;
  }
  return false;
}

/** Top-down: an outer scope's event may interrupt (and disarm) the inner ones first. */
function topDown(t: Transition, keys: string[]): string[] {
  const conditions = t.state.conditions ?? {};
  const depth = new Map(keys.map((k) => [k, depthOf(t.state, conditions[k].elementInstance)]));
  return keys.sort((a, b) => depth.get(a)! - depth.get(b)! || Number(conditions[a].elementInstance) - Number(conditions[b].elementInstance));
}

function depthOf(state: InstanceState, from: string): number {
  let d = 0;
  for (let k: string | undefined = from; k && k !== ROOT; k = state.elements[k]?.scope) d++;
  return d;
}

function evaluate(t: Transition, k: string): void {
  const c = t.state.conditions?.[k];
  if (!c || c.incident) return;
  const owner = t.state.elements[c.elementInstance];
  if (!owner) return;
  const el = t.element(c.elementId);
  const def = el.conditional!;
  const r = evaluateExpr(def.condition, t.context(owner.key));
  // A condition over variables that do not exist yet is null in FEEL: not true, so not yet.
  if (r.ok && (r.value === null || r.value === false)) return;
  if (!r.ok || r.value !== true) {
    if (owner.incident) return;
    const why = r.ok ? `returned ${shown(r.value)}, not a boolean` : `failed to evaluate: ${r.message}`;
    t.incident(owner, 'CONDITION_ERROR', `condition '${def.condition.text.trim()}' of conditional event '${el.id}' ${why}`);
    c.incident = owner.incident;
    return;
  }
  if (el.cancelActivity) delete t.state.conditions![k];
  if (t.state.conditions && Object.keys(t.state.conditions).length === 0) delete t.state.conditions;
  behaviorOf(el).trigger?.(t, owner, el, null);
}

function shown(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
