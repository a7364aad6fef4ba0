import { expect } from 'chai';
import { bpmn, flow, model, serviceTask, Sim, userTask } from './harness.ts';
import type { Effect } from '../../engine/types.ts';

const subs = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'subscription.put' ? [e.subscription] : []));
const timers = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'timer.put' ? [e.timer] : []));
const defs = `<bpmn:message id="Cancel" name="orderCanceled"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
  <bpmn:error id="Fail" errorCode="PAYMENT_FAILED"/><bpmn:escalation id="Vip" escalationCode="VIP"/>`;
const main = `<bpmn:startEvent id="s"/>${serviceTask('pay', 'payment.charge')}${userTask('pack')}<bpmn:endEvent id="e"/>
  ${flow('f0', 's', 'pay')}${flow('f1', 'pay', 'pack')}${flow('f2', 'pack', 'e')}`;
const esp = (id: string, start: string, interrupting = true) => `<bpmn:subProcess id="${id}" triggeredByEvent="true">
  <bpmn:startEvent id="${id}Start" isInterrupting="${interrupting}">${start}</bpmn:startEvent>${userTask(`${id}Task`)}${flow(`${id}F`, `${id}Start`, `${id}Task`)}</bpmn:subProcess>`;

describe('event sub-processes', () => {
  it('an interrupting message event sub-process ends the rest of the process', async () => {
    const m = await model(bpmn('p', main + esp('onCancel', '<bpmn:messageEventDefinition messageRef="Cancel"/>'), defs));
    const sim = new Sim(m).start({ orderId: 'O-1' });
    const [sub] = subs(sim.last);
    expect(sub).to.deep.include({ messageName: 'orderCanceled', correlationKey: 'O-1', elementId: 'onCancelStart' });
    sim.apply({ type: 'correlateMessage', subscriptionId: sub.id, variables: { reason: 'customer' } });
    expect(sim.active()).to.deep.equal(['onCancel', 'onCancelTask']);
    expect(sim.vars().reason).to.equal('customer');
    sim.completeTask('onCancelTask');
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('a non-interrupting timer event sub-process runs beside the main flow, once per cycle', async () => {
    const m = await model(bpmn('p', main + esp('remind', '<bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>', false), defs));
    const sim = new Sim(m).start();
    let [timer] = timers(sim.last);
    sim.apply({ type: 'fireTimer', timerId: timer.id });
    expect(sim.active()).to.deep.equal(['pay', 'remind', 'remindTask']);
    [timer] = timers(sim.last);
    sim.apply({ type: 'fireTimer', timerId: timer.id });
    expect(sim.active().filter((a) => a === 'remindTask')).to.have.length(2);
    expect(sim.s.timers).to.deep.equal({});
  });

  it('an error event sub-process catches an error from a job in its scope', async () => {
    const m = await model(bpmn('p', main + esp('onFail', '<bpmn:errorEventDefinition errorRef="Fail"/>'), defs));
    const sim = new Sim(m).start();
    sim.apply({ type: 'throwError', jobKey: sim.job('pay'), errorCode: 'PAYMENT_FAILED', variables: { why: 'card declined' } });
    expect(sim.active()).to.deep.equal(['onFail', 'onFailTask']);
    expect(sim.vars().why).to.equal('card declined');
  });

  it('inside a sub-process: the inner event sub-process catches first, and its process ends only the sub-process', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>
      <bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>${serviceTask('charge', 'payment.charge')}<bpmn:endEvent id="se"/>${flow('a0', 'ss', 'charge')}${flow('a1', 'charge', 'se')}
        ${esp('inner', '<bpmn:errorEventDefinition errorRef="Fail"/>')}</bpmn:subProcess>
      ${userTask('after')}${flow('f0', 's', 'sub')}${flow('f1', 'sub', 'after')}
      ${esp('outer', '<bpmn:errorEventDefinition/>')}`, defs));
    const sim = new Sim(m).start();
    sim.apply({ type: 'throwError', jobKey: sim.job('charge'), errorCode: 'PAYMENT_FAILED' });
    expect(sim.active()).to.deep.equal(['inner', 'innerTask', 'sub']);
    sim.completeTask('innerTask');
    expect(sim.active()).to.deep.equal(['after']);
  });

  it('a non-interrupting escalation event sub-process', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="vip"><bpmn:escalationEventDefinition escalationRef="Vip"/></bpmn:intermediateThrowEvent>${userTask('work')}
      ${flow('f0', 's', 'vip')}${flow('f1', 'vip', 'work')}${esp('notify', '<bpmn:escalationEventDefinition escalationRef="Vip"/>', false)}`, defs));
    const sim = new Sim(m).start();
    expect(sim.active()).to.deep.equal(['notify', 'notifyTask', 'work']);
  });

  it('the process completes when the main flow ends, closing waiting event sub-processes', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('only')}<bpmn:endEvent id="e"/>${flow('f0', 's', 'only')}${flow('f1', 'only', 'e')}
      ${esp('onCancel', '<bpmn:messageEventDefinition messageRef="Cancel"/>')}`, defs));
    const sim = new Sim(m).start({ orderId: 'x' });
    sim.completeTask('only');
    expect(sim.s.status).to.equal('completed');
    expect(sim.last.map((e) => e.type)).to.include('subscription.delete');
    sim.assertClean();
  });
});
