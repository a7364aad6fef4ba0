// Event-based gateway: waits for whichever of the events after it happens first (message, timer,
// signal or conditional catch events). It holds their subscriptions, timers and conditions itself;
// the winner completes the gateway along its flow and the rest are dropped with the gateway.
// Anything else after it, an event another flow also leads to, or two events waiting for the same
// message, signal or condition is refused at deploy, as Zeebe does, rather than failing at run time.

import { armCondition } from '../runtime/conditions.ts';
import type { ElementModel, FlowModel } from '../model/types.ts';
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
      if (!target) continue;
      if (!CATCHES.has(target.behavior)) {
        problems.push(`'${target.id}' after it is not a message, timer, signal or conditional intermediate catch event`);
      }
      // The gateway holds its events' subscriptions and timers; a token reaching one by another
      // path would find nothing open for it.
      for (const other of target.incoming) {
        if (flows.get(other)?.source !== el.id) problems.push(`'${target.id}' after it has another incoming sequence flow '${other}'; only the gateway may lead to it`);
      }
    }
    problems.push(...duplicates(el, flows, elements));
    return problems;
  },
  // Stops at the first incident, and skips what is already open: resolving the incident runs
  // this again, and must not open a second timer or subscription for the same event.
  activate(t, inst, el) {
    for (const f of el.outgoing) {
      const target = t.element(t.model.flows.get(f)!.target);
      if (t.holds(inst.key, target.id)) continue;
      if (target.timer) t.openTimer(inst, target);
      else if (target.conditional) armCondition(t, inst.key, target);
      else t.openSubscription(inst, target);
      if (inst.incident) return;
    }
  },
  retry(t, inst, el) {
    eventBasedGateway.activate(t, inst, el);
  },
};

/**
 * Two events waiting for the same message, signal or condition: which one wins would be
 * arbitrary, so Zeebe refuses it and so do we.
 */
function duplicates(el: ElementModel, flows: ReadonlyMap<string, FlowModel>, elements: ReadonlyMap<string, ElementModel>): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const f of el.outgoing) {
    const target = elements.get(flows.get(f)?.target ?? '');
    if (!target) continue;
    const what = target.message
      ? `${target.message.signal ? 'signal' : 'message'} '${target.message.name.raw}'`
      : target.conditional
        ? `condition '${target.conditional.condition.text.trim()}'`
        : null;
    if (!what) continue;
    const first = seen.get(what);
    if (first) problems.push(`'${first}' and '${target.id}' after it both wait for the ${what}`);
    else seen.set(what, target.id);
  }
  return problems;
}
