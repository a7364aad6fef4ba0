// `karvon migrate`: an embedded store with running instances (waiting at a user task, a timer, a
// message and an incident) moves to MongoDB; nothing is lost, a re-run duplicates nothing, a
// foreign non-empty target is refused, and the engine on MongoDB carries every instance to its end.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { ManualClock } from '../../engine/clock.ts';
import { Engine } from '../../engine/engine.ts';
import type { InProcessJobHandler } from '../../engine/ports.ts';
import { MigrationRefused, migrateSqliteToMongo } from '../../engine/store/migrate.ts';
import { openMongoStore } from '../../engine/store/mongo.ts';
import { openSqliteStore } from '../../engine/store/sqlite.ts';
import type { Store } from '../../engine/store/port.ts';
import { freshDatabaseName } from '../engine/backends.ts';
import { bpmn, flow, serviceTask, userTask } from '../engine/harness.ts';

const url = process.env.MONGODB_URL?.trim() || '';
const required = process.env.KARVON_REQUIRE_MONGO === '1';

const order = bpmn('order', `
  <bpmn:startEvent id="s"/>
  ${serviceTask('card', 'crm.card')}
  <bpmn:exclusiveGateway id="route" default="toApprove"/>
  ${userTask('approve', '<zeebe:assignmentDefinition candidateGroups="sales"/>')}
  <bpmn:intermediateCatchEvent id="cool"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:receiveTask id="pay" messageRef="Paid"/>
  <bpmn:serviceTask id="flaky"><bpmn:extensionElements><zeebe:taskDefinition type="erp.flaky" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/><bpmn:endEvent id="e4"/>
  ${flow('f0', 's', 'card')}${flow('f1', 'card', 'route')}
  ${flow('toApprove', 'route', 'approve')}${flow('f2', 'approve', 'e1')}
  ${flow('toCool', 'route', 'cool', '=path = "timer"')}${flow('f3', 'cool', 'e2')}
  ${flow('toPay', 'route', 'pay', '=path = "message"')}${flow('f4', 'pay', 'e3')}
  ${flow('toFlaky', 'route', 'flaky', '=path = "incident"')}${flow('f5', 'flaky', 'e4')}`,
  `<bpmn:message id="Paid" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>`);

function adapters(flakyWorks: boolean): InProcessJobHandler {
  return {
    handles: (type) => type === 'crm.card' || type === 'erp.flaky',
    async run(job) {
      if (job.type === 'erp.flaky' && !flakyWorks) return { kind: 'fail', errorMessage: 'ERP down', retryable: true };
      return { kind: 'complete', variables: {} };
    },
  };
}

describe('karvon migrate: SQLite to MongoDB', function () {
  this.timeout(120_000);
  let admin: MongoClient;
  let dir: string;
  let dbName: string;
  const opened: Store[] = [];

  before(async function () {
    if (!url) {
      if (required) throw new Error('KARVON_REQUIRE_MONGO=1 but MONGODB_URL is not set: the migration suite cannot run');
      console.log('  Migration suite SKIPPED: MONGODB_URL is not set (see ../shared/README.md)');
      this.skip();
    }
    admin = new MongoClient(url);
    await admin.connect();
  });
  after(async () => admin?.close());

  beforeEach(() => {
    dir = join(tmpdir(), `karvon-migrate-${randomUUID()}`);
    dbName = freshDatabaseName('karvon_mig');
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
    await admin.db(dbName).dropDatabase();
  });

  /** A SQLite store with one instance waiting at each kind of wait state, and some documents. */
  async function populate(clock: ManualClock): Promise<{ file: string; ids: Record<string, string> }> {
    const file = join(dir, 'karvon.db');
    const store = await openSqliteStore({ file });
    const engine = await Engine.open({ store, clock, handlers: [adapters(false)] });
    await engine.deploy([{ name: 'order.bpmn', content: order }]);
    const ids: Record<string, string> = {};
    for (const path of ['task', 'timer', 'message', 'incident']) {
      ids[path] = (await engine.startInstance({ processKey: 'order', businessKey: `order-${path}`, variables: { path, orderId: `O-${path}` } })).id;
    }
    const done = await engine.startInstance({ processKey: 'order', variables: { path: 'task', orderId: 'O-done' } });
    await engine.settle();
    const [task] = await engine.listTasks({ state: 'open', processInstanceId: done.id });
    await engine.completeTask(task.id, {}, { actor: 'aziz' });
    ids.done = done.id;
    const users = store.collection({ name: 'users', indexes: ['username'], unique: ['username'] });
    await users.insert({ id: 'u-1', username: 'aziz', groups: ['sales'] });
    const customers = store.collection({ name: 'crm_customers', indexes: ['inn'] });
    await customers.insert({ id: 'c-1', inn: '301234567', name: 'Toshkent Savdo', address: { city: 'Toshkent' } });
    for (const [n, action] of [[1, 'instance.started'], [2, 'task.completed']] as const) {
      await store.appendAuditEntry({ id: `a-${n}`, at: `2026-03-01T09:00:0${n}.000Z`, actor: 'aziz', action, targets: [done.id], requestId: `r-${n}`, details: { n } });
    }
    await engine.settle();
    await engine.close();
    await store.close();
    return { file, ids };
  }

  /** What must survive the move, read through the port. */
  async function snapshot(store: Store, ids: Record<string, string>): Promise<unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, id] of Object.entries(ids)) {
      out[name] = {
        state: await store.getInstance(id),
        history: await store.history(id),
        tasks: await store.listTasks({ processInstanceId: id }),
        incidents: await store.listIncidents({ processInstanceId: id }),
      };
    }
    out.definitions = await store.listDefinitions();
    out.subscriptions = await store.findSubscriptions('paid', 'O-message');
    out.timers = await store.dueTimers(Number.MAX_SAFE_INTEGER, 100);
    out.users = await store.collection({ name: 'users', indexes: ['username'], unique: ['username'] }).find();
    out.customers = await store.collection({ name: 'crm_customers', indexes: ['inn'] }).find();
    out.jobTypes = (await store.jobTypes()).sort();
    out.audit = await store.listAuditEntries({ target: ids.done!, limit: 10 });
    return out;
  }

  it('copies everything, re-runs without duplicates, and the engine finishes the instances on MongoDB', async () => {
    const clock = new ManualClock('2026-03-01T09:00:00Z');
    const { file, ids } = await populate(clock);
    const sqlite = await openSqliteStore({ file });
    const before = await snapshot(sqlite, ids);
    await sqlite.close();

    const first = await migrateSqliteToMongo({ from: file, to: url, dbName });
    const again = await migrateSqliteToMongo({ from: file, to: url, dbName });
    expect(again).to.deep.equal(first);
    expect(first.instances).to.equal(5);
    expect(first.doc_users).to.equal(1);
    expect(first.audit).to.equal(2);

    const mongo = await openMongoStore({ url, dbName, recoverEveryMs: 0 });
    opened.push(mongo);
    expect(await snapshot(mongo, ids)).to.deep.equal(before);
    expect(await admin.db(dbName).collection('instances').countDocuments()).to.equal(5);

    // The engine on MongoDB continues where the embedded one stopped.
    const engine = await Engine.open({ store: mongo, clock, handlers: [adapters(true)] });
    try {
      const [task] = await engine.listTasks({ state: 'open', processInstanceId: ids.task });
      await engine.completeTask(task.id, {}, { actor: 'dilnoza' });
      await engine.advanceClock({ addMs: 3_600_000 });
      expect((await engine.correlateMessage({ name: 'paid', correlationKey: 'O-message' })).correlated).to.deep.equal([ids.message]);
      const [incident] = await engine.listIncidents({ state: 'open', processInstanceId: ids.incident });
      await engine.resolveIncident(incident.id);
      await engine.settle();
      for (const id of Object.values(ids)) expect((await engine.getInstance(id)).state, id).to.equal('completed');
    } finally {
      await engine.close();
    }
  });

  it('refuses a target holding other data unless --force, and the CLI says so', async () => {
    const { file } = await populate(new ManualClock('2026-03-01T09:00:00Z'));
    await admin.db(dbName).collection('doc_users').insertOne({ _id: 'someone-else' } as never);
    const error = await migrateSqliteToMongo({ from: file, to: url, dbName }).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(MigrationRefused);
    const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'migrate', '--from', `sqlite:${file}`, '--to', url, '--db', dbName]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(cli.code).to.equal(3);
    expect(cli.stderr).to.match(/not empty/);
    const forced = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'migrate', '--from', `sqlite:${file}`, '--to', url, '--db', dbName, '--force']);
    expect(forced.stdout).to.match(/migrated \d+ records/);
    expect(await admin.db(dbName).collection('doc_users').countDocuments()).to.equal(2);
  });
});
