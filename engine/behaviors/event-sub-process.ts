// Event sub-process: not reached by flows. While its enclosing scope runs, its start event waits
// (timer, message, signal), or is looked up when an error or escalation is thrown inside the scope.
// Interrupting, it ends everything else in the scope first; non-interrupting, it runs beside it.

import type { ElementBehavior } from './behavior.ts';

export const eventSubProcess: ElementBehavior = {
  key: 'bpmn:SubProcess/event',
  compile(c) {
    const { inputs, outputs } = c.mappings();
    c.model.inputs = inputs;
    c.model.outputs = outputs;
  },
  activate(t, inst) {
    // The start event is placed by Transition.triggerEventSubProcess with what triggered it.
    t.state.vars[inst.key] ??= {};
  },
  scopeDone(t, inst) {
    t.complete(inst);
  },
};
