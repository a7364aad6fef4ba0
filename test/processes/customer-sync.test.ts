// customer-sync over real HTTP on the embedded store, with the demo data and the diagrams in
// processes/ deployed as `npm start` does: a good customer becomes an ERP partner; an address or a
// tax id the ERP cannot use goes to sales, who fix it in the CRM, and the process retries; the
// CRM's webhook starts it through the message crmCustomerChanged.

import { expect } from 'chai';
import { seedDemoData, type DemoSeedReport } from '../../adapters/index.ts';
import type { Partner } from '../../adapters/erp/service.ts';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { TestServer } from '../server/helpers.ts';
import { ProcessDriver, type TaskSummary } from './support.ts';

interface MappingError {
  code: string;
  message: string;
  details: {
    customerId: string;
    customerName: string;
    field: string;
    problems: { field: string; source: string; problem: string; fix: string }[];
    address?: { raw: string; missing: string[] };
  };
}

describe('process: customer-sync (CRM customer → ERP partner, over HTTP)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let proc: ProcessDriver;
  let demo: DemoSeedReport;

  before(async () => {
    server = await TestServer.start({ demo: true });
    proc = new ProcessDriver(server, { processKey: 'customer-sync', startAs: 'aziz' });
    demo = await seedDemoData(server.running.store);
    for (const u of ['aziz', 'timur', 'anna']) await server.login(u, DEMO_PASSWORD);
  });
  after(() => server.close());

  /** The ERP's partners for a CRM customer (there is no partner REST endpoint; read the built-in ERP). */
  async function partnersOf(customerId: string): Promise<Partner[]> {
    return (await server.running.adapters.erp.listPartners()).filter((p) => p.externalRef === customerId);
  }

  it('is deployed from processes/ with its forms', async () => {
    const res = await server.as<{ key: string; version: number }>('anna', 'GET', '/api/processes/customer-sync');
    expect(res.status, res.text).to.equal(200);
    expect(res.body.version).to.equal(1);
  });

  it('a good customer becomes an ERP partner with a structured address', async () => {
    const customerId = demo.ships.customerId;
    expect(await partnersOf(customerId)).to.deep.equal([]);
    const id = await proc.start({ customerId });
    const done = await proc.waitForState(id, 'completed');
    expect(await proc.endedAt(id)).to.deep.equal(['EndEvent_Synced']);
    const sync = done.variables.partnerSync as { partner: Partner; created: boolean };
    expect(sync.created).to.equal(true);

    const [partner] = await partnersOf(customerId);
    expect(partner.id).to.equal(sync.partner.id);
    expect(partner.name).to.equal("Ipak Yo'li Savdo MChJ");
    expect(partner.taxId).to.equal('305123456');
    expect(partner.address).to.include({ city: 'Toshkent', postcode: '100115', countryCode: 'UZ' });
    expect(partner.address.street).to.contain('Bunyodkor');

    // Syncing again updates the same partner instead of adding one.
    const again = await proc.start({ customerId });
    const second = await proc.waitForState(again, 'completed');
    expect((second.variables.partnerSync as { created: boolean }).created).to.equal(false);
    expect(await partnersOf(customerId)).to.have.length(1);
  });

  it('an address the ERP cannot structure: sales sees what is missing, fixes it in the CRM, the partner is created', async () => {
    const customerId = demo.incompleteAddress.customerId;
    const id = await proc.start({ customerId });
    const task = await proc.waitForTask('aziz', id, 'Task_FixCustomerData');
    expect(task.name).to.equal('Fix customer data');
    expect(task.candidateGroups).to.deep.equal(['sales']);
    expect(task.form?.id).to.equal('customer-sync-fix');
    expect(task.form?.components.some((c) => c.type === 'table' && c.dataSource === '=error.details.problems')).to.equal(true);
    const error = task.variables.error as MappingError;
    expect(error.code).to.equal('ADDRESS_INCOMPLETE');
    expect(error.details.customerId).to.equal(customerId);
    expect(error.details.customerName).to.equal("Farg'ona Baraka Trade");
    const problem = error.details.problems.find((p) => p.field === 'address');
    expect(problem?.source).to.equal('address');
    expect(problem?.problem).to.contain("Marg'ilon, bozor yonida");
    expect(problem?.fix).to.contain('street and house');
    expect(error.details.address?.raw).to.equal("Marg'ilon, bozor yonida");
    expect((task.variables.customerCard as { customer: { address: string } }).customer.address).to.equal("Marg'ilon, bozor yonida");
    // The warehouse does not get sales' task, and nothing half-made reached the ERP.
    const warehouseView = await server.as<TaskSummary[]>('timur', 'GET', `/api/tasks?state=open&processInstanceId=${id}`);
    expect(warehouseView.body).to.deep.equal([]);
    expect(await partnersOf(customerId)).to.deep.equal([]);

    const patched = await server.as('aziz', 'PATCH', `/api/crm/customers/${customerId}`, {
      body: { address: "Farg'ona viloyati, Marg'ilon sh., Mustaqillik ko'chasi 25, 151100" },
    });
    expect(patched.status, patched.text).to.equal(200);
    await proc.complete('aziz', task.id, { dataFixed: true });

    await proc.waitForState(id, 'completed');
    expect(await proc.endedAt(id)).to.deep.equal(['EndEvent_Synced']);
    const [partner] = await partnersOf(customerId);
    expect(partner.address).to.include({ postcode: '151100', countryCode: 'UZ' });
    expect(partner.address.street).to.contain('Mustaqillik');
  });

  it('a missing tax id: CUSTOMER_DATA_INVALID names the field and the fix; completing without a fix asks again', async () => {
    const created = await server.as<{ id: string }>('aziz', 'POST', '/api/crm/customers', {
      body: { id: 'cus_sync_no_tax', kind: 'company', name: 'Chorsu Bozor Savdo', phones: ['+998 71 244 55 66'], address: "Toshkent sh., Shayxontohur tumani, Navoiy ko'chasi 40, 100011" },
    });
    expect(created.status, created.text).to.equal(201);
    const customerId = created.body.id;
    const id = await proc.start({ customerId });
    const task = await proc.waitForTask('aziz', id, 'Task_FixCustomerData');
    const error = task.variables.error as MappingError;
    expect(error.code).to.equal('CUSTOMER_DATA_INVALID');
    expect(error.details.field).to.equal('taxId');
    expect(error.details.problems.map((p) => [p.field, p.problem])).to.deep.equal([['taxId', 'is missing']]);
    expect(error.message).to.contain('Chorsu Bozor Savdo').and.contain('tax id');

    // Completed without fixing anything: the card is read again and the same problem comes back.
    await proc.complete('aziz', task.id, { dataFixed: false });
    const again = await proc.waitForTask('aziz', id, 'Task_FixCustomerData');
    expect(again.id).to.not.equal(task.id);
    expect((again.variables.error as MappingError).details.field).to.equal('taxId');
    expect(await partnersOf(customerId)).to.deep.equal([]);

    const patched = await server.as('aziz', 'PATCH', `/api/crm/customers/${customerId}`, { body: { taxId: '308111222' } });
    expect(patched.status, patched.text).to.equal(200);
    await proc.complete('aziz', again.id, { dataFixed: true });
    await proc.waitForState(id, 'completed');
    const [partner] = await partnersOf(customerId);
    expect(partner.taxId).to.equal('308111222');
    expect(partner.address).to.include({ city: 'Toshkent', postcode: '100011', countryCode: 'UZ' });
  });

  it('the CRM webhook starts it with the message crmCustomerChanged', async () => {
    const customerId = 'cus_ala_too_import';
    const res = await server.as<{ correlated: string[]; started: string[] }>('anna', 'POST', '/api/messages', {
      body: { name: 'crmCustomerChanged', correlationKey: customerId, variables: { customerId } },
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.started).to.have.length(1);
    const id = res.body.started[0];
    const inst = await proc.waitForState(id, 'completed');
    expect(inst.variables.customerId).to.equal(customerId);
    const history = await server.as<{ elementId: string; elementType: string; event: string }[]>('anna', 'GET', `/api/process-instances/${id}/history`);
    const starts = history.body.filter((h) => /startEvent$/i.test(h.elementType) && h.event === 'completed').map((h) => h.elementId);
    expect(starts).to.deep.equal(['StartEvent_CrmCustomerChanged']);
    const [partner] = await partnersOf(customerId);
    expect(partner.name).to.equal('Ala-Too Import OsOO');
    expect(partner.address).to.include({ city: 'Бишкек', postcode: '720040', countryCode: 'KG' });
  });

  it('a customer id the CRM does not know ends at "No such customer", not in an incident', async () => {
    const id = await proc.start({ customerId: 'cus_does_not_exist' });
    await proc.waitForState(id, 'completed');
    expect(await proc.endedAt(id)).to.deep.equal(['EndEvent_NotFound']);
  });
});
