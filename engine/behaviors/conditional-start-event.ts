// Conditional start event of an event sub-process: armed while the enclosing process or
// sub-process runs, evaluated when that scope starts and on each relevant variable change in it.
// A process-level conditional start event is rejected: Camunda 8.9 starts those only through its
// separate "evaluate conditionals" API, which Karvon's HTTP contract does not have.

import { armCondition } from '../runtime/conditions.ts';
import type { ElementBehavior } from './behavior.ts';
import { compileConditional } from './conditional-definition.ts';

export const conditionalStartEvent: ElementBehavior = {
  key: 'bpmn:StartEvent/conditional',
  compile(c) {
    if (c.el.$parent?.triggeredByEvent !== true) {
      c.problem('a conditional start event is only executed in an event sub-process; to start a process when data changes, publish a message to a message start event');
      return;
    }
    compileConditional(c);
    c.model.outputs = c.mappings().outputs;
    c.model.cancelActivity = c.el.isInterrupting !== false;
  },
  activate(t, inst) {
    t.complete(inst);
  },
  trigger(t, owner, el) {
    t.triggerEventSubProcess(owner, el, null);
  },
};
