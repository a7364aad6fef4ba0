// The MongoDB timer driver: agenda (with its MongoDB backend, in the store's own database) holds
// one job per timer due time, keyed by timer id and due time, with `nextRunAt` at the due time.
// Agenda's polling and locking decide which node wakes up for it; the timer record in the store
// still decides whether anything fires (the engine's revision-checked command for an instance
// timer, the guarded claim for a start timer). Agenda's own lock is taken through a claim
// (agenda-claim-backend.ts): its stock lock, a conditional update, is neither atomic nor
// contention-proof on FerretDB. A job that wakes up to a timer that is gone or moved does nothing.
//
// Jobs follow the timer records, not the engine's commands: the store calls `sync` after every
// write that puts, moves or deletes a timer, including outboxes healed after a crash, so a job is
// there for every timer whoever wrote it. `sync` reads the record and makes the jobs match it,
// which makes a replay harmless. At start the driver adds jobs for timers that have none (a
// migrated database, a write whose listener failed).
//
// Agenda reads the real clock. With an injected clock (tests, KARVON_TEST_CLOCK) the driver
// still keeps the jobs but does not start agenda's processing: `advanceClock` fires what is due
// by the injected clock through `fireDue`, the same fire path agenda's jobs take.

import { Agenda, type Job } from 'agenda';
import type { MongoStore } from '../store/mongo.ts';
import { ClaimLockingMongoBackend } from './agenda-claim-backend.ts';
import { fireDueTimers, fireTimer, type TimerDriver, type TimerHost } from './timer-driver.ts';

export const AGENDA_COLLECTION = 'agendaJobs';
export const TIMER_JOB = 'karvon.timer';

/**
 * How a timer's jobs are looked up, for every timer write. The key is copied to the top of the
 * job document (`timerId`, `timerDueAt`) next to agenda's `data`: FerretDB hands only top-level
 * equality to PostgreSQL and filters nested paths itself, which made each look-up read every
 * timer job.
 */
export const TIMER_JOB_INDEX = { name: 1, timerId: 1, timerDueAt: 1 } as const;

export function timerJobQuery(timerId: string, dueAt: number): { name: string; timerId: string; timerDueAt: number } {
  return { name: TIMER_JOB, timerId, timerDueAt: dueAt };
}

interface TimerJobData {
  timerId: string;
  dueAt: number;
}

export interface AgendaTimerOptions {
  /** Name of this node in agenda's lock records. */
  nodeId: string;
  /** How often agenda looks for due jobs, in ms (default 1000). */
  processEveryMs?: number;
  /**
   * How long a node holds a timer job before another may take it over (default 60 s). A firing
   * is one command, and one that overruns is harmless: the timer record lets one firing through.
   */
  lockLifetimeMs?: number;
  /** Whether agenda runs jobs here: false with an injected clock, which agenda cannot read. */
  process: boolean;
}

/** A failed firing (the database was away) is tried again after 1 s, 2 s, 4 s ... at most a minute. */
const backoff = ({ attempt }: { attempt: number }): number => Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));

export class AgendaTimerDriver implements TimerDriver {
  readonly kind = 'agenda' as const;
  private readonly agenda: Agenda;
  private unlisten: (() => void) | null = null;
  private running = new Set<Promise<void>>();
  private sweep: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly host: TimerHost,
    private readonly store: MongoStore,
    private readonly options: AgendaTimerOptions,
  ) {
    this.agenda = new Agenda({
      backend: new ClaimLockingMongoBackend(store.db, AGENDA_COLLECTION),
      name: options.nodeId,
      // A number: agenda reads strings as human intervals, and '200 milliseconds' came out as 200 s.
      processEvery: options.processEveryMs ?? 1000,
      removeOnComplete: true,
    });
    this.agenda.define<TimerJobData>(TIMER_JOB, (job) => this.track(this.run(job)), {
      backoff,
      removeOnComplete: true,
      // A node that dies holding the lock gives the job up after this.
      lockLifetime: options.lockLifetimeMs ?? 60_000,
      concurrency: 20,
      // No lockLimit: agenda 6.2 forgets to count down a job whose lock expired while it
      // waited in the local queue, so with a limit a slow node stops locking for good.
    });
    this.agenda.on('error', (err: Error) => this.host.log('agenda failed', { error: err.message }));
  }

  /** Milliseconds between agenda's looks for due jobs, as agenda understood them. */
  get processEveryMs(): number {
    return Number(this.agenda.attrs.processEvery);
  }

  async start(): Promise<void> {
    await this.agenda.ready;
    // The key jobs are looked up by; agenda's own indexes cover name and nextRunAt.
    await this.store.db.collection(AGENDA_COLLECTION).createIndex(TIMER_JOB_INDEX);
    this.unlisten = this.store.onTimersChanged((ids) => this.sync(ids));
    await this.addMissingJobs();
    if (this.options.process) await this.agenda.start();
  }

  /** The store's listener: make the jobs of these timers match their records. */
  async sync(ids: string[]): Promise<void> {
    await Promise.all([...new Set(ids)].map((id) => this.syncOne(id)));
  }

  private async syncOne(timerId: string): Promise<void> {
    const timer = await this.store.getTimer(timerId);
    if (!timer) {
      await this.store.db.collection(AGENDA_COLLECTION).deleteMany({ name: TIMER_JOB, timerId });
      return;
    }
    await this.ensureJob(timer.id, timer.dueAt);
    // A start timer moved to its next firing: the job of the old due time is done.
    await this.store.db
      .collection(AGENDA_COLLECTION)
      .deleteMany({ name: TIMER_JOB, timerId, timerDueAt: { $ne: timer.dueAt } });
  }

  private async ensureJob(timerId: string, dueAt: number): Promise<void> {
    // Looked up, then inserted: agenda's unique() is a findOneAndUpdate upsert, and dozens of
    // those racing with agenda's own locking updates stalled FerretDB for minutes. Two nodes
    // syncing one timer at once may both insert; the second job then finds the timer fired.
    const jobs = this.store.db.collection(AGENDA_COLLECTION);
    if (await jobs.findOne(timerJobQuery(timerId, dueAt), { projection: { _id: 1 } })) return;
    const job = this.agenda.create<TimerJobData>(TIMER_JOB, { timerId, dueAt }).schedule(new Date(dueAt));
    // Agenda stores every attribute of a job; these two are the look-up key (TIMER_JOB_INDEX).
    Object.assign(job.attrs, { timerId, timerDueAt: dueAt });
    await job.save();
  }

  private async addMissingJobs(): Promise<void> {
    const jobs = await this.store.db
      .collection(AGENDA_COLLECTION)
      .find({ name: TIMER_JOB }, { projection: { timerId: 1, timerDueAt: 1 } })
      .toArray();
    const have = new Set(jobs.map((j) => `${String(j.timerId)}@${String(j.timerDueAt)}`));
    for (const timer of await this.store.timerSchedule()) {
      if (!have.has(`${timer.id}@${timer.dueAt}`)) await this.ensureJob(timer.id, timer.dueAt);
    }
  }

  private async run(job: Job<TimerJobData>): Promise<void> {
    const { timerId, dueAt } = job.attrs.data;
    const timer = await this.store.getTimer(timerId);
    // Fired already, canceled, or moved to another due time (which has a job of its own).
    if (!timer || timer.dueAt !== dueAt) return;
    await fireTimer(this.host, timer);
  }

  private track(work: Promise<void>): Promise<void> {
    this.running.add(work);
    const done = () => void this.running.delete(work);
    work.then(done, done);
    return work;
  }

  notify(): void {
    // The store's listener schedules jobs for every timer written, by this node or any other.
  }

  poll(): void {
    // agenda polls for due jobs itself (processEvery).
  }

  fireDue(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // One sweep at a time; a call during one sweeps again after it, with the clock as it is then.
    const sweep = this.sweep.then(() =>
      fireDueTimers(this.host).then(
        () => undefined,
        (err: Error) => this.host.log('due timers could not fire', { error: err.message }),
      ),
    );
    this.sweep = sweep;
    return this.track(sweep);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unlisten?.();
    // Stops taking jobs (and unlocks the ones it had queued), keeps the store's connection open,
    // then waits for firings running here. Not agenda.drain: in 6.2 it kept waiting for a job
    // that had finished until its timeout.
    await this.agenda.stop(false);
    await this.idle();
  }
}
