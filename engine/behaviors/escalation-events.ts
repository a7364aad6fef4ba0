// Escalations: a throw (intermediate or end) raises an escalation code; the nearest escalation
// boundary event on an enclosing activity that matches it (exact code before catch-all) fires,
// interrupting or not. Unlike an error, an escalation nobody catches is no failure: the token
// simply goes on.

import { child, str } from '../model/moddle.ts';
import type { ElementCompiler } from '../model/compile-context.ts';
import type { ElementBehavior } from './behavior.ts';
import { eventDefinition } from './events.ts';
import { compileThrownCode, requireLiteralCode, thrownCode } from './thrown-codes.ts';

function escalationCode(c: ElementCompiler): string | null {
  const def = eventDefinition(c.el);
  const ref = def ? child(def, 'escalationRef') : undefined;
  return ref ? (str(ref, 'escalationCode') ?? null) : null;
}

function escalationThrow(key: string): ElementBehavior {
  const raise: ElementBehavior['activate'] = (t, inst, el) => {
    const code = thrownCode(t, inst, el.errorCode, 'escalationCode');
    if (code === null) return;
    t.throwEscalation(inst, code, t.state.vars[inst.key] ?? null);
    if (t.state.elements[inst.key]) t.complete(inst);
  };
  return {
    key,
    compile(c) {
      c.model.errorCode = escalationCode(c);
      if (!c.model.errorCode) c.problem('escalation throw event needs an escalationRef with an escalationCode');
      compileThrownCode(c, c.model.errorCode, 'escalationCode');
      c.model.inputs = c.mappings().inputs;
    },
    activate: raise,
    // An incident on the code's expression: resolving it evaluates again.
    retry: raise,
  };
}

export const escalationIntermediateThrowEvent = escalationThrow('bpmn:IntermediateThrowEvent/escalation');
export const escalationEndEvent = escalationThrow('bpmn:EndEvent/escalation');

export const escalationBoundaryEvent: ElementBehavior = {
  key: 'bpmn:BoundaryEvent/escalation',
  compile(c) {
    c.model.attachedTo = child(c.el, 'attachedToRef')?.id ?? null;
    if (!c.model.attachedTo) c.problem('boundary event has no attachedToRef');
    c.model.cancelActivity = c.el.cancelActivity !== false;
    // No escalationRef, or one without a code, catches every escalation.
    c.model.errorCode = escalationCode(c);
    requireLiteralCode(c, c.model.errorCode, 'escalationCode');
    c.model.outputs = c.mappings().outputs;
  },
  activate(t, inst) {
    t.complete(inst, t.state.vars[inst.key] ?? null);
  },
};
