// Shared plumbing for the process scenarios over HTTP: start an instance, read it, find a user's
// task, complete it. Nothing here sleeps or polls. "Wait until the process gets there" settles the
// engine once — through the test clock route (`POST /api/clock {addMs: 0}`, which answers after
// everything due has been processed) when the server runs with the test clock, else through
// `engine.settle()` — and then looks exactly once; if the process is not there, it fails at once
// naming the instance state, active elements and incidents.

import { expect } from 'chai';
import { ManualClock } from '../../engine/clock.ts';
import type { TestServer } from '../server/helpers.ts';

export interface TaskSummary {
  id: string;
  name: string;
  elementId: string;
  candidateGroups: string[];
  candidateUsers: string[];
}
export interface TaskDetail extends TaskSummary {
  variables: Record<string, unknown>;
  form: { id: string; components: { type: string; text?: string; dataSource?: string }[] } | null;
}
export interface Instance {
  id: string;
  state: string;
  variables: Record<string, unknown>;
  activeElements: string[];
  incidents: { message: string }[];
}
export interface HistoryEntry {
  elementId: string;
  elementType: string;
  event: string;
}

export interface ProcessDriverOptions {
  /** The process key `start` starts. */
  processKey: string;
  /** Who starts instances. */
  startAs: string;
  /** Who reads instances and their history (default: anna, the analyst). */
  readAs?: string;
}

/** Runs until everything due in-process has been processed: deterministic, no timers. */
export async function settle(server: TestServer): Promise<void> {
  if (server.running.engine.clock instanceof ManualClock) {
    const res = await server.as('admin', 'POST', '/api/clock', { body: { addMs: 0 } });
    expect(res.status, res.text).to.equal(200);
  } else {
    await server.running.engine.settle();
  }
}

export class ProcessDriver {
  private readonly readAs: string;

  constructor(
    readonly server: TestServer,
    private readonly options: ProcessDriverOptions,
  ) {
    this.readAs = options.readAs ?? 'anna';
  }

  settle(): Promise<void> {
    return settle(this.server);
  }

  async start(variables: Record<string, unknown>): Promise<string> {
    const res = await this.server.as<{ id: string }>(this.options.startAs, 'POST', '/api/process-instances', {
      body: { processKey: this.options.processKey, variables },
    });
    expect(res.status, res.text).to.equal(201);
    return res.body.id;
  }

  async instance(id: string): Promise<Instance> {
    const res = await this.server.as<Instance>(this.readAs, 'GET', `/api/process-instances/${id}`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  }

  async openTasks(user: string, instanceId: string): Promise<TaskSummary[]> {
    const res = await this.server.as<TaskSummary[]>(user, 'GET', `/api/tasks?state=open&processInstanceId=${instanceId}`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  }

  /** Settles, then returns `user`'s open task `elementId` of the instance; fails at once if there is none. */
  async waitForTask(user: string, instanceId: string, elementId: string): Promise<TaskDetail> {
    await this.settle();
    const list = await this.openTasks(user, instanceId);
    const found = list.find((t) => t.elementId === elementId);
    if (!found) {
      const inst = await this.instance(instanceId);
      throw new Error(
        `no task ${elementId} for ${user} in instance ${instanceId}: state ${inst.state}, active ${inst.activeElements.join(',') || '(none)'}, ` +
          `incidents ${JSON.stringify(inst.incidents)}, ${user}'s open tasks ${JSON.stringify(list.map((t) => t.elementId))}`,
      );
    }
    const detail = await this.server.as<TaskDetail>(user, 'GET', `/api/tasks/${found.id}`);
    expect(detail.status, detail.text).to.equal(200);
    return detail.body;
  }

  async complete(user: string, taskId: string, variables: Record<string, unknown> = {}): Promise<void> {
    const res = await this.server.as(user, 'POST', `/api/tasks/${taskId}/complete`, { body: { variables } });
    expect(res.status, res.text).to.equal(200);
  }

  /** Settles, then returns the instance if it is in `state`; fails at once otherwise. */
  async waitForState(id: string, state: string): Promise<Instance> {
    await this.settle();
    const inst = await this.instance(id);
    if (inst.state !== state) {
      throw new Error(
        `instance ${id} is ${inst.state}, not ${state}: active ${inst.activeElements.join(',') || '(none)'}, incidents ${JSON.stringify(inst.incidents)}`,
      );
    }
    return inst;
  }

  async history(id: string): Promise<HistoryEntry[]> {
    const res = await this.server.as<HistoryEntry[]>(this.readAs, 'GET', `/api/process-instances/${id}/history`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  }

  /** The end events the instance completed at. */
  async endedAt(id: string): Promise<string[]> {
    return (await this.history(id)).filter((h) => /endEvent$/i.test(h.elementType) && h.event === 'completed').map((h) => h.elementId);
  }
}
