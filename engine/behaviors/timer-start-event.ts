// Timer start event: the process version's scheduler starts an instance here when it is due.
// Inside the instance it behaves like a none start event.

import type { ElementBehavior } from './behavior.ts';
import { compileTimer } from './timer-validation.ts';

export const timerStartEvent: ElementBehavior = {
  key: 'bpmn:StartEvent/timer',
  compile(c) {
    compileTimer(c, true);
    const inEventSubProcess = c.el.$parent?.triggeredByEvent === true;
    if (c.model.timer?.value.feel && !inEventSubProcess) c.problem('a timer start event needs a literal date or cycle: there are no variables to evaluate FEEL against');
    c.model.outputs = c.mappings().outputs;
    c.model.cancelActivity = c.el.isInterrupting !== false;
  },
  activate(t, inst) {
    t.complete(inst);
  },
  trigger(t, owner, el, variables) {
    t.triggerEventSubProcess(owner, el, variables);
  },
};
