// The engine facade on the real embedded store with a manual clock: deploy versions, in-process
// jobs with retries and backoff, incidents, user tasks under contention, history.

import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { forEachBackend } from './backends.ts';
import type { InProcessJob, InProcessJobHandler, JobOutcome } from '../../engine/ports.ts';
import { bpmn, flow, serviceTask, userTask } from './harness.ts';
import { KarvonError } from '../../engine/errors.ts';

const errors = `<bpmn:error id="ErrStock" errorCode="INSUFFICIENT_STOCK"/>`;
const shipGoods = bpmn('ship', `
  <bpmn:startEvent id="s"/>
  ${serviceTask('card', 'crm.getCustomerCard', `<zeebe:taskHeaders><zeebe:header key="resultVariable" value="customer"/></zeebe:taskHeaders>`)}
  ${serviceTask('request', 'erp.requestShipment', `<zeebe:ioMapping><zeebe:input source="=customer.address" target="address"/></zeebe:ioMapping><zeebe:taskHeaders><zeebe:header key="resultVariable" value="shipment"/></zeebe:taskHeaders>`)}
  <bpmn:boundaryEvent id="short" attachedToRef="request"><bpmn:errorEventDefinition errorRef="ErrStock"/></bpmn:boundaryEvent>
  ${userTask('confirm', '<zeebe:assignmentDefinition candidateGroups="sales"/>')}
  ${userTask('restock', '<zeebe:assignmentDefinition candidateGroups="warehouse"/>')}
  <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
  ${flow('f0', 's', 'card')}${flow('f1', 'card', 'request')}${flow('f2', 'request', 'confirm')}${flow('f3', 'confirm', 'e')}
  ${flow('f4', 'short', 'restock')}${flow('f5', 'restock', 'e2')}`, errors);

/** A scripted stand-in for the CRM and ERP adapters. */
class FakeAdapters implements InProcessJobHandler {
  calls: InProcessJob[] = [];
  script: Array<(job: InProcessJob) => JobOutcome> = [];
  handles(type: string): boolean {
    return type.startsWith('crm.') || type.startsWith('erp.');
  }
  async run(job: InProcessJob): Promise<JobOutcome> {
    this.calls.push(job);
    const next = job.type.startsWith('erp.') ? this.script.shift() : undefined;
    if (next) return next(job);
    if (job.type === 'crm.getCustomerCard') return { kind: 'complete', variables: { name: 'Toshkent Savdo', address: 'Toshkent, Chilonzor 12' } };
    return { kind: 'complete', variables: { id: `SH-${this.calls.length}`, status: 'reserved' } };
  }
}

forEachBackend('engine runtime', (backend) => {
  let engine: Engine;
  let clock: ManualClock;
  let adapters: FakeAdapters;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-01T09:00:00Z');
    adapters = new FakeAdapters();
    engine = await Engine.open({ store: await backend.open(), clock, handlers: [adapters] });
  });

  afterEach(async () => {
    await engine.close();
    await engine.store.close();
  });

  it('versions deployments: identical → same version (created false), changed → n+1; instances stay on their version', async () => {
    const first = await engine.deploy([{ name: 'ship.bpmn', content: shipGoods }]);
    expect(first.created).to.equal(true);
    expect(first.processes).to.deep.equal([{ key: 'ship', version: 1, name: null }]);
    const again = await engine.deploy([{ name: 'ship.bpmn', content: shipGoods }]);
    expect(again).to.deep.include({ created: false, deploymentId: first.deploymentId });
    expect(again.processes).to.deep.equal([{ key: 'ship', version: 1, name: null }]);
    const running = await engine.startInstance({ processKey: 'ship' });
    await engine.settle();
    const changed = await engine.deploy([{ name: 'ship.bpmn', content: shipGoods.replace('name="confirm"', 'name="Shipment confirmed"') }]);
    expect(changed.processes[0].version).to.equal(2);
    expect((await engine.getInstance(running.id)).version).to.equal(1);
    expect((await engine.startInstance({ processKey: 'ship' })).version).to.equal(2);
    expect((await engine.startInstance({ processKey: 'ship', version: 1 })).version).to.equal(1);
    expect((await engine.getProcess('ship')).versions.map((v) => v.version)).to.deep.equal([1, 2]);
  });

  it('rejects a broken diagram with 422 listing every problem', async () => {
    const broken = bpmn('b', `<bpmn:startEvent id="s"/><bpmn:serviceTask id="t"/><bpmn:complexGateway id="c"/>${flow('f0', 's', 't')}${flow('f1', 't', 'c')}`);
    const err = await engine.deploy([{ name: 'b.bpmn', content: broken }]).then(() => null, (e: KarvonError) => e);
    expect(err?.status).to.equal(422);
    expect(err?.details.map((d) => d.elementId)).to.have.members(['t', 'c']);
    expect(await engine.listProcesses()).to.deep.equal([]);
  });

  it('runs the ship flow through in-process adapters to the user task and shows what they returned', async () => {
    await engine.deploy([{ name: 'ship.bpmn', content: shipGoods }]);
    const pi = await engine.startInstance({ processKey: 'ship', businessKey: 'deal-42', variables: { customerId: 'c-1' } });
    await engine.settle();
    const view = await engine.getInstance(pi.id);
    expect(view.activeElements).to.deep.equal(['confirm']);
    expect(view.variables.shipment).to.deep.equal({ id: 'SH-2', status: 'reserved' });
    expect(adapters.calls[1].variables.address).to.equal('Toshkent, Chilonzor 12');
    expect(adapters.calls[1].idempotencyKey).to.match(/^[0-9a-f]{32}$/);
    const [task] = await engine.listTasks({ state: 'open', candidateGroups: ['sales'] });
    expect(task).to.include({ name: 'confirm', processInstanceId: pi.id, businessKey: 'deal-42' });
    const detail = await engine.getTask(task.id);
    expect(detail.variables.customer).to.deep.include({ name: 'Toshkent Savdo' });
    await engine.completeTask(task.id, { confirmed: true }, { actor: 'aziz' });
    expect((await engine.getInstance(pi.id)).state).to.equal('completed');
    const history = await engine.history(pi.id);
    expect(history.filter((h) => h.event === 'taken').map((h) => h.elementId)).to.deep.equal(['f0', 'f1', 'f2', 'f3']);
    expect(history.at(-1)).to.deep.include({ elementId: 'ship', event: 'completed' });
  });

  it('a business error from the ERP goes to the error boundary', async () => {
    await engine.deploy([{ name: 'ship.bpmn', content: shipGoods }]);
    adapters.script.push(() => ({ kind: 'bpmnError', errorCode: 'INSUFFICIENT_STOCK', errorMessage: 'short', variables: { shortItems: [{ sku: 'TEA-1', short: 4 }] } }));
    const pi = await engine.startInstance({ processKey: 'ship' });
    await engine.settle();
    const view = await engine.getInstance(pi.id);
    expect(view.activeElements).to.deep.equal(['restock']);
    expect(view.variables.shortItems).to.deep.equal([{ sku: 'TEA-1', short: 4 }]);
  });

  it('retries a technical failure after its backoff, keeps the idempotency key, and opens an incident when retries run out', async () => {
    await engine.deploy([{ name: 'ship.bpmn', content: shipGoods }]);
    const fail = (): JobOutcome => ({ kind: 'fail', errorMessage: 'ERP answered 503', retryable: true, backoffMs: 60_000 });
    adapters.script.push(fail, fail);
    const pi = await engine.startInstance({ processKey: 'ship' });
    await engine.settle();
    expect(adapters.calls.filter((c) => c.type === 'erp.requestShipment')).to.have.length(1);
    clock.advance(59_000);
    await engine.settle();
    expect(adapters.calls.filter((c) => c.type === 'erp.requestShipment')).to.have.length(1);
    clock.advance(1_000);
    await engine.settle();
    clock.advance(60_000);
    await engine.settle();
    const erpCalls = adapters.calls.filter((c) => c.type === 'erp.requestShipment');
    expect(erpCalls).to.have.length(3);
    expect(new Set(erpCalls.map((c) => c.idempotencyKey)).size).to.equal(1);
    expect((await engine.getInstance(pi.id)).activeElements).to.deep.equal(['confirm']);

    adapters.script.push(fail, fail, fail);
    const second = await engine.startInstance({ processKey: 'ship' });
    await engine.settle();
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await engine.settle();
    }
    const [incident] = await engine.listIncidents({ state: 'open', processInstanceId: second.id });
    expect(incident).to.include({ type: 'JOB_NO_RETRIES', elementId: 'request', message: 'ERP answered 503' });
    await engine.resolveIncident(incident.id);
    await engine.settle();
    expect((await engine.getInstance(second.id)).activeElements).to.deep.equal(['confirm']);
    expect(await engine.listIncidents({ state: 'open' })).to.deep.equal([]);
  });

  it('two parallel completions of one task: exactly one succeeds, the other is a conflict naming who completed it', async () => {
    await engine.deploy([{ name: 'ship.bpmn', content: shipGoods }]);
    await engine.startInstance({ processKey: 'ship' });
    await engine.settle();
    const [task] = await engine.listTasks({ state: 'open' });
    const results = await Promise.allSettled([
      engine.completeTask(task.id, {}, { actor: 'aziz' }),
      engine.completeTask(task.id, {}, { actor: 'dilnoza' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    // Which call wins is up to the store's timing; the loser must name the winner.
    const winner = results[0].status === 'fulfilled' ? 'aziz' : 'dilnoza';
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.status).to.equal(409);
    expect(rejected.reason.message).to.include(`already completed by ${winner} at 2026-03-01T09:00:00.000Z`);
    expect((await engine.store.getTask(task.id))?.completedBy).to.equal(winner);
  });

  it('external workers activate jobs with their variables; a lock keeps a job from a second worker', async () => {
    await engine.deploy([{ name: 'w.bpmn', content: bpmn('w', `<bpmn:startEvent id="s"/>${serviceTask('t', 'billing.invoice')}<bpmn:endEvent id="e"/>${flow('f0', 's', 't')}${flow('f1', 't', 'e')}`) }]);
    const pi = await engine.startInstance({ processKey: 'w', variables: { amount: 10 } });
    const [job] = await engine.activateJobs({ type: 'billing.invoice', worker: 'w1', maxJobs: 5, lockMs: 30_000 });
    expect(job).to.deep.include({ type: 'billing.invoice', processInstanceId: pi.id, elementId: 't', retries: 3, variables: { amount: 10 } });
    expect(await engine.activateJobs({ type: 'billing.invoice', worker: 'w2', maxJobs: 5, lockMs: 30_000 })).to.deep.equal([]);
    clock.advance(30_000);
    expect(await engine.activateJobs({ type: 'billing.invoice', worker: 'w2', maxJobs: 5, lockMs: 30_000 })).to.have.length(1);
    await engine.completeJob(job.id, { invoice: 'INV-1' });
    expect((await engine.getInstance(pi.id)).state).to.equal('completed');
    const err = await engine.completeJob(job.id).then(() => null, (e: KarvonError) => e);
    expect(err?.status).to.equal(404);
  });

  it('completes in-process jobs without reading their job records again', async () => {
    await engine.deploy([{ name: 'ship.bpmn', content: shipGoods }]);
    const getJob = engine.store.getJob.bind(engine.store);
    const read: string[] = [];
    engine.store.getJob = async (key: string) => (read.push(key), getJob(key));
    const pi = await engine.startInstance({ processKey: 'ship', variables: { customerId: 'c-1' } });
    await engine.settle();
    expect((await engine.getInstance(pi.id)).activeElements).to.deep.equal(['confirm']);
    expect(adapters.calls.map((c) => c.type)).to.deep.equal(['crm.getCustomerCard', 'erp.requestShipment']);
    expect(read).to.deep.equal([]);
  });

  it('refuses a job completion that names another instance, and changes neither', async () => {
    await engine.deploy([{ name: 'w.bpmn', content: bpmn('w', `<bpmn:startEvent id="s"/>${serviceTask('t', 'billing.invoice')}<bpmn:endEvent id="e"/>${flow('f0', 's', 't')}${flow('f1', 't', 'e')}`) }]);
    const a = await engine.startInstance({ processKey: 'w' });
    const b = await engine.startInstance({ processKey: 'w' });
    const [job] = await engine.activateJobs({ type: 'billing.invoice', worker: 'w1', maxJobs: 1, lockMs: 30_000 });
    const other = job.processInstanceId === a.id ? b.id : a.id;
    const before = await engine.getInstanceState(other);
    const err = await engine.completeJob(job.id, {}, other).then(() => null, (e: KarvonError) => e);
    expect(err?.status).to.equal(409);
    expect(await engine.getInstanceState(other)).to.deep.equal(before);
    expect((await engine.getInstance(job.processInstanceId)).state).to.equal('active');
    await engine.completeJob(job.id, {}, job.processInstanceId);
    expect((await engine.getInstance(job.processInstanceId)).state).to.equal('completed');
  });

  it('keeps a waiting instance of the canonical flow under 2 KB of state', async () => {
    await engine.deploy([{ name: 'ship.bpmn', content: shipGoods }]);
    const pi = await engine.startInstance({ processKey: 'ship', variables: { customerId: 'c-1', items: [{ sku: 'TEA-1', quantity: 2 }] } });
    await engine.settle();
    const state = await engine.getInstanceState(pi.id);
    expect(Buffer.byteLength(JSON.stringify(state))).to.be.below(2048);
  });
});
