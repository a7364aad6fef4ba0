// A scope whose event sub-process triggers fail to open (a timer or correlation key expression
// that errors) raises an incident on the scope and, as in Zeebe, does not start: its start event
// is entered only once the incident is resolved, which opens exactly the triggers still missing.

import { expect } from 'chai';
import { bpmn, flow, model, Sim, userTask } from './harness.ts';
import type { Effect } from '../../engine/types.ts';

const timer = (duration: string) => `<bpmn:timerEventDefinition><bpmn:timeDuration>${duration}</bpmn:timeDuration></bpmn:timerEventDefinition>`;
const onMessage = '<bpmn:messageEventDefinition messageRef="Cancel"/>';
const message = `<bpmn:message id="Cancel" name="orderCanceled"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>`;

/** An event sub-process `id` whose start `id-start` leads to the user task `id-task`. */
const esp = (id: string, interrupting: boolean, definition: string) =>
  `<bpmn:subProcess id="${id}" triggeredByEvent="true"><bpmn:startEvent id="${id}-start" isInterrupting="${interrupting}">${definition}</bpmn:startEvent>
  ${userTask(`${id}-task`)}<bpmn:endEvent id="${id}-end"/>${flow(`${id}-f1`, `${id}-start`, `${id}-task`)}${flow(`${id}-f2`, `${id}-task`, `${id}-end`)}</bpmn:subProcess>`;

const cancel = esp('cancel', true, onMessage);
const remind = esp('remind', false, timer('=wait'));
const interruptingRemind = esp('remind', true, timer('=wait'));
const nudge = esp('nudge', false, timer('PT5M'));
const cancelLater = esp('cancel', false, onMessage);

/** The process runs `s → work → e`, with the event sub-processes `esps` at process level. */
async function atProcess(esps: string) {
  return model(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('work')}<bpmn:endEvent id="e"/>${flow('f0', 's', 'work')}${flow('f1', 'work', 'e')}${esps}`, message));
}

/** The process runs `s → sub → e`; `sub` runs `ss → work → se` and holds the event sub-processes `esps`. */
async function inSubProcess(esps: string) {
  return model(
    bpmn(
      'p',
      `<bpmn:startEvent id="s"/><bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>${userTask('work')}<bpmn:endEvent id="se"/>
      ${flow('g0', 'ss', 'work')}${flow('g1', 'work', 'se')}${esps}</bpmn:subProcess>
      <bpmn:endEvent id="e"/>${flow('f0', 's', 'sub')}${flow('f1', 'sub', 'e')}`,
      message,
    ),
  );
}

const count = (effects: Effect[], type: Effect['type']) => effects.filter((e) => e.type === type).length;
const timers = (sim: Sim) => Object.values(sim.s.timers ?? {}).map((t) => t.elementId);
const subscriptions = (sim: Sim) => Object.values(sim.s.subscriptions ?? {}).map((s) => s.elementId);
const resolve = (sim: Sim) => sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });
const subscription = (sim: Sim, elementId: string) => Object.entries(sim.s.subscriptions ?? {}).find(([, s]) => s.elementId === elementId)![0];
const fire = (sim: Sim, elementId: string) => sim.apply({ type: 'fireTimer', timerId: Object.entries(sim.s.timers ?? {}).find(([, t]) => t.elementId === elementId)![0] });

describe('event sub-process triggers that fail to open', () => {
  for (const [where, build, scope] of [
    ['process', atProcess, 'p'],
    ['embedded sub-process', inSubProcess, 'sub'],
  ] as const) {
    describe(`in a ${where}`, () => {
      it('a non-interrupting timer start fails after the message subscription opened: the scope waits, resolving opens the timer once', async () => {
        const sim = new Sim(await build(cancel + remind)).start({ orderId: 'O-1' });
        expect(Object.values(sim.s.incidents).map((i) => [i.elementId, i.type])).to.deep.equal([[scope, 'EXTRACT_VALUE_ERROR']]);
        expect(sim.incidents()[0]).to.contain("timer of 'remind-start'");
        // The scope's activation is blocked: its start event is not entered while the incident is open.
        expect(sim.active()).to.not.include('work');
        expect(sim.trail('activated')).to.not.include('work');
        expect(subscriptions(sim)).to.deep.equal(['cancel-start']);
        expect(timers(sim)).to.deep.equal([]);
        sim.apply({ type: 'setVariables', variables: { wait: 'PT1H' } });
        resolve(sim);
        expect(sim.s.incidents).to.deep.equal({});
        expect(sim.active()).to.include('work');
        expect(subscriptions(sim)).to.deep.equal(['cancel-start']);
        expect(timers(sim)).to.deep.equal(['remind-start']);
        expect(count(sim.effects, 'subscription.put')).to.equal(1);
        expect(count(sim.effects, 'timer.put')).to.equal(1);
        expect(sim.trail('activated').filter((id) => id === 'work')).to.have.length(1);
        fire(sim, 'remind-start');
        expect(sim.active()).to.include.members(['work', 'remind-task']);
        sim.completeTask('remind-task').completeTask('work');
        expect(sim.s.status).to.equal('completed');
        sim.assertClean();
      });

      it('an interrupting message start whose correlation key fails: resolving opens it once, and its message interrupts the scope', async () => {
        const sim = new Sim(await build(cancel + nudge)).start({});
        expect(sim.incidents()[0]).to.contain("correlation key '=orderId' of 'cancel-start'");
        expect(Object.values(sim.s.incidents)[0]).to.include({ elementId: scope });
        expect(subscriptions(sim)).to.deep.equal([]);
        expect(timers(sim)).to.deep.equal([]);
        resolve(sim);
        // Still failing: a new incident, nothing opened.
        expect(Object.keys(sim.s.incidents)).to.have.length(1);
        expect(sim.active()).to.not.include('work');
        sim.apply({ type: 'setVariables', variables: { orderId: 'O-1' } });
        resolve(sim);
        expect(sim.s.incidents).to.deep.equal({});
        expect(subscriptions(sim)).to.deep.equal(['cancel-start']);
        expect(timers(sim)).to.deep.equal(['nudge-start']);
        expect(count(sim.effects, 'subscription.put')).to.equal(1);
        expect(count(sim.effects, 'timer.put')).to.equal(1);
        expect(sim.active()).to.include('work');
        sim.apply({ type: 'correlateMessage', subscriptionId: subscription(sim, 'cancel-start'), variables: {} });
        expect(sim.active().filter((id) => id.endsWith('-task') || id === 'work')).to.deep.equal(['cancel-task']);
        expect(sim.s.timers ?? {}).to.deep.equal({});
        sim.completeTask('cancel-task');
        expect(sim.s.status).to.equal('completed');
        sim.assertClean();
      });

      it('an interrupting timer start fails: resolving opens it once and it interrupts the scope when it fires', async () => {
        const sim = new Sim(await build(cancelLater + interruptingRemind)).start({ orderId: 'O-1' });
        expect(sim.incidents()[0]).to.contain("timer of 'remind-start'");
        sim.apply({ type: 'setVariables', variables: { wait: 'PT1H' } });
        resolve(sim);
        expect(count(sim.effects, 'subscription.put')).to.equal(1);
        expect(count(sim.effects, 'timer.put')).to.equal(1);
        fire(sim, 'remind-start');
        expect(sim.active().filter((id) => id.endsWith('-task') || id === 'work')).to.deep.equal(['remind-task']);
        expect(sim.s.subscriptions ?? {}).to.deep.equal({});
        sim.completeTask('remind-task');
        expect(sim.s.status).to.equal('completed');
        sim.assertClean();
      });

      it('a non-interrupting message start fails after a timer opened: the timer firing meanwhile runs beside the blocked scope', async () => {
        const sim = new Sim(await build(nudge + cancelLater)).start({});
        expect(timers(sim)).to.deep.equal(['nudge-start']);
        expect(subscriptions(sim)).to.deep.equal([]);
        fire(sim, 'nudge-start');
        expect(sim.active()).to.include('nudge-task');
        expect(sim.active()).to.not.include('work');
        expect(Object.keys(sim.s.incidents)).to.have.length(1);
        sim.apply({ type: 'setVariables', variables: { orderId: 'O-1' } });
        resolve(sim);
        expect(subscriptions(sim)).to.deep.equal(['cancel-start']);
        // The timer already fired; resolving does not schedule it again.
        expect(count(sim.effects, 'timer.put')).to.equal(1);
        expect(sim.active()).to.include.members(['work', 'nudge-task']);
        sim.completeTask('nudge-task').completeTask('work');
        expect(sim.s.status).to.equal('completed');
        sim.assertClean();
      });

      it('an interrupting message opened before a failing timer arrives during the incident: it interrupts, and the incident goes with the blocked activation', async () => {
        const sim = new Sim(await build(cancel + remind)).start({ orderId: 'O-1' });
        expect(Object.keys(sim.s.incidents)).to.have.length(1);
        sim.apply({ type: 'correlateMessage', subscriptionId: subscription(sim, 'cancel-start'), variables: {} });
        expect(sim.s.incidents).to.deep.equal({});
        expect(sim.active().filter((id) => id.endsWith('-task') || id === 'work')).to.deep.equal(['cancel-task']);
        expect(sim.trail('activated')).to.not.include('work');
        expect(count(sim.effects, 'timer.put')).to.equal(0);
        sim.completeTask('cancel-task');
        expect(sim.s.status).to.equal('completed');
        sim.assertClean();
      });
    });
  }
});
