// Timer start event: the process version's scheduler starts an instance here when it is due.
// Inside the instance it behaves like a none start event.

import type { ElementBehavior } from './behavior.ts';
import { compileTimer } from './timer-validation.ts';

export const timerStartEvent: ElementBehavior = {
  key: 'bpmn:StartEvent/timer',
  compile(c) {
    compileTimer(c, true);
    if (c.model.timer?.value.feel) c.problem('a timer start event needs a literal date or cycle: there are no variables to evaluate FEEL against');
    c.model.outputs = c.mappings().outputs;
  },
  activate(t, inst) {
    t.complete(inst);
  },
};
