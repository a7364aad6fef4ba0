import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, flow, model, Sim, userTask } from './harness.ts';
import type { Effect } from '../../engine/types.ts';

const subs = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'subscription.put' ? [e.subscription] : []));
const timers = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'timer.put' ? [e.timer] : []));
const messages = `
  <bpmn:message id="Reply" name="customerReplied"><bpmn:extensionElements><zeebe:subscription correlationKey="=dealId"/></bpmn:extensionElements></bpmn:message>
  <bpmn:message id="Cancel" name="orderCanceled"><bpmn:extensionElements><zeebe:subscription correlationKey="=dealId"/></bpmn:extensionElements></bpmn:message>
  <bpmn:message id="NewLead" name="leadCreated"/>
  <bpmn:signal id="Stop" name="stopTheLine"/>`;

describe('message and signal events, event-based gateway', () => {
  it('event-based gateway: the first event wins and the others are dropped', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>
      <bpmn:intermediateCatchEvent id="reply"><bpmn:messageEventDefinition messageRef="Reply"/></bpmn:intermediateCatchEvent>
      <bpmn:intermediateCatchEvent id="wait3d"><bpmn:timerEventDefinition><bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      ${userTask('followUp')}${userTask('remind')}
      ${flow('f0', 's', 'g')}${flow('f1', 'g', 'reply')}${flow('f2', 'g', 'wait3d')}${flow('f3', 'reply', 'followUp')}${flow('f4', 'wait3d', 'remind')}`, messages));
    const sim = new Sim(m).start({ dealId: 'D-1' });
    const [sub] = subs(sim.last);
    const [timer] = timers(sim.last);
    expect(sub).to.deep.include({ messageName: 'customerReplied', correlationKey: 'D-1', elementId: 'reply' });
    expect(timer.elementId).to.equal('wait3d');
    sim.apply({ type: 'correlateMessage', subscriptionId: sub.id, variables: { answer: 'yes' } });
    expect(sim.active()).to.deep.equal(['followUp']);
    expect(sim.vars().answer).to.equal('yes');
    expect(sim.last.map((e) => e.type)).to.include.members(['timer.delete', 'subscription.delete']);
    expect(sim.trail('taken')).to.include('f1').and.not.include('f2');
    const late = new Sim(m).start({ dealId: 'D-2' });
    late.apply({ type: 'fireTimer', timerId: timers(late.last)[0].id });
    expect(late.active()).to.deep.equal(['remind']);
  });

  it('message boundary: interrupting ends the task; non-interrupting keeps listening', async () => {
    const xml = (cancel: boolean) => bpmn('p', `<bpmn:startEvent id="s"/>${userTask('pack')}
      <bpmn:boundaryEvent id="canceled" attachedToRef="pack" cancelActivity="${cancel}"><bpmn:messageEventDefinition messageRef="Cancel"/></bpmn:boundaryEvent>
      ${userTask('undo')}<bpmn:endEvent id="e"/>${flow('f0', 's', 'pack')}${flow('f1', 'pack', 'e')}${flow('f2', 'canceled', 'undo')}`, messages);
    const hard = new Sim(await model(xml(true))).start({ dealId: 'D' });
    hard.apply({ type: 'correlateMessage', subscriptionId: subs(hard.last)[0].id });
    expect(hard.active()).to.deep.equal(['undo']);
    const soft = new Sim(await model(xml(false))).start({ dealId: 'D' });
    const id = subs(soft.last)[0].id;
    soft.apply({ type: 'correlateMessage', subscriptionId: id });
    soft.apply({ type: 'correlateMessage', subscriptionId: id });
    expect(soft.active()).to.deep.equal(['pack', 'undo', 'undo']);
    soft.completeTask('pack');
    expect(soft.last.map((e) => e.type)).to.include('subscription.delete');
  });

  it('signal throw asks for a broadcast after commit', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="t"><bpmn:signalEventDefinition signalRef="Stop"/></bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>${flow('f0', 's', 't')}${flow('f1', 't', 'e')}`, messages));
    const { step } = await import('../../engine/step.ts');
    const r = step(m, null, { type: 'start', instanceId: 'x' }, { now: 0, newId: () => 'id' });
    expect(r.broadcasts).to.deep.equal([{ name: 'stopTheLine', variables: {} }]);
  });

  forEachBackend('through the engine', (backend) => {
    let engine: Engine;
    beforeEach(async () => {
      engine = await Engine.open({ store: await backend.open(), clock: new ManualClock() });
    });
    afterEach(async () => {
      await engine.close();
      await engine.store.close();
    });

    it('a message start event starts one instance per message, and a correlation key prevents a duplicate while one is active', async () => {
      await engine.deploy([{ name: 'l.bpmn', content: bpmn('lead', `<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="NewLead"/></bpmn:startEvent>${userTask('qualify')}${flow('f', 's', 'qualify')}`, messages) }]);
      const first = await engine.correlateMessage({ name: 'leadCreated', variables: { company: 'Ipak Yoli' } });
      expect(first.started).to.have.length(1);
      expect((await engine.getInstance(first.started[0])).variables).to.deep.equal({ company: 'Ipak Yoli' });
      const keyed = await engine.correlateMessage({ name: 'leadCreated', correlationKey: 'lead-7' });
      const again = await engine.correlateMessage({ name: 'leadCreated', correlationKey: 'lead-7' });
      expect(keyed.started).to.have.length(1);
      expect(again).to.deep.equal({ correlated: [], started: [], buffered: false });
    });

    it('a signal reaches every waiting instance and signal start events; a thrown signal is broadcast', async () => {
      await engine.deploy([{ name: 's.bpmn', content: bpmn('line', `<bpmn:startEvent id="s"/>${userTask('work')}
        <bpmn:boundaryEvent id="stop" attachedToRef="work"><bpmn:signalEventDefinition signalRef="Stop"/></bpmn:boundaryEvent><bpmn:endEvent id="e"/><bpmn:endEvent id="stopped"/>
        ${flow('f0', 's', 'work')}${flow('f1', 'work', 'e')}${flow('f2', 'stop', 'stopped')}`, messages) }]);
      await engine.deploy([{ name: 'audit.bpmn', content: bpmn('audit', `<bpmn:startEvent id="s"><bpmn:signalEventDefinition signalRef="Stop"/></bpmn:startEvent>${userTask('review')}${flow('f', 's', 'review')}`, messages) }]);
      await engine.deploy([{ name: 'alarm.bpmn', content: bpmn('alarm', `<bpmn:startEvent id="s"/><bpmn:endEvent id="e"><bpmn:signalEventDefinition signalRef="Stop"/></bpmn:endEvent>${flow('f', 's', 'e')}`, messages) }]);
      const a = await engine.startInstance({ processKey: 'line' });
      const b = await engine.startInstance({ processKey: 'line' });
      await engine.startInstance({ processKey: 'alarm' });
      await engine.settle();
      expect((await engine.getInstance(a.id)).state).to.equal('completed');
      expect((await engine.getInstance(b.id)).state).to.equal('completed');
      expect(await engine.listInstances({ processKey: 'audit' })).to.have.length(1);
      expect(await engine.broadcastSignal('stopTheLine')).to.deep.equal({ triggered: 1 });
    });
  });
});
