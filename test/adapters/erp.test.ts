import { expect } from 'chai';
import { NotFoundError, ValidationError, ConflictError } from '../../engine/errors.ts';
import { ErpService } from '../../adapters/erp/service.ts';
import { AdapterError } from '../../adapters/sdk/errors.ts';
import { openTestStore, testClock, type TestStore } from './support.ts';

const customer = {
  id: 'cus_ipak', kind: 'company', name: "Ipak Yo'li Savdo", taxId: '305123456', phones: ['+998 71 200 12 34'], emails: [],
  address: "Toshkent sh., Chilonzor tumani, Bunyodkor ko'chasi 12, 100115",
};

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('adapters/erp service', () => {
  let db: TestStore;
  let erp: ErpService;
  const clock = testClock();

  beforeEach(async () => {
    db = await openTestStore();
    erp = new ErpService({ store: db.store, now: () => clock.now() });
    await erp.createWarehouse({ code: 'main', name: 'Main', isDefault: true });
    await erp.createProduct({ sku: 'YARN', name: 'Cotton yarn', unit: 'kg', price: 42000, weight: 1 });
    await erp.createProduct({ sku: 'CALICO', name: 'Calico', unit: 'm', price: 18500.5 });
    await erp.adjustStock({ sku: 'YARN', warehouseId: 'wh_main', set: 20 });
    await erp.adjustStock({ sku: 'CALICO', warehouseId: 'wh_main', delta: 100.25 });
  });
  afterEach(() => db.close());

  it('keeps products and stock exact', async () => {
    await erp.adjustStock({ sku: 'CALICO', warehouseId: 'wh_main', delta: -0.1 });
    await erp.adjustStock({ sku: 'CALICO', warehouseId: 'wh_main', delta: -0.2 });
    const [calico] = await erp.queryStock({ sku: 'CALICO' });
    expect(calico).to.deep.include({ onHand: 99.95, reserved: 0, available: 99.95 });
    expect((await erp.listProducts()).map((p) => [p.sku, p.price])).to.deep.equal([['CALICO', 18500.5], ['YARN', 42000]]);
    expect(await rejection(erp.createProduct({ sku: 'YARN', name: 'again', unit: 'kg', price: 1 }))).to.be.instanceOf(ConflictError);
  });

  it('never lets stock go negative in a warehouse that does not allow it', async () => {
    const error = await rejection(erp.adjustStock({ sku: 'YARN', warehouseId: 'wh_main', delta: -21 }));
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).details[0]).to.deep.equal({ path: 'delta', message: 'would leave -1 on hand' });
    const bad = await rejection(erp.adjustStock({ sku: 'YARN', warehouseId: 'wh_main' }));
    expect(bad).to.be.instanceOf(ValidationError);
  });

  it('reserves stock for a shipment and returns the same shipment for the same key', async () => {
    // when
    const first = await erp.requestShipment({ customer, items: [{ sku: 'YARN', quantity: 5 }, { sku: 'CALICO', quantity: 10.5 }] }, 'key-A');
    const again = await erp.requestShipment({ customer, items: [{ sku: 'YARN', quantity: 5 }, { sku: 'CALICO', quantity: 10.5 }] }, 'key-A');
    // then
    expect(first).to.include({ status: 'reserved', number: 'SH-000001', customerRef: 'cus_ipak', partial: false });
    expect(first.shipTo).to.include({ city: 'Toshkent', countryCode: 'UZ', postcode: '100115' });
    expect(first.lines.map((l) => [l.sku, l.requested, l.reserved])).to.deep.equal([['YARN', 5, 5], ['CALICO', 10.5, 10.5]]);
    expect(again).to.deep.equal(first);
    expect(await erp.listShipments()).to.have.length(1);
    const [yarn] = await erp.queryStock({ sku: 'YARN' });
    expect(yarn).to.deep.include({ onHand: 20, reserved: 5, available: 15 });
  });

  it('rejects short stock listing every short item and leaves nothing behind', async () => {
    const error = await rejection(erp.requestShipment({ customer, items: [{ sku: 'YARN', quantity: 25 }, { sku: 'CALICO', quantity: 200 }] }, 'key-B'));
    expect(error).to.be.instanceOf(AdapterError);
    const e = error as AdapterError;
    expect(e.code).to.equal('INSUFFICIENT_STOCK');
    expect((e.details as { shortItems: unknown[] }).shortItems).to.deep.equal([
      { sku: 'YARN', requested: 25, available: 20, short: 5 },
      { sku: 'CALICO', requested: 200, available: 100.25, short: 99.75 },
    ]);
    expect(await erp.listShipments({ status: 'draft' })).to.deep.equal([]);
    expect((await erp.queryStock({})).map((s) => s.reserved)).to.deep.equal([0, 0]);
  });

  it('rejects an incomplete address before writing anything', async () => {
    const error = await rejection(erp.requestShipment({ customer: { ...customer, address: "Marg'ilon, bozor yonida" }, items: [{ sku: 'YARN', quantity: 1 }] }, 'key-C'));
    expect((error as AdapterError).code).to.equal('ADDRESS_INCOMPLETE');
    expect(error.message).to.contain(`Customer "Ipak Yo'li Savdo" (cus_ipak)`);
    expect(await erp.listPartners()).to.deep.equal([]);
    expect(await erp.listShipments({ status: 'draft' })).to.deep.equal([]);
  });

  it('supports waiting for stock and partial shipments', async () => {
    const waiting = await erp.requestShipment({ customer, items: [{ sku: 'YARN', quantity: 30 }], shortStockPolicy: 'wait' }, 'key-W');
    expect(waiting.status).to.equal('waiting_for_stock');
    const partial = await erp.requestShipment({ customer, items: [{ sku: 'YARN', quantity: 30 }, { sku: 'CALICO', quantity: 1 }], shortStockPolicy: 'partial' }, 'key-P');
    expect(partial).to.include({ status: 'reserved', partial: true });
    expect(partial.lines.map((l) => l.reserved)).to.deep.equal([20, 1]);
    // Stock arrives: the waiting shipment is reserved.
    await erp.transitionShipment(partial.id, 'canceled');
    await erp.adjustStock({ sku: 'YARN', warehouseId: 'wh_main', delta: 10 });
    expect((await erp.getShipment(waiting.id)).status).to.equal('reserved');
  });

  it('runs the shipment state machine and consumes stock on shipping', async () => {
    const s = await erp.requestShipment({ customer, items: [{ sku: 'YARN', quantity: 4 }] }, 'key-S');
    await erp.transitionShipment(s.id, 'shipped');
    const delivered = await erp.transitionShipment(s.id, 'delivered');
    expect(delivered.status).to.equal('delivered');
    expect(delivered.lines[0].shipped).to.equal(4);
    const [yarn] = await erp.queryStock({ sku: 'YARN' });
    expect(yarn).to.deep.include({ onHand: 16, reserved: 0, available: 16 });
    const error = await rejection(erp.transitionShipment(s.id, 'canceled'));
    expect(error.message).to.match(/Expected shipment .* in a state that can become "canceled", found "delivered"/);
    expect(await rejection(erp.getShipment('nope'))).to.be.instanceOf(NotFoundError);
  });

  it('invoices a shipment once, at exact prices', async () => {
    const s = await erp.requestShipment({ customer, items: [{ sku: 'CALICO', quantity: 2.5 }] }, 'key-I');
    const first = await erp.createInvoice(s.id);
    const second = await erp.createInvoice(s.id);
    expect(first.created).to.equal(true);
    expect(second).to.deep.equal({ invoice: first.invoice, created: false });
    expect(first.invoice).to.include({ total: 46251.25, number: 'INV-000001' });
  });

  it('upserts one partner per CRM customer', async () => {
    const a = await erp.upsertPartnerFromCustomer(customer);
    const b = await erp.upsertPartnerFromCustomer({ ...customer, phones: ['+998 90 000 00 00'] });
    expect(a.created).to.equal(true);
    expect(b).to.deep.include({ created: false });
    expect(b.partner.phone).to.equal('+998 90 000 00 00');
    expect(await erp.listPartners()).to.have.length(1);
  });

  it('reserves exactly the stock there is under 50 parallel requests', async function () {
    this.timeout(60_000);
    // given: 20 on hand, 50 requests of 1 each with different keys
    const requests = Array.from({ length: 50 }, (_, i) =>
      erp.requestShipment({ customer, items: [{ sku: 'YARN', quantity: 1 }] }, `parallel-${i}`).then(
        (shipment) => ({ ok: true as const, shipment }),
        (error: unknown) => ({ ok: false as const, error: error as AdapterError }),
      ));
    // when
    const results = await Promise.all(requests);
    // then
    const reserved = results.filter((r) => r.ok);
    const rejected = results.filter((r) => !r.ok);
    expect(reserved).to.have.length(20);
    expect(rejected).to.have.length(30);
    for (const r of rejected) {
      expect(r.error.code, r.error.message).to.equal('INSUFFICIENT_STOCK');
      expect((r.error.details as { shortItems: { sku: string; short: number }[] }).shortItems).to.deep.equal([{ sku: 'YARN', requested: 1, available: 0, short: 1 }]);
    }
    const [yarn] = await erp.queryStock({ sku: 'YARN' });
    expect(yarn).to.deep.include({ onHand: 20, reserved: 20, available: 0 });
    expect(await erp.listShipments({ status: 'reserved' })).to.have.length(20);
    expect(await erp.listShipments({ status: 'draft' })).to.have.length(0);
    expect(new Set(reserved.map((r) => r.ok && r.shipment.number)).size).to.equal(20);
  });

  it('creates one shipment for the same key requested in parallel', async () => {
    const same = await Promise.all(Array.from({ length: 5 }, () => erp.requestShipment({ customer, items: [{ sku: 'YARN', quantity: 2 }] }, 'same-key')));
    expect(new Set(same.map((s) => s.id)).size).to.equal(1);
    expect(await erp.listShipments()).to.have.length(1);
    const [yarn] = await erp.queryStock({ sku: 'YARN' });
    expect(yarn.reserved).to.equal(2);
  });
});
