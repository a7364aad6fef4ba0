// Three Karvon processes on one MongoDB database (CI: FerretDB). Instances of a process with a
// service task (an in-process ERP booking) and a one-second timer are started through all three
// nodes at once; every instance must complete, each booking must happen once per instance and
// no timer may fire twice. Then the same with one node SIGKILLed halfway: its leased jobs come
// back after the (shortened) lease and its half-applied commits are finished by the others.
//
// N defaults to 2,000 as the issue asks; FerretDB is slow (~10 ms a commit), so CI may lower it
// with KARVON_MULTINODE_N. Without MONGODB_URL the suite is skipped with one line (see
// test/store/mongo.test.ts); KARVON_REQUIRE_MONGO=1 makes that a failure.

import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { openMongoStore } from '../../engine/store/mongo.ts';
import type { MongoStore } from '../../engine/store/mongo.ts';
import { freshDatabaseName } from '../engine/backends.ts';
import { bpmn, flow, serviceTask } from '../engine/harness.ts';
import { ATTEMPTS, BOOKINGS } from './collections.ts';
import { ForkedNode } from './forked-node.ts';
import { AGENDA_COLLECTION, TIMER_JOB } from '../../engine/runtime/agenda-timer-driver.ts';

const url = process.env.MONGODB_URL?.trim() || '';
const required = process.env.KARVON_REQUIRE_MONGO === '1';
const N = Number(process.env.KARVON_MULTINODE_N ?? 2000);
const LOCK_MS = 10_000;
const nodeFile = fileURLToPath(new URL('./node.ts', import.meta.url));

const bookAndWait = bpmn('booking', `
  <bpmn:startEvent id="s"/>
  ${serviceTask('book', 'erp.book')}
  <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:endEvent id="e"/>
  ${flow('f0', 's', 'book')}${flow('f1', 'book', 'wait')}${flow('f2', 'wait', 'e')}`);

/** Forks one engine node on database `db`; resolves once it is ready, with its timer driver. */
async function spawnNode(id: string, db: string): Promise<{ node: ForkedNode; timerDriver: string }> {
  const { node, ready } = await ForkedNode.spawn(id, {
    file: nodeFile,
    env: { KARVON_TEST_DB: db, KARVON_NODE_ID: id, KARVON_JOB_LOCK_MS: String(LOCK_MS), KARVON_POLL_MS: '150' },
  });
  return { node, timerDriver: String(ready.timerDriver ?? '') };
}

interface Outcome {
  instances: number;
  completed: number;
  bookings: number;
  attempts: number;
  /** Idempotency keys attempted more than once, with the nodes that attempted them. */
  repeated: Array<{ key: string; nodes: string[] }>;
  /** Instances whose timer completed other than exactly once. */
  timerAnomalies: number;
  /** Agenda jobs still there for timers: each is removed once its timer fired. */
  timerJobsLeft: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('three Karvon nodes on one MongoDB database', function () {
  this.timeout(15 * 60_000);
  let admin: MongoClient;
  const nodes: ForkedNode[] = [];
  let db = '';
  let store: MongoStore | null = null;

  before(async function () {
    if (!url) {
      if (required) throw new Error('KARVON_REQUIRE_MONGO=1 but MONGODB_URL is not set: the multi-node suite cannot run');
      console.log('  Multi-node suite SKIPPED: MONGODB_URL is not set (see ../shared/README.md)');
      this.skip();
    }
    admin = new MongoClient(url);
    await admin.connect();
  });

  after(async () => {
    await admin?.close();
  });

  beforeEach(async () => {
    db = freshDatabaseName('karvon_mn');
    store = await openMongoStore({ url, dbName: db, recoverEveryMs: 0 });
    const spawned = await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => spawnNode(id, db)));
    nodes.push(...spawned.map((s) => s.node));
    // MongoDB's default: timers wake nodes through agenda's jobs.
    expect(spawned.map((s) => s.timerDriver)).to.deep.equal(['agenda', 'agenda', 'agenda']);
    await nodes[0].request({ op: 'deploy', xml: bookAndWait });
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
    await store?.close();
    store = null;
    await admin.db(db).dropDatabase();
  });

  const instances = () => store!.db.collection('instances');

  /** Starts `count` instances, split over the nodes, all at once; resolves with what each started. */
  function startEverywhere(count: number): Array<Promise<number>> {
    return nodes.map((node, i) => {
      const share = Math.floor(count / nodes.length) + (i < count % nodes.length ? 1 : 0);
      return node.request({ op: 'start', processKey: 'booking', count: share, prefix: node.id }).then((m) => m.started as number);
    });
  }

  async function waitForAll(expected: () => number, deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const [total, done] = await Promise.all([instances().countDocuments({}), instances().countDocuments({ state: 'completed' })]);
      if (total >= expected() && done === total) return;
      if (Date.now() > deadline) throw new Error(`timed out: ${done} of ${total} instances completed (expected ${expected()})`);
      await sleep(500);
    }
  }

  /**
   * Agenda removes a timer's job just after the firing's commit, and a job a killed node held
   * goes away once its lock expires and a survivor finds the timer fired: count after a minute.
   */
  async function timerJobsAfterDrain(): Promise<number> {
    const jobs = store!.db.collection(AGENDA_COLLECTION);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const left = await jobs.countDocuments({ name: TIMER_JOB });
      if (left === 0 || Date.now() > deadline) return left;
      await sleep(250);
    }
  }

  async function outcome(startedAt: number): Promise<Outcome> {
    const s = store!;
    // Grouped here: FerretDB 1.24 has no $push accumulator.
    const byKey = new Map<string, string[]>();
    for (const a of await s.collection(ATTEMPTS).find()) {
      byKey.set(a.key as string, [...(byKey.get(a.key as string) ?? []), a.node as string]);
    }
    const attemptsByKey = [...byKey].map(([key, nodes]) => ({ _id: key, n: nodes.length, nodes }));
    const timerRuns = await s.db
      .collection('history')
      .aggregate<{ _id: string; n: number }>([
        { $match: { elementId: 'wait', event: 'completed' } },
        { $group: { _id: '$processInstanceId', n: { $sum: 1 } } },
      ])
      .toArray();
    const total = await instances().countDocuments({});
    const once = timerRuns.filter((t) => t.n === 1).length;
    return {
      instances: total,
      completed: await instances().countDocuments({ state: 'completed' }),
      bookings: await s.collection(BOOKINGS).count(),
      attempts: attemptsByKey.reduce((sum, a) => sum + a.n, 0),
      repeated: attemptsByKey.filter((a) => a.n > 1).map((a) => ({ key: a._id, nodes: a.nodes })),
      timerAnomalies: total - once,
      timerJobsLeft: await timerJobsAfterDrain(),
      seconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
  }

  it(`runs ${N} instances started through three nodes: each completes, books once and fires its timer once`, async () => {
    const t0 = Date.now();
    const started = await Promise.all(startEverywhere(N));
    expect(started.reduce((a, b) => a + b, 0)).to.equal(N);
    await waitForAll(() => N, 10 * 60_000);
    const o = await outcome(t0);
    console.log(`      three nodes, N=${N}: ${JSON.stringify({ ...o, repeated: o.repeated.length })}`);
    expect(o.instances).to.equal(N);
    expect(o.completed).to.equal(N);
    expect(o.bookings).to.equal(N);
    expect(o.attempts, 'no booking attempt ran twice').to.equal(N);
    expect(o.timerAnomalies, 'instances whose timer did not complete exactly once').to.equal(0);
    expect(o.timerJobsLeft).to.equal(0);
  });

  it(`still completes every instance when one of three nodes is SIGKILLed halfway (N=${N})`, async () => {
    const t0 = Date.now();
    const starts = startEverywhere(N);
    // Halfway: half the instances done. The victim also still holds leased jobs and timers then.
    const victim = nodes[2];
    for (;;) {
      const done = await instances().countDocuments({ state: 'completed' });
      if (done >= N / 2) break;
      await sleep(100);
    }
    await victim.kill();
    // The victim's own start loop dies with it; the survivors' starts must all succeed.
    const settled = await Promise.allSettled(starts);
    const survivors = settled.slice(0, 2).map((r) => (r.status === 'fulfilled' ? r.value : -1));
    expect(survivors).to.deep.equal(startEverywhereShares(N).slice(0, 2));
    // Whatever the victim started (durably, perhaps with an unapplied outbox) must also complete.
    await waitForAll(() => survivors[0] + survivors[1], 10 * 60_000);
    // A start the victim made durable but did not finish appears once a survivor's sweep
    // recovers it (settle 2 s + sweep 1 s): look again after that.
    await sleep(4000);
    await waitForAll(() => survivors[0] + survivors[1], 10 * 60_000);
    const o = await outcome(t0);
    console.log(
      `      one node killed, N=${N}: ${JSON.stringify({ ...o, repeated: o.repeated.length, repeatedByVictimOnly: o.repeated.every((r) => r.nodes.includes(victim.id)) })}`,
    );
    expect(o.completed).to.equal(o.instances);
    // The booking is keyed: one per instance whatever ran twice.
    expect(o.bookings).to.equal(o.instances);
    // Only an activation the dead node held may run a second time, after its lease ran out.
    for (const r of o.repeated) expect(r.nodes, `attempts of ${r.key}`).to.include(victim.id);
    expect(o.timerAnomalies, 'instances whose timer did not complete exactly once').to.equal(0);
    expect(o.timerJobsLeft).to.equal(0);
  });
});

function startEverywhereShares(count: number): number[] {
  return [0, 1, 2].map((i) => Math.floor(count / 3) + (i < count % 3 ? 1 : 0));
}
