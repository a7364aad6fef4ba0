// Deploy-time reading of what a message or signal event waits for: the referenced bpmn:message
// (name, zeebe:subscription correlationKey) or bpmn:signal (name).

import type { ElementCompiler } from '../model/compile-context.ts';
import { child, children, str, type ModdleElement } from '../model/moddle.ts';
import { eventDefinition } from './events.ts';

export function compileMessageRef(c: ElementCompiler, message: ModdleElement | undefined, requireKey: boolean): void {
  if (!message) {
    c.problem(`${c.model.type === 'bpmn:ReceiveTask' ? 'receive task' : 'message event'} has no messageRef`);
    return;
  }
  const name = str(message, 'name');
  if (!name) {
    c.problem(`bpmn:message '${message.id}' has no name`);
    return;
  }
  const container = message.extensionElements as ModdleElement | undefined;
  const subscription = container ? children(container, 'values').find((v) => v.$type === 'zeebe:Subscription') : undefined;
  const key = subscription ? str(subscription, 'correlationKey') : undefined;
  if (requireKey && !key) c.problem(`bpmn:message '${message.id}' needs a zeebe:subscription correlationKey to find its instance`);
  c.model.message = { name: c.expr(name, 'bpmn:message name')!, correlationKey: c.expr(key, 'zeebe:subscription correlationKey'), signal: false };
}

export function compileEventMessage(c: ElementCompiler, requireKey: boolean): void {
  const def = eventDefinition(c.el);
  compileMessageRef(c, def ? child(def, 'messageRef') : undefined, requireKey);
}

export function compileEventSignal(c: ElementCompiler): void {
  const def = eventDefinition(c.el);
  const signal = def ? child(def, 'signalRef') : undefined;
  const name = signal ? str(signal, 'name') : undefined;
  if (!signal) c.problem('signal event has no signalRef');
  else if (!name) c.problem(`bpmn:signal '${signal.id}' has no name`);
  else c.model.message = { name: c.expr(name, 'bpmn:signal name')!, correlationKey: null, signal: true };
}
