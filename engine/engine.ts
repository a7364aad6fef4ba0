// The engine's library API, wrapped by the server. It loads an instance, applies the pure `step`,
// and commits state plus effects with a revision check. Commands for one instance run one at a
// time inside this process; across processes the revision check serializes them (the loser
// reloads and tries again), so parallel branches never collide at a join.

import { hostname } from 'node:os';
import { ManualClock, SystemClock, RandomIds } from './clock.ts';
import { resolveCalledVersion } from './called-version.ts';
import { Deployer, type DeployCheck, type DeployResult } from './deployments.ts';
import { ConflictError, KarvonError, NotFoundError, ValidationError } from './errors.ts';
import { JobRunner, LOCK_MS } from './runtime/job-runner.ts';
import { StoreTimerDriver } from './runtime/store-timer-driver.ts';
import type { TimerDriver, TimerHost } from './runtime/timer-driver.ts';
import type { MongoStore } from './store/mongo.ts';
import { addDuration } from './timers.ts';
import { ROOT, visibleVariables, type CallFollowUp } from './runtime/transition.ts';
import { Messaging, type MessageInput, type MessageResult } from './runtime/messaging.ts';
import type { ProcessModel } from './model/types.ts';
import { EMBEDDED_FORM_PREFIX } from './model/compile.ts';
import { step, type Command, type StepResult } from './step.ts';
import type { Clock, IdGenerator, InProcessJobHandler } from './ports.ts';
import type {
  DefinitionRecord,
  DeploymentResource,
  IncidentFilter,
  InstanceFilter,
  Store,
  TaskFilter,
  TimerNext,
} from './store/port.ts';
import type {
  Effect,
  HistoryRecord,
  IncidentRecord,
  InstanceState,
  InstanceSummary,
  Json,
  JobRecord,
  TaskRecord,
  TimerRecord,
  Variables,
} from './types.ts';

export interface EngineLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface EngineOptions {
  store: Store;
  clock?: Clock;
  ids?: IdGenerator;
  handlers?: InProcessJobHandler[];
  logger?: EngineLogger;
  /**
   * Name of this node for job leases. Keep it stable across restarts (the server uses
   * KARVON_NODE_ID, else host name and port): a restarted node releases what it held before.
   */
  workerId?: string;
  /** How often to look for jobs made elsewhere or due after a backoff; 0 disables polling. */
  pollMs?: number;
  /**
   * Lease of an in-process job (default LOCK_MS, 2 min): how long a node that died mid-job keeps
   * it from the others. Multi-node tests shorten it to see a killed node's jobs taken over.
   */
  jobLockMs?: number;
  /** Host validation run on every deploy after the engine's own; its details reject with 422. */
  deployCheck?: DeployCheck;
  /**
   * What wakes the engine up for timers: 'agenda' (the default on MongoDB: one agenda job per
   * timer due time) or 'store' (the only one on SQLite, and a choice on MongoDB: a clock wake-up
   * for the earliest timer in the store, and polling). See docs/mongodb.md.
   */
  timerDriver?: 'store' | 'agenda';
  /** How often agenda looks for due timer jobs, ms (default 1000). */
  agendaProcessEveryMs?: number;
}

export type EngineEvent =
  | { type: 'task.created' | 'task.updated' | 'task.completed' | 'task.canceled'; taskId: string; instanceId: string }
  | { type: 'instance.updated' | 'instance.ended'; instanceId: string }
  | { type: 'incident.created' | 'incident.resolved'; incidentId: string; instanceId: string }
  | { type: 'command'; command: string; durationMs: number; ok: boolean };

export interface InstanceView extends InstanceSummary {
  variables: Variables;
  activeElements: string[];
  incidents: IncidentRecord[];
}

export interface ActivatedJob {
  id: string;
  type: string;
  processInstanceId: string;
  elementId: string;
  variables: Variables;
  customHeaders: Record<string, string>;
  retries: number;
}

const MAX_COMMIT_ATTEMPTS = 8;

const silent: EngineLogger = { info() {}, warn() {}, error() {} };

export class Engine {
  readonly store: Store;
  readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly deployer: Deployer;
  private readonly messaging: Messaging;
  private readonly runner: JobRunner;
  private timers: TimerDriver;
  private readonly timerHost: TimerHost;
  private readonly logger: EngineLogger;
  readonly workerId: string;
  private readonly jobLockMs: number;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private pollTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];

  private constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock ?? new SystemClock();
    this.ids = options.ids ?? new RandomIds();
    this.logger = options.logger ?? silent;
    this.workerId = options.workerId ?? hostname();
    this.jobLockMs = options.jobLockMs ?? LOCK_MS;
    this.deployer = new Deployer(this.store, this.ids, () => this.clock.now(), options.deployCheck);
    this.messaging = new Messaging({
      store: this.store,
      clock: this.clock,
      ids: this.ids,
      command: (instanceId, command) => this.command(instanceId, command),
      startAt: (start, variables, businessKey) => this.startAt(start, variables, businessKey),
      latestModels: () => this.latestModels(),
      warn: (fields, message) => this.logger.warn(fields, message),
    });
    this.runner = new JobRunner(
      {
        store: this.store,
        clock: this.clock,
        workerId: this.workerId,
        lockMs: this.jobLockMs,
        jobVariables: (job) => this.jobVariables(job),
        completeJob: (key, variables, instanceId) => this.completeJob(key, variables, instanceId, true),
        failJob: (key, input) => this.failJob(key, input),
        throwJobError: (key, input) => this.throwJobError(key, input),
        log: (level, message, fields) => this.logger[level](fields, message),
      },
      options.handlers ?? [],
    );
    this.timerHost = {
      store: this.store,
      clock: this.clock,
      fireInstanceTimer: (timer) => this.fireInstanceTimer(timer),
      fireStartTimer: (timer) => this.fireStartTimer(timer),
      log: (message, fields) => this.logger.warn(fields, message),
    };
    this.timers = new StoreTimerDriver(this.timerHost);
  }

  /** Agenda on MongoDB unless told otherwise; loaded only then, so nobody else loads it. */
  private async chooseTimerDriver(options: EngineOptions): Promise<void> {
    if ((options.timerDriver ?? (this.store.kind === 'mongodb' ? 'agenda' : 'store')) === 'store') return;
    if (this.store.kind !== 'mongodb') throw new KarvonError(500, 'INTERNAL', 'the agenda timer driver needs the MongoDB store');
    const { AgendaTimerDriver } = await import('./runtime/agenda-timer-driver.ts');
    this.timers = new AgendaTimerDriver(this.timerHost, this.store as MongoStore, {
      nodeId: this.workerId,
      processEveryMs: options.agendaProcessEveryMs,
      // A firing is one short command; a dead node's timers need not wait a whole job lease.
      lockLifetimeMs: Math.min(this.jobLockMs, 60_000),
      // Agenda compares due times with the real clock; an injected clock drives fireDue instead.
      process: this.clock instanceof SystemClock,
    });
  }

  get timerDriver(): TimerDriver['kind'] {
    return this.timers.kind;
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await engine.chooseTimerDriver(options);
    await engine.store.releaseJobLocks(engine.workerId);
    for (const type of await engine.store.jobTypes()) engine.knownTypes.add(type);
    engine.runner.pokeAll(engine.knownTypes);
    await engine.timers.start();
    const pollMs = options.pollMs ?? (options.clock ? 0 : 1000);
    if (pollMs > 0) {
      engine.pollTimer = setInterval(() => {
        engine.runner.pokeAll(engine.knownTypes);
        engine.timers.poll();
      }, pollMs);
      engine.pollTimer.unref();
    }
    return engine;
  }

  on(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger.warn({ error: (err as Error).message }, 'engine event listener failed');
      }
    }
  }

  // --------------------------------------------------------------------------------------------
  // Deployments and processes

  async deploy(resources: DeploymentResource[], opts: { deployedBy?: string } = {}): Promise<DeployResult> {
    const result = await this.deployer.deploy(resources, opts.deployedBy ?? null);
    if (result.created) this.messaging.processesChanged();
    // A new version may bring timer start events: re-arm the scheduler.
    if (result.created) this.timers.poll();
    return result;
  }

  async listProcesses(): Promise<Array<{ key: string; version: number; name: string | null }>> {
    const latest = new Map<string, { key: string; version: number; name: string | null }>();
    for (const d of await this.store.listDefinitions()) {
      const cur = latest.get(d.key);
      if (!cur || cur.version < d.version) latest.set(d.key, { key: d.key, version: d.version, name: d.name });
    }
    return [...latest.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The executable model of one deployed process version (by definition id). */
  processModel(definitionId: string): Promise<ProcessModel> {
    return this.deployer.model(definitionId);
  }

  /** The executable model of the latest version of every deployed process. */
  async latestModels(): Promise<ProcessModel[]> {
    const models: ProcessModel[] = [];
    for (const p of await this.listProcesses()) {
      const def = await this.store.findDefinition(p.key);
      if (def) models.push(await this.deployer.model(def.id));
    }
    return models;
  }

  async getProcess(key: string): Promise<{
    key: string;
    version: number;
    name: string | null;
    versions: Array<{ version: number; name: string | null; deployedAt: string; deployedBy: string | null; deploymentId: string; versionTag?: string }>;
  }> {
    const defs = await this.store.listDefinitions(key);
    if (defs.length === 0) throw new NotFoundError(`process '${key}' is not deployed`);
    const latest = defs.reduce((a, b) => (b.version > a.version ? b : a));
    return {
      key,
      version: latest.version,
      name: latest.name,
      // versionTag only when the version has one, so untagged processes read as before.
      versions: defs.map((d) => ({
        version: d.version,
        name: d.name,
        deployedAt: d.deployedAt,
        deployedBy: d.deployedBy,
        deploymentId: d.deploymentId,
        ...(d.versionTag ? { versionTag: d.versionTag } : {}),
      })),
    };
  }

  async getProcessXml(key: string, version?: number): Promise<string> {
    const def = await this.store.findDefinition(key, version);
    if (!def) throw new NotFoundError(version ? `process '${key}' has no version ${version}` : `process '${key}' is not deployed`);
    return this.deployer.xml(def);
  }

  /**
   * A form by deployed form id or form key. An embedded form (`camunda-forms:bpmn:<id>`) is only
   * unique within its diagram, so it needs the process (latest version unless one is given).
   */
  async getForm(formKey: string | null, context?: { processKey: string; version?: number }): Promise<Json | null> {
    if (!formKey?.startsWith(EMBEDDED_FORM_PREFIX)) return this.deployer.form(formKey);
    if (!context) return null;
    const def = await this.store.findDefinition(context.processKey, context.version);
    if (!def) return null;
    return (await this.deployer.model(def.id)).embeddedForms.get(formKey.slice(EMBEDDED_FORM_PREFIX.length)) ?? null;
  }

  // --------------------------------------------------------------------------------------------
  // Instances

  async startInstance(
    input: { processKey: string; version?: number; versionTag?: string; businessKey?: string | null; variables?: Variables },
    opts: { startedBy?: string | null } = {},
  ): Promise<InstanceSummary> {
    const def = await this.definitionToStart(input);
    const model = await this.deployer.model(def.id);
    const started = Date.now();
    let ok = false;
    try {
      const result = step(
        model,
        null,
        { type: 'start', instanceId: this.ids.next(), businessKey: input.businessKey ?? null, variables: input.variables, startedBy: opts.startedBy ?? null },
        this.stepContext(),
      );
      this.preLease(result.effects);
      await this.store.createInstance(result.state, result.effects);
      await this.after(result);
      ok = true;
      return summary(result.state);
    } finally {
      this.emit({ type: 'command', command: 'start', durationMs: Date.now() - started, ok });
    }
  }

  /** The version a start asks for: a number, the highest version with a version tag, or the latest. */
  private async definitionToStart(input: { processKey: string; version?: number; versionTag?: string }): Promise<DefinitionRecord> {
    if (input.versionTag !== undefined) {
      if (input.version !== undefined) {
        throw new ValidationError('give either version or versionTag, not both', [{ path: '/body/versionTag', message: 'must not be combined with version' }]);
      }
      const tagged = await this.store.findDefinitionByVersionTag(input.processKey, input.versionTag);
      if (!tagged) throw new NotFoundError(`process '${input.processKey}' has no version with version tag '${input.versionTag}'`);
      return tagged;
    }
    const def = await this.store.findDefinition(input.processKey, input.version);
    if (!def) {
      throw new NotFoundError(input.version ? `process '${input.processKey}' has no version ${input.version}` : `process '${input.processKey}' is not deployed`);
    }
    return def;
  }

  async getInstance(id: string): Promise<InstanceView> {
    const state = await this.instanceOrThrow(id);
    return {
      ...summary(state),
      variables: state.vars[ROOT] ?? {},
      activeElements: Object.values(state.elements).filter((e) => e.key !== ROOT).map((e) => e.elementId),
      incidents: await this.incidentsWithChildren(state),
    };
  }

  /** Open incidents of an instance and of the instances its call activities wait for. */
  private async incidentsWithChildren(state: InstanceState, depth = 0): Promise<IncidentRecord[]> {
    const own = await this.store.listIncidents({ processInstanceId: state.id, state: 'open' });
    if (depth > 10) return own;
    for (const inst of Object.values(state.elements)) {
      if (!inst.child) continue;
      const child = await this.store.getInstance(inst.child);
      if (child) own.push(...(await this.incidentsWithChildren(child, depth + 1)));
    }
    return own;
  }

  /** The raw durable state, for operations tooling and tests. */
  getInstanceState(id: string): Promise<InstanceState | null> {
    return this.store.getInstance(id);
  }

  listInstances(filter: InstanceFilter): Promise<InstanceSummary[]> {
    return this.store.listInstances(filter);
  }

  async history(id: string): Promise<Array<Pick<HistoryRecord, 'elementId' | 'elementType' | 'event' | 'at'>>> {
    await this.instanceOrThrow(id);
    const rows = await this.store.history(id);
    return rows.map((r) => ({ elementId: r.elementId, elementType: r.elementType, event: r.event, at: r.at }));
  }

  async cancelInstance(id: string): Promise<void> {
    await this.command(id, { type: 'cancel' });
  }

  async setVariables(id: string, variables: Variables, scope?: string): Promise<void> {
    await this.command(id, { type: 'setVariables', variables, scope });
  }

  // --------------------------------------------------------------------------------------------
  // User tasks

  listTasks(filter: TaskFilter): Promise<TaskRecord[]> {
    return this.store.listTasks(filter);
  }

  async getTask(id: string): Promise<TaskRecord & { variables: Variables; form: Json | null }> {
    const task = await this.taskOrThrow(id);
    const state = await this.store.getInstance(task.processInstanceId);
    let variables: Variables = {};
    if (state) {
      const open = state.tasks[id];
      variables = open ? this.visible(state, open.elementInstance) : (state.vars[ROOT] ?? {});
    }
    return { ...task, variables, form: await this.getForm(task.formKey, { processKey: task.processKey, version: task.processVersion }) };
  }

  async claimTask(id: string, username: string): Promise<TaskRecord> {
    const task = await this.taskOrThrow(id);
    await this.command(task.processInstanceId, { type: 'claimTask', taskId: id, user: username }, () => this.taskClosedError(id));
    return this.taskOrThrow(id);
  }

  async unclaimTask(id: string): Promise<TaskRecord> {
    const task = await this.taskOrThrow(id);
    await this.command(task.processInstanceId, { type: 'unclaimTask', taskId: id }, () => this.taskClosedError(id));
    return this.taskOrThrow(id);
  }

  async assignTask(id: string, assignee: string | null): Promise<TaskRecord> {
    const task = await this.taskOrThrow(id);
    await this.command(task.processInstanceId, { type: 'assignTask', taskId: id, assignee }, () => this.taskClosedError(id));
    return this.taskOrThrow(id);
  }

  async completeTask(id: string, variables: Variables = {}, opts: { actor?: string | null } = {}): Promise<void> {
    const task = await this.taskOrThrow(id);
    if (task.state !== 'open') throw await this.taskClosedError(id);
    await this.command(task.processInstanceId, { type: 'completeTask', taskId: id, variables, actor: opts.actor ?? null }, () => this.taskClosedError(id));
  }

  private async taskOrThrow(id: string): Promise<TaskRecord> {
    const task = await this.store.getTask(id);
    if (!task) throw new NotFoundError(`task ${id} not found`);
    return task;
  }

  /** A conflict that says who closed the task and when, for the inbox to show. */
  private async taskClosedError(id: string): Promise<KarvonError> {
    const task = await this.store.getTask(id);
    if (task?.state === 'completed') {
      return new ConflictError(`task '${task.name}' was already completed${task.completedBy ? ` by ${task.completedBy}` : ''} at ${task.completedAt}`, [
        { path: '/taskId', message: `completed${task.completedBy ? ` by ${task.completedBy}` : ''} at ${task.completedAt}` },
      ]);
    }
    if (task?.state === 'canceled') return new ConflictError(`task '${task.name}' was canceled at ${task.completedAt}`);
    return new ConflictError(`task ${id} is no longer open`);
  }

  // --------------------------------------------------------------------------------------------
  // Jobs

  async activateJobs(input: { type: string; worker: string; maxJobs: number; lockMs: number }): Promise<ActivatedJob[]> {
    const jobs = await this.store.activateJobs({ ...input, now: this.clock.now() });
    const out: ActivatedJob[] = [];
    for (const job of jobs) {
      out.push({
        id: job.key,
        type: job.type,
        processInstanceId: job.processInstanceId,
        elementId: job.elementId,
        variables: await this.jobVariables(job),
        customHeaders: job.customHeaders,
        retries: job.retries,
      });
    }
    return out;
  }

  /**
   * `instanceId` is for a caller that holds the job record already (the in-process job runner):
   * the job is not read again, and the step still refuses a job that is no longer active there.
   * `inProcess`: the result comes from an adapter run by this engine, so a result over the
   * instance variable bound becomes an incident instead of an error to the caller.
   */
  async completeJob(key: string, variables: Variables = {}, instanceId?: string, inProcess = false): Promise<void> {
    const processInstanceId = instanceId ?? (await this.jobOrThrow(key)).processInstanceId;
    await this.command(processInstanceId, { type: 'completeJob', jobKey: key, variables, ...(inProcess ? { inProcess } : {}) });
  }

  async failJob(key: string, input: { errorMessage: string; retries: number; retryBackoffMs?: number }): Promise<void> {
    const job = await this.jobOrThrow(key);
    await this.command(job.processInstanceId, { type: 'failJob', jobKey: key, retries: input.retries, errorMessage: input.errorMessage, backoffMs: input.retryBackoffMs });
  }

  async throwJobError(key: string, input: { errorCode: string; errorMessage?: string; variables?: Variables }): Promise<void> {
    const job = await this.jobOrThrow(key);
    await this.command(job.processInstanceId, { type: 'throwError', jobKey: key, errorCode: input.errorCode, errorMessage: input.errorMessage, variables: input.variables });
  }

  private async jobOrThrow(key: string): Promise<JobRecord> {
    const job = await this.store.getJob(key);
    if (!job) throw new NotFoundError(`job ${key} not found or no longer active`);
    return job;
  }

  private async jobVariables(job: JobRecord): Promise<Variables> {
    const state = await this.store.getInstance(job.processInstanceId);
    if (!state || !state.elements[job.elementInstance]) return {};
    return this.visible(state, job.elementInstance);
  }

  // --------------------------------------------------------------------------------------------
  // Messages and signals (engine/runtime/messaging.ts)

  correlateMessage(input: MessageInput): Promise<MessageResult> {
    return this.messaging.correlate(input);
  }

  broadcastSignal(name: string, variables: Variables = {}): Promise<{ triggered: number }> {
    return this.messaging.broadcast(name, variables);
  }

  /** Starts an instance at a given start event (timer, message or signal start). */
  private async startAt(start: { definitionId: string; elementId: string }, variables: Variables, businessKey: string | null): Promise<InstanceSummary> {
    const model = await this.deployer.model(start.definitionId);
    const result = step(model, null, { type: 'start', instanceId: this.ids.next(), startElement: start.elementId, variables, businessKey }, this.stepContext());
    this.preLease(result.effects);
    await this.store.createInstance(result.state, result.effects);
    await this.after(result);
    return summary(result.state);
  }

  // --------------------------------------------------------------------------------------------
  // Incidents

  listIncidents(filter: IncidentFilter): Promise<IncidentRecord[]> {
    return this.store.listIncidents(filter);
  }

  async resolveIncident(id: string): Promise<void> {
    const incident = await this.store.getIncident(id);
    if (!incident) throw new NotFoundError(`incident ${id} not found`);
    if (incident.state !== 'open') throw new ConflictError(`incident ${id} is already resolved`);
    await this.command(incident.processInstanceId, { type: 'resolveIncident', incidentId: id });
  }

  // --------------------------------------------------------------------------------------------
  // Time and background work

  private async fireInstanceTimer(timer: TimerRecord): Promise<void> {
    try {
      await this.command(timer.processInstanceId!, { type: 'fireTimer', timerId: timer.id });
    } catch (err) {
      if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
      // Another node fired it, or the instance no longer has it: make sure the row is gone.
      const state = await this.store.getInstance(timer.processInstanceId!);
      if (!state?.timers?.[timer.id]) await this.store.deleteTimer(timer.id);
    }
  }

  private async fireStartTimer(timer: TimerRecord): Promise<void> {
    let next: TimerNext | null = null;
    if (timer.repeat && timer.repeat.remaining !== 0) {
      const remaining = timer.repeat.remaining === null ? null : timer.repeat.remaining - 1;
      next = { dueAt: addDuration(timer.dueAt, timer.repeat.interval), repeat: { interval: timer.repeat.interval, remaining } };
    }
    if (!(await this.store.claimStartTimer(timer.id, timer.dueAt, next))) return;
    await this.startAt({ definitionId: timer.definitionId, elementId: timer.elementId }, {}, null);
  }

  /** Test clock only: moves the manual clock and returns once everything due by then has run. */
  async advanceClock(to: { addMs: number } | { pin: number }): Promise<number> {
    if (!(this.clock instanceof ManualClock)) throw new KarvonError(404, 'NOT_FOUND', 'the test clock is not enabled');
    const target = 'addMs' in to ? this.clock.now() + to.addMs : to.pin;
    if (target < this.clock.now()) throw new ValidationError('the test clock cannot move backwards', [{ path: '/body/pin', message: 'before the current engine time' }]);
    // Step through every wake-up on the way, so a timer due at 10:00 fires before one at 10:05
    // sees the state the first one left.
    for (;;) {
      await this.settle();
      const next = await this.store.nextTimerDueAt();
      if (next === null || next > target) break;
      this.clock.moveTo(Math.max(next, this.clock.now()));
      await this.timers.fireDue();
    }
    this.clock.moveTo(target);
    await this.timers.fireDue();
    await this.settle();
    return this.clock.now();
  }

  /** Resolves once in-process jobs that are due have run and nothing is left in flight. */
  async settle(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      this.runner.pokeAll(this.knownTypes);
      await this.runner.idle();
      await this.timers.idle();
      if (this.inFlight > 0) {
        await new Promise<void>((r) => this.drainWaiters.push(r));
        continue;
      }
      if ((await this.dueHandledJobs()) === 0) return;
    }
  }

  private async dueHandledJobs(): Promise<number> {
    const types = [...this.knownTypes].filter((t) => this.runner.handles(t));
    return types.length ? this.store.countAvailableJobs(types, this.clock.now()) : 0;
  }

  private readonly knownTypes = new Set<string>();

  /** Counts work in flight so `settle` and `close` wait for it. */
  private async counted<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) {
        const waiters = this.drainWaiters;
        this.drainWaiters = [];
        waiters.forEach((w) => w());
      }
    }
  }

  /** Background work started by a commit; its failure is logged, not thrown at anyone. */
  private track(work: () => Promise<void>): void {
    void this.counted(work).catch((err: Error) => this.logger.warn({ error: err.message }, 'background work failed'));
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.runner.close();
    await this.timers.close();
    await this.runner.idle();
    while (this.inFlight > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  // --------------------------------------------------------------------------------------------
  // Command application

  private stepContext() {
    return { now: this.clock.now(), newId: () => this.ids.next() };
  }

  /** Runs one command for an instance: one at a time per instance, retried on a stale revision. */
  private command(instanceId: string, command: Command, onConflict?: () => Promise<KarvonError>): Promise<StepResult> {
    const previous = this.queues.get(instanceId) ?? Promise.resolve();
    const run = previous.then(() => this.applyWithRetry(instanceId, command, onConflict));
    const tail = run.catch(() => undefined);
    this.queues.set(instanceId, tail);
    void tail.then(() => {
      if (this.queues.get(instanceId) === tail) this.queues.delete(instanceId);
    });
    // Follow-ups that belong to the command (a buffered message for a subscription it opened)
    // are awaited outside the instance's queue, since they queue commands of their own.
    return run.then(async ({ result, settled }) => {
      await settled;
      return result;
    });
  }

  private applyWithRetry(instanceId: string, command: Command, onConflict?: () => Promise<KarvonError>): Promise<{ result: StepResult; settled: Promise<void> }> {
    const started = Date.now();
    let ok = false;
    return this.counted(async () => {
      try {
        for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
          const current = await this.instanceOrThrow(instanceId);
          const expectedRev = current.rev;
          const model = await this.deployer.model(current.definitionId);
          let result: StepResult;
          try {
            result = step(model, current, command, this.stepContext(), true);
          } catch (err) {
            if (err instanceof ConflictError && onConflict) throw await onConflict();
            throw err;
          }
          this.preLease(result.effects);
          if (await this.store.commitInstance(result.state, expectedRev, result.effects)) {
            const settled = this.after(result);
            ok = true;
            return { result, settled };
          }
        }
        throw new ConflictError(`process instance ${instanceId} kept changing under ${command.type}; try again`);
      } finally {
        this.emit({ type: 'command', command: command.type, durationMs: Date.now() - started, ok });
      }
    });
  }

  /** Carries a call activity's work to the other instance: start or cancel a child, report to a parent. */
  private async followCall(c: CallFollowUp): Promise<void> {
    const ignoreGone = (err: unknown) => {
      if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
    };
    if (c.kind === 'cancel') return this.cancelInstance(c.childId).catch(ignoreGone);
    if (c.kind === 'done') {
      await this.command(c.parentId, { type: 'childCompleted', elementInstance: c.elementInstance, childId: c.childId, variables: c.variables }).catch(ignoreGone);
      return;
    }
    if (c.kind === 'error') {
      await this.command(c.parentId, { type: 'childFailed', elementInstance: c.elementInstance, childId: c.childId, errorCode: c.errorCode, errorMessage: c.errorMessage, variables: c.variables }).catch(ignoreGone);
      return;
    }
    const called = await resolveCalledVersion(this.store, c.processId, c.binding, c.caller);
    if (!called.ok) {
      await this.command(c.parent.instanceId, { type: 'childFailed', elementInstance: c.parent.elementInstance, childId: c.childId, errorMessage: called.message }).catch(ignoreGone);
      return;
    }
    const def = called.definition;
    const model = await this.deployer.model(def.id);
    let result: StepResult;
    try {
      result = step(model, null, { type: 'start', instanceId: c.childId, variables: c.variables, parent: c.parent }, this.stepContext());
    } catch (err) {
      await this.command(c.parent.instanceId, { type: 'childFailed', elementInstance: c.parent.elementInstance, childId: c.childId, errorMessage: `called process '${c.processId}' could not start: ${(err as Error).message}` }).catch(ignoreGone);
      return;
    }
    this.preLease(result.effects);
    try {
      await this.store.createInstance(result.state, result.effects);
    } catch (err) {
      // Started already (a retried follow-up): the child exists, nothing to do.
      if (err instanceof ConflictError) return;
      throw err;
    }
    await this.after(result);
  }

  /** Jobs a local handler runs are leased to this node in the commit that creates them. */
  private preLease(effects: Effect[]): void {
    const now = this.clock.now();
    for (const e of effects) {
      if (e.type === 'job.put' && this.runner.handles(e.job.type)) {
        e.job.lockOwner = this.workerId;
        e.job.lockExpiresAt = now + this.jobLockMs;
      }
    }
  }

  /**
   * Reactions after a commit: run new in-process jobs, tell listeners. Resolves when the
   * reactions that complete the command itself are done: a message buffered for a subscription
   * it opened is delivered before the caller hears back, so what it reads next is up to date.
   */
  private after({ state, effects, broadcasts, calls }: StepResult): Promise<void> {
    const settled: Array<Promise<void>> = [];
    for (const b of broadcasts) this.track(async () => void (await this.broadcastSignal(b.name, b.variables)));
    for (const c of calls) this.track(() => this.followCall(c));
    // A job can end in the commit that created it (a conditional boundary event true on entry):
    // its adapter must not run.
    const gone = new Set(effects.flatMap((e) => (e.type === 'job.delete' ? [e.key] : [])));
    for (const e of effects) {
      switch (e.type) {
        case 'job.put':
          this.knownTypes.add(e.job.type);
          if (e.job.lockOwner === this.workerId && !gone.has(e.job.key)) this.runner.runLeased(e.job, visibleVariables(state, e.job.elementInstance));
          break;
        case 'task.put':
          this.emit({ type: 'task.created', taskId: e.task.id, instanceId: state.id });
          break;
        case 'timer.put':
          this.timers.notify(e.timer.dueAt);
          break;
        case 'subscription.put':
          settled.push(this.counted(() => this.messaging.deliverBuffered(e.subscription)).catch((err: Error) => this.logger.warn({ error: err.message }, 'buffered message could not be delivered')));
          break;
        case 'task.patch':
          this.emit({
            type: e.patch.state === 'completed' ? 'task.completed' : e.patch.state === 'canceled' ? 'task.canceled' : 'task.updated',
            taskId: e.id,
            instanceId: state.id,
          });
          break;
        case 'incident.put':
          this.emit({ type: 'incident.created', incidentId: e.incident.id, instanceId: state.id });
          break;
        case 'incident.patch':
          this.emit({ type: 'incident.resolved', incidentId: e.id, instanceId: state.id });
          break;
        case 'instance.ended':
          this.emit({ type: 'instance.ended', instanceId: state.id });
          break;
        default:
          break;
      }
    }
    this.emit({ type: 'instance.updated', instanceId: state.id });
    return Promise.all(settled).then(() => undefined);
  }

  private async instanceOrThrow(id: string): Promise<InstanceState> {
    const state = await this.store.getInstance(id);
    if (!state) throw new NotFoundError(`process instance ${id} not found`);
    return state;
  }

  private visible(state: InstanceState, elementInstance: string): Variables {
    return visibleVariables(state, elementInstance);
  }
}

function summary(state: InstanceState): InstanceSummary {
  return {
    id: state.id,
    processKey: state.processKey,
    version: state.version,
    businessKey: state.businessKey,
    startedBy: state.startedBy ?? null,
    state: state.status,
    startedAt: state.startedAt,
    endedAt: state.endedAt,
  };
}

