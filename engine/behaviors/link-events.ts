// Link events: a throw jumps to the catch with the same link name in the same scope, like an
// off-page connector. The catch has no incoming flows; the pairing is checked at deploy.

import { str } from '../model/moddle.ts';
import type { ElementCompiler } from '../model/compile-context.ts';
import type { ElementBehavior } from './behavior.ts';
import { eventDefinition } from './events.ts';

function compileLink(c: ElementCompiler): void {
  const def = eventDefinition(c.el);
  const name = def ? str(def, 'name') : undefined;
  if (!name) c.problem('link event has no name: the throw and the catch are paired by it');
  else c.model.link = { name, target: null };
}

export const linkThrowEvent: ElementBehavior = {
  key: 'bpmn:IntermediateThrowEvent/link',
  compile: compileLink,
  activate(t, inst) {
    t.complete(inst);
  },
  leave(t, inst, el) {
    // The catch is activated before the throw leaves, so its scope never looks empty.
    t.activate(t.element(el.link!.target!), inst.scope);
    return [];
  },
};

export const linkCatchEvent: ElementBehavior = {
  key: 'bpmn:IntermediateCatchEvent/link',
  compile: compileLink,
  activate(t, inst) {
    t.complete(inst);
  },
};
