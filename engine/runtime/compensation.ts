// Compensation: undoing work that already completed (Camunda 8 semantics). When an activity with a
// compensation boundary event completes, the instance keeps a record of that completion with the
// activity's local variables; when a sub-process completes, the records inside it stay, under a
// record of the sub-process. A compensation throw event invokes the handlers of its scope's records,
// latest completion first, as children of the throw event, which waits until the last has finished.
// A record goes when its handler is invoked or when its scope ends any other way, so the state
// never holds more than the instance could still compensate.

import type { ElementModel } from '../model/types.ts';
import type { CompensableRecord, ElementInstance } from '../types.ts';
import { activateBody } from './multi-instance.ts';
import { ROOT, type Transition } from './transition.ts';

export const COMPENSATION_BOUNDARY = 'bpmn:BoundaryEvent/compensate';

/** The handler of an activity's compensation boundary event, if it has one. */
export function compensationHandlerOf(t: Transition, el: ElementModel): string | null {
  for (const id of el.boundaries) {
    const boundary = t.element(id);
    if (boundary.behavior === COMPENSATION_BOUNDARY) return boundary.compensation?.handler ?? null;
  }
  return null;
}

/**
 * Called as an element instance completes, before it is removed: keeps the completion when the
 * activity has a handler, or when completions inside it (a sub-process) are waiting.
 */
export function keepCompleted(t: Transition, inst: ElementInstance, el: ElementModel): void {
  // Boundary events sit on a multi-instance body: its inner instances have no handler of their own.
  const handler = inst.loop === undefined ? compensationHandlerOf(t, el) : null;
  const records = t.state.compensable;
  const inner = records ? records.some((r) => r.scope === inst.key) : false;
  if (!handler && !inner) return;
  const record: CompensableRecord = { key: inst.key, elementId: el.id, scope: inst.scope, handler };
  const locals = t.state.vars[inst.key];
  if (handler && locals && Object.keys(locals).length) record.vars = { ...locals };
  (t.state.compensable ??= []).push(record);
}

/**
 * Called whenever an element instance is removed. A scope that ended without being kept (it was
 * terminated) takes the completions inside it along.
 */
export function releaseScope(t: Transition, key: string): void {
  const records = t.state.compensable;
  if (!records) return;
  if (records.some((r) => r.key === key)) return;
  dropInside(records, key);
  if (records.length === 0) delete t.state.compensable;
}

function dropInside(records: CompensableRecord[], scope: string): void {
  // A sub-process's record comes after the records inside it (they completed first), so walking
  // backwards meets every record before the ones it contains.
  const gone = new Set([scope]);
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r && gone.has(r.scope)) {
      gone.add(r.key);
      records.splice(i, 1);
    }
  }
}

/**
 * The scope a throw event compensates: its own, or for a throw inside an event sub-process the
 * scope around the event sub-process.
 */
function compensatedScope(t: Transition, thrower: ElementInstance): string {
  const scope = thrower.scope;
  if (scope === ROOT) return scope;
  const container = t.state.elements[scope];
  if (container && t.element(container.elementId).behavior === 'bpmn:SubProcess/event') return container.scope;
  return scope;
}

/**
 * Invokes the handlers for the completed activities of the thrower's scope (only `activityRef`'s
 * completions when it is set), latest first; returns how many handlers were started.
 */
export function throwCompensation(t: Transition, thrower: ElementInstance, activityRef: string | null): number {
  const records = t.state.compensable;
  if (!records) return 0;
  const scope = compensatedScope(t, thrower);
  const chosen = records.filter((r) => r.scope === scope && (activityRef === null || r.elementId === activityRef)).reverse();
  let started = 0;
  for (const record of chosen) started += invoke(t, thrower, record);
  if (t.state.compensable?.length === 0) delete t.state.compensable;
  return started;
}

/** Runs a record's handler and then those of the completions kept inside it, latest first. */
function invoke(t: Transition, thrower: ElementInstance, record: CompensableRecord): number {
  const records = t.state.compensable ?? [];
  const at = records.indexOf(record);
  if (at < 0) return 0;
  records.splice(at, 1);
  let started = 0;
  if (record.handler) {
    const handler = t.element(record.handler);
    // The handler runs inside the throw event, so cancelling the throw cancels the handlers too.
    if (handler.multiInstance) activateBody(t, handler, thrower.key, record.vars);
    else t.activate(handler, thrower.key, record.vars);
    started++;
  }
  const inner = records.filter((r) => r.scope === record.key).reverse();
  for (const r of inner) started += invoke(t, thrower, r);
  return started;
}
