// Deploy-time checks of compensation that need the whole process: a boundary event and its
// handler, handlers outside the flow, and what a throw event's activityRef may name. Every
// problem names the element it is about.

import type { ModdleElement } from './moddle.ts';
import type { MutableElement } from './compile-context.ts';

const BOUNDARY = 'bpmn:BoundaryEvent/compensate';
const THROWS = new Set(['bpmn:IntermediateThrowEvent/compensate', 'bpmn:EndEvent/compensate']);

/** Marks an activity with isForCompensation="true" as a compensation handler. */
export function markCompensationHandler(el: ModdleElement, model: MutableElement): void {
  if (el.isForCompensation !== true) return;
  model.compensation = { handler: null, activityRef: model.compensation?.activityRef ?? null, isHandler: true };
}

export function checkCompensation(elements: ReadonlyMap<string, MutableElement>, report: (id: string, type: string, message: string) => void): void {
  const handledBy = new Map<string, string[]>();
  for (const el of elements.values()) {
    if (el.behavior !== BOUNDARY) continue;
    if (el.outgoing.length) report(el.id, el.type, 'a compensation boundary event must not have outgoing sequence flows; it is linked to its handler by an association');
    const host = el.attachedTo ? elements.get(el.attachedTo) : undefined;
    if (host) {
      const others = host.boundaries.filter((b) => b !== el.id && elements.get(b)?.behavior === BOUNDARY);
      if (others.length) report(el.id, el.type, `activity '${host.id}' has more than one compensation boundary event; it may have one`);
      if (host.compensation?.isHandler) report(el.id, el.type, `'${host.id}' is a compensation handler; a handler cannot be compensated itself`);
    }
    const handlerId = el.compensation?.handler;
    if (!handlerId) continue;
    const handler = elements.get(handlerId);
    if (!handler) report(el.id, el.type, `the association points at '${handlerId}', which is not an activity of this process`);
    else if (!handler.compensation?.isHandler) report(el.id, el.type, `the associated activity '${handlerId}' is not marked as a compensation handler (isForCompensation="true")`);
    else if (handler.scope !== el.scope) report(el.id, el.type, `the compensation handler '${handlerId}' must be in the same scope as the boundary event`);
    else (handledBy.get(handlerId) ?? handledBy.set(handlerId, []).get(handlerId)!).push(el.id);
  }

  for (const el of elements.values()) {
    if (!el.compensation?.isHandler) continue;
    if (el.behavior === 'bpmn:SubProcess/event' || el.type.endsWith('Event') || el.type.endsWith('Gateway')) {
      report(el.id, el.type, 'only activities can be compensation handlers');
      continue;
    }
    if (el.incoming.length || el.outgoing.length) report(el.id, el.type, 'a compensation handler must not have incoming or outgoing sequence flows; only compensation starts it');
    if (el.boundaries.length) report(el.id, el.type, 'boundary events on a compensation handler are not supported');
    const boundaries = handledBy.get(el.id) ?? [];
    if (boundaries.length === 0) report(el.id, el.type, 'compensation handler is not associated with any compensation boundary event');
    if (boundaries.length > 1) report(el.id, el.type, `compensation handler is associated with ${boundaries.length} compensation boundary events (${boundaries.join(', ')}); it may serve one`);
  }

  for (const el of elements.values()) {
    if (!THROWS.has(el.behavior) || !el.compensation?.activityRef) continue;
    const ref = el.compensation.activityRef;
    const target = elements.get(ref);
    const container = elements.get(el.scope);
    // A throw in an event sub-process compensates the scope around the event sub-process.
    const scope = container?.behavior === 'bpmn:SubProcess/event' ? container.scope : el.scope;
    if (!target) report(el.id, el.type, `activityRef '${ref}' is not an activity of this process`);
    else if (target.scope !== scope) report(el.id, el.type, `activityRef '${ref}' must be an activity in the same scope as the compensation throw event`);
    else if (!compensable(target, elements)) report(el.id, el.type, `activityRef '${ref}' has no compensation boundary event and contains no activity that has one, so there is nothing to compensate`);
  }
}

/** An activity with a compensation boundary, or a sub-process containing one at any depth. */
function compensable(el: MutableElement, elements: ReadonlyMap<string, MutableElement>): boolean {
  if (el.boundaries.some((b) => elements.get(b)?.behavior === BOUNDARY)) return true;
  if (el.type !== 'bpmn:SubProcess') return false;
  for (const inner of elements.values()) if (inner.scope === el.id && compensable(inner, elements)) return true;
  return false;
}
