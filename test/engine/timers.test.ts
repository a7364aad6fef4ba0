import { expect } from 'chai';
import { bpmn, compile, flow, model, serviceTask, Sim, userTask } from './harness.ts';
import { parseTimer } from '../../engine/timers.ts';
import type { Effect } from '../../engine/types.ts';

const NOW = Date.parse('2026-03-01T09:00:00.000Z');
const timers = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'timer.put' ? [e.timer] : []));
const timerDef = (kind: string, value: string) => `<bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition>`;

describe('timers', () => {
  describe('ISO 8601 values', () => {
    it('parses dates, durations and cycles (with and without a start)', () => {
      expect(parseTimer('date', '2026-03-02T10:00:00Z', NOW)).to.deep.equal({ ok: true, schedule: { dueAt: Date.parse('2026-03-02T10:00:00Z'), repeat: null } });
      expect(parseTimer('duration', 'PT10M', NOW)).to.deep.equal({ ok: true, schedule: { dueAt: NOW + 600_000, repeat: null } });
      expect(parseTimer('duration', 'P1M', Date.parse('2026-01-31T00:00:00Z'))).to.deep.include({ ok: true });
      expect(parseTimer('cycle', 'R3/PT10M', NOW)).to.deep.equal({ ok: true, schedule: { dueAt: NOW + 600_000, repeat: { interval: 'PT10M', remaining: 2 } } });
      expect(parseTimer('cycle', 'R/PT1H', NOW)).to.deep.equal({ ok: true, schedule: { dueAt: NOW + 3_600_000, repeat: { interval: 'PT1H', remaining: null } } });
      expect(parseTimer('cycle', 'R2/2026-03-05T00:00:00Z/P1D', NOW)).to.deep.equal({ ok: true, schedule: { dueAt: Date.parse('2026-03-05T00:00:00Z'), repeat: { interval: 'P1D', remaining: 1 } } });
    });

    it('says what is wrong with a bad value', () => {
      expect(parseTimer('duration', '10 minutes', NOW)).to.deep.equal({ ok: false, message: `'10 minutes' is not a positive ISO 8601 duration` });
      expect(parseTimer('cycle', 'PT10M', NOW)).to.deep.equal({ ok: false, message: `'PT10M' is not an ISO 8601 repeating interval like R3/PT10M` });
      expect(parseTimer('date', 'tomorrow', NOW)).to.deep.equal({ ok: false, message: `'tomorrow' is not an ISO 8601 date-time` });
    });

    it('rejects a bad literal timer at deploy', async () => {
      const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="w">${timerDef('timeDuration', 'soon')}</bpmn:intermediateCatchEvent>${flow('f', 's', 'w')}`));
      expect(problems.map((p) => `${p.elementId}: ${p.message}`)).to.deep.equal([`w: timer: 'soon' is not a positive ISO 8601 duration`]);
    });
  });

  it('intermediate timer catch waits for its duration (FEEL allowed)', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">${timerDef('timeDuration', '=reminder')}</bpmn:intermediateCatchEvent>${userTask('next')}
      ${flow('f0', 's', 'wait')}${flow('f1', 'wait', 'next')}`));
    const sim = new Sim(m).start({ reminder: 'P2D' });
    const [timer] = timers(sim.last);
    expect(timer).to.deep.include({ elementId: 'wait', dueAt: sim.now + 2 * 86_400_000, repeat: null, processInstanceId: 'pi-1' });
    sim.apply({ type: 'fireTimer', timerId: timer.id });
    expect(sim.active()).to.deep.equal(['next']);
    expect(sim.s.timers).to.deep.equal({});
    expect(() => sim.apply({ type: 'fireTimer', timerId: timer.id })).to.throw(/no longer scheduled/);
  });

  const escalation = (cancel: boolean, def: string) => bpmn('p', `
    <bpmn:startEvent id="s"/>${userTask('approve')}
    <bpmn:boundaryEvent id="late" attachedToRef="approve" cancelActivity="${cancel}">${def}</bpmn:boundaryEvent>
    ${userTask('escalate')}<bpmn:endEvent id="e"/>
    ${flow('f0', 's', 'approve')}${flow('f1', 'approve', 'e')}${flow('f2', 'late', 'escalate')}`);

  it('interrupting timer boundary ends the activity and cancels its task', async () => {
    const sim = new Sim(await model(escalation(true, timerDef('timeDuration', 'PT1H')))).start();
    const [timer] = timers(sim.last);
    sim.apply({ type: 'fireTimer', timerId: timer.id });
    expect(sim.active()).to.deep.equal(['escalate']);
    expect(sim.last.some((e) => e.type === 'task.patch' && e.patch.state === 'canceled')).to.equal(true);
  });

  it('non-interrupting cycle boundary fires on every repetition and stops with the activity', async () => {
    const sim = new Sim(await model(escalation(false, timerDef('timeCycle', 'R2/PT1H')))).start();
    let [timer] = timers(sim.last);
    sim.apply({ type: 'fireTimer', timerId: timer.id });
    expect(sim.active()).to.deep.equal(['approve', 'escalate']);
    [timer] = timers(sim.last);
    expect(timer).to.deep.include({ dueAt: sim.now + 2 * 3_600_000, repeat: { interval: 'PT1H', remaining: 0 } });
    sim.apply({ type: 'fireTimer', timerId: timer.id });
    expect(sim.active()).to.deep.equal(['approve', 'escalate', 'escalate']);
    expect(sim.s.timers).to.deep.equal({});
  });

  it('completing the activity removes its boundary timers', async () => {
    const sim = new Sim(await model(escalation(false, timerDef('timeCycle', 'R/PT1H')))).start();
    sim.completeTask('approve');
    expect(sim.last.filter((e) => e.type === 'timer.delete')).to.have.length(1);
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('a timer on a job task boundary cancels the job when it fires', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${serviceTask('call', 'erp.slow')}
      <bpmn:boundaryEvent id="timeout" attachedToRef="call">${timerDef('timeDuration', 'PT30S')}</bpmn:boundaryEvent>${userTask('manual')}<bpmn:endEvent id="e"/>
      ${flow('f0', 's', 'call')}${flow('f1', 'call', 'e')}${flow('f2', 'timeout', 'manual')}`));
    const sim = new Sim(m).start();
    sim.apply({ type: 'fireTimer', timerId: timers(sim.last)[0].id });
    expect(sim.active()).to.deep.equal(['manual']);
    expect(sim.last.map((e) => e.type)).to.include('job.delete');
  });

  it('a process with only a timer start event starts there and not through the API', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="daily">${timerDef('timeCycle', 'R/P1D')}</bpmn:startEvent>${userTask('report')}${flow('f', 'daily', 'report')}`));
    expect(m.timerStarts).to.deep.equal(['daily']);
    expect(() => new Sim(m).start()).to.throw(/no none start event/);
    const sim = new Sim(m).apply({ type: 'start', instanceId: 'pi-1', startElement: 'daily' });
    expect(sim.active()).to.deep.equal(['report']);
  });
});
