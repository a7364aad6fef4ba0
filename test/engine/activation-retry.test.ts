// Resolving an incident raised while an element was opening its timers, subscriptions and
// conditions (an event-based gateway's events, an activity's boundary events) finishes that
// activation: what was already open stays as it is and is not opened a second time, what was
// not yet open is opened, and the activity's own work only starts once its boundaries are armed.

import { expect } from 'chai';
import { bpmn, flow, model, serviceTask, Sim, userTask } from './harness.ts';
import type { Effect } from '../../engine/types.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cond = (condition: string) => `<bpmn:conditionalEventDefinition><bpmn:condition>${esc(condition)}</bpmn:condition></bpmn:conditionalEventDefinition>`;
const timer = (duration: string) => `<bpmn:timerEventDefinition><bpmn:timeDuration>${duration}</bpmn:timeDuration></bpmn:timerEventDefinition>`;
const catchEvent = (id: string, definition: string) => `<bpmn:intermediateCatchEvent id="${id}">${definition}</bpmn:intermediateCatchEvent>`;
const boundary = (id: string, host: string, definition: string) => `<bpmn:boundaryEvent id="${id}" attachedToRef="${host}">${definition}</bpmn:boundaryEvent>`;
const message = (id: string, name: string, key: string) => `<bpmn:message id="${id}" name="${name}"><bpmn:extensionElements><zeebe:subscription correlationKey="${key}"/></bpmn:extensionElements></bpmn:message>`;

const count = (effects: Effect[], type: Effect['type']) => effects.filter((e) => e.type === type).length;
const timers = (sim: Sim) => Object.values(sim.s.timers ?? {}).map((t) => t.elementId);
const subscriptions = (sim: Sim) => Object.values(sim.s.subscriptions ?? {}).map((s) => s.elementId);
const resolve = (sim: Sim) => sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });

describe('retrying an activation after an incident', () => {
  describe('event-based gateway', () => {
    /** g → (canceled: message | wait: timer `=wait` | approved: condition `=approved`), each then a user task. */
    async function gateway(approved = '=approved = true') {
      return model(
        bpmn(
          'p',
          `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>
          ${catchEvent('canceled', '<bpmn:messageEventDefinition messageRef="Cancel"/>')}${catchEvent('wait', timer('=wait'))}${catchEvent('approved', cond(approved))}
          ${userTask('refund')}${userTask('remind')}${userTask('ship')}
          ${flow('f0', 's', 'g')}${flow('f1', 'g', 'canceled')}${flow('f2', 'g', 'wait')}${flow('f3', 'g', 'approved')}
          ${flow('f4', 'canceled', 'refund')}${flow('f5', 'wait', 'remind')}${flow('f6', 'approved', 'ship')}`,
          message('Cancel', 'orderCanceled', '=orderId'),
        ),
      );
    }

    it('a timer that fails after the subscription opened: resolving opens the timer once and the subscription is not opened again', async () => {
      const sim = new Sim(await gateway()).start({ orderId: 'O-1' });
      expect(sim.incidents()).to.have.length(1);
      expect(sim.incidents()[0]).to.contain("timer of 'wait'");
      // The activation stopped at the failure: nothing after it is armed while the incident is open.
      expect(subscriptions(sim)).to.deep.equal(['canceled']);
      expect(timers(sim)).to.deep.equal([]);
      expect(sim.s.conditions ?? {}).to.deep.equal({});
      sim.apply({ type: 'setVariables', variables: { wait: 'PT1H' } });
      resolve(sim);
      expect(sim.s.incidents).to.deep.equal({});
      expect(subscriptions(sim)).to.deep.equal(['canceled']);
      expect(timers(sim)).to.deep.equal(['wait']);
      expect(Object.values(sim.s.conditions ?? {}).map((c) => c.elementId)).to.deep.equal(['approved']);
      expect(count(sim.effects, 'subscription.put')).to.equal(1);
      expect(count(sim.effects, 'timer.put')).to.equal(1);
      sim.apply({ type: 'fireTimer', timerId: Object.keys(sim.s.timers!)[0] });
      expect(sim.active()).to.deep.equal(['remind']);
      expect(sim.trail('completed').filter((id) => id === 'wait')).to.have.length(1);
      sim.completeTask('remind');
      sim.assertClean();
    });

    it('a condition that fails to evaluate: resolving evaluates it again and leaves exactly one timer and one subscription; the timer fires once', async () => {
      const sim = new Sim(await gateway('=items')).start({ orderId: 'O-1', wait: 'PT1H', items: [1] });
      expect(Object.values(sim.s.incidents)[0]).to.include({ type: 'CONDITION_ERROR', elementId: 'g' });
      sim.apply({ type: 'setVariables', variables: { items: false } });
      resolve(sim);
      expect(sim.s.incidents).to.deep.equal({});
      expect(sim.active()).to.deep.equal(['g']);
      expect(timers(sim)).to.deep.equal(['wait']);
      expect(subscriptions(sim)).to.deep.equal(['canceled']);
      expect(count(sim.effects, 'timer.put')).to.equal(1);
      expect(count(sim.effects, 'subscription.put')).to.equal(1);
      sim.apply({ type: 'fireTimer', timerId: Object.keys(sim.s.timers!)[0] });
      expect(sim.active()).to.deep.equal(['remind']);
      expect(sim.s.timers ?? {}).to.deep.equal({});
      sim.completeTask('remind');
      sim.assertClean();
    });
  });

  describe('boundary events', () => {
    /** A service task with an interrupting message boundary and a timer boundary whose duration is `=limit`. */
    async function guarded(host: string, extra = '') {
      return model(
        bpmn(
          'p',
          `<bpmn:startEvent id="s"/>${host}
          ${boundary('canceled', 'work', '<bpmn:messageEventDefinition messageRef="Cancel"/>')}${boundary('late', 'work', timer('=limit'))}
          <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>
          ${flow('f0', 's', 'work')}${flow('f1', 'work', 'e')}${flow('f2', 'canceled', 'e2')}${flow('f3', 'late', 'e3')}${extra}`,
          message('Cancel', 'orderCanceled', '=orderId') + message('Paid', 'paid', '=orderId'),
        ),
      );
    }

    it('a timer boundary that fails: the job waits until the incident is resolved, then everything is open once', async () => {
      const sim = new Sim(await guarded(serviceTask('work', 'do.work'))).start({ orderId: 'O-1' });
      expect(sim.incidents()[0]).to.contain("timer of 'late'");
      expect(Object.keys(sim.s.jobs)).to.deep.equal([]);
      sim.apply({ type: 'setVariables', variables: { limit: 'PT1H' } });
      resolve(sim);
      expect(sim.s.incidents).to.deep.equal({});
      expect(Object.keys(sim.s.jobs)).to.have.length(1);
      expect(subscriptions(sim)).to.deep.equal(['canceled']);
      expect(timers(sim)).to.deep.equal(['late']);
      expect(count(sim.effects, 'subscription.put')).to.equal(1);
      expect(count(sim.effects, 'timer.put')).to.equal(1);
      sim.apply({ type: 'fireTimer', timerId: Object.keys(sim.s.timers!)[0] });
      expect(sim.trail('completed')).to.deep.equal(['s', 'late', 'e3', 'p']);
      sim.assertClean();
    });

    it('a receive task whose boundary fails: its own subscription is opened once, after the incident is resolved', async () => {
      const receive = '<bpmn:receiveTask id="work" messageRef="Paid"/>';
      const sim = new Sim(await guarded(receive)).start({ orderId: 'O-1' });
      expect(sim.incidents()[0]).to.contain("timer of 'late'");
      expect(subscriptions(sim)).to.deep.equal(['canceled']);
      sim.apply({ type: 'setVariables', variables: { limit: 'PT1H' } });
      resolve(sim);
      expect(subscriptions(sim).sort()).to.deep.equal(['canceled', 'work']);
      expect(timers(sim)).to.deep.equal(['late']);
      expect(count(sim.effects, 'subscription.put')).to.equal(2);
      const paid = Object.entries(sim.s.subscriptions!).find(([, s]) => s.elementId === 'work')![0];
      sim.apply({ type: 'correlateMessage', subscriptionId: paid, variables: {} });
      expect(sim.trail('completed')).to.deep.equal(['s', 'work', 'e', 'p']);
      sim.assertClean();
    });

    it('an input mapping that fails: resolving it also arms the boundary events', async () => {
      const work = serviceTask('work', 'do.work', '<zeebe:ioMapping><zeebe:input source="=abs" target="id"/></zeebe:ioMapping>');
      const sim = new Sim(await guarded(work)).start({ orderId: 'O-1', limit: 'PT1H' });
      expect(Object.values(sim.s.incidents)[0]).to.include({ type: 'IO_MAPPING_ERROR' });
      expect(timers(sim)).to.deep.equal([]);
      // A variable named like the built-in function shadows it.
      sim.apply({ type: 'setVariables', variables: { abs: 'O-1' } });
      resolve(sim);
      expect(sim.s.incidents).to.deep.equal({});
      expect(subscriptions(sim)).to.deep.equal(['canceled']);
      expect(timers(sim)).to.deep.equal(['late']);
      expect(Object.keys(sim.s.jobs)).to.have.length(1);
      sim.completeJob('work');
      expect(sim.trail('completed')).to.deep.equal(['s', 'work', 'e', 'p']);
      sim.assertClean();
    });

    it('a multi-instance body whose boundary fails: no inner instance starts until the incident is resolved', async () => {
      const work = `<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="do.work"/></bpmn:extensionElements>
        <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>`;
      const sim = new Sim(await guarded(work)).start({ orderId: 'O-1', items: [1, 2] });
      expect(sim.incidents()[0]).to.contain("timer of 'late'");
      expect(Object.keys(sim.s.jobs)).to.deep.equal([]);
      sim.apply({ type: 'setVariables', variables: { limit: 'PT1H' } });
      resolve(sim);
      expect(Object.keys(sim.s.jobs)).to.have.length(2);
      expect(subscriptions(sim)).to.deep.equal(['canceled']);
      expect(timers(sim)).to.deep.equal(['late']);
      expect(count(sim.effects, 'subscription.put')).to.equal(1);
      sim.completeJob('work').completeJob('work');
      expect(sim.active()).to.deep.equal([]);
      sim.assertClean();
    });
  });
});
