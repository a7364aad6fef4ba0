// Receive task: waits for a message. On activation it opens a subscription for the message name
// and the correlation key (FEEL, evaluated now); a published message that matches completes it,
// and the message's variables are its result.

import { child, str } from '../model/moddle.ts';
import type { ElementBehavior } from './behavior.ts';

export const receiveTask: ElementBehavior = {
  key: 'bpmn:ReceiveTask',
  compile(c) {
    const message = child(c.el, 'messageRef');
    if (!message) {
      c.problem('receive task has no messageRef');
      return;
    }
    const name = str(message, 'name');
    if (!name) {
      c.problem(`bpmn:message '${message.id}' has no name`);
      return;
    }
    const container = message.extensionElements as { values?: Array<{ $type: string; correlationKey?: string }> } | undefined;
    const subscription = container?.values?.find((v) => v.$type === 'zeebe:Subscription');
    c.model.message = {
      name: c.expr(name, 'bpmn:message name')!,
      correlationKey: c.expr(subscription?.correlationKey, 'zeebe:subscription correlationKey'),
    };
    const { inputs, outputs } = c.mappings();
    c.model.inputs = inputs;
    c.model.outputs = outputs;
  },
  activate(t, inst, el) {
    const def = el.message!;
    const name = t.evaluate(def.name, inst, 'message name');
    if (!name.ok) return;
    let correlationKey: string | null = null;
    if (def.correlationKey) {
      const key = t.evaluate(def.correlationKey, inst, 'correlation key');
      if (!key.ok) return;
      if (key.value === null || typeof key.value === 'object') {
        t.incident(inst, 'EXTRACT_VALUE_ERROR', `correlation key '${def.correlationKey.raw}' of '${el.id}' is ${JSON.stringify(key.value)}; it must be a string or a number`);
        return;
      }
      correlationKey = String(key.value);
    }
    const id = t.id();
    inst.subscription = id;
    t.effects.push({
      type: 'subscription.put',
      subscription: {
        id,
        processInstanceId: t.state.id,
        processKey: t.state.processKey,
        elementId: el.id,
        elementInstance: inst.key,
        messageName: String(name.value),
        correlationKey,
        createdAt: t.iso,
      },
    });
  },
  terminate(t, inst) {
    if (!inst.subscription) return;
    t.effects.push({ type: 'subscription.delete', id: inst.subscription });
    delete inst.subscription;
  },
  retry(t, inst, el) {
    if (!inst.subscription) receiveTask.activate(t, inst, el);
  },
};
