// Embedded sub-process: a scope of its own for tokens and variables. Input mappings become its
// local variables; it completes when its last token ends.

import type { ElementBehavior } from './behavior.ts';

export const subProcess: ElementBehavior = {
  key: 'bpmn:SubProcess',
  compile(c) {
    const { inputs, outputs } = c.mappings();
    c.model.inputs = inputs;
    c.model.outputs = outputs;
  },
  activate(t, inst, el) {
    t.state.vars[inst.key] ??= {};
    if (!t.openEventSubProcesses(inst, el.id)) return;
    t.arrive(el.startEvent!, inst.key, null);
  },
  scopeDone(t, inst) {
    t.complete(inst);
  },
};
