// Event-based gateway: waits for whichever of the events after it happens first (message, timer
// or signal catch events). It holds their subscriptions and timers itself; the winner completes
// the gateway along its flow and the rest are dropped with the gateway.

import { behaviorOf } from './index.ts';
import type { ElementBehavior } from './behavior.ts';

const CATCHES = new Set(['bpmn:IntermediateCatchEvent/message', 'bpmn:IntermediateCatchEvent/timer', 'bpmn:IntermediateCatchEvent/signal']);

export const eventBasedGateway: ElementBehavior = {
  key: 'bpmn:EventBasedGateway',
  validate(el, flows) {
    const problems: string[] = [];
    if (el.outgoing.length < 2) problems.push('an event-based gateway needs at least two outgoing sequence flows');
    for (const f of el.outgoing) {
      const flow = flows.get(f);
      if (flow?.condition) problems.push(`sequence flow '${f}' after an event-based gateway must not have a condition`);
    }
    return problems;
  },
  activate(t, inst, el) {
    for (const f of el.outgoing) {
      const target = t.element(t.model.flows.get(f)!.target);
      if (!CATCHES.has(target.behavior)) {
        t.incident(inst, 'EXTRACT_VALUE_ERROR', `'${target.id}' after event-based gateway '${el.id}' is not a message, timer or signal catch event`);
        return;
      }
      if (target.timer) t.openTimer(inst, target);
      else t.openSubscription(inst, target);
    }
  },
  retry(t, inst, el) {
    behaviorOf(el).activate(t, inst, el);
  },
};
