// The ship-goods scenario at the adapter boundary: the jobs the process runs, in its order, over
// the demo data, for each of the three outcomes.

import { expect } from 'chai';
import type { JobOutcome } from '../../engine/ports.ts';
import type { Variables } from '../../engine/types.ts';
import { createAdapterRuntime, type AdapterRuntime } from '../../adapters/runtime/index.ts';
import { seedDemoData, type DemoSeedReport } from '../../adapters/seed.ts';
import { job, openTestStore, testClock, type TestStore } from './support.ts';

describe('adapters: ship-goods over the demo data', () => {
  let db: TestStore;
  let runtime: AdapterRuntime;
  let demo: DemoSeedReport;

  beforeEach(async () => {
    db = await openTestStore();
    const clock = testClock();
    demo = await seedDemoData(db.store, { now: () => clock.now() });
    runtime = await createAdapterRuntime({ store: db.store, clock });
  });
  afterEach(() => db.close());

  async function run(type: string, variables: Variables, idempotencyKey = `${type}-key`): Promise<JobOutcome> {
    return runtime.handler.run(job(type, variables, { idempotencyKey }));
  }

  async function shipGoods(scenario: DemoSeedReport['ships']): Promise<{ card: Variables; shipment: JobOutcome }> {
    const card = await run('crm.getCustomerCard', { customerId: scenario.customerId });
    expect(card.kind).to.equal('complete');
    const cardVars = (card as { variables: Variables }).variables;
    const shipment = await run('erp.requestShipment', { customer: cardVars.customer, items: scenario.items, dealId: scenario.dealId }, `ship-${scenario.customerId}`);
    return { card: cardVars, shipment };
  }

  it('seeds idempotently', async () => {
    expect(demo.inserted).to.be.greaterThan(20);
    const again = await seedDemoData(db.store);
    expect(again.inserted).to.equal(0);
  });

  it('ships for a customer with a good address and enough stock, then moves the deal on', async () => {
    // when
    const { card, shipment } = await shipGoods(demo.ships);
    const retried = await run('erp.requestShipment', { customer: card.customer, items: demo.ships.items, dealId: demo.ships.dealId }, `ship-${demo.ships.customerId}`);
    const stage = await run('crm.updateDealStage', { dealId: demo.ships.dealId, stage: 'won' });
    // then
    expect((card.lifetimeRevenue as number)).to.equal(7_200_000);
    expect(shipment.kind).to.equal('complete');
    const shipped = (shipment as { variables: Variables }).variables;
    expect(shipped).to.include({ status: 'reserved', customerRef: demo.ships.customerId, dealId: demo.ships.dealId });
    expect(retried).to.deep.equal(shipment);
    expect(await runtime.erp.listShipments()).to.have.length(1);
    expect(stage.kind).to.equal('complete');
    expect((await runtime.crm.getDeal(demo.ships.dealId)).stage).to.equal('won');
  });

  it('throws INSUFFICIENT_STOCK as a BPMN error listing the short items', async () => {
    const { shipment } = await shipGoods(demo.shortOfStock);
    expect(shipment.kind).to.equal('bpmnError');
    const error = shipment as Extract<JobOutcome, { kind: 'bpmnError' }>;
    expect(error.errorCode).to.equal('INSUFFICIENT_STOCK');
    const details = (error.variables!.error as { details: { shortItems: unknown[] } }).details;
    expect(details.shortItems).to.deep.equal([{ sku: 'RISHTON-LAGAN', requested: 20, available: 8, short: 12 }]);
    expect(await runtime.erp.listShipments()).to.deep.equal([]);
  });

  it('throws ADDRESS_INCOMPLETE, and ships once the address is fixed in the CRM', async () => {
    // when
    const { shipment } = await shipGoods(demo.incompleteAddress);
    // then
    const error = shipment as Extract<JobOutcome, { kind: 'bpmnError' }>;
    expect(error.errorCode).to.equal('ADDRESS_INCOMPLETE');
    expect(error.errorMessage).to.contain(`Customer "Farg'ona Baraka Trade" (${demo.incompleteAddress.customerId})`);
    expect((error.variables!.error as { details: { field: string } }).details.field).to.equal('address');

    // when a person completes the address and the task is retried
    await runtime.crm.patchCustomer(demo.incompleteAddress.customerId, { address: "Farg'ona viloyati, Marg'ilon sh., Mustaqillik ko'chasi 21, 151100" });
    const retried = await shipGoods(demo.incompleteAddress);
    // then
    expect(retried.shipment.kind).to.equal('complete');
    expect((retried.shipment as { variables: Variables }).variables.shipTo).to.include({ city: "Marg'ilon", countryCode: 'UZ' });
  });

  it('reports a quantity typed as text as a business error naming the customer', async () => {
    const card = (await run('crm.getCustomerCard', { customerId: demo.ships.customerId })) as { variables: Variables };
    const outcome = await run('erp.requestShipment', { customer: card.variables.customer, items: [{ sku: 'PAXTA-IP-30', quantity: '12' }] });
    expect(outcome).to.include({ kind: 'bpmnError', errorCode: 'ORDER_DATA_INVALID' });
  });

  it('fails a card lookup for an unknown customer as a declared business error', async () => {
    const outcome = await run('crm.getCustomerCard', { customerId: 'nobody' });
    expect(outcome).to.include({ kind: 'bpmnError', errorCode: 'CUSTOMER_NOT_FOUND' });
  });
});
