// The executable model: compiled once per deployed process version, immutable afterwards.
// Instances refer to it by definition id; nothing of it is copied into instance state.

import type { Expr } from '../feel.ts';
import type { Json } from '../types.ts';

export interface Mapping {
  source: Expr;
  target: string;
}

export interface JobDefinition {
  type: Expr;
  retries: Expr;
  headers: Record<string, string>;
}

export interface UserTaskDefinition {
  assignee: Expr | null;
  candidateGroups: Expr | null;
  candidateUsers: Expr | null;
  dueDate: Expr | null;
  followUpDate: Expr | null;
  priority: Expr | null;
  formKey: string | null;
  formId: string | null;
}

export interface ScriptDefinition {
  expression: Expr;
  resultVariable: string;
}

export interface MessageDefinition {
  name: Expr;
  correlationKey: Expr | null;
  /** A signal: broadcast by name, no correlation key. */
  signal: boolean;
}

export interface TimerDefinition {
  kind: 'date' | 'duration' | 'cycle';
  value: Expr;
}

/** A conditional event: its FEEL condition and which variable changes make it look again. */
export interface ConditionDefinition {
  condition: Expr;
  /** Top-level variables whose changes re-evaluate it: `zeebe:conditionalFilter variableNames`, else those the condition reads. */
  variableNames: readonly string[];
  /** `create`, `update` or both; empty means both. */
  variableEvents: readonly ('create' | 'update')[];
}

export interface MultiInstanceDefinition {
  sequential: boolean;
  inputCollection: Expr;
  inputElement: string | null;
  outputCollection: string | null;
  outputElement: Expr | null;
  completionCondition: Expr | null;
}

/**
 * Which version of the called process a call activity starts (Camunda 8 `bindingType`):
 * the latest at activation, the one deployed together with the caller's version, or the
 * latest version whose process carries `zeebe:versionTag` with this value.
 */
export type CallBinding = { type: 'latest' } | { type: 'deployment' } | { type: 'versionTag'; versionTag: string };

export interface CallDefinition {
  processId: Expr;
  binding: CallBinding;
  propagateAllChildVariables: boolean;
  propagateAllParentVariables: boolean;
}

export interface ElementModel {
  readonly id: string;
  /** BPMN type as in the XML, e.g. `bpmn:ServiceTask`. */
  readonly type: string;
  /** Registry key of the behaviour that runs it, e.g. `bpmn:EndEvent/error`. */
  readonly behavior: string;
  readonly name: string | null;
  /** Id of the enclosing process or sub-process. */
  readonly scope: string;
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
  readonly defaultFlow: string | null;
  readonly inputs: readonly Mapping[];
  readonly outputs: readonly Mapping[];
  /** Boundary events attached to this activity. */
  readonly boundaries: readonly string[];
  /** For a scope (sub-process): its none start event. */
  readonly startEvent: string | null;
  /** For a boundary event. */
  readonly attachedTo: string | null;
  readonly cancelActivity: boolean;
  /** Error code thrown (error end event) or caught (error boundary; null = catch all). */
  readonly errorCode: string | null;
  readonly job: JobDefinition | null;
  readonly userTask: UserTaskDefinition | null;
  readonly script: ScriptDefinition | null;
  readonly message: MessageDefinition | null;
  readonly timer: TimerDefinition | null;
  readonly conditional: ConditionDefinition | null;
  readonly call: CallDefinition | null;
  /** Link events: the name, and for a throw the catch it jumps to. */
  readonly link: { name: string; target: string | null } | null;
  /** Set when the activity runs once per item of a collection. */
  readonly multiInstance: MultiInstanceDefinition | null;
  /** Task header `resultVariable`: the whole job result goes under this one name. */
  readonly resultVariable: string | null;
  /** Compensation boundary events, compensation throw events and compensation handlers. */
  readonly compensation?: CompensationDefinition;
}

export interface CompensationDefinition {
  /** Compensation boundary event: the handler activity its association points at. */
  readonly handler: string | null;
  /** Compensation throw event: the one activity to compensate; null compensates the whole scope. */
  readonly activityRef: string | null;
  /** The activity is a compensation handler (`isForCompensation`): only compensation starts it. */
  readonly isHandler: boolean;
}

export interface FlowModel {
  readonly id: string;
  readonly name: string | null;
  readonly source: string;
  readonly target: string;
  readonly condition: Expr | null;
}

export interface ProcessModel {
  readonly key: string;
  readonly name: string | null;
  /** The process's `zeebe:versionTag` value, which call activities can bind to. */
  readonly versionTag: string | null;
  /** Forms embedded in the diagram (zeebe:userTaskForm), by their id; only unique within this diagram. */
  readonly embeddedForms: ReadonlyMap<string, Json>;
  readonly definitionId: string;
  readonly version: number;
  readonly elements: ReadonlyMap<string, ElementModel>;
  readonly flows: ReadonlyMap<string, FlowModel>;
  /** The process's none start event; '' when it only starts by timer or message. */
  readonly startEvent: string;
  /** Timer start events of the process. */
  readonly timerStarts: readonly string[];
  /** Event sub-processes by the id of the process or sub-process that contains them. */
  readonly eventSubProcesses: ReadonlyMap<string, readonly string[]>;
  /** For each flow into an inclusive join: the elements from which a token can still reach it. */
  readonly reachableFrom: ReadonlyMap<string, ReadonlySet<string>>;
}

/** One problem found while compiling; all are collected before a deploy is rejected. */
export interface Problem {
  elementId: string;
  elementType: string;
  message: string;
}
