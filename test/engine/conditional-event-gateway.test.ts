// Conditional intermediate catch events after an event-based gateway (Camunda 8.9): the gateway
// arms the condition when it activates, evaluates it in its own scope by the catch event's rules,
// and the first of its events to happen wins; the others are dropped with the gateway.

import { expect } from 'chai';
import { bpmn, compile, flow, model, Sim, userTask } from './harness.ts';
import type { Effect } from '../../engine/types.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cond = (condition: string, variableNames?: string) =>
  `<bpmn:conditionalEventDefinition>${variableNames ? `<bpmn:extensionElements><zeebe:conditionalFilter variableNames="${variableNames}"/></bpmn:extensionElements>` : ''}<bpmn:condition>${esc(condition)}</bpmn:condition></bpmn:conditionalEventDefinition>`;
const catchEvent = (id: string, definition: string) => `<bpmn:intermediateCatchEvent id="${id}">${definition}</bpmn:intermediateCatchEvent>`;
const timer = '<bpmn:timerEventDefinition><bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition>';
const messages = '<bpmn:message id="Cancel" name="orderCanceled"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>';

/** start → g → (approved: condition → ship | wait3d: timer → remind | canceled: message → refund). */
async function gatewayModel(condition: string, variableNames?: string) {
  return model(
    bpmn(
      'p',
      `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>
      ${catchEvent('approved', cond(condition, variableNames))}${catchEvent('wait3d', timer)}${catchEvent('canceled', '<bpmn:messageEventDefinition messageRef="Cancel"/>')}
      ${userTask('ship')}${userTask('remind')}${userTask('refund')}
      ${flow('f0', 's', 'g')}${flow('f1', 'g', 'approved')}${flow('f2', 'g', 'wait3d')}${flow('f3', 'g', 'canceled')}
      ${flow('f4', 'approved', 'ship')}${flow('f5', 'wait3d', 'remind')}${flow('f6', 'canceled', 'refund')}`,
      messages,
    ),
  );
}

const types = (effects: Effect[]) => effects.map((e) => e.type);
const timerIds = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'timer.put' ? [e.timer.id] : []));
const subIds = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'subscription.put' ? [e.subscription.id] : []));

describe('conditional catch event after an event-based gateway', () => {
  it('deploys; anything but a message, timer, signal or conditional catch event after the gateway is refused, naming the gateway', async () => {
    expect((await compile(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>${catchEvent('a', cond('=ok'))}${catchEvent('b', timer)}
      ${flow('f0', 's', 'g')}${flow('f1', 'g', 'a')}${flow('f2', 'g', 'b')}`))).problems).to.deep.equal([]);
    const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>${catchEvent('a', cond('=ok'))}${userTask('t')}
      ${flow('f0', 's', 'g')}${flow('f1', 'g', 'a')}${flow('f2', 'g', 't')}`));
    expect(problems.map((p) => `${p.elementId} (${p.elementType}): ${p.message}`)).to.deep.equal([
      `g (bpmn:EventBasedGateway): 't' after it is not a message, timer, signal or conditional intermediate catch event`,
    ]);
  });

  it('the condition wins: the token passes through its event, the timer and the subscription are dropped', async () => {
    const sim = new Sim(await gatewayModel('=approved = true')).start({ orderId: 'O-1', approved: false });
    expect(sim.active()).to.deep.equal(['g']);
    expect(Object.values(sim.s.conditions ?? {})).to.deep.equal([{ elementId: 'approved', elementInstance: Object.keys(sim.s.elements).find((k) => sim.s.elements[k].elementId === 'g') }]);
    sim.apply({ type: 'setVariables', variables: { note: 'unrelated' } });
    expect(sim.active()).to.deep.equal(['g']);
    sim.apply({ type: 'setVariables', variables: { approved: true } });
    expect(sim.active()).to.deep.equal(['ship']);
    expect(types(sim.last)).to.include.members(['timer.delete', 'subscription.delete']);
    expect(sim.trail('taken')).to.include('f1').and.not.include('f2').and.not.include('f3');
    expect(sim.trail('completed')).to.deep.equal(['s', 'g', 'approved']);
    sim.completeTask('ship');
    sim.assertClean();
  });

  it('true on arrival: passes straight through, the other events opened and closed in the same step', async () => {
    const sim = new Sim(await gatewayModel('=approved = true')).start({ orderId: 'O-1', approved: true });
    expect(sim.active()).to.deep.equal(['ship']);
    expect(types(sim.last).filter((t) => t.startsWith('timer.') || t.startsWith('subscription.'))).to.deep.equal(['timer.put', 'subscription.put', 'timer.delete', 'subscription.delete']);
    expect(sim.s.conditions).to.equal(undefined);
  });

  it('another event wins: the condition is disarmed and a later change fires nothing', async () => {
    const byTimer = new Sim(await gatewayModel('=approved = true')).start({ orderId: 'O-1', approved: false });
    byTimer.apply({ type: 'fireTimer', timerId: timerIds(byTimer.effects)[0] });
    expect(byTimer.active()).to.deep.equal(['remind']);
    expect(byTimer.s.conditions).to.equal(undefined);
    byTimer.apply({ type: 'setVariables', variables: { approved: true } });
    expect(byTimer.active()).to.deep.equal(['remind']);
    byTimer.completeTask('remind');
    byTimer.assertClean();

    const byMessage = new Sim(await gatewayModel('=approved = true')).start({ orderId: 'O-2', approved: false });
    byMessage.apply({ type: 'correlateMessage', subscriptionId: subIds(byMessage.effects)[0], variables: { approved: true } });
    expect(byMessage.active()).to.deep.equal(['refund']);
    expect(byMessage.trail('activated')).to.not.include('ship');
  });

  it('two conditions true at once: the first outgoing flow wins', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>${catchEvent('big', cond('=amount > 100'))}${catchEvent('any', cond('=amount > 0'))}
      ${userTask('review')}${userTask('book')}${flow('f0', 's', 'g')}${flow('f1', 'g', 'big')}${flow('f2', 'g', 'any')}${flow('f3', 'big', 'review')}${flow('f4', 'any', 'book')}`));
    const sim = new Sim(m).start();
    sim.apply({ type: 'setVariables', variables: { amount: 500 } });
    expect(sim.active()).to.deep.equal(['review']);
    expect(sim.trail('activated')).to.not.include('any');
  });

  it('follows the catch event\'s rules: null is not yet true, and zeebe:conditionalFilter limits what re-evaluates', async () => {
    const sim = new Sim(await gatewayModel('=approved and amount > 10', 'approved')).start({ orderId: 'O-1' });
    expect(sim.active()).to.deep.equal(['g']);
    sim.apply({ type: 'setVariables', variables: { approved: true } });
    expect(sim.active()).to.deep.equal(['g']);
    sim.apply({ type: 'setVariables', variables: { amount: 50 } }); // not in variableNames
    expect(sim.active()).to.deep.equal(['g']);
    sim.apply({ type: 'setVariables', variables: { approved: false } });
    sim.apply({ type: 'setVariables', variables: { approved: true } });
    expect(sim.active()).to.deep.equal(['ship']);
  });

  it('a failing condition is an incident on the gateway naming the event; resolving it evaluates again', async () => {
    const sim = new Sim(await gatewayModel('=items')).start({ orderId: 'O-1', items: [1] });
    expect(sim.incidents()).to.deep.equal([`condition 'items' of conditional event 'approved' returned [1], not a boolean`]);
    expect(Object.values(sim.s.incidents)[0]).to.include({ type: 'CONDITION_ERROR', elementId: 'g' });
    sim.apply({ type: 'setVariables', variables: { items: true } });
    expect(sim.active()).to.deep.equal(['g']);
    sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });
    expect(sim.active()).to.deep.equal(['ship']);
    expect(sim.s.incidents).to.deep.equal({});
  });

  it('cancelling the instance while the gateway waits leaves nothing armed', async () => {
    const sim = new Sim(await gatewayModel('=approved = true')).start({ orderId: 'O-1' });
    sim.apply({ type: 'cancel' });
    sim.assertClean();
  });
});
