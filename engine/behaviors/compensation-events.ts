// Compensation events. A compensation boundary event never fires like the others: it marks its
// activity as compensable and names, through an association, the handler that undoes it. A
// compensation throw event (intermediate or end) invokes the handlers of the completed activities
// of its scope, or of its `activityRef` only, and completes once every handler has completed; with
// nothing to compensate it completes at once. Bookkeeping lives in engine/runtime/compensation.ts.

import { child, children, type ModdleElement } from '../model/moddle.ts';
import type { ElementInstance } from '../types.ts';
import { throwCompensation } from '../runtime/compensation.ts';
import type { ElementBehavior } from './behavior.ts';
import { eventDefinition } from './events.ts';

/** Throw events still starting their handlers: a handler that ends at once must not end them early. */
const starting = new WeakSet<ElementInstance>();

export const compensationBoundaryEvent: ElementBehavior = {
  key: 'bpmn:BoundaryEvent/compensate',
  compile(c) {
    c.model.attachedTo = child(c.el, 'attachedToRef')?.id ?? null;
    if (!c.model.attachedTo) c.problem('boundary event has no attachedToRef');
    const handler = associatedActivity(c.el);
    c.model.compensation = { handler, activityRef: null, isHandler: false };
    if (!handler) c.problem('compensation boundary event has no association to a compensation handler (an activity with isForCompensation="true")');
  },
  activate(t, inst) {
    // No token ever reaches a compensation boundary event: a throw event starts the handler itself.
    t.complete(inst);
  },
};

function compensationThrow(key: string): ElementBehavior {
  return {
    key,
    compile(c) {
      const def = eventDefinition(c.el);
      const ref = def ? child(def, 'activityRef') : undefined;
      if (def?.waitForCompletion === false) c.problem('waitForCompletion="false" is not supported: as in Camunda 8, a compensation throw event always waits for its handlers');
      c.model.compensation = { handler: null, activityRef: ref?.id ?? null, isHandler: false };
      c.model.inputs = c.mappings().inputs;
    },
    activate(t, inst, el) {
      starting.add(inst);
      const started = throwCompensation(t, inst, el.compensation?.activityRef ?? null);
      starting.delete(inst);
      if (started === 0 || !t.hasTokens(inst.key)) t.complete(inst);
    },
    scopeDone(t, inst) {
      if (!starting.has(inst)) t.complete(inst);
    },
  };
}

export const compensationIntermediateThrowEvent = compensationThrow('bpmn:IntermediateThrowEvent/compensate');
export const compensationEndEvent = compensationThrow('bpmn:EndEvent/compensate');

/**
 * The activity a bpmn:association from `el` points at. Modelers put the association in the
 * process or in any sub-process, so every container of the definitions is searched.
 */
function associatedActivity(el: ModdleElement): string | null {
  let root: ModdleElement = el;
  while (root.$parent) root = root.$parent;
  const containers: ModdleElement[] = [root];
  for (let i = 0; i < containers.length; i++) {
    const container = containers[i];
    for (const a of children(container, 'artifacts')) {
      if (a.$type === 'bpmn:Association' && child(a, 'sourceRef') === el) return child(a, 'targetRef')?.id ?? null;
    }
    for (const nested of [...children(container, 'rootElements'), ...children(container, 'flowElements')]) {
      if (nested.$type === 'bpmn:Process' || nested.$type === 'bpmn:SubProcess' || nested.$type === 'bpmn:Transaction') containers.push(nested);
    }
  }
  return null;
}
