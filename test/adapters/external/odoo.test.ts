// Odoo as the ERP, against a local Odoo speaking JSON-2 and /jsonrpc: each operation, the error
// formats, 429, and a connection reset after the picking was created (exactly one picking).

import { expect } from 'chai';
import type { JobOutcome } from '../../../engine/ports.ts';
import type { Variables } from '../../../engine/types.ts';
import { createErpAdapter } from '../../../adapters/erp/adapter.ts';
import type { ErpService } from '../../../adapters/erp/service.ts';
import { odooAdapter } from '../../../adapters/odoo/adapter.ts';
import { job, openTestStore } from '../support.ts';
import { createAdapterRuntime } from '../../../adapters/runtime/index.ts';
import { OdooFake } from './fakes/odoo.ts';
import { odooSpec, runtimeFor, type CapturedLog } from './fixtures.ts';
import { seedOdoo } from './fixtures.ts';

type Completed = Extract<JobOutcome, { kind: 'complete' }>;
type Failed = Extract<JobOutcome, { kind: 'fail' }>;
type BpmnError = Extract<JobOutcome, { kind: 'bpmnError' }>;

const goodCustomer = { id: 'company-1', kind: 'company', name: "Ipak Yo'li Savdo MChJ", taxId: '305123456', phones: ['+998 90 123 45 67'], emails: ['info@ipak.uz'], address: "Bunyodkor ko'chasi 12, Chilonzor tumani, Toshkent sh., 100115" };

for (const protocol of ['json2', 'jsonrpc'] as const) {
  describe(`external adapters: Odoo as the ERP over ${protocol}`, () => {
    let fake: OdooFake;
    let logs: CapturedLog[];
    let run: (type: string, variables: Variables, key?: string, attempt?: number) => Promise<JobOutcome>;

    beforeEach(async () => {
      fake = await new OdooFake().start();
      seedOdoo(fake);
      const runtime = runtimeFor({ erp: odooSpec(fake, protocol) });
      logs = runtime.logs;
      run = (type, variables, key, attempt = 1) => runtime.handler.run(job(type, variables, { ...(key ? { idempotencyKey: key } : {}), attempt }));
    });
    afterEach(() => fake.close());

    it('checkStock reads stock.quant per SKU', async () => {
      const outcome = (await run('erp.checkStock', { items: [{ sku: 'RISHTON-LAGAN', quantity: 20 }, { sku: 'PAXTA-IP-30', quantity: 1 }] })) as Completed;
      expect(outcome.kind, JSON.stringify(outcome)).to.equal('complete');
      expect(outcome.variables.available).to.equal(false);
      expect(outcome.variables.items).to.deep.equal([
        { sku: 'RISHTON-LAGAN', requested: 20, onHand: 8, reserved: 0, available: 8, short: 12 },
        { sku: 'PAXTA-IP-30', requested: 1, onHand: 500, reserved: 0, available: 500, short: 0 },
      ]);
      expect(await run('erp.checkStock', { items: [{ sku: 'NOPE', quantity: 1 }] })).to.include({ kind: 'bpmnError', errorCode: 'UNKNOWN_PRODUCT' });
    });

    it('upsertPartner creates the res.partner keyed by the CRM id, then updates it', async () => {
      const first = (await run('erp.upsertPartner', { customer: goodCustomer })) as Completed;
      expect(first.kind, JSON.stringify(first)).to.equal('complete');
      expect(first.variables.created).to.equal(true);
      expect((first.variables.partner as { address: unknown }).address).to.deep.include({ street: "Bunyodkor ko'chasi 12", city: 'Toshkent', postcode: '100115', countryCode: 'UZ' });
      const second = (await run('erp.upsertPartner', { customer: { ...goodCustomer, name: 'Ipak Yoli Savdo' } })) as Completed;
      expect(second.variables.created).to.equal(false);
      expect(fake.records('res.partner').map((p) => p.name)).to.deep.equal(['Ipak Yoli Savdo']);
      const bad = (await run('erp.upsertPartner', { customer: { ...goodCustomer, taxId: null } })) as BpmnError;
      expect(bad).to.include({ kind: 'bpmnError', errorCode: 'CUSTOMER_DATA_INVALID' });
    });

    it('requestShipment creates one confirmed, reserved picking per key, and getShipment reads it', async () => {
      const items = [{ sku: 'PAXTA-IP-30', quantity: 120 }, { sku: 'BOZ-MATO-150', quantity: 250.5 }];
      const outcome = (await run('erp.requestShipment', { customer: goodCustomer, items, dealId: '11', deliveryDate: '2099-01-15' }, 'ship-1')) as Completed;
      expect(outcome.kind, JSON.stringify(outcome)).to.equal('complete');
      const shipment = outcome.variables as { id: string; number: string; status: string; dealId: string; expectedDate: string; customerRef: string; lines: { sku: string; requested: number; reserved: number }[] };
      expect(shipment).to.include({ status: 'reserved', dealId: '11', expectedDate: '2099-01-15', customerRef: 'company-1' });
      expect(shipment.number).to.match(/^WH\/OUT\//);
      expect(shipment.lines.map((l) => [l.sku, l.requested, l.reserved])).to.deep.equal([['PAXTA-IP-30', 120, 120], ['BOZ-MATO-150', 250.5, 250.5]]);
      expect(fake.records('stock.picking')[0].origin).to.equal('ship-1');
      const again = (await run('erp.requestShipment', { customer: goodCustomer, items, dealId: '11', deliveryDate: '2099-01-15' }, 'ship-1')) as Completed;
      expect(again.variables).to.deep.equal(outcome.variables);
      expect(fake.records('stock.picking')).to.have.length(1);
      const read = (await run('erp.getShipment', { shipmentId: shipment.id })) as Completed;
      expect(read.variables).to.deep.equal(outcome.variables);
      expect(await run('erp.getShipment', { shipmentId: '424242' })).to.include({ kind: 'bpmnError', errorCode: 'SHIPMENT_NOT_FOUND' });
    });

    it('short stock is INSUFFICIENT_STOCK with the built-in ERP\'s details shape, and nothing is created', async () => {
      const outcome = (await run('erp.requestShipment', { customer: goodCustomer, items: [{ sku: 'RISHTON-LAGAN', quantity: 20 }, { sku: 'ATLAS-MARGILON', quantity: 15 }] })) as BpmnError;
      expect(outcome).to.include({ kind: 'bpmnError', errorCode: 'INSUFFICIENT_STOCK' });
      const details = (outcome.variables!.error as { details: Record<string, unknown> }).details;
      expect(details).to.have.keys(['customerId', 'customerName', 'warehouseId', 'warehouse', 'shortItems']);
      expect(details.shortItems).to.deep.equal([{ sku: 'RISHTON-LAGAN', requested: 20, available: 8, short: 12 }]);
      expect(fake.records('stock.picking')).to.deep.equal([]);
    });

    it('refuses a shipTo override loudly instead of shipping to the partner address', async () => {
      const shipTo = { street: 'Amir Temur 1', city: 'Toshkent', postcode: '100000', countryCode: 'UZ' };
      const outcome = await run('erp.requestShipment', { customer: goodCustomer, items: [{ sku: 'PAXTA-IP-30', quantity: 1 }], shipTo });
      expect(outcome).to.include({ kind: 'fail', retryable: false });
      expect((outcome as { errorMessage: string }).errorMessage).to.match(/shipTo override is not supported/);
      expect(fake.records('stock.picking')).to.deep.equal([]);
    });

    it('an address that cannot be structured is ADDRESS_INCOMPLETE naming the customer and the field', async () => {
      const outcome = (await run('erp.requestShipment', { customer: { ...goodCustomer, address: "Marg'ilon, bozor yonida" }, items: [{ sku: 'PAXTA-IP-30', quantity: 1 }] })) as BpmnError;
      expect(outcome).to.include({ kind: 'bpmnError', errorCode: 'ADDRESS_INCOMPLETE' });
      expect((outcome.variables!.error as { details: { field: string; customerId: string } }).details).to.include({ field: 'address', customerId: 'company-1' });
      expect(fake.records('res.partner')).to.deep.equal([]);
    });

    it('a connection reset after the picking was created: unknown outcome, and the retry finds it — exactly one picking', async () => {
      fake.resetAfterCreate = 'stock.picking';
      const items = [{ sku: 'PAXTA-IP-30', quantity: 5 }];
      const first = (await run('erp.requestShipment', { customer: goodCustomer, items }, 'reset-key', 1)) as Failed;
      expect(first).to.include({ kind: 'fail', retryable: true });
      expect(first.errorMessage).to.contain('may or may not have taken effect');
      expect(fake.records('stock.picking')).to.have.length(1); // Odoo did create it
      const retry = (await run('erp.requestShipment', { customer: goodCustomer, items }, 'reset-key', 2)) as Completed;
      expect(retry.kind, JSON.stringify(retry)).to.equal('complete');
      expect(retry.variables.status).to.equal('reserved');
      expect(fake.records('stock.picking')).to.have.length(1);
      expect(fake.records('stock.quant').find((q) => q.reserved_quantity === 5)).to.not.equal(undefined);
    });

    it('429 is rate_limited with the Retry-After wait and does not use a retry', async () => {
      fake.limitNext = 1;
      fake.retryAfterSeconds = 7;
      const outcome = (await run('erp.checkStock', { items: [{ sku: 'PAXTA-IP-30', quantity: 1 }] })) as Failed;
      expect(outcome).to.include({ kind: 'fail', retryable: true, consumeRetry: false, backoffMs: 7_000 });
    });

    it('createInvoice posts one account.move per picking', async () => {
      const shipped = (await run('erp.requestShipment', { customer: goodCustomer, items: [{ sku: 'PAXTA-IP-30', quantity: 2 }] }, 'inv-ship')) as Completed;
      const first = (await run('erp.createInvoice', { shipmentId: shipped.variables.id as string })) as Completed;
      expect(first.kind, JSON.stringify(first)).to.equal('complete');
      expect(first.variables.created).to.equal(true);
      expect(first.variables.invoice).to.deep.include({ total: 84_000, status: 'issued', shipmentId: shipped.variables.id });
      const again = (await run('erp.createInvoice', { shipmentId: shipped.variables.id as string })) as Completed;
      expect(again.variables.created).to.equal(false);
      expect(fake.records('account.move')).to.have.length(1);
    });

    it('a wrong API key is an auth incident, and the key appears in no error or log', async () => {
      const runtime = runtimeFor({ erp: { ...odooSpec(fake, protocol), config: { ...odooSpec(fake, protocol).config, apiKey: 'not-the-r1ght-key' } } });
      const outcome = (await runtime.handler.run(job('erp.checkStock', { items: [{ sku: 'PAXTA-IP-30', quantity: 1 }] }))) as Failed;
      expect(outcome).to.include({ kind: 'fail', retryable: false });
      expect(outcome.errorMessage).to.match(protocol === 'json2' ? /Unauthorized|Invalid apikey/ : /AccessDenied/);
      const everything = JSON.stringify({ outcome, logs: runtime.logs });
      expect(everything).to.not.contain('not-the-r1ght-key');
      expect(JSON.stringify(logs)).to.not.contain(fake.apiKey);
    });
  });
}

describe('external adapters: Odoo connection test and drift check', () => {
  it('passes while res.partner has every field the mapping writes, and names the field once one is gone', async () => {
    const fake = await new OdooFake().start();
    const db = await openTestStore();
    try {
      const runtime = await createAdapterRuntime({ store: db.store, connections: { erp: odooSpec(fake) } });
      const ok = await runtime.testConnection('erp');
      expect(ok, JSON.stringify(ok)).to.include({ ok: true });
      fake.partnerFields = fake.partnerFields.filter((f) => f !== 'vat');
      const drifted = await runtime.testConnection('erp');
      expect(drifted.ok).to.equal(false);
      expect(drifted.message).to.contain('taxId');
      fake.partnerFields = [];
      const runtimeWithBadKey = await createAdapterRuntime({ store: db.store, connections: { erp: { ...odooSpec(fake), config: { ...odooSpec(fake).config, apiKey: 'wrong-key-0000' } } } });
      const refused = await runtimeWithBadKey.testConnection('erp');
      expect(refused.ok).to.equal(false);
      expect(refused.message).to.not.contain('wrong-key-0000');
    } finally {
      await db.close();
      await fake.close();
    }
  });
});

describe('external adapters: Odoo contract', () => {
  it('implements exactly the ERP capability contract (names and schemas)', () => {
    const builtIn = createErpAdapter(null as unknown as ErpService);
    const shape = (ops: typeof builtIn.operations) => ops.map((o) => ({ name: o.name, input: o.inputSchema, output: o.outputSchema, errors: o.errors }));
    expect(shape(odooAdapter.operations)).to.deep.equal(shape(builtIn.operations));
    expect(odooAdapter.capability).to.equal('erp');
  });
});
