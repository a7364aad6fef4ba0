// Message and signal start events: Karvon starts an instance here when a message with this name
// is published (or the signal is broadcast); inside the instance they pass the token on and the
// message's variables become the process variables.

import type { ElementBehavior } from './behavior.ts';
import { compileEventMessage, compileEventSignal } from './event-refs.ts';
import type { ElementCompiler } from '../model/compile-context.ts';

function startEvent(key: string, compileRef: (c: ElementCompiler) => void): ElementBehavior {
  return {
    key,
    compile(c) {
      compileRef(c);
      if (c.model.message?.name.feel) c.problem('the name of a start event\'s message or signal must be a literal: there are no variables yet');
      c.model.outputs = c.mappings().outputs;
    },
    activate(t, inst) {
      t.complete(inst);
    },
  };
}

export const messageStartEvent = startEvent('bpmn:StartEvent/message', (c) => compileEventMessage(c, false));
export const signalStartEvent = startEvent('bpmn:StartEvent/signal', compileEventSignal);
