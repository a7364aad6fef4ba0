// Runs jobs whose type an in-process handler (an adapter) claims. Jobs are leased from the store
// like any external worker would, so several Karvon nodes never run one attempt twice; new jobs
// made on this node are picked up at once, others (other nodes, retry backoffs) by polling.

import { createHash } from 'node:crypto';
import type { Clock, InProcessJobHandler, JobOutcome } from '../ports.ts';
import type { JobRecord, Variables } from '../types.ts';
import type { Store } from '../store/port.ts';

export interface JobRunnerHost {
  store: Store;
  clock: Clock;
  workerId: string;
  /** Lease length for jobs this runner activates; default LOCK_MS. */
  lockMs?: number;
  jobVariables(job: JobRecord): Promise<Variables>;
  /** `instanceId`: the job's instance, so the host need not read the job again. */
  completeJob(key: string, variables: Variables, instanceId: string): Promise<void>;
  failJob(key: string, input: { errorMessage: string; retries: number; retryBackoffMs?: number }): Promise<void>;
  throwJobError(key: string, input: { errorCode: string; errorMessage?: string; variables?: Variables }): Promise<void>;
  log(level: 'warn' | 'error', message: string, fields: Record<string, unknown>): void;
}

const BATCH = 32;
/** Adapters time out well before this; a dead node's jobs come back after it. */
export const LOCK_MS = 2 * 60_000;
/** Share of the lease that must be left for an attempt to start. */
const MIN_LEASE_LEFT = 0.5;
const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;

export class JobRunner {
  private readonly types = new Set<string>();
  private running = 0;
  private draining = new Map<string, Promise<void>>();
  private again = new Set<string>();
  private idleWaiters: Array<() => void> = [];
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly leased = new Set<Promise<void>>();
  /** Attempts per job on this node, so backoff grows; a restart starts counting again. */
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly host: JobRunnerHost,
    private readonly handlers: InProcessJobHandler[],
  ) {}

  handles(type: string): boolean {
    return this.handlers.some((h) => h.handles(type));
  }

  /** A job of this type became available; run it (and any others of the type) now. */
  poke(type: string): void {
    if (this.closed || !this.handles(type)) return;
    this.types.add(type);
    if (this.draining.has(type)) {
      this.again.add(type);
      return;
    }
    const p = this.drain(type).finally(() => {
      this.draining.delete(type);
      if (this.again.delete(type)) this.poke(type);
      else this.settleCheck();
    });
    this.draining.set(type, p);
  }

  /**
   * Runs a job this node leased in the very commit that created it, with the variables of that
   * committed state: no lease query and no state read on the hot path.
   */
  runLeased(job: JobRecord, variables: Variables): void {
    if (this.closed) return;
    this.types.add(job.type);
    const p = this.runOne(job, variables);
    this.leased.add(p);
    void p.finally(() => {
      this.leased.delete(p);
      this.settleCheck();
    });
  }

  /** Polls every known type: picks up retries whose backoff ended and jobs from other nodes. */
  pokeAll(extraTypes: Iterable<string> = []): void {
    for (const t of extraTypes) if (this.handles(t)) this.types.add(t);
    for (const t of this.types) this.poke(t);
  }

  /** Resolves when no handler runs and nothing is queued. */
  idle(): Promise<void> {
    if (this.draining.size === 0 && this.running === 0 && this.leased.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settleCheck(): void {
    if (this.draining.size === 0 && this.running === 0 && this.leased.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  private async drain(type: string): Promise<void> {
    for (;;) {
      const now = this.host.clock.now();
      const jobs = await this.host.store.activateJobs({ type, worker: this.host.workerId, maxJobs: BATCH, lockMs: this.host.lockMs ?? LOCK_MS, now });
      if (jobs.length === 0) break;
      await Promise.all(jobs.map((job) => this.runOne(job)));
      if (jobs.length < BATCH) break;
    }
    await this.scheduleWake();
  }

  /** Arms one clock wake-up for the earliest retry backoff still ahead. */
  private async scheduleWake(): Promise<void> {
    const now = this.host.clock.now();
    const at = await this.host.store.nextJobWakeUp([...this.types], now);
    this.wake?.();
    this.wake = null;
    if (at !== null && !this.closed) this.wake = this.host.clock.schedule(at, () => this.pokeAll());
  }

  private async runOne(job: JobRecord, known?: Variables): Promise<void> {
    const handler = this.handlers.find((h) => h.handles(job.type));
    if (!handler) return;
    if (!this.leaseLeft(job)) return;
    this.running++;
    const controller = new AbortController();
    const stopRenewing = this.renewWhileRunning(job, controller);
    const attempt = (this.attempts.get(job.key) ?? 0) + 1;
    this.attempts.set(job.key, attempt);
    try {
      const variables = known ?? (await this.host.jobVariables(job));
      let outcome: JobOutcome;
      try {
        outcome = await handler.run({
          key: job.key,
          type: job.type,
          processInstanceId: job.processInstanceId,
          processKey: job.processKey,
          elementId: job.elementId,
          retries: job.retries,
          attempt,
          variables,
          customHeaders: job.customHeaders,
          idempotencyKey: idempotencyKey(job),
          signal: controller.signal,
        });
      } catch (err) {
        outcome = { kind: 'fail', errorMessage: `handler for ${job.type} threw: ${(err as Error).message}`, retryable: true };
      }
      await this.apply(job, outcome);
    } catch (err) {
      this.host.log('warn', 'in-process job could not be settled; its lock will expire and it runs again', { jobKey: job.key, type: job.type, error: (err as Error).message });
    } finally {
      stopRenewing();
      this.running--;
    }
  }

  /**
   * Keeps the lease of a running attempt: when half of what is left has passed, the lease is
   * moved to a full one from now. A slow attempt on a live node is then never taken up by
   * another node, and a node that dies stops renewing, so its job comes back after one lease.
   * A lease lost anyway (this node stalled past its end) aborts the attempt's signal, since
   * another node may be running it by now.
   */
  private renewWhileRunning(job: JobRecord, controller: AbortController): () => void {
    if (job.lockExpiresAt === null) return () => {};
    const lockMs = this.host.lockMs ?? LOCK_MS;
    let expiresAt = job.lockExpiresAt;
    let cancel: (() => void) | null = null;
    let stopped = false;
    const arm = (): void => {
      const now = this.host.clock.now();
      // Not sooner than a tenth of a lease: a store that keeps failing is not asked in a loop.
      cancel = this.host.clock.schedule(now + Math.max((expiresAt - now) / 2, lockMs / 10), renew);
    };
    const renew = (): void => {
      if (stopped) return;
      const now = this.host.clock.now();
      const until = now + lockMs;
      this.host.store.renewJobLease(job.key, this.host.workerId, until, now).then(
        (held) => {
          if (stopped) return;
          if (held) {
            expiresAt = until;
            return arm();
          }
          this.host.log('warn', 'in-process job lost its lease while running; its attempt is aborted', { jobKey: job.key, type: job.type });
          controller.abort(new Error(`the lease on job ${job.key} ran out while its attempt ran`));
        },
        (err: Error) => {
          if (stopped) return;
          this.host.log('warn', 'in-process job lease could not be renewed; trying again', { jobKey: job.key, type: job.type, error: err.message });
          arm();
        },
      );
    };
    arm();
    return () => {
      stopped = true;
      cancel?.();
    };
  }

  /**
   * A lease set when the job was created or activated can be mostly spent by the time the handler
   * would start (a slow commit, a queue): another node may take the job up once it runs out, so
   * starting now could run one attempt twice. Leave such a job alone; when its lease ends, whoever
   * activates it (this node included) gets a full one.
   */
  private leaseLeft(job: JobRecord): boolean {
    if (job.lockExpiresAt === null) return true;
    const lockMs = this.host.lockMs ?? LOCK_MS;
    const left = job.lockExpiresAt - this.host.clock.now();
    if (left >= lockMs * MIN_LEASE_LEFT) return true;
    this.host.log('warn', 'in-process job not started: too little of its lease is left; it runs once the lease ends', { jobKey: job.key, type: job.type, leftMs: left });
    return false;
  }

  private async apply(job: JobRecord, outcome: JobOutcome): Promise<void> {
    if (outcome.kind !== 'fail') this.attempts.delete(job.key);
    if (outcome.kind === 'complete') return this.host.completeJob(job.key, outcome.variables, job.processInstanceId);
    if (outcome.kind === 'bpmnError') {
      return this.host.throwJobError(job.key, { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage, variables: outcome.variables });
    }
    const consume = outcome.consumeRetry !== false;
    const retries = !outcome.retryable ? 0 : consume ? job.retries - 1 : job.retries;
    const backoff = outcome.backoffMs ?? Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** ((this.attempts.get(job.key) ?? 1) - 1));
    if (retries === 0) this.attempts.delete(job.key);
    await this.host.failJob(job.key, { errorMessage: outcome.errorMessage, retries, retryBackoffMs: backoff });
    if (retries > 0) this.host.clock.schedule(this.host.clock.now() + backoff, () => this.poke(job.type));
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }
}

/** Same key on every retry of one activation: instance, element and element instance. */
export function idempotencyKey(job: Pick<JobRecord, 'processInstanceId' | 'elementId' | 'elementInstance'>): string {
  return createHash('sha256').update(`${job.processInstanceId}\u0000${job.elementId}\u0000${job.elementInstance}`).digest('hex').slice(0, 32);
}
