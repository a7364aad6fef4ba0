import { expect } from 'chai';
import { bpmn, flow, model, serviceTask, Sim, userTask } from './harness.ts';
import { step } from '../../engine/step.ts';

const line = bpmn('line', `
  <bpmn:startEvent id="start"/>
  ${serviceTask('work', 'crm.getCustomerCard')}
  <bpmn:endEvent id="end"/>
  ${flow('f1', 'start', 'work')}
  ${flow('f2', 'work', 'end')}
`);

describe('engine step: start, jobs, end', () => {
  it('starts, creates a job and waits (exact effects)', async () => {
    const sim = new Sim(await model(line)).start({ customerId: 'c-1' });
    const at = '2026-03-01T09:00:00.000Z';
    expect(sim.last).to.deep.equal([
      { type: 'history', record: { processInstanceId: 'pi-1', seq: 1, elementId: 'line', elementType: 'bpmn:Process', event: 'activated', at } },
      { type: 'history', record: { processInstanceId: 'pi-1', seq: 2, elementId: 'start', elementType: 'bpmn:StartEvent', event: 'activated', at } },
      { type: 'history', record: { processInstanceId: 'pi-1', seq: 3, elementId: 'start', elementType: 'bpmn:StartEvent', event: 'completed', at } },
      { type: 'history', record: { processInstanceId: 'pi-1', seq: 4, elementId: 'f1', elementType: 'sequenceFlow', event: 'taken', at } },
      { type: 'history', record: { processInstanceId: 'pi-1', seq: 5, elementId: 'work', elementType: 'bpmn:ServiceTask', event: 'activated', at } },
      {
        type: 'job.put',
        job: {
          key: 'k1', type: 'crm.getCustomerCard', processInstanceId: 'pi-1', processKey: 'line', elementId: 'work', elementInstance: '2',
          retries: 3, customHeaders: {}, availableAt: sim.now, lockOwner: null, lockExpiresAt: null, errorMessage: null, createdAt: at,
        },
      },
    ]);
    expect(sim.s.status).to.equal('active');
    expect(sim.active()).to.deep.equal(['work']);
  });

  it('completes the job, merges its variables into the process and ends', async () => {
    const sim = new Sim(await model(line)).start({ customerId: 'c-1' }).completeJob('work', { card: { name: 'Acme' } });
    expect(sim.s.status).to.equal('completed');
    expect(sim.vars()).to.deep.equal({ customerId: 'c-1', card: { name: 'Acme' } });
    expect(sim.last.map((e) => e.type)).to.include.members(['job.delete', 'instance.ended']);
    expect(sim.trail('completed')).to.deep.equal(['start', 'work', 'end', 'line']);
    sim.assertClean();
  });

  it('is pure: the same state and command give the same result and the input is untouched', async () => {
    const m = await model(line);
    const sim = new Sim(m).start();
    const before = JSON.stringify(sim.s);
    const cmd = { type: 'completeJob' as const, jobKey: sim.job('work'), variables: { a: 1 } };
    const ctx = () => { let n = 0; return { now: 1, newId: () => `x${++n}` }; };
    const a = step(m, sim.s, cmd, ctx());
    const b = step(m, sim.s, cmd, ctx());
    expect(JSON.stringify(sim.s)).to.equal(before);
    expect(a).to.deep.equal(b);
  });

  it('rejects completing a job twice as a conflict', async () => {
    const sim = new Sim(await model(line)).start();
    const key = sim.job('work');
    sim.apply({ type: 'completeJob', jobKey: key });
    expect(() => sim.apply({ type: 'completeJob', jobKey: key })).to.throw(/completed/);
  });

  it('retries a failed job, then opens an incident when retries run out, and resolving retries it', async () => {
    const sim = new Sim(await model(line)).start();
    const key = sim.job('work');
    sim.apply({ type: 'failJob', jobKey: key, retries: 2, errorMessage: 'ERP timeout', backoffMs: 1000 });
    expect(sim.last).to.deep.equal([{ type: 'job.patch', key, patch: { retries: 2, availableAt: sim.now + 1000, lockOwner: null, lockExpiresAt: null, errorMessage: 'ERP timeout' } }]);
    sim.apply({ type: 'failJob', jobKey: key, retries: 0, errorMessage: 'ERP down' });
    expect(sim.incidents()).to.deep.equal(['ERP down']);
    expect(sim.last.map((e) => e.type)).to.deep.equal(['job.delete', 'incident.put']);
    const incident = Object.keys(sim.s.incidents)[0];
    sim.apply({ type: 'resolveIncident', incidentId: incident });
    expect(sim.last.map((e) => e.type)).to.deep.equal(['incident.patch', 'job.put']);
    expect(sim.last[1].type === 'job.put' && sim.last[1].job.retries).to.equal(1);
    sim.completeJob('work');
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('cancel terminates every element and releases jobs and tasks', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>
      ${serviceTask('a', 'x')}${userTask('b')}<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
      ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'a')}${flow('f2', 'fork', 'b')}${flow('f3', 'a', 'e1')}${flow('f4', 'b', 'e2')}`));
    const sim = new Sim(m).start();
    sim.apply({ type: 'cancel' });
    expect(sim.s.status).to.equal('canceled');
    expect(sim.last.map((e) => e.type)).to.include.members(['job.delete', 'task.patch', 'instance.ended']);
    expect(sim.trail('terminated')).to.have.members(['a', 'b', 'p']);
    sim.assertClean();
    expect(() => sim.apply({ type: 'cancel' })).to.throw(/canceled/);
  });
});
