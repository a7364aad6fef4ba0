// Call activity: starts the latest version of another process (or, bound by version tag, the
// latest version carrying that zeebe:versionTag) as a child instance and waits for it. Parent variables go in (all of them, or only the input mappings); the child's come
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
    const bindingType = (called && str(called, 'bindingType')) || 'latest';
    const versionTag = (called && str(called, 'versionTag')?.trim()) || null;
    if (bindingType !== 'latest' && bindingType !== 'versionTag') {
      c.problem(`zeebe:calledElement bindingType '${bindingType}' is not supported; use 'latest' or 'versionTag'`);
    }
    if (bindingType === 'versionTag' && !versionTag) c.problem("zeebe:calledElement bindingType 'versionTag' needs a versionTag");
    c.model.call = {
      processId: c.expr(processId, 'zeebe:calledElement processId')!,
      bindingType: bindingType === 'versionTag' ? 'versionTag' : 'latest',
      versionTag,
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
    t.calls.push({
      kind: 'start',
      childId,
      processId: String(processId.value),
      ...(def.bindingType === 'versionTag' ? { versionTag: def.versionTag } : {}),
      variables,
      parent: { instanceId: t.state.id, elementInstance: inst.key },
    });
  },
  terminate(t, inst) {
    if (inst.child) t.calls.push({ kind: 'cancel', childId: inst.child });
    delete inst.child;
  },
  retry(t, inst, el) {
    if (!inst.child) callActivity.activate(t, inst, el);
  },
};
