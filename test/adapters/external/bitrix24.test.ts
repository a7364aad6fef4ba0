// Bitrix24 as the CRM, against a local portal that speaks its REST API: each operation, both ways
// to sign in, its error format, its rate limit, and secrets kept out of errors and logs.

import { expect } from 'chai';
import type { JobOutcome } from '../../../engine/ports.ts';
import type { Variables } from '../../../engine/types.ts';
import { createCrmAdapter } from '../../../adapters/crm/adapter.ts';
import type { CrmService } from '../../../adapters/crm/service.ts';
import { bitrix24Adapter } from '../../../adapters/bitrix24/adapter.ts';
import { resetBuckets, takeSlot } from '../../../adapters/bitrix24/client.ts';
import { job } from '../support.ts';
import { Bitrix24Fake } from './fakes/bitrix24.ts';
import { SCENARIO, bitrixSpec, runtimeFor, seedBitrix, type CapturedLog } from './fixtures.ts';

type Completed = Extract<JobOutcome, { kind: 'complete' }>;
type Failed = Extract<JobOutcome, { kind: 'fail' }>;

describe('external adapters: Bitrix24 as the CRM', () => {
  let fake: Bitrix24Fake;
  let run: (type: string, variables: Variables, key?: string) => Promise<JobOutcome>;
  let logs: CapturedLog[];

  async function connect(auth: 'webhook' | 'oauth' = 'webhook', extra: Record<string, number> = {}) {
    const runtime = runtimeFor({ crm: bitrixSpec(fake, auth, extra) });
    logs = runtime.logs;
    run = (type, variables, key) => runtime.handler.run(job(type, variables, key ? { idempotencyKey: key } : {}));
  }

  beforeEach(async () => {
    resetBuckets();
    fake = await new Bitrix24Fake().start();
    seedBitrix(fake);
    await connect();
  });
  afterEach(() => fake.close());

  it('implements exactly the CRM capability contract (names and schemas)', () => {
    const builtIn = createCrmAdapter(null as unknown as CrmService);
    const shape = (ops: typeof builtIn.operations) => ops.map((o) => ({ name: o.name, input: o.inputSchema, output: o.outputSchema, errors: o.errors }));
    expect(shape(bitrix24Adapter.operations)).to.deep.equal(shape(builtIn.operations));
    expect(bitrix24Adapter.capability).to.equal('crm');
  });

  it('getCustomerCard: company, contacts, open deals, activities, lifetime revenue', async () => {
    const outcome = (await run('crm.getCustomerCard', { customerId: 'company-1' })) as Completed;
    expect(outcome.kind, JSON.stringify(outcome)).to.equal('complete');
    const card = outcome.variables as { customer: Record<string, unknown>; contacts: { name: string }[]; openDeals: { id: string; stage: string }[]; recentActivities: { type: string }[]; lifetimeRevenue: number };
    expect(card.customer).to.include({ id: 'company-1', kind: 'company', name: "Ipak Yo'li Savdo MChJ", taxId: '305123456', address: "Bunyodkor ko'chasi 12, Chilonzor tumani, Toshkent sh., 100115" });
    expect(card.contacts.map((c) => c.name)).to.deep.equal(['Dilnoza Karimova']);
    expect(card.openDeals.map((d) => [d.id, d.stage])).to.deep.equal([['11', 'proposal']]);
    expect(card.recentActivities.map((a) => a.type)).to.deep.equal(['call']);
    expect(card.lifetimeRevenue).to.equal(7_200_000);
  });

  it('getCustomerCard of a contact (crm.contact.get) is a person', async () => {
    const outcome = (await run('crm.getCustomerCard', { customerId: 'contact-21' })) as Completed;
    expect(outcome.kind, JSON.stringify(outcome)).to.equal('complete');
    expect(outcome.variables.customer).to.include({ id: 'contact-21', kind: 'person', name: 'Dilnoza Karimova' });
    expect(outcome.variables.contacts).to.deep.equal([]);
  });

  it('getCustomerCard of an unknown customer is the declared CUSTOMER_NOT_FOUND', async () => {
    expect(await run('crm.getCustomerCard', { customerId: 'company-404' })).to.include({ kind: 'bpmnError', errorCode: 'CUSTOMER_NOT_FOUND' });
    expect(await run('crm.getCustomerCard', { customerId: 'nobody' })).to.include({ kind: 'bpmnError', errorCode: 'CUSTOMER_NOT_FOUND' });
  });

  it('findCustomers searches companies (and contacts) by text and tax id', async () => {
    const byText = (await run('crm.findCustomers', { query: 'savdo' })) as Completed;
    expect((byText.variables.customers as { id: string }[]).map((c) => c.id)).to.deep.equal(['company-1', 'company-2']);
    const byTax = (await run('crm.findCustomers', { taxId: '307555111' })) as Completed;
    expect((byTax.variables.customers as { name: string }[]).map((c) => c.name)).to.deep.equal(["Farg'ona Baraka Trade"]);
  });

  it('updateDealStage moves the deal with crm.deal.update and refuses to reopen a won deal', async () => {
    const moved = (await run('crm.updateDealStage', { dealId: '11', stage: 'won' })) as Completed;
    expect(moved.variables).to.deep.include({ changed: true, previousStage: 'proposal' });
    expect(fake.deals.get('11')!.STAGE_ID).to.equal('WON');
    const again = (await run('crm.updateDealStage', { dealId: '11', stage: 'won' })) as Completed;
    expect(again.variables.changed).to.equal(false);
    expect(await run('crm.updateDealStage', { dealId: '11', stage: 'new' })).to.include({ kind: 'bpmnError', errorCode: 'STAGE_TRANSITION_NOT_ALLOWED' });
    expect(await run('crm.updateDealStage', { dealId: '999', stage: 'won' })).to.include({ kind: 'bpmnError', errorCode: 'DEAL_NOT_FOUND' });
  });

  it('logActivity adds one activity per idempotency key (crm.activity.add with ORIGIN_ID)', async () => {
    const first = (await run('crm.logActivity', { customerId: 'company-1', dealId: '11', type: 'call', subject: 'Confirmed the delivery date' }, 'key-1')) as Completed;
    const retry = (await run('crm.logActivity', { customerId: 'company-1', dealId: '11', type: 'call', subject: 'Confirmed the delivery date' }, 'key-1')) as Completed;
    expect(first.kind).to.equal('complete');
    expect(retry.variables).to.deep.equal(first.variables);
    expect(fake.count('crm.activity.add')).to.equal(1);
    expect((first.variables.activity as Record<string, unknown>)).to.include({ customerId: 'company-1', dealId: '11', type: 'call', subject: 'Confirmed the delivery date' });
  });

  it('createLead goes through crm.lead.add once per key', async () => {
    const input = { customer: { kind: 'company', name: 'Yangi Mijoz MChJ', taxId: '309000111', phones: ['+998 99 000 11 22'] }, deal: { title: 'First order', lineItems: [{ sku: 'PAXTA-IP-30', quantity: 10, price: 42_000 }] } };
    const first = (await run('crm.createLead', input, 'lead-key')) as Completed;
    const retry = (await run('crm.createLead', input, 'lead-key')) as Completed;
    expect(first.kind, JSON.stringify(first)).to.equal('complete');
    expect(retry.variables.customerId).to.equal(first.variables.customerId);
    expect(fake.count('crm.lead.add')).to.equal(1);
    expect([...fake.leads.values()][0]).to.include({ TITLE: 'First order', COMPANY_TITLE: 'Yangi Mijoz MChJ', OPPORTUNITY: 420_000 });
  });

  it('signs in with an OAuth bearer token; an expired token is an auth incident without the token in it', async () => {
    await connect('oauth');
    expect((await run('crm.getCustomerCard', { customerId: 'company-2' })).kind).to.equal('complete');
    fake.tokenExpired = true;
    const outcome = (await run('crm.getCustomerCard', { customerId: 'company-2' })) as Failed;
    expect(outcome).to.include({ kind: 'fail', retryable: false });
    expect(outcome.errorMessage).to.contain('expired_token');
    expect(JSON.stringify(outcome)).to.not.contain(fake.accessToken);
  });

  it('a wrong webhook token is an auth incident; neither the token nor the URL with it leaks', async () => {
    const runtime = runtimeFor({ crm: { ...bitrixSpec(fake), config: { ...bitrixSpec(fake).config, webhookToken: 'wrong-t0ken-value' } } });
    const outcome = (await runtime.handler.run(job('crm.getCustomerCard', { customerId: 'company-1' }))) as Failed;
    expect(outcome).to.include({ kind: 'fail', retryable: false });
    expect(outcome.errorMessage).to.contain('INVALID_CREDENTIALS');
    const everything = JSON.stringify({ outcome, logs: runtime.logs });
    expect(everything).to.not.contain('wrong-t0ken-value');
    expect(runtime.logs.length).to.be.greaterThan(0);
  });

  it('QUERY_LIMIT_EXCEEDED is rate_limited: retried later without using up a retry', async () => {
    fake.limitNext = 1;
    const outcome = (await run('crm.getCustomerCard', { customerId: 'company-1' })) as Failed;
    expect(outcome).to.include({ kind: 'fail', retryable: true, consumeRetry: false });
    expect(outcome.backoffMs).to.equal(1); // one leak of a 1000-per-second bucket
    expect(outcome.errorMessage).to.contain('QUERY_LIMIT_EXCEEDED');
    expect((await run('crm.getCustomerCard', { customerId: 'company-1' })).kind).to.equal('complete');
  });

  it('paces requests to the portal\'s leaky bucket on the client side, so the portal never refuses', async () => {
    await fake.close();
    fake = await new Bitrix24Fake({ bucket: { size: 2, perSecond: 20 } }).start();
    seedBitrix(fake);
    await connect('webhook', { requestsPerSecond: 20, burst: 2 });
    const started = Date.now();
    for (let i = 0; i < 2; i++) {
      const outcome = await run('crm.getCustomerCard', { customerId: 'company-1' });
      expect(outcome.kind, JSON.stringify(outcome)).to.equal('complete');
    }
    // 8 requests through a bucket of 2 leaking 20/s: at least (8 - 2) / 20 s.
    expect(fake.calls).to.have.length(8);
    expect(Date.now() - started).to.be.at.least(250);
  });

  it('the leaky bucket lets a burst through, then spaces requests at the leak rate', () => {
    const t = 1_000_000;
    expect([0, 1, 2].map(() => takeSlot('bucket-test', 2, 3, t))).to.deep.equal([0, 0, 0]);
    expect(takeSlot('bucket-test', 2, 3, t)).to.equal(500);
    expect(takeSlot('bucket-test', 2, 3, t)).to.equal(1000);
  });
});
