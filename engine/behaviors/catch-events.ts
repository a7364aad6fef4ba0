// Intermediate message and signal catch events: the token waits for the message (by name and
// correlation key) or the signal (by name). Placed after an event-based gateway, the gateway
// holds the subscription instead, and the first of its events to happen wins.

import type { ElementBehavior } from './behavior.ts';
import { compileEventMessage, compileEventSignal } from './event-refs.ts';
import type { ElementCompiler } from '../model/compile-context.ts';

function catchEvent(key: string, compileRef: (c: ElementCompiler) => void): ElementBehavior {
  return {
    key,
    compile(c) {
      compileRef(c);
      c.model.outputs = c.mappings().outputs;
    },
    activate(t, inst, el) {
      t.openSubscription(inst, el);
    },
    trigger(t, owner, el, variables) {
      if (owner.elementId !== el.id) t.passEventGateway(owner, el, variables);
      else t.complete(owner, variables ?? {});
    },
    retry(t, inst, el) {
      if (!t.holds(inst.key, el.id)) t.openSubscription(inst, el);
    },
  };
}

export const messageCatchEvent = catchEvent('bpmn:IntermediateCatchEvent/message', (c) => compileEventMessage(c, true));
export const signalCatchEvent = catchEvent('bpmn:IntermediateCatchEvent/signal', compileEventSignal);
