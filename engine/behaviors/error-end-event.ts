// Error end event: throws a BPMN error with the referenced error's code from its scope.

import { child, str } from '../model/moddle.ts';
import { eventDefinition } from './events.ts';
import type { ElementBehavior } from './behavior.ts';

export const errorEndEvent: ElementBehavior = {
  key: 'bpmn:EndEvent/error',
  compile(c) {
    const def = eventDefinition(c.el);
    const ref = def ? child(def, 'errorRef') : undefined;
    const code = c.errorCode(ref);
    if (!ref) c.problem('error end event has no errorRef');
    else if (!code) c.problem(`bpmn:error '${ref.id}' has no errorCode`);
    c.model.errorCode = code ?? str(ref ?? { $type: '' }, 'name') ?? null;
    const { inputs } = c.mappings();
    c.model.inputs = inputs;
  },
  activate(t, inst, el) {
    t.throwError(inst, inst, el.errorCode ?? '', '', t.state.vars[inst.key] ?? null);
  },
  retry(t, inst, el) {
    t.throwError(inst, inst, el.errorCode ?? '', '', t.state.vars[inst.key] ?? null);
  },
};
