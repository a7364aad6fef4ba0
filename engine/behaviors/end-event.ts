// None end event: consumes the token; the scope completes when it was the last one.

import type { ElementBehavior } from './behavior.ts';

export const noneEndEvent: ElementBehavior = {
  key: 'bpmn:EndEvent/none',
  compile(c) {
    const { inputs, outputs } = c.mappings();
    c.model.inputs = inputs;
    c.model.outputs = outputs;
  },
  activate(t, inst) {
    t.complete(inst);
  },
};
