// The MongoDB store against the server in MONGODB_URL (CI: FerretDB via
// ../shared/bin/mongo-test-server). Without MONGODB_URL these suites are skipped with one line
// saying so, unless KARVON_REQUIRE_MONGO=1 asks for them, which turns the skip into a failure.

import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import type { Document, Filter } from 'mongodb';
import { openMongoStore, databaseFromUrl, DEFAULT_MAX_POOL_SIZE } from '../../engine/store/mongo.ts';
import type { MongoStore, MongoStoreOptions } from '../../engine/store/mongo.ts';
import { auditQuery } from '../../engine/store/mongo/audit.ts';
import { INDEXES } from '../../engine/store/mongo/schema.ts';
import {
  dueTimersQuery,
  endedInstancesQuery,
  historyQuery,
  incidentQuery,
  instanceQuery,
  jobActivationQuery,
  subscriptionQuery,
  taskQueries,
} from '../../engine/store/mongo/queries.ts';
import type { Query } from '../../engine/store/mongo/queries.ts';
import { timerFromDoc } from '../../engine/store/mongo/codec.ts';
import { ClaimLockingJobRepository, lockCandidatesQuery } from '../../engine/runtime/agenda-claim-backend.ts';
import { AGENDA_COLLECTION, TIMER_JOB, TIMER_JOB_INDEX, timerJobQuery } from '../../engine/runtime/agenda-timer-driver.ts';
import type { StoredDoc } from '../../engine/store/mongo/codec.ts';
import { openStore, storeOptionsFromEnv } from '../../engine/store/open.ts';
import type { Store } from '../../engine/store/port.ts';
import type { InstanceState } from '../../engine/types.ts';
import { storeContract } from './contract.ts';
import { at, history, incident, instance, job, next, NOW, put, task } from './fixtures.ts';

const url = process.env.MONGODB_URL?.trim() || '';
const required = process.env.KARVON_REQUIRE_MONGO === '1';

describe('MongoDB store', function () {
  let admin: MongoClient;
  const databases = new Set<string>();

  before(async function () {
    if (!url) {
      if (required) {
        throw new Error('KARVON_REQUIRE_MONGO=1 but MONGODB_URL is not set: the MongoDB suites cannot run');
      }
      console.log('  MongoDB store suites SKIPPED: MONGODB_URL is not set (see ../shared/README.md)');
      this.skip();
    }
    admin = new MongoClient(url);
    await admin.connect();
  });

  after(async () => {
    if (!admin) return;
    await Promise.all([...databases].map((name) => admin.db(name).dropDatabase()));
    await admin.close();
  });

  /** A database of its own for each test, dropped afterwards. */
  function freshName(): string {
    const name = `karvon_t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    databases.add(name);
    return name;
  }

  async function drop(name: string): Promise<void> {
    await admin.db(name).dropDatabase();
    databases.delete(name);
  }

  function open(dbName: string, options: Partial<MongoStoreOptions> = {}): Promise<MongoStore> {
    return openMongoStore({ url, dbName, recoverEveryMs: 0, ...options });
  }

  let contractDb = '';
  storeContract(
    'mongodb',
    async () => {
      contractDb = freshName();
      return open(contractDb);
    },
    async () => drop(contractDb),
  );

  describe('several nodes, no transactions', () => {
    let name: string;
    const stores: MongoStore[] = [];

    beforeEach(() => {
      name = freshName();
    });

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await drop(name);
    });

    async function node(options: Partial<MongoStoreOptions> = {}): Promise<MongoStore> {
      const store = await open(name, options);
      stores.push(store);
      return store;
    }

    const crash = (): never => {
      throw new Error('simulated crash');
    };

    it('finishes a commit whose effects were never applied when the store is opened again', async () => {
      const crashing = await node({ faults: { beforeApply: crash } });
      const v1 = instance('pi-1');
      await node().then((s) => s.createInstance(v1, [put.job(job('j-1'))]));
      const v2 = next(v1, { vars: { '0': { step: 2 } } });
      const effects = [
        put.task(task('t-1', { candidateGroups: ['sales'] })),
        { type: 'job.patch' as const, key: 'j-1', patch: { retries: 2 } },
        put.history(history('pi-1', 1)),
      ];
      const error = await rejection(crashing.commitInstance(v2, 1, effects));
      expect((error as Error).message).to.equal('simulated crash');
      await crashing.close();

      const reopened = await node();
      expect(await reopened.getInstance('pi-1')).to.deep.equal(v2);
      expect(await reopened.getTask('t-1')).to.deep.equal(task('t-1', { candidateGroups: ['sales'] }));
      expect(await reopened.getJob('j-1')).to.deep.equal(job('j-1', { retries: 2 }));
      expect(await reopened.history('pi-1')).to.deep.equal([history('pi-1', 1)]);
      expect((await reopened.listTasks({ candidateGroups: ['sales'] })).map((t) => t.id)).to.deep.equal(['t-1']);
      expect(await reopened.recoverOutboxes()).to.equal(0);
      // The instance goes on from there as usual.
      expect(await reopened.commitInstance(next(v2), 2, [])).to.equal(true);
    });

    it('finishes a half-done instance start when the store is opened again', async () => {
      const crashing = await node({ faults: { beforeApply: crash } });
      await rejection(crashing.createInstance(instance('pi-1'), [put.task(task('t-1')), put.job(job('j-1'))]));
      await crashing.close();
      const reopened = await node();
      expect(await reopened.getInstance('pi-1')).to.deep.equal(instance('pi-1'));
      expect(await reopened.getTask('t-1')).to.deep.equal(task('t-1'));
      expect(await reopened.getJob('j-1')).to.deep.equal(job('j-1'));
    });

    it('lets a reader of the instance finish what a crashed node left, without a restart', async () => {
      const crashing = await node({ faults: { beforeApply: crash } });
      const other = await node({ settleMs: 0 });
      const v1 = instance('pi-1');
      await other.createInstance(v1, []);
      await rejection(crashing.commitInstance(next(v1), 1, [put.incident(incident('inc-1')), put.history(history('pi-1', 1))]));
      expect(await other.getIncident('inc-1')).to.equal(null);
      expect(await other.history('pi-1')).to.deep.equal([history('pi-1', 1)]);
      expect(await other.getIncident('inc-1')).to.deep.equal(incident('inc-1'));
    });

    it('completes a commit that crashed before writing the instance, for the next committer', async () => {
      const crashing = await node({ faults: { beforeWrite: crash } });
      const other = await node({ settleMs: 0 });
      const v1 = instance('pi-1');
      await other.createInstance(v1, []);
      const v2 = next(v1, { vars: { '0': { by: 'crashed node' } } });
      await rejection(crashing.commitInstance(v2, 1, [put.task(task('t-1'))]));
      // The other node raced from rev 1 and lost to the crashed commit, which it finished.
      const late = next(v1, { vars: { '0': { by: 'other node' } } });
      expect(await other.commitInstance(late, 1, [put.task(task('t-late'))])).to.equal(false);
      expect(await other.getInstance('pi-1')).to.deep.equal(v2);
      expect(await other.getTask('t-1')).to.deep.equal(task('t-1'));
      expect(await other.getTask('t-late')).to.equal(null);
      expect(await other.commitInstance(next(v2), 2, [])).to.equal(true);
    });

    it('sweeps unfinished commits in the background', async () => {
      const crashing = await node({ faults: { beforeApply: crash } });
      const sweeper = await node({ settleMs: 0, recoverEveryMs: 25 });
      const v1 = instance('pi-1');
      await sweeper.createInstance(v1, []);
      await rejection(crashing.commitInstance(next(v1), 1, [put.job(job('j-1'))]));
      const found = await eventually(() => sweeper.getJob('j-1'));
      expect(found).to.deep.equal(job('j-1'));
    });

    it('never applies the effects of a stale commit, however late it arrives', async () => {
      const store = await node();
      const v1 = instance('pi-1');
      await store.createInstance(v1, []);
      const v2 = next(v1);
      expect(await store.commitInstance(v2, 1, [])).to.equal(true);
      expect(await store.commitInstance(next(v2), 2, [])).to.equal(true);
      // Its commit document for rev 2 is long gone, so only the revision check stops it.
      expect(await store.commitInstance(next(v1), 1, [put.task(task('t-stale'))])).to.equal(false);
      expect(await store.getTask('t-stale')).to.equal(null);
      expect(await store.commitInstance(instance('missing', { rev: 2 }), 1, [])).to.equal(false);
    });

    it('writes nothing of a commit carrying an effect it cannot apply', async () => {
      const store = await node();
      const v1 = instance('pi-1');
      await store.createInstance(v1, []);
      const unknown = { type: 'escalation.put', escalation: {} } as unknown as Parameters<Store['commitInstance']>[2][number];
      const error = await rejection(store.commitInstance(next(v1), 1, [put.task(task('t-1')), unknown]));
      expect((error as Error).message).to.contain('escalation.put');
      expect(await store.getInstance('pi-1')).to.deep.equal(v1);
      expect(await store.getTask('t-1')).to.equal(null);
      expect(await store.recoverOutboxes()).to.equal(0);
    });

    it('lets exactly one of several nodes win each revision', async () => {
      const nodes = await Promise.all([1, 2, 3, 4, 5].map(() => node()));
      let state: InstanceState = instance('pi-1');
      await nodes[0].createInstance(state, []);
      for (let round = 0; round < 6; round++) {
        const base = state;
        const attempts = nodes.map((_, i) => next(base, { vars: { '0': { winner: i } } }));
        const results = await Promise.all(
          nodes.map((n, i) => n.commitInstance(attempts[i], base.rev, [put.task(task(`t-${round}-${i}`))])),
        );
        expect(results.filter(Boolean), `round ${round}`).to.have.length(1);
        const winner = results.indexOf(true);
        state = attempts[winner];
        expect(await nodes[(winner + 1) % nodes.length].getInstance('pi-1')).to.deep.equal(state);
        const tasks = await nodes[0].listTasks({ processInstanceId: 'pi-1' });
        expect(tasks.map((t) => t.id)).to.include(`t-${round}-${winner}`);
        expect(tasks).to.have.length(round + 1);
      }
    });

    it('leases every job to exactly one of many racing workers', async () => {
      const nodes = await Promise.all([1, 2, 3, 4].map(() => node()));
      const keys = Array.from({ length: 24 }, (_, i) => `j-${String(i).padStart(2, '0')}`);
      await nodes[0].createInstance(instance('pi-1'), keys.map((k) => put.job(job(k))));
      const leases = new Map<string, string[]>();
      await Promise.all(
        nodes.flatMap((n, i) =>
          ['a', 'b', 'c'].map(async (w) => {
            const worker = `node${i}-${w}`;
            for (;;) {
              const got = await n.activateJobs({ type: 'payment', worker, maxJobs: 3, lockMs: 60_000, now: NOW });
              if (got.length === 0 && (await n.countAvailableJobs(['payment'], NOW)) === 0) return;
              for (const j of got) leases.set(j.key, [...(leases.get(j.key) ?? []), worker]);
            }
          }),
        ),
      );
      expect([...leases.keys()].sort()).to.deep.equal(keys);
      for (const [key, workers] of leases) {
        expect(workers, key).to.have.length(1);
        expect((await nodes[0].getJob(key))?.lockOwner, key).to.equal(workers[0]);
      }
    });

    it('gives each firing of a start timer to exactly one node', async () => {
      const nodes = await Promise.all([1, 2, 3, 4, 5].map(() => node()));
      const start = {
        id: 'order:1:dep-1:start',
        processInstanceId: null,
        processKey: 'order',
        definitionId: 'order:1:dep-1',
        elementId: 'start',
        elementInstance: null,
        dueAt: NOW,
        repeat: { interval: 'PT1M', remaining: null },
      };
      await nodes[0].replaceStartTimers('order', [start]);
      for (let firing = 0; firing < 4; firing++) {
        const dueAt = NOW + firing * 60_000;
        const last = firing === 3;
        const claims = await Promise.all(
          nodes.map((n) => n.claimStartTimer(start.id, dueAt, last ? null : { dueAt: dueAt + 60_000, repeat: start.repeat })),
        );
        expect(claims.filter(Boolean), `firing ${firing}`).to.have.length(1);
      }
      expect(await nodes[0].nextTimerDueAt()).to.equal(null);
    });

    it('lets exactly one of several racing document replaces win', async () => {
      const nodes = await Promise.all([1, 2, 3, 4].map(() => node()));
      const spec = { name: 'accounts', indexes: [] };
      const v1 = await nodes[0].collection(spec).insert({ id: 'a-1', balance: 0 });
      const results = await Promise.all(
        nodes.map((n, i) => n.collection(spec).replace({ ...v1, balance: i + 1 })),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).to.have.length(1);
      expect(await nodes[0].collection(spec).get('a-1')).to.deep.equal(winners[0]);
    });
  });

  describe('stored shapes', () => {
    let name: string;
    let store: MongoStore;

    beforeEach(async () => {
      name = freshName();
      store = await open(name);
    });

    afterEach(async () => {
      await store.close();
      await drop(name);
    });

    it('keeps keys MongoDB-compatible servers may refuse, in variables and job headers', async () => {
      const state = instance('pi-1', {
        vars: { '0': { erp: { '@odata.etag': 'W/"1"', $schema: 'order', 'a.b': { $ref: 'x' } } } },
      });
      const headers = { 'x.tenant': 'acme', $kind: 'erp' };
      await store.createInstance(state, [put.job(job('j-1', { customHeaders: headers }))]);
      expect(await store.getInstance('pi-1')).to.deep.equal(state);
      expect((await store.getJob('j-1'))?.customHeaders).to.deep.equal(headers);
      const [leased] = await store.activateJobs({ type: 'payment', worker: 'w', maxJobs: 1, lockMs: 1, now: NOW });
      expect(leased.customHeaders).to.deep.equal(headers);
    });

    it('returns records exactly as the port defines them, with no storage fields', async () => {
      await store.createInstance(instance('pi-1'), [
        put.task(task('t-1')),
        put.job(job('j-1')),
        put.incident(incident('inc-1')),
        put.history(history('pi-1', 1)),
      ]);
      await store.appendAuditEntry({ id: 'a-1', at: at(0), actor: 'ann', action: 'task.completed', targets: ['t-1', 'pi-1'], requestId: null, details: {} });
      const [leased] = await store.activateJobs({ type: 'payment', worker: 'w', maxJobs: 1, lockMs: 5, now: NOW });
      expect(Object.keys(leased).sort()).to.deep.equal(Object.keys(job('j-1')).sort());
      expect(Object.keys((await store.getTask('t-1'))!).sort()).to.deep.equal(Object.keys(task('t-1')).sort());
      expect(Object.keys((await store.listIncidents({}))[0]).sort()).to.deep.equal(
        Object.keys(incident('inc-1')).sort(),
      );
      expect(Object.keys((await store.history('pi-1'))[0]).sort()).to.deep.equal(
        Object.keys(history('pi-1', 1)).sort(),
      );
      const docs = store.collection({ name: 'notes', indexes: [] });
      expect(await docs.insert({ id: 'n-1', text: 'hi' })).to.deep.equal({ id: 'n-1', rev: 1, text: 'hi' });
      expect(await docs.get('n-1')).to.deep.equal({ id: 'n-1', rev: 1, text: 'hi' });
      expect(await rejection(docs.insert({ id: 'n-2', _id: 'x' }))).to.be.instanceOf(Error);
    });

    it('keeps subscriptions and timers, and forgets deleted ones for good', async () => {
      const subscription = {
        id: 's-1',
        processInstanceId: 'pi-1',
        processKey: 'order',
        elementId: 'wait-payment',
        elementInstance: '4',
        messageName: 'paid',
        correlationKey: 'ORD-7',
        createdAt: at(1),
      };
      const timer = {
        id: 'tm-1',
        processInstanceId: 'pi-1',
        processKey: 'order',
        definitionId: 'order:1:dep-1',
        elementId: 'remind',
        elementInstance: '5',
        dueAt: NOW + 60_000,
        repeat: { interval: 'PT1H', remaining: null },
      };
      const v1 = instance('pi-1');
      await store.createInstance(v1, [
        { type: 'subscription.put', subscription },
        { type: 'subscription.put', subscription: { ...subscription, id: 's-2', correlationKey: null } },
        { type: 'timer.put', timer },
      ]);
      expect(await store.findSubscriptions('paid', 'ORD-7')).to.deep.equal([subscription]);
      expect((await store.findSubscriptions('paid', null)).map((s) => s.id)).to.deep.equal(['s-2']);
      const timers = store.db.collection<StoredDoc>('timers');
      expect(timerFromDoc((await timers.findOne({ _id: 'tm-1' }))!)).to.deep.equal(timer);

      await store.commitInstance(next(v1), 1, [
        { type: 'subscription.delete', id: 's-1' },
        { type: 'timer.delete', id: 'tm-1' },
      ]);
      expect(await store.findSubscriptions('paid', 'ORD-7')).to.deep.equal([]);
      expect(await timers.countDocuments({ dueAt: { $gte: 0 } })).to.equal(0);
    });

    it('treats where values as values, never as query operators', async () => {
      const docs = store.collection({ name: 'users', indexes: ['role'] });
      await docs.insert({ id: 'u-1', role: 'admin' });
      const where = { role: { $ne: null } } as unknown as Record<string, string>;
      expect(await rejection(docs.find({ where }))).to.be.instanceOf(Error);
    });

    it('creates every index at open', async () => {
      for (const [collection, defs] of Object.entries(INDEXES)) {
        const names = (await store.db.collection(collection).indexes()).map((i) => i.name);
        expect(names, collection).to.include.members(defs.map((d) => d.name));
      }
    });
  });

  describe('hot queries use an index', () => {
    // What explain can show depends on the server. MongoDB names the plan's stages: an IXSCAN
    // (or an _id look-up) and no COLLSCAN is the proof. FerretDB 1.24 on PostgreSQL shows
    // PostgreSQL's plan instead, and that plan is a Seq Scan for every query, even one by _id: its
    // indexes are btree indexes on `_jsonb -> 'field'`, while it pushes equality down as jsonb
    // containment (`_jsonb -> 'field' @> '"value"'`), which a btree cannot answer. What does
    // make the difference there is whether the filter reached PostgreSQL at all
    // (`filterPushdown: true`, a `Filter` naming the fields) or the whole collection was
    // fetched and filtered inside FerretDB (ranges, `$in`, `$or`, nested paths: about 400 ms for
    // 10,000 documents). So on FerretDB the test asserts the pushdown of the fields the index
    // starts with, and on MongoDB the index scan. (FerretDB's explain of findAndModify, update
    // and count always says `filterPushdown: false`, whatever it does, so only finds are
    // explained; the store's hot reads are finds.)
    let name: string;
    let store: MongoStore;

    before(async () => {
      name = freshName();
      store = await open(name);
      // A little data so MongoDB's planner has something to choose between.
      await store.createInstance(instance('pi-1', { businessKey: 'B-1' }), [
        put.task(task('t-1', { assignee: 'ann', candidateGroups: ['sales'], candidateUsers: ['bob'] })),
        put.job(job('j-1')),
        put.incident(incident('inc-1')),
        put.history(history('pi-1', 1)),
      ]);
      await store.appendAuditEntry({ id: 'a-1', at: at(0), actor: 'ann', action: 'task.completed', targets: ['t-1', 'pi-1'], requestId: null, details: {} });
      // Agenda's timer jobs, with the indexes agenda and the timer driver make at start.
      await new ClaimLockingJobRepository(store.db, AGENDA_COLLECTION).connect();
      await store.db.collection(AGENDA_COLLECTION).createIndex(TIMER_JOB_INDEX);
      await store.db.collection(AGENDA_COLLECTION).insertOne({ name: TIMER_JOB, data: { timerId: 'tm-1', dueAt: 1 }, timerId: 'tm-1', timerDueAt: 1, nextRunAt: new Date(1), lockedAt: null, priority: 0 });
    });

    after(async () => {
      await store?.close();
      if (name) await drop(name);
    });

    async function explain(collection: string, query: Query | ReturnType<typeof lockCandidatesQuery>, limit = 50): Promise<Document> {
      return store.db.collection(collection).find(query.filter as Filter<Document>, { sort: query.sort, limit }).explain('queryPlanner');
    }

    // `pushed: null` is a range-only query: nothing FerretDB can push down, so only MongoDB's
    // plan is checked (the timers it scans on FerretDB are the open ones, few next to records).
    const cases: Array<[label: string, collection: string, query: () => Array<Query | ReturnType<typeof lockCandidatesQuery>>, pushed: string[] | null]> = [
      ['tasks by assignee', 'tasks', () => taskQueries({ assignee: 'ann' }), ['assignee']],
      ['open tasks of an assignee', 'tasks', () => taskQueries({ assignee: 'ann', state: 'open' }), ['assignee', 'state']],
      ['tasks by candidate group', 'tasks', () => taskQueries({ candidateGroups: ['sales', 'support'], state: 'open' }), ['candidateGroups']],
      ['tasks by candidate user', 'tasks', () => taskQueries({ candidateUser: 'bob' }), ['candidateUsers']],
      ['open tasks (the inbox)', 'tasks', () => taskQueries({ state: 'open' }), ['state']],
      ['tasks visible to an employee', 'tasks', () => taskQueries({ visibleTo: { username: 'ann', groups: ['sales'] }, state: 'open' }), ['state']],
      ['tasks of an instance', 'tasks', () => taskQueries({ processInstanceId: 'pi-1' }), ['processInstanceId']],
      ['the inbox\'s next page (keyset cursor)', 'tasks', () => taskQueries({ visibleTo: { username: 'ann', groups: ['sales'] }, state: 'open', after: { priority: 50, dueDate: null, createdAt: '2026-01-01T00:00:00.000Z', id: 't-9' } }), ['state']],
      ['the inbox search', 'tasks', () => taskQueries({ visibleTo: { username: 'ann', groups: ['sales'] }, state: 'open', search: 'ord-1' }), ['state']],
      ['jobs to activate', 'jobs', () => [jobActivationQuery('payment', NOW)], ['type']],
      ['instances by process key', 'instances', () => [instanceQuery({ processKey: 'order' })], ['processKey']],
      ['instances by state', 'instances', () => [instanceQuery({ state: 'active' })], ['state']],
      ['instances by business key', 'instances', () => [instanceQuery({ businessKey: 'B-1' })], ['businessKey']],
      ['my cases\' next page (newest first, keyset cursor)', 'instances', () => [instanceQuery({ startedBy: 'ann', newestFirst: true, after: { startedAt: '2026-01-01T00:00:00.000Z', id: 'pi-9' } })], ['startedBy']],
      ['open incidents', 'incidents', () => [incidentQuery({ state: 'open' })], ['state']],
      ['incidents of an instance', 'incidents', () => [incidentQuery({ processInstanceId: 'pi-1' })], ['processInstanceId']],
      ['history of an instance', 'history', () => [historyQuery('pi-1')], ['processInstanceId']],
      ['ended instances to purge', 'instances', () => [endedInstancesQuery('completed', '2026-01-01T00:00:00.000Z')], ['state']],
      ['subscriptions for a message', 'subscriptions', () => [subscriptionQuery('paid', 'ORD-7')], ['messageName', 'correlationKey']],
      ['subscriptions for a message without key', 'subscriptions', () => [subscriptionQuery('paid', null)], ['messageName']],
      ['due timers', 'timers', () => [dueTimersQuery(NOW)], null],
      ['audit entries of an actor', 'audit_log', () => [auditQuery({ actor: 'ann' })], ['actor']],
      ['audit entries of an action', 'audit_log', () => [auditQuery({ action: 'task.completed', before: { at: at(0), id: 'a-9' } })], ['action']],
      ['audit entries about a record', 'audit_log', () => [auditQuery({ target: 'pi-1' })], ['targets']],
      ['the newest audit entries', 'audit_log', () => [auditQuery({})], null],
      ["agenda's timer jobs to lock", AGENDA_COLLECTION, () => [lockCandidatesQuery(TIMER_JOB, new Date(NOW), new Date(NOW - 60_000))], null],
      ["a timer's agenda job", AGENDA_COLLECTION, () => [{ filter: timerJobQuery('tm-1', 1), sort: {} }], ['name', 'timerId', 'timerDueAt']],
    ];

    for (const [label, collection, queries, pushed] of cases) {
      it(label, async () => {
        for (const query of queries()) expectIndexed(await explain(collection, query), pushed);
      });
    }

    it('tells an unindexed query apart (the check is not vacuous)', async () => {
      const plan = await explain('tasks', { filter: { 'nested.path': 'x' }, sort: { _id: 1 } });
      expect(() => expectIndexed(plan, ['nested'])).to.throw();
    });
  });

  describe('openStore', () => {
    it('opens MongoDB when a URL is given', async () => {
      const dbName = freshName();
      const store = await openStore({ dataDir: '/nonexistent', mongoUrl: url, mongoDbName: dbName });
      try {
        expect(store.kind).to.equal('mongodb');
        await store.createInstance(instance('pi-1'), []);
        expect((await admin.db(dbName).collection('instances').countDocuments())).to.equal(1);
      } finally {
        await store.close();
        await drop(dbName);
      }
    });

    it('keeps to 10 connections per node unless the URL sets maxPoolSize', async () => {
      // More would let a few nodes deadlock FerretDB (see DEFAULT_MAX_POOL_SIZE).
      const dbName = freshName();
      const plain = await openMongoStore({ url, dbName, recoverEveryMs: 0 });
      const withPool = await openMongoStore({ url: `${url}${url.includes('?') ? '&' : '?'}maxPoolSize=3`, dbName, recoverEveryMs: 0 });
      try {
        expect(plain.db.client.options.maxPoolSize).to.equal(DEFAULT_MAX_POOL_SIZE).and.to.equal(10);
        expect(withPool.db.client.options.maxPoolSize).to.equal(3);
      } finally {
        await plain.close();
        await withPool.close();
        await drop(dbName);
      }
    });
  });
});

describe('Choosing the store', () => {
  it('opens the embedded store in the data folder without a MongoDB URL', async () => {
    const dir = join(tmpdir(), `karvon-open-${randomUUID()}`);
    let store: Store | undefined;
    try {
      store = await openStore({ dataDir: dir, mongoUrl: '' });
      expect(store.kind).to.equal('sqlite');
    } finally {
      await store?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads MONGODB_URL, MONGODB_DB and KARVON_DATA_DIR', () => {
    expect(storeOptionsFromEnv({ MONGODB_URL: ' mongodb://h/db ', KARVON_DATA_DIR: '/var/k' })).to.deep.equal({
      dataDir: '/var/k',
      mongoUrl: 'mongodb://h/db',
      mongoDbName: null,
    });
    const embedded = storeOptionsFromEnv({ MONGODB_URL: '', MONGODB_DB: 'x' });
    expect(embedded.mongoUrl).to.equal(null);
    expect(embedded.mongoDbName).to.equal('x');
    expect(embedded.dataDir).to.match(/data$/);
  });

  it('takes the database from the URL path', () => {
    expect(databaseFromUrl('mongodb://127.0.0.1:27017/karvon_test')).to.equal('karvon_test');
    expect(databaseFromUrl('mongodb+srv://user:pw@cluster0.example.net/prod?retryWrites=true')).to.equal('prod');
    expect(databaseFromUrl('mongodb://a:1,b:2/?replicaSet=rs0')).to.equal(null);
    expect(databaseFromUrl('mongodb://localhost')).to.equal(null);
  });
});

const INDEX_STAGES = new Set(['IXSCAN', 'EXPRESS_IXSCAN', 'IDHACK', 'EXPRESS_IDHACK', 'COUNT_SCAN', 'DISTINCT_SCAN']);

/** Asserts an explain shows the query served by an index (MongoDB) or pushed down (FerretDB). */
function expectIndexed(explain: Document, fields: string[] | null): void {
  const planner = explain.queryPlanner as Document | undefined;
  if (explain.serverInfo?.ferretdbVersion !== undefined) {
    if (fields === null) return;
    expect(explain.filterPushdown, `filter pushed down to PostgreSQL: ${JSON.stringify(explain.command?.filter)}`).to.equal(true);
    const pushed = String((planner?.Plan as Document | undefined)?.Filter ?? '');
    for (const field of fields) expect(pushed, 'pushed-down filter').to.contain(`'${field}'`);
    return;
  }
  const stages = stagesOf(planner?.winningPlan);
  expect(stages, JSON.stringify(planner?.winningPlan)).to.not.include('COLLSCAN');
  expect(stages.some((s) => INDEX_STAGES.has(s)), `index stage in ${stages.join(' > ')}`).to.equal(true);
}

/** Every `stage` in a plan tree, whatever shape this server version gives it. */
function stagesOf(plan: unknown): string[] {
  if (plan === null || typeof plan !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(plan)) {
    if (key === 'stage' && typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) for (const item of value) out.push(...stagesOf(item));
    else if (value && typeof value === 'object') out.push(...stagesOf(value));
  }
  return out;
}

/** Polls until `read` returns something other than null, for background work. */
async function eventually<T>(read: () => Promise<T | null>, timeoutMs = 5000): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The error a promise rejects with; fails the test when it resolves instead. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected the promise to reject');
}
