// Event-based gateway: waits for whichever of the events after it happens first (message, timer,
// signal or conditional catch events). It holds their subscriptions, timers and conditions itself;
// the winner completes the gateway along its flow and the rest are dropped with the gateway.
// Anything else after it is refused at deploy, as Zeebe does, rather than failing at run time.

import { armCondition } from '../runtime/conditions.ts';
import { behaviorOf } from './index.ts';
import type { ElementBehavior } from './behavior.ts';

const CATCHES = new Set([
  'bpmn:IntermediateCatchEvent/message',
  'bpmn:IntermediateCatchEvent/timer',
  'bpmn:IntermediateCatchEvent/signal',
  'bpmn:IntermediateCatchEvent/conditional',
]);

export const eventBasedGateway: ElementBehavior = {
  key: 'bpmn:EventBasedGateway',
  validate(el, flows, elements) {
    const problems: string[] = [];
    if (el.outgoing.length < 2) problems.push('an event-based gateway needs at least two outgoing sequence flows');
    for (const f of el.outgoing) {
      const flow = flows.get(f);
      if (flow?.condition) problems.push(`sequence flow '${f}' after an event-based gateway must not have a condition`);
      const target = flow ? elements.get(flow.target) : undefined;
      if (target && !CATCHES.has(target.behavior)) {
        problems.push(`'${target.id}' after it is not a message, timer, signal or conditional intermediate catch event`);
      }
    }
    return problems;
  },
  activate(t, inst, el) {
    for (const f of el.outgoing) {
      const target = t.element(t.model.flows.get(f)!.target);
      if (target.timer) t.openTimer(inst, target);
      else if (target.conditional) armCondition(t, inst.key, target);
      else t.openSubscription(inst, target);
    }
  },
  retry(t, inst, el) {
    behaviorOf(el).activate(t, inst, el);
  },
};
