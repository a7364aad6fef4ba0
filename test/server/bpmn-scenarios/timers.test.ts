// Timer events over HTTP with the test clock: start (date, cycle), intermediate catch (date,
// duration), boundary (interrupting and not), and timers starting event sub-processes.

import { expect } from 'chai';
import { boundary, catchEvent, chain, defs, end, eventSub, proc, start, sub, svc, timer } from './bpmn.ts';
import { describeScenarios } from './world.ts';

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

describeScenarios('timers', (scenario) => {
  scenario('a timer start event with a date starts one instance when the clock reaches it', async (w) => {
    const at = (await w.now()) + 2 * HOUR;
    await w.deploy(defs(proc('tmr-start-date', start('s', timer.date(iso(at))), svc('work', 'tmr-start-date.work'), end('e'), chain('s', 'work', 'e'))));
    await w.advance(2 * HOUR - 1);
    expect(await w.instances('tmr-start-date')).to.deep.equal([]);
    await w.advance(1);
    expect(await w.instances('tmr-start-date')).to.have.length(1);
    await w.advance(48 * HOUR);
    expect(await w.instances('tmr-start-date'), 'a date fires once').to.have.length(1);
    await w.completeJob('tmr-start-date.work');
  });

  scenario('a timer start event with a cycle starts an instance per repetition, then stops', async (w) => {
    await w.deploy(defs(proc('tmr-start-cycle', start('s', timer.cycle('R2/PT1H')), svc('work', 'tmr-start-cycle.work'), end('e'), chain('s', 'work', 'e'))));
    await w.advance(HOUR);
    expect(await w.instances('tmr-start-cycle')).to.have.length(1);
    await w.advance(HOUR);
    expect(await w.instances('tmr-start-cycle')).to.have.length(2);
    await w.advance(5 * HOUR);
    expect(await w.instances('tmr-start-cycle')).to.have.length(2);
    for (const job of await w.jobs('tmr-start-cycle.work')) await w.completeJob(job);
  });

  scenario('intermediate timer catch events wait for a duration (literal and FEEL) and a date', async (w) => {
    const at = (await w.now()) + 5 * HOUR;
    await w.deploy(defs(proc('tmr-catch',
      start('s'), catchEvent('wait1h', timer.duration('PT1H')), catchEvent('waitFeel', timer.duration('=duration("PT" + string(hours) + "H")')),
      catchEvent('until', timer.date(iso(at))), end('e'), chain('s', 'wait1h', 'waitFeel', 'until', 'e'))));
    const id = await w.start('tmr-catch', { hours: 2 });
    await w.advance(HOUR - 1);
    expect(await w.active(id)).to.deep.equal(['wait1h']);
    await w.advance(1);
    expect(await w.active(id)).to.deep.equal(['waitFeel']);
    await w.advance(2 * HOUR);
    expect(await w.active(id)).to.deep.equal(['until']);
    await w.advance(2 * HOUR - 1);
    expect(await w.active(id)).to.deep.equal(['until']);
    await w.advance(1);
    expect(await w.stateOf(id)).to.equal('completed');
  });

  scenario('interrupting timer boundaries (duration and date) cancel the task and its job', async (w) => {
    const at = (await w.now()) + 3 * HOUR;
    await w.deploy(defs(proc('tmr-boundary',
      start('s'), svc('first', 'tmr-boundary.first'), boundary('late', 'first', timer.duration('PT1H')),
      svc('second', 'tmr-boundary.second'), boundary('deadline', 'second', timer.date(iso(at))),
      end('e'), end('lateEnd'),
      chain('s', 'first', 'second', 'e'), chain('late', 'second'), chain('deadline', 'lateEnd'))));
    const id = await w.start('tmr-boundary');
    await w.advance(HOUR);
    expect(await w.active(id)).to.deep.equal(['second']);
    expect(await w.jobs('tmr-boundary.first')).to.deep.equal([]);
    await w.advance(2 * HOUR);
    expect(await w.stateOf(id)).to.equal('completed');
    expect(await w.jobs('tmr-boundary.second')).to.deep.equal([]);
    expect(await w.trail(id, 'terminated')).to.deep.equal(['first', 'second']);
    expect(await w.trail(id)).to.include.members(['late', 'deadline', 'lateEnd']);
  });

  scenario('a timer boundary on a task completed in time never fires', async (w) => {
    await w.deploy(defs(proc('tmr-in-time', start('s'), svc('work', 'tmr-in-time.work'), boundary('late', 'work', timer.duration('PT1H')), end('e'), end('lateEnd'), chain('s', 'work', 'e'), chain('late', 'lateEnd'))));
    const id = await w.start('tmr-in-time');
    await w.completeJob('tmr-in-time.work');
    await w.advance(2 * HOUR);
    expect(await w.trail(id)).to.not.include('late');
  });

  scenario('non-interrupting timer boundaries: a duration fires once, a cycle per repetition', async (w) => {
    await w.deploy(defs(proc('tmr-nonint',
      start('s'), svc('work', 'tmr-nonint.work'),
      boundary('remindOnce', 'work', timer.duration('PT1H'), false), boundary('remindCycle', 'work', timer.cycle('R2/PT30M'), false),
      svc('once', 'tmr-nonint.once'), svc('cycle', 'tmr-nonint.cycle'), end('e'), end('e1'), end('e2'),
      chain('s', 'work', 'e'), chain('remindOnce', 'once', 'e1'), chain('remindCycle', 'cycle', 'e2'))));
    const id = await w.start('tmr-nonint');
    await w.advance(5 * HOUR);
    expect(await w.active(id)).to.deep.equal(['cycle', 'cycle', 'once', 'work']);
    for (const job of [...(await w.jobs('tmr-nonint.once')), ...(await w.jobs('tmr-nonint.cycle'))]) await w.completeJob(job);
    await w.completeJob('tmr-nonint.work');
    expect(await w.stateOf(id)).to.equal('completed');
  });

  scenario('timers start event sub-processes: non-interrupting cycle in the process, interrupting in a sub-process', async (w) => {
    await w.deploy(defs(proc('tmr-esp',
      start('s'),
      sub('inner', start('is'), svc('work', 'tmr-esp.work'), end('ie'), chain('is', 'work', 'ie'),
        eventSub('giveUp', start('gs', timer.duration('PT2H'), true), svc('escalate', 'tmr-esp.escalate'), end('ge'), chain('gs', 'escalate', 'ge'))),
      end('e'),
      eventSub('remind', start('rs', timer.cycle('R2/PT1H'), false), svc('ping', 'tmr-esp.ping'), end('re'), chain('rs', 'ping', 're')),
      chain('s', 'inner', 'e'))));
    const id = await w.start('tmr-esp');
    await w.advance(HOUR);
    expect(await w.active(id)).to.deep.equal(['inner', 'ping', 'remind', 'work']);
    await w.advance(HOUR);
    // At 2h the second reminder and the interrupting sub-process timer both fire.
    expect(await w.active(id)).to.deep.equal(['escalate', 'giveUp', 'inner', 'ping', 'ping', 'remind', 'remind']);
    expect(await w.jobs('tmr-esp.work'), 'interrupted').to.deep.equal([]);
    for (const job of await w.jobs('tmr-esp.ping')) await w.completeJob(job);
    await w.completeJob('tmr-esp.escalate');
    expect(await w.stateOf(id)).to.equal('completed');
    await w.advance(10 * HOUR);
    expect(await w.trail(id, 'terminated')).to.deep.equal(['work']);
  });

  scenario('ending the scope removes its event sub-process timers', async (w) => {
    await w.deploy(defs(proc('tmr-esp-end',
      start('s'), svc('work', 'tmr-esp-end.work'), end('e'), chain('s', 'work', 'e'),
      eventSub('remind', start('rs', timer.cycle('R/PT1H'), false), end('re'), chain('rs', 're')))));
    const id = await w.start('tmr-esp-end');
    await w.advance(2 * HOUR);
    await w.completeJob('tmr-esp-end.work');
    expect(await w.stateOf(id)).to.equal('completed');
    expect((await w.history(id)).filter((h) => h.elementId === 'remind' && h.event === 'completed')).to.have.length(2);
  });
});
