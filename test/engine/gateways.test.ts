import { expect } from 'chai';
import { bpmn, flow, model, serviceTask, Sim, userTask } from './harness.ts';

describe('engine step: gateways', () => {
  const xor = bpmn('xor', `
    <bpmn:startEvent id="s"/>
    <bpmn:exclusiveGateway id="g" default="low"/>
    ${serviceTask('big', 'approve')}${serviceTask('small', 'auto')}<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
    ${flow('f0', 's', 'g')}${flow('high', 'g', 'big', '=amount > 1000')}${flow('low', 'g', 'small')}
    ${flow('f3', 'big', 'e1')}${flow('f4', 'small', 'e2')}`);

  it('exclusive gateway takes the first true condition, else the default flow', async () => {
    const m = await model(xor);
    expect(new Sim(m).start({ amount: 5000 }).active()).to.deep.equal(['big']);
    expect(new Sim(m).start({ amount: 10 }).active()).to.deep.equal(['small']);
  });

  it('a condition that is not boolean raises an incident naming the flow and the expression; resolving re-evaluates', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="d"/>${userTask('a')}${userTask('b')}
      ${flow('f0', 's', 'g')}${flow('c1', 'g', 'a', '=customer.vip')}${flow('d', 'g', 'b')}`));
    const sim = new Sim(m).start({ customer: {} });
    expect(sim.incidents()).to.deep.equal([`condition 'customer.vip' of sequence flow 'c1' returned null, not a boolean`]);
    expect(sim.active()).to.deep.equal(['g']);
    sim.apply({ type: 'setVariables', variables: { customer: { vip: false } } });
    sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });
    expect(sim.active()).to.deep.equal(['b']);
    const numeric = await model(bpmn('q', `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="d"/>${userTask('a')}${userTask('b')}
      ${flow('f0', 's', 'g')}${flow('c1', 'g', 'a', '=amount + 1')}${flow('d', 'g', 'b')}`));
    expect(new Sim(numeric).start({ amount: 1 }).incidents()).to.deep.equal([`condition 'amount + 1' of sequence flow 'c1' returned 2, not a boolean`]);
  });

  it('a condition on a missing variable is an incident that says so, not a silent false', async () => {
    const sim = new Sim(await model(xor)).start({});
    expect(sim.incidents()).to.deep.equal([`condition 'amount > 1000' of sequence flow 'high' returned null, not a boolean (Variable 'amount' not found)`]);
  });

  it('no true condition and no default flow raises an incident instead of stopping silently', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/>${userTask('a')}${userTask('b')}
      ${flow('f0', 's', 'g')}${flow('c1', 'g', 'a', '=x = 1')}${flow('c2', 'g', 'b', '=x = 2')}`));
    const sim = new Sim(m).start({ x: 3 });
    expect(sim.incidents()[0]).to.match(/no outgoing sequence flow of 'g' has a true condition and there is no default flow/);
    expect(sim.s.status).to.equal('active');
  });

  it('parallel gateway forks and joins, and a join reached several times in a loop fires once per round', async () => {
    const m = await model(bpmn('loop', `
      <bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="merge"/><bpmn:parallelGateway id="fork"/>
      ${serviceTask('a', 'a')}${serviceTask('b', 'b')}<bpmn:parallelGateway id="join"/>
      <bpmn:exclusiveGateway id="again" default="done"/><bpmn:endEvent id="e"/>
      ${flow('f0', 's', 'merge')}${flow('f1', 'merge', 'fork')}${flow('f2', 'fork', 'a')}${flow('f3', 'fork', 'b')}
      ${flow('f4', 'a', 'join')}${flow('f5', 'b', 'join')}${flow('f6', 'join', 'again')}
      ${flow('back', 'again', 'merge', '=round <= 3')}${flow('done', 'again', 'e')}`));
    const sim = new Sim(m).start({ round: 1 });
    for (let round = 1; round <= 3; round++) {
      expect(sim.active(), `round ${round}`).to.deep.equal(['a', 'b']);
      sim.completeJob('a');
      expect(sim.active()).to.deep.equal(['b']);
      expect(Object.keys(sim.s.joins)).to.have.length(1);
      sim.completeJob('b', { round: round + 1 });
    }
    expect(sim.s.status).to.equal('completed');
    expect(sim.trail('completed').filter((x) => x === 'join')).to.have.length(3);
    sim.assertClean();
  });

  it('parallel join keeps a second token on the same flow for the next round', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>${userTask('after')}
      ${flow('f0', 's', 'fork')}${flow('x1', 'fork', 'join')}${flow('x2', 'fork', 't1')}${serviceTask('t1', 'a')}${flow('x3', 't1', 'join')}
      ${flow('x4', 'join', 'after')}`));
    const sim = new Sim(m).start();
    expect(sim.s.joins).to.deep.equal({ '0/join': { x1: 1 } });
    sim.completeJob('t1');
    expect(sim.active()).to.deep.equal(['after']);
    expect(sim.s.joins).to.deep.equal({});
  });

  const inclusive = bpmn('incl', `
    <bpmn:startEvent id="s"/><bpmn:inclusiveGateway id="fork" default="none"/>
    ${serviceTask('crm', 'crm')}${serviceTask('erp', 'erp')}${serviceTask('noop', 'noop')}
    <bpmn:inclusiveGateway id="join"/>${userTask('review')}
    ${flow('f0', 's', 'fork')}${flow('toCrm', 'fork', 'crm', '=syncCrm')}${flow('toErp', 'fork', 'erp', '=syncErp')}${flow('none', 'fork', 'noop')}
    ${flow('f1', 'crm', 'join')}${flow('f2', 'erp', 'join')}${flow('f3', 'noop', 'join')}${flow('f4', 'join', 'review')}`);

  it('inclusive gateway forks on every true condition and the join waits for both', async () => {
    const sim = new Sim(await model(inclusive)).start({ syncCrm: true, syncErp: true });
    expect(sim.active()).to.deep.equal(['crm', 'erp']);
    sim.completeJob('crm');
    expect(sim.active()).to.deep.equal(['erp']);
    sim.completeJob('erp');
    expect(sim.active()).to.deep.equal(['review']);
  });

  it('inclusive join fires at once when the other branch was never taken (dead branch)', async () => {
    const sim = new Sim(await model(inclusive)).start({ syncCrm: true, syncErp: false });
    expect(sim.active()).to.deep.equal(['crm']);
    sim.completeJob('crm');
    expect(sim.active()).to.deep.equal(['review']);
  });

  it('inclusive join fires when a token that could still arrive ends elsewhere', async () => {
    const m = await model(bpmn('p', `
      <bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>
      ${serviceTask('a', 'a')}${serviceTask('b', 'b')}<bpmn:exclusiveGateway id="route" default="toJoin"/><bpmn:endEvent id="gone"/>
      <bpmn:inclusiveGateway id="join"/>${userTask('after')}
      ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'a')}${flow('f2', 'fork', 'b')}
      ${flow('f3', 'a', 'join')}${flow('f4', 'b', 'route')}${flow('drop', 'route', 'gone', '=drop')}${flow('toJoin', 'route', 'join')}
      ${flow('f5', 'join', 'after')}`));
    const sim = new Sim(m).start({ drop: true });
    sim.completeJob('a');
    expect(sim.active()).to.deep.equal(['b']);
    sim.completeJob('b');
    expect(sim.active()).to.deep.equal(['after']);
  });
});
