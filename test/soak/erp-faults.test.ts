// ship-goods against an ERP that misbehaves: the real process, the real adapter runtime with the
// Odoo adapter, the Odoo fake behind a fault proxy (soak/fault-proxy.ts), the embedded store and a
// manual clock. The proxy hangs, answers 500, answers broken JSON or schema-violating data, or
// refuses connections; the engine must retry with backoff, open incidents with a clear message,
// keep the bulkhead and breaker per connection, serve other processes meanwhile, and ship exactly
// once per instance after recovery. Nothing here sleeps: the clock is moved by hand, and waiting
// for the process is waiting for an engine event.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Engine, type EngineEvent } from '../../engine/engine.ts';
import type { ManualClock } from '../../engine/clock.ts';
import { createAdapterRuntime } from '../../adapters/runtime/index.ts';
import type { ConnectionLimits } from '../../adapters/runtime/connections.ts';
import { seedDemoData, type DemoSeedReport } from '../../adapters/seed.ts';
import { FaultProxy, type FaultMode } from '../../soak/fault-proxy.ts';
import { OdooFake } from '../adapters/external/fakes/odoo.ts';
import { seedOdoo } from '../adapters/external/fixtures.ts';
import { openTestStore, testClock, type TestStore } from '../adapters/support.ts';

const PROCESSES = path.resolve(import.meta.dirname, '../../processes');
const PAST_BACKOFF = { addMs: 10 * 60_000 };
const TIMEOUT_MS = 5_000;

// A process that never calls the ERP: the CRM card, then a person.
const CRM_ONLY = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d_crm_only" targetNamespace="http://karvon.dev/test">
  <bpmn:process id="crm-only" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="card">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="crm.getCustomerCard" retries="3" />
        <zeebe:taskHeaders><zeebe:header key="resultVariable" value="customerCard" /></zeebe:taskHeaders>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:userTask id="call"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="card" />
    <bpmn:sequenceFlow id="f2" sourceRef="card" targetRef="call" />
    <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>`;

interface Seen {
  path: string;
  mode: FaultMode;
  at: number;
}

describe('ship-goods with a faulty ERP (Odoo behind a fault proxy, engine + adapter runtime)', function () {
  this.timeout(20_000);
  let db: TestStore;
  let clock: ManualClock;
  let odoo: OdooFake;
  let proxy: FaultProxy;
  let engine: Engine;
  let demo: DemoSeedReport;
  let seen: Seen[];
  let heldWaiters: { count: number; resolve: () => void }[];

  async function setup(limits: Partial<ConnectionLimits>): Promise<void> {
    clock = testClock();
    seen = [];
    heldWaiters = [];
    odoo = await new OdooFake().start();
    seedOdoo(odoo);
    proxy = await new FaultProxy({
      upstream: odoo.url,
      onRequest: (p, mode) => {
        seen.push({ path: p, mode, at: clock.now() });
        const held = seen.filter((s) => s.mode === 'hang').length;
        heldWaiters = heldWaiters.filter((w) => (held >= w.count ? (w.resolve(), false) : true));
      },
    }).start();
    db = await openTestStore();
    demo = await seedDemoData(db.store, { now: () => clock.now() });
    const runtime = await createAdapterRuntime({
      store: db.store,
      clock,
      random: () => 0.5,
      connections: { erp: { adapter: 'odoo', config: { url: proxy.url, protocol: 'json2', apiKey: odoo.apiKey, database: odoo.database }, limits: { timeoutMs: TIMEOUT_MS, ...limits } } },
    });
    engine = await Engine.open({ store: db.store, clock, handlers: [runtime.handler], pollMs: 0 });
    const names = ['ship-goods.bpmn', 'ship-goods-start.form', 'ship-goods-confirmed.form', 'ship-goods-address.form', 'ship-goods-stock.form'];
    await engine.deploy(await Promise.all(names.map(async (name) => ({ name, content: await readFile(path.join(PROCESSES, name), 'utf8') }))));
    await engine.deploy([{ name: 'crm-only.bpmn', content: CRM_ONLY }]);
  }

  afterEach(async () => {
    await proxy?.setMode('healthy');
    await engine?.close();
    await db?.close();
    await proxy?.close();
    await odoo?.close();
  });

  const shipGoods = async (quantity = 10): Promise<string> =>
    (await engine.startInstance({ processKey: 'ship-goods', variables: { customerId: demo.ships.customerId, items: [{ sku: 'PAXTA-IP-30', quantity }] } })).id;

  /** ERP calls that reached the proxy while it was in `mode`. */
  const calls = (mode: FaultMode) => seen.filter((s) => s.mode === mode);
  /** First call of each requestShipment attempt: the lookup of the picking by its idempotency key. */
  const attempts = (mode: FaultMode) => calls(mode).filter((s) => s.path === '/json/2/stock.picking/search_read');
  const pickings = () => odoo.records('stock.picking', [['state', '!=', 'cancel']]);
  const reservedPaxta = () => {
    const product = odoo.records('product.product', [['default_code', '=', 'PAXTA-IP-30']])[0]!;
    return Number(odoo.records('stock.quant', [['product_id', '=', product.id]])[0]!.reserved_quantity);
  };

  function event(match: (e: EngineEvent) => boolean): Promise<EngineEvent> {
    return new Promise((resolve) => {
      const off = engine.on((e) => {
        if (match(e)) {
          off();
          resolve(e);
        }
      });
    });
  }

  function held(count: number): Promise<void> {
    if (calls('hang').length >= count) return Promise.resolve();
    return new Promise((resolve) => heldWaiters.push({ count, resolve }));
  }

  async function openIncident(instanceId: string) {
    const list = await engine.listIncidents({ state: 'open', processInstanceId: instanceId });
    expect(list, `open incidents of ${instanceId}`).to.have.length(1);
    return list[0]!;
  }

  /** Every instance waits at "Shipment confirmed" with its own picking, and nothing else exists. */
  async function expectShippedOnce(ids: string[]): Promise<void> {
    const byInstance = new Map<string, string>();
    for (const id of ids) {
      const view = await engine.getInstance(id);
      expect(view.incidents, id).to.deep.equal([]);
      expect(view.activeElements, id).to.deep.equal(['Task_ShipmentConfirmed']);
      byInstance.set(id, (view.variables.shipment as { id: string }).id);
    }
    const all = pickings();
    expect(all.map((p) => String(p.id)).sort()).to.deep.equal([...byInstance.values()].sort());
    expect(new Set(all.map((p) => p.origin)).size).to.equal(ids.length);
    expect(all.every((p) => p.state === 'assigned')).to.equal(true);
  }

  it('answers 500: retried after 750 ms and 1.5 s (backoff), then an incident naming the call and the answer; resolved after recovery, one picking', async () => {
    await setup({ breakerThreshold: 100 });
    await proxy.setMode('error500');
    const id = await shipGoods();
    await engine.settle();
    expect(attempts('error500')).to.have.length(1);
    await engine.advanceClock({ addMs: 749 });
    expect(attempts('error500')).to.have.length(1);
    await engine.advanceClock({ addMs: 1 });
    expect(attempts('error500')).to.have.length(2);
    await engine.advanceClock({ addMs: 1_499 });
    expect(attempts('error500')).to.have.length(2);
    await engine.advanceClock({ addMs: 1 });
    expect(attempts('error500')).to.have.length(3); // retries="3": the third attempt is the last

    const incident = await openIncident(id);
    expect(incident.elementId).to.equal('Task_RequestShipment');
    expect(incident.message).to.contain('erp.requestShipment (connection "erp", adapter "odoo")').and.contain('Odoo stock.picking.search_read failed').and.contain('Internal Server Error');
    await engine.advanceClock(PAST_BACKOFF);
    expect(attempts('error500')).to.have.length(3);
    expect(pickings()).to.deep.equal([]);

    await proxy.setMode('healthy');
    await engine.resolveIncident(incident.id);
    await engine.settle();
    await expectShippedOnce([id]);
    expect(reservedPaxta()).to.equal(10);
  });

  it('answers broken JSON: retried like a technical failure, then an incident saying so; after recovery one picking', async () => {
    await setup({ breakerThreshold: 100 });
    await proxy.setMode('malformed');
    const id = await shipGoods();
    for (let i = 0; i < 4; i++) await engine.advanceClock(PAST_BACKOFF);
    expect(attempts('malformed')).to.have.length(3);
    const incident = await openIncident(id);
    expect(incident.message).to.contain('Odoo stock.picking.search_read: Odoo answered 200 without JSON');

    await proxy.setMode('healthy');
    await engine.resolveIncident(incident.id);
    await engine.settle();
    await expectShippedOnce([id]);
  });

  it('answers data that violates the schema: an incident at once naming the field, no retry; after recovery the same picking, not a second', async () => {
    await setup({ breakerThreshold: 100 });
    await proxy.setMode('schema');
    const id = await shipGoods();
    await engine.settle();
    const incident = await openIncident(id);
    expect(incident.message).to.contain('Invalid output from erp.requestShipment').and.contain('shipTo.city must NOT have fewer than 1 characters');
    await engine.advanceClock(PAST_BACKOFF);
    expect(attempts('schema')).to.have.length(1); // not retried: repeating cannot fix the ERP's data
    expect(proxy.stats.schema).to.be.greaterThan(0);
    // The ERP did create and reserve the picking before its answer was found wrong.
    expect(pickings()).to.have.length(1);

    await proxy.setMode('healthy');
    await engine.resolveIncident(incident.id);
    await engine.settle();
    await expectShippedOnce([id]);
    expect(reservedPaxta()).to.equal(10);
  });

  it('hangs: at most maxConcurrent calls reach it, other processes complete meanwhile, the calls time out on the engine clock, and all ship once it answers', async () => {
    await setup({ maxConcurrent: 2, maxQueued: 10, breakerThreshold: 100 });
    await proxy.setMode('hang');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await shipGoods(5));
    await held(2);

    // Another process, the CRM and a person: not held up by the ERP's connection.
    const crmTask = event((e) => e.type === 'task.created');
    const other = await engine.startInstance({ processKey: 'crm-only', variables: { customerId: demo.ships.customerId } });
    const created = (await crmTask) as Extract<EngineEvent, { taskId: string }>;
    expect(created.instanceId).to.equal(other.id);
    const ended = event((e) => e.type === 'instance.ended' && e.instanceId === other.id);
    await engine.completeTask(created.taskId);
    await ended;
    expect((await engine.getInstance(other.id)).state).to.equal('completed');
    expect((await engine.getInstance(other.id)).variables.customerCard).to.have.property('customer');

    // The bulkhead: four shipments waiting, two calls at the ERP.
    expect(proxy.active).to.equal(2);
    expect(proxy.stats.peakInFlight).to.equal(2);
    expect(calls('hang')).to.have.length(2);

    // The engine's clock passes the timeout: the two calls give up their slots, two more go in.
    clock.advance(TIMEOUT_MS);
    await held(4);
    expect(calls('hang')).to.have.length(4);
    await proxy.setMode('healthy'); // the held calls are dropped; everything is retried
    await engine.settle();
    for (let i = 0; i < 2; i++) await engine.advanceClock(PAST_BACKOFF);
    await expectShippedOnce(ids);
    expect(reservedPaxta()).to.equal(20);
  });

  it('keeps failing: the circuit opens after the threshold; later calls fail fast without reaching the ERP or using retries, and the incident comes after the real attempts', async () => {
    await setup({ breakerThreshold: 3, breakerHalfOpenAfterMs: 60_000 });
    await proxy.setMode('error500');
    const first = await shipGoods();
    await engine.settle();
    await engine.advanceClock({ addMs: 750 });
    await engine.advanceClock({ addMs: 1_500 });
    expect(calls('error500')).to.have.length(3);
    expect((await openIncident(first)).message).to.contain('Internal Server Error');

    // The circuit opened with the third failure: the next job is refused without a call and waits
    // for the half-open time instead of spending its three attempts at once.
    const second = await shipGoods();
    await engine.settle();
    await engine.advanceClock({ addMs: 59_999 });
    expect(calls('error500')).to.have.length(3); // the ERP saw nothing more
    expect(await engine.listIncidents({ state: 'open', processInstanceId: second })).to.deep.equal([]);
    // Each half-open time lets one probe through; it fails, the circuit opens again, and only
    // after its three real attempts does the job become an incident, with the ERP's own answer.
    await engine.advanceClock({ addMs: 1 });
    expect(calls('error500')).to.have.length(4);
    await engine.advanceClock({ addMs: 60_000 });
    expect(calls('error500')).to.have.length(5);
    expect(await engine.listIncidents({ state: 'open', processInstanceId: second })).to.deep.equal([]);
    await engine.advanceClock({ addMs: 60_000 });
    expect(calls('error500')).to.have.length(6);
    expect((await openIncident(second)).message).to.contain('Internal Server Error').and.not.contain('circuit open');
    await engine.advanceClock(PAST_BACKOFF);
    expect(calls('error500')).to.have.length(6);
  });

  it('recovers through the breaker: jobs wait while the circuit is open without using retries, one probe after the half-open time succeeds, and every instance ships once with no incident', async () => {
    const HALF_OPEN_MS = 5 * 60_000;
    await setup({ breakerThreshold: 3, breakerHalfOpenAfterMs: HALF_OPEN_MS });
    await proxy.setMode('error500');
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) {
      ids.push(await shipGoods(i));
      await engine.settle();
    }
    expect(calls('error500'), 'three failures open the circuit').to.have.length(3);
    for (let i = 4; i <= 5; i++) ids.push(await shipGoods(i));
    await engine.settle();
    expect(calls('error500'), 'refused without a call').to.have.length(3);

    // Five minutes, then a probe that fails and another five: every waiting job is refused once per
    // open period, which would have spent the three retries of the first three and made incidents.
    for (let minute = 1; minute <= 5; minute++) {
      await engine.advanceClock({ addMs: 60_000 });
      if (minute === 2) {
        ids.push(await shipGoods(6));
        await engine.settle();
      }
      expect(calls('error500'), `minute ${minute}`).to.have.length(minute < 5 ? 3 : 4);
      expect(await engine.listIncidents({ state: 'open' }), `minute ${minute}`).to.deep.equal([]);
    }

    await proxy.setMode('healthy');
    await engine.advanceClock({ addMs: HALF_OPEN_MS - 1 });
    expect(calls('healthy'), 'still open a millisecond before the half-open time').to.deep.equal([]);
    expect(await engine.listIncidents({ state: 'open' })).to.deep.equal([]);
    await engine.advanceClock({ addMs: 1 });
    await expectShippedOnce(ids);
    expect(attempts('healthy'), 'one attempt per instance after recovery').to.have.length(ids.length);
    expect(await engine.listIncidents({})).to.deep.equal([]);
    expect(reservedPaxta()).to.equal(1 + 2 + 3 + 4 + 5 + 6);
  });

  it('is down (connection refused): incidents after the retries, other work goes on; back up, resolving the incidents ships each instance exactly once', async () => {
    await setup({ breakerThreshold: 100 });
    await proxy.setMode('down');
    const ids = [await shipGoods(1), await shipGoods(2), await shipGoods(3)];
    for (let i = 0; i < 4; i++) await engine.advanceClock(PAST_BACKOFF);
    const incidents = [];
    for (const id of ids) {
      const incident = await openIncident(id);
      expect(incident.message).to.contain('Odoo stock.picking.search_read').and.contain('ECONNREFUSED');
      incidents.push(incident);
    }
    const other = await engine.startInstance({ processKey: 'crm-only', variables: { customerId: demo.ships.customerId } });
    await engine.settle();
    const [task] = await engine.listTasks({ state: 'open', processInstanceId: other.id });
    await engine.completeTask(task!.id);
    expect((await engine.getInstance(other.id)).state).to.equal('completed');
    expect(odoo.calls).to.deep.equal([]);

    await proxy.setMode('healthy');
    for (const incident of incidents) await engine.resolveIncident(incident.id);
    await engine.settle();
    await expectShippedOnce(ids);
    expect(reservedPaxta()).to.equal(6);
    for (const id of ids) {
      const [confirm] = await engine.listTasks({ state: 'open', processInstanceId: id });
      await engine.completeTask(confirm!.id);
    }
    await engine.settle();
    for (const id of ids) expect((await engine.getInstance(id)).state).to.equal('completed');
  });
});
