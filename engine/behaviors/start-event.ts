// None start event: where a process or sub-process begins; it passes the token on at once.

import type { ElementBehavior } from './behavior.ts';

export const noneStartEvent: ElementBehavior = {
  key: 'bpmn:StartEvent/none',
  compile(c) {
    const { inputs, outputs } = c.mappings();
    if (inputs.length) c.problem('a start event cannot have input mappings');
    c.model.outputs = outputs;
    // A start form is shown by the inbox, which reads it from the XML.
    c.extension('zeebe:FormDefinition');
  },
  activate(t, inst) {
    t.complete(inst);
  },
};
