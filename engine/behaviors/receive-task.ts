// Receive task: waits for a message. On activation it opens a subscription for the message name
// and the correlation key (FEEL, evaluated now); a published message that matches completes it,
// and the message's variables are its result.

import { child } from '../model/moddle.ts';
import type { ElementBehavior } from './behavior.ts';
import { compileMessageRef } from './event-refs.ts';

export const receiveTask: ElementBehavior = {
  key: 'bpmn:ReceiveTask',
  compile(c) {
    compileMessageRef(c, child(c.el, 'messageRef'), false);
    const { inputs, outputs } = c.mappings();
    c.model.inputs = inputs;
    c.model.outputs = outputs;
  },
  activate(t, inst, el) {
    t.openSubscription(inst, el);
  },
  trigger(t, owner, _el, variables) {
    t.complete(owner, variables ?? {});
  },
  retry(t, inst, el) {
    if (!t.holds(inst.key, el.id)) t.openSubscription(inst, el);
  },
};
