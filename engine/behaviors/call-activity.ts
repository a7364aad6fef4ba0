// Call activity: starts the latest version of another process as a child instance and waits
// for it. Parent variables go in (all of them, or only the input mappings); the child's come
// back (all, or only the output mappings). A BPMN error the child does not catch is thrown on
// the call activity; canceling the parent cancels the child.

import { str } from '../model/moddle.ts';
import type { ElementBehavior } from './behavior.ts';

export const callActivity: ElementBehavior = {
  key: 'bpmn:CallActivity',
  compile(c) {
    const called = c.extension('zeebe:CalledElement');
    const processId = called ? str(called, 'processId') : undefined;
    if (!processId) {
      c.problem('call activity has no zeebe:calledElement processId');
      return;
    }
    if (called && str(called, 'bindingType') && str(called, 'bindingType') !== 'latest') {
      c.problem(`zeebe:calledElement bindingType '${str(called, 'bindingType')}' is not supported; Karvon calls the latest version`);
    }
    c.model.call = {
      processId: c.expr(processId, 'zeebe:calledElement processId')!,
      propagateAllChildVariables: called?.propagateAllChildVariables !== false,
      propagateAllParentVariables: called?.propagateAllParentVariables !== false,
    };
    const { inputs, outputs } = c.mappings();
    c.model.inputs = inputs;
    c.model.outputs = outputs;
  },
  activate(t, inst, el) {
    const def = el.call!;
    const processId = t.evaluate(def.processId, inst, 'called process id');
    if (!processId.ok) return;
    const childId = t.id();
    inst.child = childId;
    const variables = def.propagateAllParentVariables ? { ...t.context(inst.key) } : { ...(t.state.vars[inst.key] ?? {}) };
    t.calls.push({ kind: 'start', childId, processId: String(processId.value), variables, parent: { instanceId: t.state.id, elementInstance: inst.key } });
  },
  terminate(t, inst) {
    if (inst.child) t.calls.push({ kind: 'cancel', childId: inst.child });
    delete inst.child;
  },
  retry(t, inst, el) {
    if (!inst.child) callActivity.activate(t, inst, el);
  },
};
