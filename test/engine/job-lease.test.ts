import { expect } from 'chai';
import { ManualClock } from '../../engine/clock.ts';
import { JobRunner } from '../../engine/runtime/job-runner.ts';
import type { Store } from '../../engine/store/port.ts';
import type { JobRecord } from '../../engine/types.ts';

// A job leased in the commit that created it can reach its handler with most of the lease gone
// (a slow commit under load). Another node may activate it once the lease ends, so starting then
// would run one attempt twice: the runner leaves it for whoever activates it next.
describe('in-process job leases', () => {
  const LOCK_MS = 10_000;

  function setup() {
    const clock = new ManualClock();
    const ran: string[] = [];
    const completed: string[] = [];
    const warnings: string[] = [];
    const runner = new JobRunner(
      {
        store: {} as unknown as Store,
        clock,
        workerId: 'node-a',
        lockMs: LOCK_MS,
        jobVariables: async () => ({}),
        completeJob: async (key) => void completed.push(key),
        failJob: async () => undefined,
        throwJobError: async () => undefined,
        log: (_level, message) => void warnings.push(message),
      },
      [{ handles: (type) => type === 'erp.book', run: async (job) => (ran.push(job.key), { kind: 'complete', variables: {} }) }],
    );
    const job = (key: string, leaseLeftMs: number): JobRecord => ({
      key,
      type: 'erp.book',
      processInstanceId: 'p1',
      processKey: 'booking',
      elementId: 'book',
      elementInstance: `ei-${key}`,
      retries: 3,
      customHeaders: {},
      availableAt: 0,
      lockOwner: 'node-a',
      lockExpiresAt: clock.now() + leaseLeftMs,
      errorMessage: null,
      createdAt: new Date(clock.now()).toISOString(),
    });
    return { runner, job, ran, completed, warnings };
  }

  it('runs a job whose lease is mostly left', async () => {
    const { runner, job, ran, completed } = setup();
    runner.runLeased(job('fresh', LOCK_MS), {});
    await runner.idle();
    expect(ran).to.deep.equal(['fresh']);
    expect(completed).to.deep.equal(['fresh']);
  });

  it('does not start a job whose lease is mostly spent, and says why', async () => {
    const { runner, job, ran, completed, warnings } = setup();
    runner.runLeased(job('late', LOCK_MS / 2 - 1), {});
    runner.runLeased(job('expired', -1), {});
    await runner.idle();
    expect(ran).to.deep.equal([]);
    expect(completed).to.deep.equal([]);
    expect(warnings).to.have.length(2);
    expect(warnings[0]).to.match(/lease/);
  });

  describe('while an attempt runs', () => {
    function slowSetup(renewals: boolean[]) {
      const clock = new ManualClock();
      const renewed: Array<{ key: string; worker: string; until: number; now: number }> = [];
      const warnings: string[] = [];
      let release: () => void = () => {};
      let signal: AbortSignal | null = null;
      const store = {
        renewJobLease: async (key: string, worker: string, until: number, now: number) => {
          renewed.push({ key, worker, until, now });
          return renewals.shift() ?? true;
        },
      };
      const runner = new JobRunner(
        {
          store: store as unknown as Store,
          clock,
          workerId: 'node-a',
          lockMs: LOCK_MS,
          jobVariables: async () => ({}),
          completeJob: async () => undefined,
          failJob: async () => undefined,
          throwJobError: async () => undefined,
          log: (_level, message) => void warnings.push(message),
        },
        [
          {
            handles: () => true,
            run: (job) =>
              new Promise((resolve) => {
                signal = job.signal ?? null;
                release = () => resolve({ kind: 'complete', variables: {} });
              }),
          },
        ],
      );
      const job: JobRecord = {
        key: 'slow', type: 'erp.book', processInstanceId: 'p1', processKey: 'booking', elementId: 'book', elementInstance: 'ei-slow',
        retries: 3, customHeaders: {}, availableAt: 0, lockOwner: 'node-a', lockExpiresAt: clock.now() + LOCK_MS, errorMessage: null,
        createdAt: new Date(clock.now()).toISOString(),
      };
      const flush = () => new Promise((resolve) => setImmediate(resolve));
      return { clock, runner, job, renewed, warnings, release: () => release(), signal: () => signal, flush };
    }

    it('renews the lease at half of what is left, for as long as the attempt runs, and stops after it', async () => {
      const t = slowSetup([]);
      const start = t.clock.now();
      t.runner.runLeased(t.job, {});
      await t.flush();
      t.clock.advance(LOCK_MS / 2);
      await t.flush();
      expect(t.renewed).to.deep.equal([{ key: 'slow', worker: 'node-a', until: start + LOCK_MS * 1.5, now: start + LOCK_MS / 2 }]);
      // Past the first lease's end: still held, renewed again at half of the new one.
      t.clock.advance(LOCK_MS / 2);
      await t.flush();
      expect(t.renewed).to.have.length(2);
      expect(t.renewed[1]!.until).to.equal(start + LOCK_MS * 2);
      t.release();
      await t.runner.idle();
      t.clock.advance(10 * LOCK_MS);
      await t.flush();
      expect(t.renewed).to.have.length(2);
      expect(t.signal()!.aborted).to.equal(false);
      expect(t.warnings).to.deep.equal([]);
    });

    it('aborts the attempt when its lease was lost, and says why', async () => {
      const t = slowSetup([false]);
      t.runner.runLeased(t.job, {});
      await t.flush();
      t.clock.advance(LOCK_MS / 2);
      await t.flush();
      expect(t.signal()!.aborted).to.equal(true);
      expect(t.warnings).to.have.length(1);
      expect(t.warnings[0]).to.match(/lost its lease/);
      t.release();
      await t.runner.idle();
    });
  });
});
