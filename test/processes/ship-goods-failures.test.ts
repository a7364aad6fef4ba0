// ship-goods when the ERP fails technically (issue 4, "How it is checked"): the real process file,
// the real adapter runtime and built-in ERP on the embedded store, a manual clock to pass the
// backoffs. Faults are injected in front of ErpService.requestShipment — below the adapter
// runtime — so the engine-owned policy (transient → retry with backoff → incident) is what is
// under test, not a hand-made job outcome.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import type { ManualClock } from '../../engine/clock.ts';
import { createAdapterRuntime, type AdapterRuntime } from '../../adapters/runtime/index.ts';
import { seedDemoData, type DemoSeedReport } from '../../adapters/seed.ts';
import { transientError } from '../../adapters/sdk/errors.ts';
import type { ErpService } from '../../adapters/erp/service.ts';
import { openTestStore, testClock, type TestStore } from '../adapters/support.ts';

const PROCESSES = path.resolve(import.meta.dirname, '../../processes');
// Longer than the largest backoff the default retry policy gives for three attempts.
const PAST_BACKOFF = { addMs: 10 * 60_000 };

type Fault = 'before' | 'after' | null;

describe('process: ship-goods when the ERP fails technically (engine + adapter runtime)', function () {
  this.timeout(20_000);
  let db: TestStore;
  let clock: ManualClock;
  let runtime: AdapterRuntime;
  let engine: Engine;
  let demo: DemoSeedReport;
  /** What each call to the ERP does: 'before' fails without reaching it, 'after' loses the answer. */
  let faults: Fault[];
  /** Every call fails this way while set. */
  let failAlways: Fault;
  let keys: string[];

  beforeEach(async () => {
    db = await openTestStore();
    clock = testClock();
    demo = await seedDemoData(db.store, { now: () => clock.now() });
    runtime = await createAdapterRuntime({ store: db.store, clock });
    engine = await Engine.open({ store: db.store, clock, handlers: [runtime.handler], pollMs: 0 });
    faults = [];
    failAlways = null;
    keys = [];
    injectFaults(runtime.erp);
    const names = ['ship-goods.bpmn', 'ship-goods-start.form', 'ship-goods-confirmed.form', 'ship-goods-address.form', 'ship-goods-stock.form'];
    await engine.deploy(await Promise.all(names.map(async (name) => ({ name, content: await readFile(path.join(PROCESSES, name), 'utf8') }))));
  });
  afterEach(async () => {
    await engine.close();
    await db.close();
  });

  function injectFaults(erp: ErpService): void {
    const real = erp.requestShipment.bind(erp);
    // An own property shadows the prototype method the operation's handler calls.
    erp.requestShipment = async (request, idempotencyKey) => {
      keys.push(idempotencyKey);
      const fault = failAlways ?? faults.shift() ?? null;
      if (fault === 'before') throw transientError('ERP unreachable (injected)');
      const shipment = await real(request, idempotencyKey);
      if (fault === 'after') throw transientError('connection reset after the ERP created the shipment (injected)');
      return shipment;
    };
  }

  async function shipmentsOf(customerId: string) {
    const all = await runtime.erp.listShipments();
    return all.filter((s) => s.customerRef === customerId);
  }

  async function start(): Promise<string> {
    const { customerId, dealId, items } = demo.ships;
    const pi = await engine.startInstance({ processKey: 'ship-goods', variables: { customerId, dealId, items } });
    await engine.settle();
    return pi.id;
  }

  it('fails twice technically, then succeeds: exactly one shipment, the same idempotency key on every attempt', async () => {
    const before = (await shipmentsOf(demo.ships.customerId)).length;
    faults = ['before', 'after'];
    const id = await start();
    expect(keys).to.have.length(1);
    expect((await engine.getInstance(id)).activeElements).to.not.include('Task_ShipmentConfirmed');
    await engine.advanceClock(PAST_BACKOFF);
    await engine.advanceClock(PAST_BACKOFF);
    expect(keys).to.have.length(3);
    expect(new Set(keys).size).to.equal(1);

    const view = await engine.getInstance(id);
    expect(view.incidents).to.deep.equal([]);
    expect(view.activeElements).to.deep.equal(['Task_ShipmentConfirmed']);
    const shipments = await shipmentsOf(demo.ships.customerId);
    expect(shipments).to.have.length(before + 1);
    expect((view.variables.shipment as { id: string }).id).to.equal(shipments.at(-1)!.id);
  });

  it('fails always: incident; the ERP is fixed, the incident resolved: exactly one shipment', async () => {
    const before = (await shipmentsOf(demo.ships.customerId)).length;
    // The hard case: the ERP does the work every time but the answer never arrives.
    failAlways = 'after';
    const id = await start();
    for (let i = 0; i < 4; i++) await engine.advanceClock(PAST_BACKOFF);
    const [incident, ...more] = await engine.listIncidents({ state: 'open', processInstanceId: id });
    expect(more).to.deep.equal([]);
    expect(incident).to.include({ elementId: 'Task_RequestShipment' });
    expect(incident!.message).to.contain('connection reset');
    expect(keys).to.have.length(3); // retries="3" in the diagram: three attempts, then an incident
    expect(await shipmentsOf(demo.ships.customerId)).to.have.length(before + 1);

    failAlways = null;
    await engine.resolveIncident(incident!.id);
    await engine.settle();
    expect(keys).to.have.length(4);
    expect(new Set(keys).size).to.equal(1);
    const view = await engine.getInstance(id);
    expect(view.activeElements).to.deep.equal(['Task_ShipmentConfirmed']);
    expect(await engine.listIncidents({ state: 'open', processInstanceId: id })).to.deep.equal([]);
    const shipments = await shipmentsOf(demo.ships.customerId);
    expect(shipments).to.have.length(before + 1);
    expect((view.variables.shipment as { id: string }).id).to.equal(shipments.at(-1)!.id);
  });
});
