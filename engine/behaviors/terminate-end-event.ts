// Terminate end event: ends every other token of its own scope. At the top level the instance
// ends as `terminated`; inside a sub-process only that sub-process ends, and it then completes.

import type { ElementBehavior } from './behavior.ts';

export const terminateEndEvent: ElementBehavior = {
  key: 'bpmn:EndEvent/terminate',
  activate(t, inst) {
    t.terminateScope(inst.scope, inst);
    t.complete(inst);
  },
};
