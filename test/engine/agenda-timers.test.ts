// Timers on MongoDB go through agenda by default: one agenda job per timer due time, kept in step
// with the timer records by the store (commits, healed outboxes, start timers), fired by whichever node's
// agenda locks it, and still fired once per due time because the timer record decides.
// The shared timer semantics run on both backends in timers-runtime.test.ts; this suite checks
// what only the agenda driver does. Real-time cases wait for a condition, never for a duration.

import { expect } from 'chai';
import type { Collection, Document } from 'mongodb';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { AGENDA_COLLECTION, TIMER_JOB } from '../../engine/runtime/agenda-timer-driver.ts';
import { ClaimLockingJobRepository } from '../../engine/runtime/agenda-claim-backend.ts';
import { openMongoStore, type MongoStore } from '../../engine/store/mongo.ts';
import type { Store } from '../../engine/store/port.ts';
import { describeMongo } from './backends.ts';
import { bpmn, flow, userTask } from './harness.ts';

const timerDef = (kind: string, value: string) => `<bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition>`;
const HOUR = 3_600_000;

const reminders = bpmn('approval', `
  <bpmn:startEvent id="s"/>${userTask('approve')}
  <bpmn:boundaryEvent id="remind" attachedToRef="approve" cancelActivity="false">${timerDef('timeCycle', '=cycle')}</bpmn:boundaryEvent>
  <bpmn:boundaryEvent id="late" attachedToRef="approve">${timerDef('timeDuration', 'P3D')}</bpmn:boundaryEvent>
  <bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=reminders + 1" resultVariable="reminders"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>
  ${flow('f0', 's', 'approve')}${flow('f1', 'approve', 'e')}${flow('f2', 'remind', 'count')}${flow('f3', 'count', 'e2')}${flow('f4', 'late', 'e3')}`);

const waiting = bpmn('wait', `
  <bpmn:startEvent id="s"/>
  <bpmn:intermediateCatchEvent id="until">${timerDef('timeDate', '=due')}</bpmn:intermediateCatchEvent>
  ${userTask('next')}
  ${flow('f0', 's', 'until')}${flow('f1', 'until', 'next')}`);

const ticking = (start: string) => bpmn('tick', `
  <bpmn:startEvent id="every">${timerDef('timeCycle', `R2/${start}/PT0.3S`)}</bpmn:startEvent>${userTask('t')}${flow("f", "every", "t")}`);

function jobsOf(store: Store): Collection<Document> {
  return (store as MongoStore).db.collection(AGENDA_COLLECTION);
}

/** The agenda jobs for timers, as timer id and due time, and when agenda will run each. */
async function timerJobs(store: Store): Promise<Array<{ timerId: string; dueAt: number; nextRunAt: number | null }>> {
  const docs = await jobsOf(store).find({ name: TIMER_JOB }).toArray();
  // A job that is running has no nextRunAt.
  return docs
    .map((d) => ({ timerId: String(d.data.timerId), dueAt: Number(d.data.dueAt), nextRunAt: d.nextRunAt ? (d.nextRunAt as Date).getTime() : null }))
    .sort((a, b) => a.dueAt - b.dueAt);
}

async function storedTimers(store: Store): Promise<Array<{ timerId: string; dueAt: number; nextRunAt: number | null }>> {
  const due = await store.dueTimers(Number.MAX_SAFE_INTEGER, 1000);
  return due.map((t) => ({ timerId: t.id, dueAt: t.dueAt, nextRunAt: t.dueAt })).sort((a, b) => a.dueAt - b.dueAt);
}

/** Waits for agenda on a real clock; fails with `what` after 20 s. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeMongo('timers scheduled with agenda', (backend) => {
  const engines: Engine[] = [];
  const stores: Store[] = [];

  async function node(options: { clock?: ManualClock; store?: Store } = {}): Promise<Engine> {
    const store = options.store ?? (stores.length === 0 ? await backend.open() : await backend.reopen());
    stores.push(store);
    const engine = await Engine.open({ store, clock: options.clock, timerDriver: 'agenda', agendaProcessEveryMs: 100, pollMs: 0, workerId: `node-${engines.length + 1}` });
    engines.push(engine);
    return engine;
  }

  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
    for (const s of stores.splice(0)) await s.close();
  });

  describe('with the test clock', () => {
    let engine: Engine;
    let clock: ManualClock;
    beforeEach(async () => {
      clock = new ManualClock('2026-03-02T08:00:00Z');
      engine = await node({ clock });
      expect(engine.timerDriver).to.equal('agenda');
    });

    it('keeps one agenda job per timer at its due time, moves it with a cycle and drops it with the scope', async () => {
      await engine.deploy([{ name: 'a.bpmn', content: reminders }]);
      const pi = await engine.startInstance({ processKey: 'approval', variables: { reminders: 0, cycle: 'R/PT2H' } });
      const start = clock.now();
      expect(await timerJobs(engine.store)).to.deep.equal(await storedTimers(engine.store));
      expect((await timerJobs(engine.store)).map((j) => j.dueAt)).to.deep.equal([start + 2 * HOUR, start + 72 * HOUR]);

      await engine.advanceClock({ addMs: 5 * HOUR });
      expect((await engine.getInstance(pi.id)).variables.reminders).to.equal(2);
      expect(await timerJobs(engine.store)).to.deep.equal(await storedTimers(engine.store));
      expect((await timerJobs(engine.store)).map((j) => j.dueAt)).to.deep.equal([start + 6 * HOUR, start + 72 * HOUR]);

      await engine.cancelInstance(pi.id);
      expect(await timerJobs(engine.store)).to.deep.equal([]);
    });

    it('moves a start timer job to the next due time and replaces it with a new version', async () => {
      await engine.deploy([{ name: 't.bpmn', content: ticking('2026-03-02T09:00:00Z').replace('PT0.3S', 'P1D') }]);
      expect((await timerJobs(engine.store)).map((j) => j.dueAt)).to.deep.equal([Date.parse('2026-03-02T09:00:00Z')]);
      await engine.advanceClock({ pin: Date.parse('2026-03-02T10:00:00Z') });
      expect((await timerJobs(engine.store)).map((j) => j.dueAt)).to.deep.equal([Date.parse('2026-03-03T09:00:00Z')]);
      await engine.deploy([{ name: 't.bpmn', content: ticking('2026-03-05T09:00:00Z').replace('PT0.3S', 'P1D') }]);
      expect(await timerJobs(engine.store)).to.deep.equal(await storedTimers(engine.store));
      expect((await timerJobs(engine.store)).map((j) => j.dueAt)).to.deep.equal([Date.parse('2026-03-05T09:00:00Z')]);
    });

    it('schedules the job when a crashed commit is healed, and adds jobs missing at start', async () => {
      await engine.deploy([{ name: 'w.bpmn', content: waiting }]);
      const dbName = (engine.store as MongoStore).db.databaseName;
      const crashing = await openMongoStore({
        url: process.env.MONGODB_URL!,
        dbName,
        recoverEveryMs: 0,
        faults: { beforeApply: () => { throw new Error('node died'); } },
      });
      stores.push(crashing);
      const dying = await node({ clock, store: crashing });
      const err = await dying.startInstance({ processKey: 'wait', variables: { due: '2026-03-02T12:00:00Z' } }).then(() => null, (e: Error) => e);
      expect(err?.message).to.equal('node died');
      expect(await timerJobs(engine.store)).to.deep.equal([]);

      expect(await (engine.store as MongoStore).recoverOutboxes()).to.equal(1);
      const [job] = await timerJobs(engine.store);
      expect(job).to.deep.include({ dueAt: Date.parse('2026-03-02T12:00:00Z'), nextRunAt: Date.parse('2026-03-02T12:00:00Z') });

      // A database whose timers have no jobs (migrated, or a listener that failed) gets them at open.
      await jobsOf(engine.store).deleteMany({});
      const restarted = await node({ clock });
      expect(await timerJobs(restarted.store)).to.deep.equal(await storedTimers(restarted.store));
      expect(await timerJobs(restarted.store)).to.have.length(1);
    });
  });

  describe('on the real clock', () => {
    it('a node started later fires a timer another node scheduled, then the job is gone', async () => {
      // The first node keeps the test clock, so its agenda never runs a job: only the second can fire.
      const first = await node({ clock: new ManualClock(Date.now()) });
      await first.deploy([{ name: 'w.bpmn', content: waiting }]);
      const due = new Date(Date.now() + 300).toISOString();
      const pi = await first.startInstance({ processKey: 'wait', variables: { due } });
      expect(await timerJobs(first.store)).to.have.length(1);
      await first.close();
      engines.splice(engines.indexOf(first), 1);

      const second = await node();
      await eventually('the timer fired', async () => (await second.getInstance(pi.id)).activeElements.includes('next'));
      await eventually('the job is removed', async () => (await timerJobs(second.store)).length === 0);
      expect(await second.store.nextTimerDueAt()).to.equal(null);
    });

    it('two nodes fire each due time of a cycle and of a start timer once', async () => {
      const a = await node();
      const b = await node();
      await a.deploy([{ name: 'a.bpmn', content: reminders }]);
      const pi = await a.startInstance({ processKey: 'approval', variables: { reminders: 0, cycle: 'R3/PT0.2S' } });
      await b.deploy([{ name: 't.bpmn', content: ticking(new Date(Date.now() + 300).toISOString()) }]);

      await eventually('the cycle and the start timer ran out', async () => {
        const left = await a.store.dueTimers(Number.MAX_SAFE_INTEGER, 10);
        return left.every((t) => t.elementId === 'late');
      });
      await Promise.all([a.settle(), b.settle()]);
      expect((await a.getInstance(pi.id)).variables.reminders).to.equal(3);
      expect(await a.listInstances({ processKey: 'tick' })).to.have.length(2);
      expect((await timerJobs(a.store)).map((j) => j.dueAt)).to.deep.equal((await storedTimers(a.store)).map((t) => t.dueAt));
    });
  });

  describe("agenda's lock", () => {
    it('hands each due job to exactly one of several racing nodes, and an expired lock to one taker', async () => {
      const first = (await backend.open()) as MongoStore;
      stores.push(first);
      const repositories: ClaimLockingJobRepository[] = [];
      for (let i = 0; i < 4; i++) {
        const store = (i === 0 ? first : await backend.reopen()) as MongoStore;
        if (i > 0) stores.push(store);
        const repository = new ClaimLockingJobRepository(store.db, AGENDA_COLLECTION);
        await repository.connect();
        repositories.push(repository);
      }
      const due = new Date(Date.now() - 1000);
      const docs = Array.from({ length: 40 }, (_, n) => ({ name: TIMER_JOB, type: 'normal', priority: 0, data: { n }, nextRunAt: due, lockedAt: null }));
      await jobsOf(first).insertMany(docs);

      const lockedBy = new Map<string, number[]>();
      const drain = async (node: number, lockDeadline: Date, now?: Date) => {
        for (;;) {
          const job = await repositories[node]!.getNextJobToRun(TIMER_JOB, new Date(), lockDeadline, now, { lastModifiedBy: `node-${node}` });
          if (!job) return;
          const id = String(job._id);
          lockedBy.set(id, [...(lockedBy.get(id) ?? []), node]);
        }
      };
      const longAgo = new Date(0);
      await Promise.all(repositories.map((_, node) => drain(node, longAgo)));
      expect(lockedBy.size).to.equal(40);
      expect([...lockedBy.values()].filter((nodes) => nodes.length > 1)).to.deep.equal([]);
      expect(await jobsOf(first).countDocuments({ lockedAt: null })).to.equal(0);

      // The holders died: once their locks are past the deadline, each job is taken over once
      // (the takers' locks, a minute later still, are not past it).
      lockedBy.clear();
      const deadline = new Date(Date.now() + 60_000);
      const later = new Date(Date.now() + 120_000);
      await Promise.all(repositories.map((_, node) => drain(node, deadline, later)));
      expect(lockedBy.size).to.equal(40);
      expect([...lockedBy.values()].filter((nodes) => nodes.length > 1)).to.deep.equal([]);
    });
  });
});
