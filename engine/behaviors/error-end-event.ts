// Error end event: throws a BPMN error with the referenced error's code (a literal, or FEEL
// evaluated when the token arrives) from its scope.

import { child, str } from '../model/moddle.ts';
import { eventDefinition } from './events.ts';
import type { ElementBehavior } from './behavior.ts';
import { compileThrownCode, thrownCode } from './thrown-codes.ts';

export const errorEndEvent: ElementBehavior = {
  key: 'bpmn:EndEvent/error',
  compile(c) {
    const def = eventDefinition(c.el);
    const ref = def ? child(def, 'errorRef') : undefined;
    const code = c.errorCode(ref);
    if (!ref) c.problem('error end event has no errorRef');
    else if (!code) c.problem(`bpmn:error '${ref.id}' has no errorCode`);
    c.model.errorCode = code ?? str(ref ?? { $type: '' }, 'name') ?? null;
    compileThrownCode(c, c.model.errorCode, 'errorCode');
    const { inputs } = c.mappings();
    c.model.inputs = inputs;
  },
  activate(t, inst, el) {
    const code = thrownCode(t, inst, el.errorCode, 'errorCode');
    if (code !== null) t.throwError(inst, inst, code, '', t.state.vars[inst.key] ?? null);
  },
  retry(t, inst, el) {
    errorEndEvent.activate(t, inst, el);
  },
};
