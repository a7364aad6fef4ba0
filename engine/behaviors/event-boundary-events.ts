// Message and signal boundary events: subscribed while their activity runs. Interrupting, the
// first one ends the activity; non-interrupting, each occurrence starts a parallel path and the
// subscription stays open until the activity ends.

import { child } from '../model/moddle.ts';
import type { ElementCompiler } from '../model/compile-context.ts';
import type { ElementBehavior } from './behavior.ts';
import { compileEventMessage, compileEventSignal } from './event-refs.ts';

function boundary(key: string, compileRef: (c: ElementCompiler) => void): ElementBehavior {
  return {
    key,
    compile(c) {
      c.model.attachedTo = child(c.el, 'attachedToRef')?.id ?? null;
      if (!c.model.attachedTo) c.problem('boundary event has no attachedToRef');
      c.model.cancelActivity = c.el.cancelActivity !== false;
      compileRef(c);
      c.model.outputs = c.mappings().outputs;
    },
    attach(t, host, el) {
      t.openSubscription(host, el);
    },
    activate(t, inst) {
      t.complete(inst, t.state.vars[inst.key] ?? null);
    },
    trigger(t, host, el, variables) {
      t.triggerBoundary(host, el, variables);
    },
  };
}

export const messageBoundaryEvent = boundary('bpmn:BoundaryEvent/message', (c) => compileEventMessage(c, true));
export const signalBoundaryEvent = boundary('bpmn:BoundaryEvent/signal', compileEventSignal);
