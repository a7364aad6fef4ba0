// The world the BPMN scenario tests run in: one real server with the test clock, driven only
// through the public HTTP API (../shared/api-contract.md), and a clean-state check that reads the
// store underneath after every scenario. On MONGODB_URL the server runs on MongoDB (helpers.ts).

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { MongoStore } from '../../../engine/store/mongo.ts';
import type { InstanceState } from '../../../engine/types.ts';
import { TestServer, type HttpResult } from '../helpers.ts';

export type Vars = Record<string, unknown>;

export interface Instance {
  id: string;
  processKey: string;
  version: number;
  businessKey: string | null;
  state: 'active' | 'completed' | 'terminated' | 'canceled';
  variables: Vars;
  activeElements: string[];
  incidents: { id: string; elementId: string; type: string; message: string }[];
}

export interface Task {
  id: string;
  elementId: string;
  processInstanceId: string;
  processKey: string;
}

export interface Job {
  id: string;
  type: string;
  processInstanceId: string;
  elementId: string;
  variables: Vars;
  customHeaders: Record<string, string>;
  retries: number;
}

export interface Incident {
  id: string;
  processInstanceId: string;
  elementId: string;
  type: string;
  message: string;
}

export interface MessageResult {
  correlated: string[];
  started: string[];
  buffered: boolean;
}

export interface HistoryEntry {
  elementId: string;
  elementType: string;
  event: 'activated' | 'completed' | 'terminated' | 'taken';
}

/** What an instance still holds in the store; all zero for an instance that has ended. */
export interface Leftovers {
  elements: number;
  jobs: number;
  tasks: number;
  incidents: number;
  joins: number;
  timers: number;
  subscriptions: number;
  openTaskRecords: number;
  openIncidentRecords: number;
  jobRecords: number;
  timerRecords: number;
  subscriptionRecords: number;
}

let deployCount = 0;

export class World {
  /** A read-only connection to the server's SQLite file (WAL: every query sees the latest commit). */
  private reader: Database.Database | null = null;
  /** Instances an earlier scenario's check already covered, so one failure does not cascade. */
  private readonly checked = new Set<string>();

  private constructor(
    readonly server: TestServer,
    private readonly dataDir: string,
  ) {}

  static async start(): Promise<World> {
    // Our own data folder, so the clean-state check can open the SQLite file read-only beside the server.
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'karvon-scenarios-'));
    const server = await TestServer.start({ testClock: true, dataDir });
    return new World(server, dataDir);
  }

  async close(): Promise<void> {
    this.reader?.close();
    await this.server.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** An API call as admin (every role's routes are open to admin); fails loudly on an unexpected status. */
  async api<T = unknown>(method: string, urlPath: string, body?: unknown, expected = [200, 201]): Promise<T> {
    const res: HttpResult<T> = await this.server.as<T>('admin', method, urlPath, body === undefined ? {} : { body });
    if (!expected.includes(res.status)) throw new Error(`${method} ${urlPath} → ${res.status} ${res.text}`);
    return res.body;
  }

  async deploy(...diagrams: string[]): Promise<void> {
    const resources = diagrams.map((content) => ({ name: `scenario-${++deployCount}.bpmn`, content }));
    await this.api('POST', '/api/deployments', { resources });
  }

  /** Deploys and expects a 422 naming the problem; returns the error message and details as text. */
  async deployRejected(diagram: string): Promise<string> {
    const res = await this.server.as('admin', 'POST', '/api/deployments', { body: { resources: [{ name: `rejected-${++deployCount}.bpmn`, content: diagram }] } });
    expect(res.status, res.text).to.equal(422);
    return res.text;
  }

  async start(processKey: string, variables: Vars = {}, extra: { businessKey?: string; version?: number } = {}): Promise<string> {
    const created = await this.api<{ id: string }>('POST', '/api/process-instances', { processKey, variables, ...extra });
    await this.settle();
    return created.id;
  }

  instance(id: string): Promise<Instance> {
    return this.api<Instance>('GET', `/api/process-instances/${id}`);
  }

  async instances(processKey: string): Promise<Instance[]> {
    const list = await this.api<{ id: string }[]>('GET', `/api/process-instances?processKey=${encodeURIComponent(processKey)}`);
    return Promise.all(list.map((i) => this.instance(i.id)));
  }

  async stateOf(id: string): Promise<Instance['state']> {
    return (await this.instance(id)).state;
  }

  async active(id: string): Promise<string[]> {
    return [...(await this.instance(id)).activeElements].sort();
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return this.api<HistoryEntry[]>('GET', `/api/process-instances/${id}/history`);
  }

  /** Element ids that reached `event` in the instance's history, in order. */
  async trail(id: string, event: HistoryEntry['event'] = 'completed'): Promise<string[]> {
    return (await this.history(id)).filter((h) => h.event === event && h.elementType !== 'sequenceFlow').map((h) => h.elementId);
  }

  async tasks(instanceId: string): Promise<Task[]> {
    return this.api<Task[]>('GET', `/api/tasks?state=open&processInstanceId=${instanceId}`);
  }

  /** Completes the one open task at `elementId` in the instance. */
  async completeTask(instanceId: string, elementId: string, variables: Vars = {}): Promise<void> {
    const open = (await this.tasks(instanceId)).filter((t) => t.elementId === elementId);
    if (open.length !== 1) throw new Error(`expected one open task at ${elementId} in ${instanceId}, found ${open.length}`);
    await this.api('POST', `/api/tasks/${open[0].id}/complete`, { variables });
    await this.settle();
  }

  /** Leases every available job of a type (a scenario's types are its own). */
  async jobs(type: string, maxJobs = 50): Promise<Job[]> {
    const jobs = await this.api<Job[]>('POST', '/api/jobs/activate', { type, worker: 'scenario', maxJobs, lockMs: 60_000 });
    // A leased job is locked; release by letting nobody else ask: scenarios act on what they lease.
    return jobs.sort((a, b) => a.elementId.localeCompare(b.elementId) || Number(a.variables.loopCounter ?? 0) - Number(b.variables.loopCounter ?? 0));
  }

  /** Leases the single job of a type, failing when there is not exactly one. */
  async job(type: string): Promise<Job> {
    const jobs = await this.jobs(type);
    if (jobs.length !== 1) throw new Error(`expected one ${type} job, found ${jobs.length}: ${JSON.stringify(jobs.map((j) => j.elementId))}`);
    return jobs[0];
  }

  async completeJob(job: Job | string, variables: Vars = {}): Promise<void> {
    const id = typeof job === 'string' ? (await this.job(job)).id : job.id;
    await this.api('POST', `/api/jobs/${id}/complete`, { variables });
    await this.settle();
  }

  async failJob(job: Job, retries: number, errorMessage = 'boom', retryBackoffMs?: number): Promise<void> {
    await this.api('POST', `/api/jobs/${job.id}/fail`, { errorMessage, retries, ...(retryBackoffMs !== undefined ? { retryBackoffMs } : {}) });
    await this.settle();
  }

  async throwError(job: Job | string, errorCode: string, variables?: Vars): Promise<void> {
    const id = typeof job === 'string' ? (await this.job(job)).id : job.id;
    await this.api('POST', `/api/jobs/${id}/error`, { errorCode, errorMessage: `thrown ${errorCode}`, ...(variables ? { variables } : {}) });
    await this.settle();
  }

  async message(body: { name: string; correlationKey?: string; variables?: Vars; ttlMs?: number; messageId?: string }): Promise<MessageResult> {
    const result = await this.api<MessageResult>('POST', '/api/messages', body);
    await this.settle();
    return result;
  }

  async signal(name: string, variables: Vars = {}): Promise<number> {
    const result = await this.api<{ triggered: number }>('POST', '/api/signals', { name, variables });
    await this.settle();
    return result.triggered;
  }

  async incidents(instanceId: string): Promise<Incident[]> {
    return this.api<Incident[]>('GET', `/api/incidents?state=open&processInstanceId=${instanceId}`);
  }

  async resolve(incident: Incident): Promise<void> {
    await this.api('POST', `/api/incidents/${incident.id}/resolve`);
    await this.settle();
  }

  async cancel(instanceId: string): Promise<void> {
    await this.api('POST', `/api/process-instances/${instanceId}/cancel`);
    await this.settle();
  }

  async advance(ms: number): Promise<void> {
    await this.api('POST', '/api/clock', { addMs: ms });
  }

  async pin(at: string): Promise<void> {
    await this.api('POST', '/api/clock', { pin: at });
  }

  async now(): Promise<number> {
    return (await this.api<{ epochMs: number }>('GET', '/api/clock')).epochMs;
  }

  /**
   * Lets follow-up work finish (a child started or canceled by a call activity, a signal thrown
   * inside a command): moving the test clock by nothing answers once everything due has run.
   */
  async settle(): Promise<void> {
    await this.api('POST', '/api/clock', { addMs: 0 });
  }

  /** What the instance still holds: its own state record and the records derived from it. */
  async leftovers(instanceId: string): Promise<Leftovers> {
    const store = this.server.running.store;
    const state = (await store.getInstance(instanceId)) as InstanceState;
    const derived = await this.derivedRecords(instanceId);
    return {
      elements: Object.keys(state.elements).length,
      jobs: Object.keys(state.jobs).length,
      tasks: Object.keys(state.tasks).length,
      incidents: Object.keys(state.incidents).length,
      joins: Object.keys(state.joins).length,
      timers: Object.keys(state.timers ?? {}).length,
      subscriptions: Object.keys(state.subscriptions ?? {}).length,
      openTaskRecords: (await store.listTasks({ processInstanceId: instanceId, state: 'open' })).length,
      openIncidentRecords: (await store.listIncidents({ processInstanceId: instanceId, state: 'open' })).length,
      ...derived,
    };
  }

  /** Jobs, timers and subscriptions have no per-instance query on the port: read them where they live. */
  private async derivedRecords(instanceId: string): Promise<Pick<Leftovers, 'jobRecords' | 'timerRecords' | 'subscriptionRecords'>> {
    const store = this.server.running.store;
    if (store.kind === 'mongodb') {
      const db = (store as MongoStore).db;
      const live = { processInstanceId: instanceId, _gone: { $exists: false } };
      return {
        jobRecords: await db.collection('jobs').countDocuments(live),
        timerRecords: await db.collection('timers').countDocuments({ processInstanceId: instanceId }),
        subscriptionRecords: await db.collection('subscriptions').countDocuments(live),
      };
    }
    const db = this.sqlite();
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE process_instance_id = ?`).get(instanceId) as { n: number }).n;
    return { jobRecords: count('jobs'), timerRecords: count('timers'), subscriptionRecords: count('subscriptions') };
  }

  /** Start timers (of process versions, not instances) still scheduled. */
  async startTimers(): Promise<number> {
    const store = this.server.running.store;
    if (store.kind === 'mongodb') return (store as MongoStore).db.collection('timers').countDocuments({ processInstanceId: null });
    return (this.sqlite().prepare('SELECT count(*) AS n FROM timers WHERE process_instance_id IS NULL').get() as { n: number }).n;
  }

  private sqlite(): Database.Database {
    this.reader ??= new Database(path.join(this.dataDir, 'karvon.db'), { readonly: true, fileMustExist: true });
    return this.reader;
  }

  /**
   * The clean-state check after a scenario: every instance in the store has ended (a scenario
   * cancels what it leaves waiting, which is itself checked) and holds nothing: no element
   * instances, jobs, tasks, join tokens, timers, subscriptions or open incidents, neither in its
   * state record nor in the derived records beside it. No start timer is left scheduled.
   */
  async assertClean(): Promise<void> {
    await this.settle();
    const all = (await this.server.running.store.listInstances({})).filter((i) => !this.checked.has(i.id));
    all.forEach((i) => this.checked.add(i.id));
    const active = all.filter((i) => i.state === 'active');
    expect(active.map((i) => `${i.processKey} ${i.id}`), 'instances still active after the scenario').to.deep.equal([]);
    for (const instance of all) {
      const left = await this.leftovers(instance.id);
      const nonZero = Object.fromEntries(Object.entries(left).filter(([, n]) => n > 0));
      expect(nonZero, `${instance.processKey} ${instance.id} (${instance.state}) left state behind`).to.deep.equal({});
    }
    expect(await this.startTimers(), 'start timers still scheduled').to.equal(0);
  }
}

/**
 * A suite of scenarios on one server: each scenario ends with the clean-state check over the
 * instances it created. A failed scenario's leftovers are canceled afterwards so the next starts clean.
 */
export function describeScenarios(title: string, define: (scenario: (name: string, fn: (w: World) => Promise<void>) => void) => void): void {
  describe(`BPMN scenarios over HTTP: ${title}`, function () {
    let world: World;
    before(async () => {
      world = await World.start();
    });
    after(() => world?.close());
    afterEach(async function () {
      if (this.currentTest?.state !== 'failed') return;
      for (const i of await world.server.running.store.listInstances({ state: 'active' })) {
        await world.server.as('admin', 'POST', `/api/process-instances/${i.id}/cancel`);
      }
      await world.assertClean().catch(() => undefined);
    });
    define((name, fn) =>
      it(name, async () => {
        await fn(world);
        await world.assertClean();
      }),
    );
  });
}
