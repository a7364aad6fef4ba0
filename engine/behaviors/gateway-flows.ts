// Deploy-time rule shared by diverging exclusive and inclusive gateways.

import type { ElementCompiler } from '../model/compile-context.ts';
import { child, children } from '../model/moddle.ts';

export function compileGatewayFlows(c: ElementCompiler): void {
  const out = children(c.el, 'outgoing');
  if (out.length < 2) return;
  const defaultId = child(c.el, 'default')?.id;
  for (const flow of out) {
    const condition = child(flow, 'conditionExpression');
    if (flow.id !== defaultId && !condition) {
      c.problem(`sequence flow '${flow.id}' leaves the gateway without a condition and is not its default flow`);
    }
  }
}
