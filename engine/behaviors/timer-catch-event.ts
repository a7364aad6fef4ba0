// Intermediate timer catch event: the token waits until the date, or for the duration.

import type { ElementBehavior } from './behavior.ts';
import { compileTimer } from './timer-validation.ts';

export const timerCatchEvent: ElementBehavior = {
  key: 'bpmn:IntermediateCatchEvent/timer',
  compile(c) {
    compileTimer(c, false);
    c.model.outputs = c.mappings().outputs;
  },
  activate(t, inst, el) {
    t.openTimer(inst, el);
  },
  trigger(t, owner, el) {
    if (owner.elementId !== el.id) t.passEventGateway(owner, el, null);
    else t.complete(owner);
  },
  retry(t, inst, el) {
    if (!t.holds(inst.key, el.id)) t.openTimer(inst, el);
  },
};
