// Tasks without work for the engine (abstract task, manual task) and none intermediate throw
// events: they record that the token passed and move on.

import type { ElementBehavior } from './behavior.ts';

function passThrough(key: string): ElementBehavior {
  return {
    key,
    compile(c) {
      const { inputs, outputs } = c.mappings();
      c.model.inputs = inputs;
      c.model.outputs = outputs;
    },
    activate(t, inst) {
      t.complete(inst);
    },
  };
}

export const task = passThrough('bpmn:Task');
export const manualTask = passThrough('bpmn:ManualTask');
export const noneIntermediateThrowEvent = passThrough('bpmn:IntermediateThrowEvent/none');
