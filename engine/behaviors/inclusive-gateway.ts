// Inclusive gateway: forks onto every flow whose condition is true (default when none is); as a
// join it waits only for tokens that can still arrive. Whether one still can is decided by the
// transition after each command (see Transition.fireInclusiveJoins).

import type { ElementBehavior } from './behavior.ts';
import { validateGatewayFlows } from './gateway-flows.ts';

export const inclusiveGateway: ElementBehavior = {
  key: 'bpmn:InclusiveGateway',
  validate: validateGatewayFlows,
  arrive(t, el, scope, flowId) {
    if (el.incoming.length <= 1) {
      t.activate(el, scope);
      return;
    }
    t.joinArrive(el, scope, flowId);
  },
  activate(t, inst) {
    t.complete(inst);
  },
  leave(t, inst, el) {
    return t.chooseFlows(inst, el, 'all');
  },
  retry(t, inst) {
    t.complete(inst);
  },
};
