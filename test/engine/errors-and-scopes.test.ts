import { expect } from 'chai';
import { bpmn, flow, model, serviceTask, Sim, userTask } from './harness.ts';

const errors = `<bpmn:error id="ErrStock" errorCode="INSUFFICIENT_STOCK"/><bpmn:error id="ErrAddr" errorCode="ADDRESS_INCOMPLETE"/>`;

describe('engine step: errors, sub-processes, termination', () => {
  it('an error end event inside a sub-process is caught by the boundary on the sub-process', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/>
      <bpmn:subProcess id="sub">
        <bpmn:startEvent id="ss"/>${serviceTask('check', 'check')}<bpmn:exclusiveGateway id="ok" default="fine"/>
        <bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="ErrStock"/></bpmn:endEvent><bpmn:endEvent id="se"/>
        ${flow('a1', 'ss', 'check')}${flow('a2', 'check', 'ok')}${flow('short', 'ok', 'fail', '=short')}${flow('fine', 'ok', 'se')}
      </bpmn:subProcess>
      <bpmn:boundaryEvent id="caught" attachedToRef="sub"><bpmn:errorEventDefinition errorRef="ErrStock"/></bpmn:boundaryEvent>
      ${userTask('handle')}${userTask('next')}
      ${flow('f0', 's', 'sub')}${flow('f1', 'sub', 'next')}${flow('f2', 'caught', 'handle')}`, errors));
    const sim = new Sim(m).start();
    sim.completeJob('check', { short: true });
    expect(sim.active()).to.deep.equal(['handle']);
    expect(sim.trail('terminated')).to.deep.equal(['fail', 'sub']);
    const ok = new Sim(m).start();
    ok.completeJob('check', { short: false });
    expect(ok.active()).to.deep.equal(['next']);
  });

  it('a job error is caught by the exact code before a catch-all, and its variables reach the process', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/>${serviceTask('ship', 'erp.requestShipment')}
      <bpmn:boundaryEvent id="stock" attachedToRef="ship"><bpmn:errorEventDefinition errorRef="ErrStock"/></bpmn:boundaryEvent>
      <bpmn:boundaryEvent id="any" attachedToRef="ship"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>
      ${userTask('warehouse')}${userTask('other')}${userTask('done')}
      ${flow('f0', 's', 'ship')}${flow('f1', 'ship', 'done')}${flow('f2', 'stock', 'warehouse')}${flow('f3', 'any', 'other')}`, errors));
    const sim = new Sim(m).start();
    sim.apply({ type: 'throwError', jobKey: sim.job('ship'), errorCode: 'INSUFFICIENT_STOCK', variables: { shortItems: [{ sku: 'A', short: 3 }] } });
    expect(sim.active()).to.deep.equal(['warehouse']);
    expect(sim.vars().shortItems).to.deep.equal([{ sku: 'A', short: 3 }]);
    expect(sim.last.map((e) => e.type)).to.include('job.delete');
    const other = new Sim(m).start();
    other.apply({ type: 'throwError', jobKey: other.job('ship'), errorCode: 'SOMETHING_ELSE' });
    expect(other.active()).to.deep.equal(['other']);
  });

  it('an error nobody catches becomes an incident on the thrower', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${serviceTask('ship', 'x')}<bpmn:endEvent id="e"/>${flow('f0', 's', 'ship')}${flow('f1', 'ship', 'e')}`));
    const sim = new Sim(m).start();
    sim.apply({ type: 'throwError', jobKey: sim.job('ship'), errorCode: 'NOPE', errorMessage: 'no stock' });
    expect(sim.incidents()).to.deep.equal([`BPMN error 'NOPE' (no stock) was thrown by 'ship' and no error boundary event catches it`]);
    sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });
    sim.completeJob('ship');
    expect(sim.s.status).to.equal('completed');
  });

  it('terminate end event inside a sub-process ends only the sub-process, which then completes', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/>
      <bpmn:subProcess id="sub">
        <bpmn:startEvent id="ss"/><bpmn:parallelGateway id="fork"/>${userTask('slow')}<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>
        ${flow('a0', 'ss', 'fork')}${flow('a1', 'fork', 'slow')}${flow('a2', 'fork', 'stop')}
      </bpmn:subProcess>${userTask('after')}
      ${flow('f0', 's', 'sub')}${flow('f1', 'sub', 'after')}`));
    const sim = new Sim(m).start();
    expect(sim.active()).to.deep.equal(['after']);
    expect(sim.trail('terminated')).to.deep.equal(['slow']);
    expect(sim.trail('completed')).to.include('sub');
    expect(sim.s.status).to.equal('active');
  });

  it('terminate end event at the top level ends the instance as terminated', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>${userTask('slow')}${serviceTask('job', 'x')}<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>
      ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'slow')}${flow('f2', 'fork', 'job')}${flow('f3', 'job', 'stop')}`));
    const sim = new Sim(m).start();
    sim.completeJob('job');
    expect(sim.s.status).to.equal('terminated');
    expect(sim.last.some((e) => e.type === 'task.patch' && e.patch.state === 'canceled')).to.equal(true);
    sim.assertClean();
  });

  it('a sub-process has its own variable scope: input mappings stay local, other variables propagate', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/>
      <bpmn:subProcess id="sub">
        <bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=order.total * 2" target="local"/></zeebe:ioMapping></bpmn:extensionElements>
        <bpmn:startEvent id="ss"/>${serviceTask('t', 'x')}<bpmn:endEvent id="se"/>${flow('a0', 'ss', 't')}${flow('a1', 't', 'se')}
      </bpmn:subProcess><bpmn:endEvent id="e"/>${flow('f0', 's', 'sub')}${flow('f1', 'sub', 'e')}`));
    const sim = new Sim(m).start({ order: { total: 21 } });
    const subKey = Object.values(sim.s.elements).find((e) => e.elementId === 'sub')!.key;
    expect(sim.s.vars[subKey]).to.deep.equal({ local: 42 });
    sim.completeJob('t', { local: 1, result: 'ok' });
    expect(sim.vars()).to.deep.equal({ order: { total: 21 }, result: 'ok' });
    expect(sim.s.status).to.equal('completed');
  });

  it('io mappings: inputs form the job input, outputs pick from the result, resultVariable keeps it whole', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/>
      ${serviceTask('card', 'crm.getCustomerCard', `<zeebe:ioMapping><zeebe:input source="=deal.customer" target="customerId"/><zeebe:output source="=customer.name" target="customerName"/></zeebe:ioMapping>`)}
      ${serviceTask('ship', 'erp.requestShipment', `<zeebe:taskHeaders><zeebe:header key="resultVariable" value="shipment"/></zeebe:taskHeaders>`)}
      <bpmn:endEvent id="e"/>${flow('f0', 's', 'card')}${flow('f1', 'card', 'ship')}${flow('f2', 'ship', 'e')}`));
    const sim = new Sim(m).start({ deal: { customer: 'c-7' } });
    const inst = Object.values(sim.s.elements).find((e) => e.elementId === 'card')!;
    expect(sim.s.vars[inst.key]).to.deep.equal({ customerId: 'c-7' });
    sim.completeJob('card', { customer: { name: 'Acme' }, noise: 1 });
    expect(sim.vars()).to.deep.equal({ deal: { customer: 'c-7' }, customerName: 'Acme' });
    sim.completeJob('ship', { id: 'SH-1', status: 'reserved' });
    expect(sim.vars().shipment).to.deep.equal({ id: 'SH-1', status: 'reserved' });
  });

  it('a failing input mapping raises an incident; resolving re-runs the activation', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${serviceTask('t', 'x', `<zeebe:ioMapping><zeebe:input source="=abs" target="c"/></zeebe:ioMapping>`)}${flow('f0', 's', 't')}`));
    const sim = new Sim(m).start();
    expect(Object.keys(sim.s.jobs)).to.have.length(0);
    expect(sim.incidents()).to.deep.equal([`input mapping 'c' = '=abs' failed: result is a function, not a value`]);
    sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });
    expect(sim.incidents()).to.have.length(1);
    expect(sim.last.map((e) => e.type)).to.deep.equal(['incident.patch', 'incident.put']);
  });

  it('user tasks evaluate assignment from FEEL and guard claims and completion', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>
      ${userTask('confirm', `<zeebe:assignmentDefinition candidateGroups="sales, warehouse" candidateUsers="=owner"/><zeebe:priorityDefinition priority="=if urgent then 90 else 40"/><zeebe:taskSchedule dueDate="=deliveryDate"/>`)}
      <bpmn:endEvent id="e"/>${flow('f0', 's', 'confirm')}${flow('f1', 'confirm', 'e')}`));
    const sim = new Sim(m).start({ owner: 'aziz', urgent: true, deliveryDate: '2026-03-05T00:00:00Z' });
    const [task] = sim.tasks();
    expect(task).to.include({ assignee: null, priority: 90, dueDate: '2026-03-05T00:00:00Z', state: 'open', name: 'confirm' });
    expect(task.candidateGroups).to.deep.equal(['sales', 'warehouse']);
    expect(task.candidateUsers).to.deep.equal(['aziz']);
    sim.apply({ type: 'claimTask', taskId: task.id, user: 'aziz' });
    expect(() => sim.apply({ type: 'claimTask', taskId: task.id, user: 'dilnoza' })).to.throw(/already claimed by aziz/);
    expect(() => sim.apply({ type: 'completeTask', taskId: task.id, actor: 'dilnoza' })).to.throw(/claimed by aziz/);
    sim.apply({ type: 'completeTask', taskId: task.id, actor: 'aziz', variables: { ok: true } });
    expect(sim.s.status).to.equal('completed');
    expect(sim.last[0]).to.deep.include({ type: 'task.patch', id: task.id });
    expect(() => sim.apply({ type: 'completeTask', taskId: task.id })).to.throw(/completed/);
  });

  it('script task evaluates FEEL into its result variable', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>
      <bpmn:scriptTask id="sum"><bpmn:extensionElements><zeebe:script expression="=sum(for i in items return i.quantity)" resultVariable="total"/></bpmn:extensionElements></bpmn:scriptTask>
      <bpmn:endEvent id="e"/>${flow('f0', 's', 'sum')}${flow('f1', 'sum', 'e')}`));
    const sim = new Sim(m).start({ items: [{ quantity: 2 }, { quantity: 5 }] });
    expect(sim.vars().total).to.equal(7);
    expect(sim.s.status).to.equal('completed');
  });

  it('manual task, task and none intermediate throw pass the token on', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:manualTask id="m"/><bpmn:task id="t"/><bpmn:intermediateThrowEvent id="i"/><bpmn:endEvent id="e"/>
      ${flow('f0', 's', 'm')}${flow('f1', 'm', 't')}${flow('f2', 't', 'i')}${flow('f3', 'i', 'e')}`));
    const sim = new Sim(m).start();
    expect(sim.trail('completed')).to.deep.equal(['s', 'm', 't', 'i', 'e', 'p']);
  });

  it('a loop without a wait state is stopped with a clear error instead of hanging', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:task id="t"/>${flow('f0', 's', 'g')}${flow('f1', 'g', 't')}${flow('f2', 't', 'g')}`));
    expect(() => new Sim(m).start()).to.throw(/without reaching a wait state/);
  });
});

describe('engine step: escalations', () => {
  const esc = '<bpmn:escalation id="Late" escalationCode="LATE"/>';
  const xml = (cancel: boolean) => bpmn('p', `<bpmn:startEvent id="s"/>
    <bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/><bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="Late"/></bpmn:intermediateThrowEvent>${userTask('work')}
      ${flow('a0', 'ss', 'raise')}${flow('a1', 'raise', 'work')}</bpmn:subProcess>
    <bpmn:boundaryEvent id="caught" attachedToRef="sub" cancelActivity="${cancel}"><bpmn:escalationEventDefinition escalationRef="Late"/></bpmn:boundaryEvent>
    ${userTask('notify')}${userTask('after')}${flow('f0', 's', 'sub')}${flow('f1', 'sub', 'after')}${flow('f2', 'caught', 'notify')}`, esc);

  it('non-interrupting escalation boundary starts a parallel path and the thrower goes on', async () => {
    const sim = new Sim(await model(xml(false))).start();
    expect(sim.active()).to.deep.equal(['notify', 'sub', 'work']);
  });

  it('interrupting escalation boundary ends the sub-process', async () => {
    const sim = new Sim(await model(xml(true))).start();
    expect(sim.active()).to.deep.equal(['notify']);
  });

  it('an escalation nobody catches is ignored', async () => {
    const m = await model(bpmn('q', `<bpmn:startEvent id="s"/><bpmn:endEvent id="e"><bpmn:escalationEventDefinition escalationRef="Late"/></bpmn:endEvent>${flow('f', 's', 'e')}`, esc));
    const sim = new Sim(m).start();
    expect(sim.s.status).to.equal('completed');
    expect(sim.incidents()).to.deep.equal([]);
  });
});

describe('engine step: link events', () => {
  it('a link throw continues at the catch of the same name', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="toReview"/></bpmn:intermediateThrowEvent>
      <bpmn:intermediateCatchEvent id="here"><bpmn:linkEventDefinition name="toReview"/></bpmn:intermediateCatchEvent>${userTask('review')}
      ${flow('f0', 's', 'go')}${flow('f1', 'here', 'review')}`));
    const sim = new Sim(m).start();
    expect(sim.active()).to.deep.equal(['review']);
    expect(sim.trail('completed')).to.deep.equal(['s', 'go', 'here']);
    sim.completeTask('review');
    expect(sim.s.status).to.equal('completed');
  });

  it('a link throw without a matching catch is rejected at deploy', async () => {
    const { compile } = await import('./harness.ts');
    const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="nowhere"/></bpmn:intermediateThrowEvent>${flow('f0', 's', 'go')}`));
    expect(problems.map((p) => `${p.elementId}: ${p.message}`)).to.deep.equal([`go: no link catch event named 'nowhere' in the same scope`]);
  });
});
