// The contract between the generic token mechanics (engine/runtime/transition.ts) and the one
// file per BPMN element type that says what that element does.

import type { ElementModel, FlowModel } from '../model/types.ts';
import type { ElementInstance, Variables } from '../types.ts';
import type { Transition } from '../runtime/transition.ts';
import type { ElementCompiler } from '../model/compile-context.ts';

export interface ElementBehavior {
  /** Registry key: the BPMN type, plus `/kind` for events that differ by event definition. */
  readonly key: string;
  /** Reads the element's own attributes and extensions into the model; reports problems. */
  compile?(c: ElementCompiler): void;
  /**
   * A token arrives over `flowId` (null when a scope starts it). The default creates an element
   * instance and activates it; joining gateways override this to wait for their other tokens.
   */
  arrive?(t: Transition, el: ElementModel, scope: string, flowId: string | null): void;
  /** The element instance exists and its input mappings are applied. */
  activate(t: Transition, inst: ElementInstance, el: ElementModel): void;
  /**
   * Chooses the outgoing flows when the element completes. Returns null after raising an
   * incident (the element stays active until the incident is resolved).
   */
  leave?(t: Transition, inst: ElementInstance, el: ElementModel): readonly string[] | null;
  /** Releases what the element waits on (job, task) when it is terminated. */
  terminate?(t: Transition, inst: ElementInstance, el: ElementModel): void;
  /** For scopes: the last token inside finished. */
  scopeDone?(t: Transition, inst: ElementInstance, el: ElementModel): void;
  /** For boundary events: the host activity just activated; open what this event waits for. */
  attach?(t: Transition, host: ElementInstance, el: ElementModel): void;
  /**
   * The awaited event happened (timer due, message arrived). `owner` is the catch event's own
   * instance, or the host activity's for a boundary event.
   */
  trigger?(t: Transition, owner: ElementInstance, el: ElementModel, variables: Variables | null): void;
  /** Checks the element once its flows are wired (with every element of the process at hand); returns one message per problem. */
  validate?(el: ElementModel, flows: ReadonlyMap<string, FlowModel>, elements: ReadonlyMap<string, ElementModel>): string[];
  /** Retries the step that raised an incident on this element (after the incident is resolved). */
  retry?(t: Transition, inst: ElementInstance, el: ElementModel): void;
}
