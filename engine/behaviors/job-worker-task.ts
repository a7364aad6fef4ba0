// Service, send and business-rule tasks: the engine never calls anything itself. Activation
// creates a job of the task's type; an adapter inside Karvon or an external worker completes,
// fails or errors it, and only then does the token move on.

import { str } from '../model/moddle.ts';
import type { ElementCompiler } from '../model/compile-context.ts';
import type { ElementModel } from '../model/types.ts';
import type { ElementInstance } from '../types.ts';
import type { Transition } from '../runtime/transition.ts';
import type { ElementBehavior } from './behavior.ts';

export function compileJob(c: ElementCompiler): void {
  const def = c.extension('zeebe:TaskDefinition');
  const type = def ? str(def, 'type') : undefined;
  if (!type || type.trim() === '') {
    c.problem(`${c.model.type.replace('bpmn:', '')} has no zeebe:taskDefinition type`);
    return;
  }
  const retries = def ? str(def, 'retries') : undefined;
  c.model.job = {
    type: c.expr(type, 'zeebe:taskDefinition type')!,
    retries: c.expr(retries ?? '3', 'zeebe:taskDefinition retries')!,
    headers: c.headers(),
  };
  c.model.resultVariable = c.model.job.headers.resultVariable ?? null;
  const { inputs, outputs } = c.mappings();
  c.model.inputs = inputs;
  c.model.outputs = outputs;
}

export function createJob(t: Transition, inst: ElementInstance, el: ElementModel): void {
  const def = el.job!;
  const type = t.evaluate(def.type, inst, 'job type');
  if (!type.ok) return;
  const retries = t.evaluate(def.retries, inst, 'job retries');
  if (!retries.ok) return;
  const count = Number(retries.value);
  const key = t.id();
  const job = { key, type: String(type.value), retries: Number.isFinite(count) && count >= 0 ? Math.floor(count) : 3, elementInstance: inst.key };
  t.state.jobs[key] = job;
  inst.job = key;
  putJob(t, inst, el, job.type, job.retries, key);
}

export function putJob(t: Transition, inst: ElementInstance, el: ElementModel, type: string, retries: number, key: string): void {
  t.effects.push({
    type: 'job.put',
    job: {
      key,
      type,
      processInstanceId: t.state.id,
      processKey: t.state.processKey,
      elementId: el.id,
      elementInstance: inst.key,
      retries,
      customHeaders: el.job!.headers,
      availableAt: t.now,
      lockOwner: null,
      lockExpiresAt: null,
      errorMessage: null,
      createdAt: t.iso,
    },
  });
}

export function cancelJob(t: Transition, inst: ElementInstance): void {
  if (!inst.job) return;
  delete t.state.jobs[inst.job];
  t.effects.push({ type: 'job.delete', key: inst.job });
  delete inst.job;
}

function jobBehavior(key: string): ElementBehavior {
  return {
    key,
    compile: compileJob,
    activate: createJob,
    terminate: cancelJob,
    retry(t, inst, el) {
      if (!inst.job) createJob(t, inst, el);
    },
  };
}

export const serviceTask = jobBehavior('bpmn:ServiceTask');
export const sendTask = jobBehavior('bpmn:SendTask');
/** Message end and intermediate throw events send their message through a job, as in Zeebe. */
export const messageEndEvent = jobBehavior('bpmn:EndEvent/message');
export const messageThrowEvent = jobBehavior('bpmn:IntermediateThrowEvent/message');

export const businessRuleTask: ElementBehavior = {
  ...jobBehavior('bpmn:BusinessRuleTask'),
  compile(c) {
    if (c.extension('zeebe:CalledDecision')) c.problem('DMN decisions (zeebe:calledDecision) are not executed by Karvon; give the task a zeebe:taskDefinition instead');
    else compileJob(c);
  },
};
