// Timers through the engine and the embedded store, driven by the manual clock as the API's test
// clock does: each fires once, in order, and canceling a scope drops its timers.

import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, flow, userTask } from './harness.ts';

const timerDef = (kind: string, value: string) => `<bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition>`;
const HOUR = 3_600_000;

forEachBackend('timers through the engine', (backend) => {
  let engine: Engine;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T08:00:00Z');
    // On MongoDB through agenda (agenda-timers.test.ts checks its jobs): the same semantics either way.
    engine = await Engine.open({ store: await backend.open(), clock, timerDriver: backend.name === 'mongodb' ? 'agenda' : 'store' });
    expect(engine.timerDriver).to.equal(backend.name === 'mongodb' ? 'agenda' : 'store');
  });
  afterEach(async () => {
    await engine.close();
    await engine.store.close();
  });

  it('a reminder cycle on an approval fires at each due time and stops when the task is done', async () => {
    await engine.deploy([{ name: 'a.bpmn', content: bpmn('approval', `
      <bpmn:startEvent id="s"/>${userTask('approve')}
      <bpmn:boundaryEvent id="remind" attachedToRef="approve" cancelActivity="false">${timerDef('timeCycle', 'R/PT2H')}</bpmn:boundaryEvent>
      <bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=reminders + 1" resultVariable="reminders"/></bpmn:extensionElements></bpmn:scriptTask>
      <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
      ${flow('f0', 's', 'approve')}${flow('f1', 'approve', 'e')}${flow('f2', 'remind', 'count')}${flow('f3', 'count', 'e2')}`) }]);
    const pi = await engine.startInstance({ processKey: 'approval', variables: { reminders: 0 } });
    await engine.advanceClock({ addMs: HOUR });
    expect((await engine.getInstance(pi.id)).variables.reminders).to.equal(0);
    await engine.advanceClock({ addMs: 5 * HOUR });
    expect((await engine.getInstance(pi.id)).variables.reminders).to.equal(3);
    const [task] = await engine.listTasks({ state: 'open' });
    await engine.completeTask(task.id);
    expect((await engine.getInstance(pi.id)).state).to.equal('completed');
    expect(await engine.store.nextTimerDueAt()).to.equal(null);
    await engine.advanceClock({ addMs: 10 * HOUR });
    expect((await engine.getInstance(pi.id)).variables.reminders).to.equal(3);
  });

  it('an interrupting deadline escalates, and canceling an instance drops its timers', async () => {
    await engine.deploy([{ name: 'd.bpmn', content: bpmn('deadline', `
      <bpmn:startEvent id="s"/>${userTask('pack')}
      <bpmn:boundaryEvent id="late" attachedToRef="pack">${timerDef('timeDuration', '=deadline')}</bpmn:boundaryEvent>
      ${userTask('escalate')}<bpmn:endEvent id="e"/>
      ${flow('f0', 's', 'pack')}${flow('f1', 'pack', 'e')}${flow('f2', 'late', 'escalate')}`) }]);
    const late = await engine.startInstance({ processKey: 'deadline', variables: { deadline: 'PT4H' } });
    const canceled = await engine.startInstance({ processKey: 'deadline', variables: { deadline: 'PT4H' } });
    await engine.cancelInstance(canceled.id);
    await engine.advanceClock({ addMs: 4 * HOUR });
    expect((await engine.getInstance(late.id)).activeElements).to.deep.equal(['escalate']);
    expect((await engine.getInstance(canceled.id)).state).to.equal('canceled');
    expect(await engine.store.nextTimerDueAt()).to.equal(null);
  });

  it('a timer start event starts one instance per due time, and a new version replaces its schedule', async () => {
    const daily = (task: string) => bpmn('reporting', `<bpmn:startEvent id="daily">${timerDef('timeCycle', 'R3/2026-03-02T09:00:00Z/P1D')}</bpmn:startEvent>${userTask(task)}${flow('f', 'daily', task)}`);
    await engine.deploy([{ name: 'r.bpmn', content: daily('report') }]);
    await engine.advanceClock({ pin: Date.parse('2026-03-03T09:30:00Z') });
    expect(await engine.listInstances({ processKey: 'reporting' })).to.have.length(2);
    await engine.deploy([{ name: 'r.bpmn', content: daily('summary') }]);
    await engine.advanceClock({ pin: Date.parse('2026-03-10T00:00:00Z') });
    const all = await engine.listInstances({ processKey: 'reporting' });
    expect(all.filter((i) => i.version === 1)).to.have.length(2);
    expect(all.filter((i) => i.version === 2)).to.have.length(3);
  });

  it('the test clock refuses to move backwards', async () => {
    const err = await engine.advanceClock({ pin: Date.parse('2020-01-01T00:00:00Z') }).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/cannot move backwards/);
  });
});
