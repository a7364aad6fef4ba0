// Error boundary event: catches a BPMN error thrown inside (or by) the activity it is attached
// to. The activity is already terminated when it activates; it completes at once and the error's
// variables are its result.

import { child, str } from '../model/moddle.ts';
import { eventDefinition } from './events.ts';
import type { ElementBehavior } from './behavior.ts';
import { requireLiteralCode } from './thrown-codes.ts';

export const errorBoundaryEvent: ElementBehavior = {
  key: 'bpmn:BoundaryEvent/error',
  compile(c) {
    c.model.attachedTo = child(c.el, 'attachedToRef')?.id ?? null;
    if (!c.model.attachedTo) c.problem('boundary event has no attachedToRef');
    if (c.el.cancelActivity === false) c.problem('an error boundary event is always interrupting (cancelActivity must not be false)');
    const def = eventDefinition(c.el);
    const ref = def ? child(def, 'errorRef') : undefined;
    // No errorRef, or an error without a code, catches every error.
    c.model.errorCode = ref ? c.errorCode(ref) : null;
    if (ref && !c.model.errorCode && str(ref, 'errorCode') === undefined) c.model.errorCode = null;
    requireLiteralCode(c, c.model.errorCode, 'errorCode');
    c.model.outputs = c.mappings().outputs;
  },
  activate(t, inst) {
    t.complete(inst, t.state.vars[inst.key] ?? null);
  },
};
