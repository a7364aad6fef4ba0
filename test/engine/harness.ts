// Test harness for the pure core: compile a diagram, apply commands with a fixed clock and
// predictable ids, and look at state and effects without any store.

import { instanceVariableBytes } from '../../engine/runtime/variable-size.ts';
import { compileDefinitions } from '../../engine/model/compile.ts';
import { parseBpmnXml } from '../../engine/model/xml.ts';
import type { ProcessModel, Problem } from '../../engine/model/types.ts';
import { step, type Command } from '../../engine/step.ts';
import type { Effect, InstanceState, TaskRecord, Variables } from '../../engine/types.ts';

export const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"';

/** Wraps process contents into a definitions document. `extra` goes beside the process. */
export function bpmn(processId: string, body: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="defs" targetNamespace="http://karvon.test">
  ${extra}
  <bpmn:process id="${processId}" isExecutable="true">
${body}
  </bpmn:process>
</bpmn:definitions>`;
}

export function flow(id: string, from: string, to: string, condition?: string): string {
  if (!condition) return `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"/>`;
  return `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"><bpmn:conditionExpression>${condition.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</bpmn:conditionExpression></bpmn:sequenceFlow>`;
}

export function serviceTask(id: string, type: string, ext = ''): string {
  return `<bpmn:serviceTask id="${id}"><bpmn:extensionElements><zeebe:taskDefinition type="${type}"/>${ext}</bpmn:extensionElements></bpmn:serviceTask>`;
}

export function userTask(id: string, ext = ''): string {
  return `<bpmn:userTask id="${id}" name="${id}"><bpmn:extensionElements>${ext}</bpmn:extensionElements></bpmn:userTask>`;
}

export async function compile(xml: string): Promise<{ models: ProcessModel[]; problems: Problem[] }> {
  const parsed = await parseBpmnXml('test.bpmn', xml);
  const { processes, problems } = compileDefinitions(parsed.definitions, parsed.warnings);
  return { models: processes.map((p) => Object.freeze({ ...p.model, definitionId: `${p.key}:1`, version: 1 })), problems };
}

export async function model(xml: string): Promise<ProcessModel> {
  const { models, problems } = await compile(xml);
  if (problems.length) throw new Error(`unexpected problems: ${JSON.stringify(problems)}`);
  return models[0];
}

/** One instance driven command by command; keeps every effect for assertions. */
export class Sim {
  state: InstanceState | null = null;
  effects: Effect[] = [];
  last: Effect[] = [];
  now = Date.parse('2026-03-01T09:00:00.000Z');
  private n = 0;

  constructor(readonly model: ProcessModel) {}

  apply(command: Command): this {
    const result = step(this.model, this.state, command, { now: this.now, newId: () => `k${++this.n}` });
    this.state = result.state;
    // The running size must match a full measure after every command, or the bound drifts.
    const measured = instanceVariableBytes(result.state);
    if (result.state.varBytes !== measured) {
      throw new Error(`running variable size ${result.state.varBytes} != measured ${measured} after ${command.type}`);
    }
    this.last = result.effects;
    this.effects.push(...result.effects);
    return this;
  }

  start(variables: Variables = {}): this {
    return this.apply({ type: 'start', instanceId: 'pi-1', variables });
  }

  get s(): InstanceState {
    if (!this.state) throw new Error('not started');
    return this.state;
  }

  active(): string[] {
    return Object.values(this.s.elements).filter((e) => e.key !== '0').map((e) => e.elementId).sort();
  }

  job(elementId: string): string {
    const inst = Object.values(this.s.elements).find((e) => e.elementId === elementId && e.job);
    if (!inst?.job) throw new Error(`no job at ${elementId}; active: ${this.active().join(', ')}`);
    return inst.job;
  }

  task(elementId: string): string {
    const inst = Object.values(this.s.elements).find((e) => e.elementId === elementId && e.task);
    if (!inst?.task) throw new Error(`no task at ${elementId}; active: ${this.active().join(', ')}`);
    return inst.task;
  }

  completeJob(elementId: string, variables: Variables = {}): this {
    return this.apply({ type: 'completeJob', jobKey: this.job(elementId), variables });
  }

  completeTask(elementId: string, variables: Variables = {}): this {
    return this.apply({ type: 'completeTask', taskId: this.task(elementId), variables });
  }

  vars(): Variables {
    return this.s.vars['0'] ?? {};
  }

  /** The order in which elements were completed, flows taken, etc. */
  trail(event: 'activated' | 'completed' | 'terminated' | 'taken'): string[] {
    return this.effects.flatMap((e) => (e.type === 'history' && e.record.event === event ? [e.record.elementId] : []));
  }

  tasks(): TaskRecord[] {
    return this.effects.flatMap((e) => (e.type === 'task.put' ? [e.task] : []));
  }

  incidents(): string[] {
    return Object.values(this.s.incidents).map((i) => i.message);
  }

  /** Clean-state check: an ended instance keeps nothing waiting. */
  assertClean(): void {
    const s = this.s;
    const left = {
      elements: Object.keys(s.elements).length,
      jobs: Object.keys(s.jobs).length,
      tasks: Object.keys(s.tasks).length,
      incidents: Object.keys(s.incidents).length,
      joins: Object.keys(s.joins).length,
      timers: Object.keys(s.timers ?? {}).length,
      subscriptions: Object.keys(s.subscriptions ?? {}).length,
      conditions: Object.keys(s.conditions ?? {}).length,
      compensable: (s.compensable ?? []).length,
    };
    if (Object.values(left).some((n) => n > 0)) throw new Error(`instance ${s.status} but state left behind: ${JSON.stringify(left)}`);
  }
}
