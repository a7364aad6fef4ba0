// Timer boundary event: scheduled when its activity starts, dropped when the activity ends.
// Interrupting, it ends the activity; non-interrupting, it starts a parallel path and, for a
// cycle, fires again until its repetitions run out.

import { child } from '../model/moddle.ts';
import type { ElementBehavior } from './behavior.ts';
import { compileTimer } from './timer-validation.ts';

export const timerBoundaryEvent: ElementBehavior = {
  key: 'bpmn:BoundaryEvent/timer',
  compile(c) {
    c.model.attachedTo = child(c.el, 'attachedToRef')?.id ?? null;
    if (!c.model.attachedTo) c.problem('boundary event has no attachedToRef');
    c.model.cancelActivity = c.el.cancelActivity !== false;
    compileTimer(c, !c.model.cancelActivity);
    c.model.outputs = c.mappings().outputs;
  },
  attach(t, host, el) {
    t.openTimer(host, el);
  },
  activate(t, inst) {
    t.complete(inst, t.state.vars[inst.key] ?? null);
  },
  trigger(t, host, el) {
    t.triggerBoundary(host, el, null);
  },
};
