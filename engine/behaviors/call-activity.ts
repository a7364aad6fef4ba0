// Call activity: starts a version of another process (the latest, the one deployed with the
// caller, or the latest with a version tag; see engine/called-version.ts) as a child instance and
// waits for it. Parent variables go in (all of them, or only the input mappings); the child's come
// back (all, or only the output mappings). A BPMN error the child does not catch is thrown on
// the call activity; canceling the parent cancels the child.

import type { ElementCompiler } from '../model/compile-context.ts';
import { str, type ModdleElement } from '../model/moddle.ts';
import type { CallBinding } from '../model/types.ts';
import type { ElementBehavior } from './behavior.ts';

const BINDING_TYPES = ['latest', 'deployment', 'versionTag'];

export const callActivity: ElementBehavior = {
  key: 'bpmn:CallActivity',
  compile(c) {
    const called = c.extension('zeebe:CalledElement');
    const processId = called ? str(called, 'processId') : undefined;
    if (!called || !processId) {
      c.problem('call activity has no zeebe:calledElement processId');
      return;
    }
    const binding = callBinding(c, called);
    if (!binding) return;
    c.model.call = {
      processId: c.expr(processId, 'zeebe:calledElement processId')!,
      binding,
      propagateAllChildVariables: called.propagateAllChildVariables !== false,
      propagateAllParentVariables: called.propagateAllParentVariables !== false,
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
      binding: def.binding,
      caller: { elementId: el.id, definitionId: t.model.definitionId },
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

/** Reads `bindingType` (default `latest`) and, for `versionTag`, the tag it binds to. */
function callBinding(c: ElementCompiler, called: ModdleElement): CallBinding | null {
  const type = str(called, 'bindingType') ?? 'latest';
  if (!BINDING_TYPES.includes(type)) {
    c.problem(`zeebe:calledElement bindingType '${type}' is not one of ${BINDING_TYPES.join(', ')}`);
    return null;
  }
  if (type !== 'versionTag') return { type: type as 'latest' | 'deployment' };
  const versionTag = str(called, 'versionTag')?.trim();
  if (!versionTag) {
    c.problem(`zeebe:calledElement bindingType 'versionTag' needs a versionTag attribute naming the called version`);
    return null;
  }
  return { type: 'versionTag', versionTag };
}
