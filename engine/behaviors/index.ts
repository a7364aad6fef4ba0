// The one table from BPMN element type to behaviour. An element whose key is missing here is
// rejected at deploy, so nothing runs half-understood.

import type { ElementModel } from '../model/types.ts';
import type { ModdleElement } from '../model/moddle.ts';
import type { ElementBehavior } from './behavior.ts';
import { eventKind } from './events.ts';
import { noneStartEvent } from './start-event.ts';
import { noneEndEvent } from './end-event.ts';
import { terminateEndEvent } from './terminate-end-event.ts';
import { errorEndEvent } from './error-end-event.ts';
import { errorBoundaryEvent } from './error-boundary-event.ts';
import { manualTask, noneIntermediateThrowEvent, task } from './pass-through.ts';
import { businessRuleTask, messageEndEvent, messageThrowEvent, sendTask, serviceTask } from './job-worker-task.ts';
import { scriptTask } from './script-task.ts';
import { userTask } from './user-task.ts';
import { exclusiveGateway } from './exclusive-gateway.ts';
import { parallelGateway } from './parallel-gateway.ts';
import { inclusiveGateway } from './inclusive-gateway.ts';
import { subProcess } from './sub-process.ts';
import { receiveTask } from './receive-task.ts';
import { timerCatchEvent } from './timer-catch-event.ts';
import { timerBoundaryEvent } from './timer-boundary-event.ts';
import { timerStartEvent } from './timer-start-event.ts';
import { messageCatchEvent, signalCatchEvent } from './catch-events.ts';
import { messageBoundaryEvent, signalBoundaryEvent } from './event-boundary-events.ts';
import { messageStartEvent, signalStartEvent } from './start-events.ts';
import { signalEndEvent, signalIntermediateThrowEvent } from './signal-throw-events.ts';
import { eventBasedGateway } from './event-based-gateway.ts';
import { callActivity } from './call-activity.ts';
import { eventSubProcess } from './event-sub-process.ts';
import { linkCatchEvent, linkThrowEvent } from './link-events.ts';
import { errorStartEvent, escalationStartEvent } from './error-escalation-start-events.ts';
import { escalationBoundaryEvent, escalationEndEvent, escalationIntermediateThrowEvent } from './escalation-events.ts';
import { conditionalCatchEvent } from './conditional-catch-event.ts';
import { conditionalBoundaryEvent } from './conditional-boundary-event.ts';
import { conditionalStartEvent } from './conditional-start-event.ts';
import { compensationBoundaryEvent, compensationEndEvent, compensationIntermediateThrowEvent } from './compensation-events.ts';

const behaviors: ReadonlyMap<string, ElementBehavior> = new Map(
  [
    noneStartEvent,
    noneEndEvent,
    terminateEndEvent,
    errorEndEvent,
    errorBoundaryEvent,
    noneIntermediateThrowEvent,
    task,
    manualTask,
    serviceTask,
    sendTask,
    businessRuleTask,
    scriptTask,
    userTask,
    exclusiveGateway,
    parallelGateway,
    inclusiveGateway,
    subProcess,
    receiveTask,
    timerCatchEvent,
    timerBoundaryEvent,
    timerStartEvent,
    messageCatchEvent,
    signalCatchEvent,
    messageBoundaryEvent,
    signalBoundaryEvent,
    messageStartEvent,
    signalStartEvent,
    signalIntermediateThrowEvent,
    signalEndEvent,
    eventBasedGateway,
    callActivity,
    messageEndEvent,
    messageThrowEvent,
    escalationIntermediateThrowEvent,
    escalationEndEvent,
    escalationBoundaryEvent,
    eventSubProcess,
    errorStartEvent,
    escalationStartEvent,
    linkThrowEvent,
    linkCatchEvent,
    conditionalCatchEvent,
    conditionalBoundaryEvent,
    conditionalStartEvent,
    compensationBoundaryEvent,
    compensationIntermediateThrowEvent,
    compensationEndEvent,
  ].map((b) => [b.key, b]),
);

const EVENT_TYPES = new Set(['bpmn:StartEvent', 'bpmn:EndEvent', 'bpmn:IntermediateThrowEvent', 'bpmn:IntermediateCatchEvent', 'bpmn:BoundaryEvent']);

/** `bpmn:ServiceTask`, or `bpmn:EndEvent/error` for events, which differ by definition. */
export function behaviorKey(el: ModdleElement): string {
  if (EVENT_TYPES.has(el.$type)) return `${el.$type}/${eventKind(el)}`;
  if (el.$type === 'bpmn:SubProcess' && el.triggeredByEvent === true) return 'bpmn:SubProcess/event';
  return el.$type;
}

export function behaviorFor(key: string): ElementBehavior | undefined {
  return behaviors.get(key);
}

export function behaviorOf(el: ElementModel): ElementBehavior {
  const b = behaviors.get(el.behavior);
  if (!b) throw new Error(`no behaviour registered for ${el.behavior}`);
  return b;
}

export function supportedKeys(): string[] {
  return [...behaviors.keys()];
}
