// Intermediate conditional catch event: the token waits until the condition is true. It is
// evaluated when the token arrives (true then means it passes straight on) and again whenever a
// variable it depends on changes in its scope or above (engine/runtime/conditions.ts). After an
// event-based gateway the gateway holds the condition, evaluated in the gateway's scope by the same
// rules; when it is the first of the gateway's events to happen, the token passes through it.

import { armCondition } from '../runtime/conditions.ts';
import type { ElementBehavior } from './behavior.ts';
import { compileConditional } from './conditional-definition.ts';

export const conditionalCatchEvent: ElementBehavior = {
  key: 'bpmn:IntermediateCatchEvent/conditional',
  compile(c) {
    compileConditional(c);
    c.model.outputs = c.mappings().outputs;
  },
  activate(t, inst, el) {
    armCondition(t, inst.key, el);
  },
  trigger(t, owner, el) {
    if (owner.elementId !== el.id) t.passEventGateway(owner, el, null);
    else t.complete(owner);
  },
};
