// Error and escalation start events, allowed only in event sub-processes: they start it when a
// matching error or escalation is thrown inside the enclosing scope (no code catches all).

import { child, str } from '../model/moddle.ts';
import type { ElementBehavior } from './behavior.ts';
import { eventDefinition } from './events.ts';
import { requireLiteralCode } from './thrown-codes.ts';

export const errorStartEvent: ElementBehavior = {
  key: 'bpmn:StartEvent/error',
  compile(c) {
    const def = eventDefinition(c.el);
    const ref = def ? child(def, 'errorRef') : undefined;
    c.model.errorCode = ref ? c.errorCode(ref) : null;
    requireLiteralCode(c, c.model.errorCode, 'errorCode');
    c.model.cancelActivity = true;
    if (c.el.isInterrupting === false) c.problem('an error start event is always interrupting');
    c.model.outputs = c.mappings().outputs;
  },
  activate(t, inst) {
    t.complete(inst);
  },
};

export const escalationStartEvent: ElementBehavior = {
  key: 'bpmn:StartEvent/escalation',
  compile(c) {
    const def = eventDefinition(c.el);
    const ref = def ? child(def, 'escalationRef') : undefined;
    c.model.errorCode = ref ? (str(ref, 'escalationCode') ?? null) : null;
    requireLiteralCode(c, c.model.errorCode, 'escalationCode');
    c.model.cancelActivity = c.el.isInterrupting !== false;
    c.model.outputs = c.mappings().outputs;
  },
  activate(t, inst) {
    t.complete(inst);
  },
};
