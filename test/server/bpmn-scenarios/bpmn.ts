// A compact diagram builder for the scenario tests: one function per BPMN element, so a scenario
// reads like its diagram. Work is done by service tasks whose job type the scenario leases over
// the jobs API; flows get ids from their ends (`from->to` becomes `f_from_to`).

import { NS } from '../helpers.ts';

let documents = 0;

const attr = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A definitions document holding processes and their messages, signals, errors, escalations. */
export function defs(...parts: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="scenario_${++documents}" targetNamespace="http://karvon.test/scenarios">
${parts.join('\n')}
</bpmn:definitions>`;
}

export function proc(id: string, ...body: string[]): string {
  return `<bpmn:process id="${id}" isExecutable="true">\n${body.join('\n')}\n</bpmn:process>`;
}

/** A process with `zeebe:versionTag`, for call activities bound by version tag. */
export function taggedProc(id: string, versionTag: string, ...body: string[]): string {
  return `<bpmn:process id="${id}" isExecutable="true"><bpmn:extensionElements><zeebe:versionTag value="${versionTag}"/></bpmn:extensionElements>\n${body.join('\n')}\n</bpmn:process>`;
}

// --- Root elements ------------------------------------------------------------------------------

export function message(id: string, name: string, correlationKey?: string): string {
  const sub = correlationKey ? `<bpmn:extensionElements><zeebe:subscription correlationKey="${attr(correlationKey)}"/></bpmn:extensionElements>` : '';
  return `<bpmn:message id="${id}" name="${name}">${sub}</bpmn:message>`;
}

export const signal = (id: string, name: string): string => `<bpmn:signal id="${id}" name="${name}"/>`;
export const error = (id: string, code: string): string => `<bpmn:error id="${id}" errorCode="${attr(code)}"/>`;
export const escalation = (id: string, code: string): string => `<bpmn:escalation id="${id}" escalationCode="${attr(code)}"/>`;

// --- Event definitions --------------------------------------------------------------------------

export const onMessage = (ref: string): string => `<bpmn:messageEventDefinition messageRef="${ref}"/>`;
export const onSignal = (ref: string): string => `<bpmn:signalEventDefinition signalRef="${ref}"/>`;
export const onError = (ref?: string): string => `<bpmn:errorEventDefinition${ref ? ` errorRef="${ref}"` : ''}/>`;
export const onEscalation = (ref?: string): string => `<bpmn:escalationEventDefinition${ref ? ` escalationRef="${ref}"` : ''}/>`;
export const link = (name: string): string => `<bpmn:linkEventDefinition name="${name}"/>`;
export const terminate = '<bpmn:terminateEventDefinition/>';
export const timer = {
  duration: (v: string): string => `<bpmn:timerEventDefinition><bpmn:timeDuration>${attr(v)}</bpmn:timeDuration></bpmn:timerEventDefinition>`,
  date: (v: string): string => `<bpmn:timerEventDefinition><bpmn:timeDate>${attr(v)}</bpmn:timeDate></bpmn:timerEventDefinition>`,
  cycle: (v: string): string => `<bpmn:timerEventDefinition><bpmn:timeCycle>${attr(v)}</bpmn:timeCycle></bpmn:timerEventDefinition>`,
};

// --- Flow elements -------------------------------------------------------------------------------

export const start = (id: string, def = '', interrupting?: boolean): string =>
  `<bpmn:startEvent id="${id}"${interrupting === undefined ? '' : ` isInterrupting="${interrupting}"`}>${def}</bpmn:startEvent>`;
export const end = (id: string, def = ''): string => `<bpmn:endEvent id="${id}">${def}</bpmn:endEvent>`;
export const catchEvent = (id: string, def: string): string => `<bpmn:intermediateCatchEvent id="${id}">${def}</bpmn:intermediateCatchEvent>`;
export const throwEvent = (id: string, def = '', ext = ''): string =>
  `<bpmn:intermediateThrowEvent id="${id}">${ext ? `<bpmn:extensionElements>${ext}</bpmn:extensionElements>` : ''}${def}</bpmn:intermediateThrowEvent>`;
/** A message end event: sent through a job of `type`. */
export const messageEnd = (id: string, ref: string, type: string): string =>
  `<bpmn:endEvent id="${id}"><bpmn:extensionElements><zeebe:taskDefinition type="${type}"/></bpmn:extensionElements>${onMessage(ref)}</bpmn:endEvent>`;
export const messageThrow = (id: string, ref: string, type: string): string =>
  throwEvent(id, onMessage(ref), `<zeebe:taskDefinition type="${type}"/>`);

/** A service task: a job of `type`. `ext` goes into its extension elements, `inner` after them. */
export const svc = (id: string, type: string, ext = '', inner = ''): string =>
  `<bpmn:serviceTask id="${id}"><bpmn:extensionElements><zeebe:taskDefinition type="${type}"/>${ext}</bpmn:extensionElements>${inner}</bpmn:serviceTask>`;
export const user = (id: string): string => `<bpmn:userTask id="${id}" name="${id}"/>`;
export const receive = (id: string, ref: string): string => `<bpmn:receiveTask id="${id}" messageRef="${ref}"/>`;
export const script = (id: string, expression: string, resultVariable: string): string =>
  `<bpmn:scriptTask id="${id}"><bpmn:extensionElements><zeebe:script expression="${attr(expression)}" resultVariable="${resultVariable}"/></bpmn:extensionElements></bpmn:scriptTask>`;

export const boundary = (id: string, attachedTo: string, def: string, interrupting = true): string =>
  `<bpmn:boundaryEvent id="${id}" attachedToRef="${attachedTo}"${interrupting ? '' : ' cancelActivity="false"'}>${def}</bpmn:boundaryEvent>`;

export const sub = (id: string, ...body: string[]): string => `<bpmn:subProcess id="${id}">\n${body.join('\n')}\n</bpmn:subProcess>`;
export const eventSub = (id: string, ...body: string[]): string => `<bpmn:subProcess id="${id}" triggeredByEvent="true">\n${body.join('\n')}\n</bpmn:subProcess>`;
export const call = (id: string, processId: string, calledAttrs = '', ext = '', inner = ''): string =>
  `<bpmn:callActivity id="${id}"><bpmn:extensionElements><zeebe:calledElement processId="${processId}" ${calledAttrs}/>${ext}</bpmn:extensionElements>${inner}</bpmn:callActivity>`;

export const xor = (id: string, defaultTo?: string): string => `<bpmn:exclusiveGateway id="${id}"${defaultTo ? ` default="f_${id}_${defaultTo}"` : ''}/>`;
export const and = (id: string): string => `<bpmn:parallelGateway id="${id}"/>`;
export const eventGateway = (id: string): string => `<bpmn:eventBasedGateway id="${id}"/>`;

/** Sequence flows along a path of element ids. */
export function chain(...ids: string[]): string {
  return ids.slice(1).map((to, i) => `<bpmn:sequenceFlow id="f_${ids[i]}_${to}" sourceRef="${ids[i]}" targetRef="${to}"/>`).join('\n');
}

export function when(from: string, to: string, condition: string): string {
  return `<bpmn:sequenceFlow id="f_${from}_${to}" sourceRef="${from}" targetRef="${to}"><bpmn:conditionExpression>${attr(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>`;
}

// --- Extension elements --------------------------------------------------------------------------

export function io(inputs: Record<string, string> = {}, outputs: Record<string, string> = {}): string {
  const i = Object.entries(inputs).map(([target, source]) => `<zeebe:input source="${attr(source)}" target="${target}"/>`);
  const o = Object.entries(outputs).map(([target, source]) => `<zeebe:output source="${attr(source)}" target="${target}"/>`);
  return `<zeebe:ioMapping>${i.join('')}${o.join('')}</zeebe:ioMapping>`;
}

export interface MultiInstance {
  sequential?: boolean;
  inputCollection: string;
  inputElement?: string;
  outputCollection?: string;
  outputElement?: string;
  completionCondition?: string;
}

/** The loop characteristics that make an activity multi-instance; goes inside the activity. */
export function multi(m: MultiInstance): string {
  const loop = [
    `inputCollection="${attr(m.inputCollection)}"`,
    m.inputElement ? `inputElement="${m.inputElement}"` : '',
    m.outputCollection ? `outputCollection="${m.outputCollection}"` : '',
    m.outputElement ? `outputElement="${attr(m.outputElement)}"` : '',
  ].join(' ');
  const condition = m.completionCondition ? `<bpmn:completionCondition>${attr(m.completionCondition)}</bpmn:completionCondition>` : '';
  return `<bpmn:multiInstanceLoopCharacteristics isSequential="${m.sequential ? 'true' : 'false'}"><bpmn:extensionElements><zeebe:loopCharacteristics ${loop}/></bpmn:extensionElements>${condition}</bpmn:multiInstanceLoopCharacteristics>`;
}
