// Parallel gateway: joins by waiting for a token on every incoming flow (tokens that arrive twice
// on one flow, as in loops, queue up for the next round), then forks onto every outgoing flow.

import type { ElementBehavior } from './behavior.ts';

export const parallelGateway: ElementBehavior = {
  key: 'bpmn:ParallelGateway',
  arrive(t, el, scope, flowId) {
    if (el.incoming.length <= 1) {
      t.activate(el, scope);
      return;
    }
    const bucket = t.joinArrive(el, scope, flowId);
    if (!el.incoming.every((f) => (bucket[f] ?? 0) > 0)) return;
    t.joinConsume(el, scope, false);
    t.activate(el, scope);
  },
  activate(t, inst) {
    t.complete(inst);
  },
  leave(_t, _inst, el) {
    return el.outgoing;
  },
};
