// Conditional boundary event: armed while its activity runs, evaluated when the activity has
// activated (after its input mappings, so those can fire it) and on each relevant variable change
// visible to the activity. Interrupting, it ends the activity; non-interrupting, it starts a
// parallel path each time a relevant change leaves the condition true. Output mappings of the
// completing activity never fire it: the condition is disarmed before they are written.

import { child } from '../model/moddle.ts';
import { armCondition } from '../runtime/conditions.ts';
import type { ElementBehavior } from './behavior.ts';
import { compileConditional } from './conditional-definition.ts';

export const conditionalBoundaryEvent: ElementBehavior = {
  key: 'bpmn:BoundaryEvent/conditional',
  compile(c) {
    c.model.attachedTo = child(c.el, 'attachedToRef')?.id ?? null;
    if (!c.model.attachedTo) c.problem('boundary event has no attachedToRef');
    c.model.cancelActivity = c.el.cancelActivity !== false;
    compileConditional(c);
    c.model.outputs = c.mappings().outputs;
  },
  attach(t, host, el) {
    armCondition(t, host.key, el);
  },
  activate(t, inst) {
    t.complete(inst, t.state.vars[inst.key] ?? null);
  },
  trigger(t, host, el) {
    t.triggerBoundary(host, el, null);
  },
};
