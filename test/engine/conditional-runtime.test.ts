// Conditional events through the engine facade and each store backend: an armed condition is
// part of the stored instance state, survives a restart, and reacts to variables written by
// other events' paths (here a timer-driven script task).

import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import type { InProcessJob, InProcessJobHandler, JobOutcome } from '../../engine/ports.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, flow, userTask } from './harness.ts';

const HOUR = 3_600_000;
const cond = (c: string) => `<bpmn:conditionalEventDefinition><bpmn:condition>${c.replace(/>/g, '&gt;')}</bpmn:condition></bpmn:conditionalEventDefinition>`;

/** An in-process adapter that records what it was asked to run. */
class RecordingAdapter implements InProcessJobHandler {
  calls: string[] = [];
  handles(type: string): boolean {
    return type === 'crm.notify';
  }
  async run(job: InProcessJob): Promise<JobOutcome> {
    this.calls.push(job.elementId);
    return { kind: 'complete', variables: {} };
  }
}

forEachBackend('conditional events through the engine', (backend) => {
  let engine: Engine;
  let clock: ManualClock;
  let adapter: RecordingAdapter;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T08:00:00Z');
    adapter = new RecordingAdapter();
    engine = await Engine.open({ store: await backend.open(), clock, handlers: [adapter] });
  });
  afterEach(async () => {
    await engine.close();
    await engine.store.close();
  });

  it('a reminder counter written by a timer path trips an interrupting conditional boundary event', async () => {
    await engine.deploy([{ name: 'r.bpmn', content: bpmn('reminders', `
      <bpmn:startEvent id="s"/>${userTask('approve')}<bpmn:endEvent id="e"/>
      <bpmn:boundaryEvent id="remind" attachedToRef="approve" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>
      <bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=reminders + 1" resultVariable="reminders"/></bpmn:extensionElements></bpmn:scriptTask><bpmn:endEvent id="e2"/>
      <bpmn:boundaryEvent id="tooMany" attachedToRef="approve">${cond('=reminders >= 3')}</bpmn:boundaryEvent>${userTask('escalate')}<bpmn:endEvent id="e3"/>
      ${flow('f0', 's', 'approve')}${flow('f1', 'approve', 'e')}${flow('f2', 'remind', 'count')}${flow('f3', 'count', 'e2')}${flow('f4', 'tooMany', 'escalate')}${flow('f5', 'escalate', 'e3')}`) }]);
    const pi = await engine.startInstance({ processKey: 'reminders', variables: { reminders: 0 } });
    await engine.advanceClock({ addMs: 2 * HOUR });
    expect((await engine.getInstance(pi.id)).activeElements).to.deep.equal(['approve']);
    await engine.advanceClock({ addMs: HOUR });
    const inst = await engine.getInstance(pi.id);
    expect(inst.activeElements).to.deep.equal(['escalate']);
    expect(inst.variables.reminders).to.equal(3);
    expect(await engine.store.nextTimerDueAt()).to.equal(null);
    const [task] = await engine.listTasks({ state: 'open', processInstanceId: pi.id });
    await engine.completeTask(task.id);
    const state = (await engine.store.getInstance(pi.id))!;
    expect(state.status).to.equal('completed');
    expect(state.conditions).to.equal(undefined);
  });

  it('an armed condition is stored with the instance and still fires after a restart', async () => {
    await engine.deploy([{ name: 'w.bpmn', content: bpmn('waitFor', `
      <bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="ready">${cond('=stock > 0')}</bpmn:intermediateCatchEvent>${userTask('ship')}
      ${flow('f0', 's', 'ready')}${flow('f1', 'ready', 'ship')}`) }]);
    const pi = await engine.startInstance({ processKey: 'waitFor', variables: { stock: 0 } });
    expect(Object.values((await engine.store.getInstance(pi.id))!.conditions ?? {})).to.deep.equal([{ elementId: 'ready', elementInstance: '2' }]);
    await engine.close();
    await engine.store.close();
    engine = await Engine.open({ store: await backend.reopen(), clock, handlers: [adapter] });
    await engine.setVariables(pi.id, { stock: 4 });
    expect((await engine.getInstance(pi.id)).activeElements).to.deep.equal(['ship']);
    expect((await engine.store.getInstance(pi.id))!.conditions).to.equal(undefined);
  });

  it('an adapter job cancelled on entry by a true interrupting boundary event never runs', async () => {
    await engine.deploy([{ name: 'n.bpmn', content: bpmn('skipNotify', `
      <bpmn:startEvent id="s"/><bpmn:serviceTask id="notify"><bpmn:extensionElements><zeebe:taskDefinition type="crm.notify"/></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:endEvent id="e"/><bpmn:boundaryEvent id="optOut" attachedToRef="notify">${cond('=optedOut')}</bpmn:boundaryEvent><bpmn:endEvent id="e2"/>
      ${flow('f0', 's', 'notify')}${flow('f1', 'notify', 'e')}${flow('f2', 'optOut', 'e2')}`) }]);
    const skipped = await engine.startInstance({ processKey: 'skipNotify', variables: { optedOut: true } });
    const notified = await engine.startInstance({ processKey: 'skipNotify', variables: { optedOut: false } });
    await engine.settle();
    expect((await engine.getInstance(skipped.id)).state).to.equal('completed');
    expect((await engine.getInstance(notified.id)).state).to.equal('completed');
    expect(adapter.calls).to.deep.equal(['notify']);
    expect(await engine.store.countAvailableJobs(['crm.notify'], clock.now() + 365 * 24 * HOUR)).to.equal(0);
  });
});
