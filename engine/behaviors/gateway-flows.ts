// Deploy-time rule shared by diverging exclusive and inclusive gateways: every outgoing flow but
// the default one needs a condition, or the choice would depend on the order flows were drawn.

import type { ElementModel, FlowModel } from '../model/types.ts';

export function validateGatewayFlows(el: ElementModel, flows: ReadonlyMap<string, FlowModel>): string[] {
  if (el.outgoing.length < 2) return [];
  return el.outgoing
    .filter((id) => id !== el.defaultFlow && !flows.get(id)?.condition)
    .map((id) => `sequence flow '${id}' leaves the gateway without a condition and is not its default flow`);
}
