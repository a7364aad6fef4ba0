import { expect } from 'chai';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { createAdapterRuntime, type AdapterRuntime } from '../../adapters/runtime/index.ts';
import { openTestStore, testClock, type TestStore } from './support.ts';

const require = createRequire(import.meta.url);

describe('adapters/runtime catalog', () => {
  let db: TestStore;
  let runtime: AdapterRuntime;

  before(async () => {
    db = await openTestStore();
    runtime = await createAdapterRuntime({ store: db.store, clock: testClock() });
  });
  after(() => db.close());

  it('lists connections with their operations for GET /api/adapters', () => {
    const list = runtime.listAdapters();
    expect(list.map((a) => a.name)).to.deep.equal(['crm', 'erp']);
    const crm = list[0];
    expect(crm).to.include({ name: 'crm', adapter: 'karvon-crm', version: '1.0.0', capability: 'crm' });
    expect(crm.operations.map((o) => o.name)).to.include.members(['getCustomerCard', 'findCustomers', 'createLead', 'updateDealStage', 'logActivity']);
    const erp = list[1];
    expect(erp.operations.map((o) => o.name)).to.include.members(['checkStock', 'requestShipment', 'getShipment', 'createInvoice', 'upsertPartner']);
    const ship = erp.operations.find((o) => o.name === 'requestShipment')!;
    expect(ship.errors).to.include.members(['INSUFFICIENT_STOCK', 'ADDRESS_INCOMPLETE']);
    expect(ship.inputSchema.type).to.equal('object');
    expect(ship.outputSchema.required).to.include('status');
  });

  it('makes one Zeebe element template per operation', () => {
    const templates = runtime.elementTemplates();
    expect(templates).to.have.length(10);
    const card = templates.find((t) => t.id === 'io.karvon.crm.getCustomerCard')!;
    expect(card.name).to.equal('CRM · Get customer card');
    expect(card.$schema).to.equal('https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json');
    expect(card.appliesTo).to.deep.equal(['bpmn:Task']);
    expect(card.elementType).to.deep.equal({ value: 'bpmn:ServiceTask' });
    expect(card.properties[0]).to.deep.equal({ type: 'Hidden', value: 'crm.getCustomerCard', binding: { type: 'zeebe:taskDefinition', property: 'type' } });
    const customerId = card.properties.find((p) => p.binding.type === 'zeebe:input' && p.binding.name === 'customerId')!;
    expect(customerId).to.include({ type: 'String', feel: 'optional', label: 'Customer ID' });
    expect(customerId.constraints).to.deep.equal({ notEmpty: true });
    const result = card.properties.find((p) => p.binding.type === 'zeebe:taskHeader')!;
    expect(result).to.include({ value: 'customerCard' });
    const ship = templates.find((t) => t.id === 'io.karvon.erp.requestShipment')!;
    const items = ship.properties.find((p) => p.binding.type === 'zeebe:input' && p.binding.name === 'items')!;
    expect(items).to.include({ type: 'Text', feel: 'required' });
    const policy = ship.properties.find((p) => p.binding.type === 'zeebe:input' && p.binding.name === 'shortStockPolicy')!;
    expect(policy).to.include({ type: 'Dropdown', value: 'reject', optional: true });
  });

  it('produces templates that the published element-template schema accepts', () => {
    const schema = require('@camunda/zeebe-element-templates-json-schema/resources/schema.json') as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    for (const template of runtime.elementTemplates()) {
      const ok = validate(template);
      expect(ok, `${template.id}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).to.equal(true);
    }
    // The schema also takes the list form, as GET /api/element-templates serves it.
    expect(validate(runtime.elementTemplates())).to.equal(true);
  });

  it('reports no mapping drift against the built-in ERP', async () => {
    const result = await runtime.testConnection('erp');
    expect(result).to.include({ connection: 'erp', ok: true });
    expect(result.drift).to.deep.equal({ ok: true, problems: [] });
  });
});
