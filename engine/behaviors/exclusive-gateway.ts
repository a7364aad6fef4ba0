// Exclusive gateway: several incoming tokens pass one at a time; on the way out the first flow
// whose condition is true is taken, else the default flow, else an incident.

import type { ElementBehavior } from './behavior.ts';
import { validateGatewayFlows } from './gateway-flows.ts';

export const exclusiveGateway: ElementBehavior = {
  key: 'bpmn:ExclusiveGateway',
  validate: validateGatewayFlows,
  activate(t, inst) {
    t.complete(inst);
  },
  leave(t, inst, el) {
    return t.chooseFlows(inst, el, 'first');
  },
  retry(t, inst) {
    t.complete(inst);
  },
};
