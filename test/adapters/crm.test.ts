import { expect } from 'chai';
import { ConflictError, NotFoundError, ValidationError } from '../../engine/errors.ts';
import { CrmService } from '../../adapters/crm/service.ts';
import { openTestStore, testClock, type TestStore } from './support.ts';

async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('adapters/crm service', () => {
  let db: TestStore;
  let crm: CrmService;
  const clock = testClock();

  beforeEach(async () => {
    db = await openTestStore();
    let n = 0;
    crm = new CrmService({ store: db.store, now: () => clock.now(), newId: () => String(++n) });
  });
  afterEach(() => db.close());

  it('creates, lists, searches and patches customers', async () => {
    // given
    const a = await crm.createCustomer({ kind: 'company', name: 'Ipak Yo\'li Savdo', taxId: ' 305 123 456 ', phones: ['+998 71 200 12 34'], address: 'Toshkent sh., Amir Temur ko\'chasi 1, 100000' });
    await crm.createCustomer({ kind: 'person', name: 'Aziz Rahimov', emails: ['aziz@mail.uz'], segment: 'retail' });
    // when
    const byName = await crm.listCustomers({ q: 'ipak' });
    const byPhone = await crm.listCustomers({ q: '2001234' });
    const bySegment = await crm.listCustomers({ segment: 'retail', limit: '10' });
    const patched = await crm.patchCustomer(a.id, { address: 'Samarqand sh., Registon ko\'chasi 4, 140100', owner: 'sales' });
    // then
    expect(a).to.include({ id: 'cus_1', taxId: '305123456', kind: 'company' });
    expect(byName.map((c) => c.id)).to.deep.equal(['cus_1']);
    expect(byPhone.map((c) => c.id)).to.deep.equal(['cus_1']);
    expect(bySegment.map((c) => c.name)).to.deep.equal(['Aziz Rahimov']);
    expect(patched).to.include({ address: 'Samarqand sh., Registon ko\'chasi 4, 140100', owner: 'sales', name: 'Ipak Yo\'li Savdo' });
  });

  it('rejects invalid input with field paths', async () => {
    const error = await rejects(crm.createCustomer({ kind: 'shop', name: '', emails: ['not-an-email'] }));
    expect(error).to.be.instanceOf(ValidationError);
    const paths = (error as ValidationError).details.map((d) => d.path);
    expect(paths).to.include.members(['kind', 'name', 'emails[0]']);
    expect(await rejects(crm.patchCustomer('nope', { name: 'x' }))).to.be.instanceOf(NotFoundError);
    expect(await rejects(crm.patchCustomer('cus_x', {}))).to.be.instanceOf(ValidationError);
  });

  it('builds the customer card with open deals, recent activities and lifetime revenue', async () => {
    // given
    const c = await crm.createCustomer({ kind: 'company', name: 'Registon Savdo' });
    await crm.createContact({ customerId: c.id, name: 'Jasur Aliyev', position: 'Director' });
    const open = await crm.createDeal({ customerId: c.id, title: 'Ceramics', stage: 'proposal', lineItems: [{ sku: 'R-1', quantity: 2.5, price: 0.1 }, { sku: 'R-2', quantity: 3, price: 0.2 }] });
    const won = await crm.createDeal({ customerId: c.id, title: 'Old order', lineItems: [{ sku: 'R-1', quantity: 0.1, price: 1000.05 }] });
    await crm.updateDealStage(won.id, 'won');
    await crm.logActivity({ customerId: c.id, type: 'call', subject: 'Called' });
    // when
    const card = await crm.getCustomerCard(c.id);
    // then
    expect(open.amount).to.equal(0.85);
    expect(card.customer.name).to.equal('Registon Savdo');
    expect(card.contacts.map((x) => x.name)).to.deep.equal(['Jasur Aliyev']);
    expect(card.openDeals.map((d) => d.id)).to.deep.equal([open.id]);
    expect(card.lifetimeRevenue).to.equal(100.01);
    expect(card.currency).to.equal('UZS');
    expect(card.recentActivities.map((a) => a.subject)).to.include('Called');
  });

  it('moves deals through the pipeline by its table and refuses moves out of won', async () => {
    const c = await crm.createCustomer({ kind: 'company', name: 'X' });
    const deal = await crm.createDeal({ customerId: c.id, title: 'D' });
    const first = await crm.updateDealStage(deal.id, 'won');
    const again = await crm.updateDealStage(deal.id, 'won');
    expect(first).to.include({ changed: true, previousStage: 'new' });
    expect(again).to.include({ changed: false, previousStage: 'won' });
    const error = await rejects(crm.patchDeal(deal.id, { stage: 'new' }));
    expect(error).to.be.instanceOf(ConflictError);
    expect(error.message).to.equal(`Deal "${deal.id}" cannot move from "won" to "new"`);
    const patched = await crm.patchDeal((await crm.createDeal({ customerId: c.id, title: 'E' })).id, { title: 'E2', lineItems: [{ sku: 'A', quantity: 1, price: 5 }] });
    expect(patched).to.include({ title: 'E2', amount: 5 });
    expect((await crm.listDeals({ customerId: c.id, stage: 'won' })).map((d) => d.id)).to.deep.equal([deal.id]);
  });

  it('creates a lead once per idempotency key and reuses a customer by tax id', async () => {
    const existing = await crm.createCustomer({ kind: 'company', name: 'Ala-Too Import', taxId: '02304199910123' });
    const input = { customer: { kind: 'company' as const, name: 'Ala-Too Import OsOO', taxId: '02304199910123' }, deal: { title: 'Silk' } };
    const first = await crm.createLead(input, 'key-1');
    const second = await crm.createLead(input, 'key-1');
    expect(first.customer.id).to.equal(existing.id);
    expect(first.customerCreated).to.equal(false);
    expect(second.deal.id).to.equal(first.deal.id);
    expect(await crm.listDeals({ customerId: existing.id })).to.have.length(1);
  });

  it('logs an activity once per idempotency key', async () => {
    const c = await crm.createCustomer({ kind: 'person', name: 'Y' });
    const a = await crm.logActivity({ customerId: c.id, type: 'note', subject: 'Hello' }, 'k');
    const b = await crm.logActivity({ customerId: c.id, type: 'note', subject: 'Hello' }, 'k');
    expect(b.id).to.equal(a.id);
    expect(await crm.listActivities(c.id)).to.have.length(1);
  });
});
