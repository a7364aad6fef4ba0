// Message and signal start events: Karvon starts an instance here when a message with this name
// is published (or the signal is broadcast); inside the instance they pass the token on and the
// message's variables become the process variables. Inside an event sub-process they wait while
// the enclosing scope runs and start the event sub-process instead.

import type { ElementBehavior } from './behavior.ts';
import { compileEventMessage, compileEventSignal } from './event-refs.ts';
import type { ElementCompiler } from '../model/compile-context.ts';

function startEvent(key: string, compileRef: (c: ElementCompiler) => void): ElementBehavior {
  return {
    key,
    compile(c) {
      compileRef(c);
      if (c.model.message?.name.feel && c.el.$parent?.triggeredByEvent !== true) c.problem('the name of a start event\'s message or signal must be a literal: there are no variables yet');
      c.model.outputs = c.mappings().outputs;
      c.model.cancelActivity = c.el.isInterrupting !== false;
    },
    activate(t, inst) {
      t.complete(inst);
    },
    trigger(t, owner, el, variables) {
      t.triggerEventSubProcess(owner, el, variables);
    },
  };
}

export const messageStartEvent = startEvent('bpmn:StartEvent/message', (c) => compileEventMessage(c, false));
export const signalStartEvent = startEvent('bpmn:StartEvent/signal', compileEventSignal);
