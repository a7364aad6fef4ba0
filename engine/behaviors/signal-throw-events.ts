// Signal intermediate throw and end events: broadcast the signal to every subscription once the
// command commits, then move on (or end).

import { evaluateExpr } from '../feel.ts';
import type { ElementBehavior } from './behavior.ts';
import { compileEventSignal } from './event-refs.ts';

function signalThrow(key: string): ElementBehavior {
  return {
    key,
    compile(c) {
      compileEventSignal(c);
      const { inputs } = c.mappings();
      c.model.inputs = inputs;
    },
    activate(t, inst, el) {
      const name = evaluateExpr(el.message!.name, t.context(inst.key));
      if (!name.ok) {
        t.incident(inst, 'EXTRACT_VALUE_ERROR', `signal name of '${el.id}' failed to evaluate: ${name.message}`);
        return;
      }
      // The event's input mappings are what the signal carries.
      t.broadcast(String(name.value), { ...(t.state.vars[inst.key] ?? {}) });
      t.complete(inst);
    },
  };
}

export const signalIntermediateThrowEvent = signalThrow('bpmn:IntermediateThrowEvent/signal');
export const signalEndEvent = signalThrow('bpmn:EndEvent/signal');
