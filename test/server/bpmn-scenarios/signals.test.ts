// Signal events over HTTP: start, intermediate catch, intermediate throw, boundary (interrupting
// and not) and the signal end event, each a broadcast to everything waiting for that name.

import { expect } from 'chai';
import { boundary, catchEvent, chain, defs, end, onSignal, proc, signal, start, svc, throwEvent } from './bpmn.ts';
import { describeScenarios } from './world.ts';

describeScenarios('signals', (scenario) => {
  scenario('a broadcast starts every process with that signal start event and completes every catch', async (w) => {
    // Ids are unique per document, so each process comes in its own.
    await w.deploy(
      defs(signal('sig', 'sig-go'), proc('sig-start-a', start('s', onSignal('sig')), svc('work', 'sig-start.work'), end('e'), chain('s', 'work', 'e'))),
      defs(signal('sig', 'sig-go'), proc('sig-start-b', start('s', onSignal('sig')), end('e'), chain('s', 'e'))),
      defs(signal('sig', 'sig-go'), proc('sig-catch', start('s'), catchEvent('wait', onSignal('sig')), end('e'), chain('s', 'wait', 'e'))),
    );
    const waiting = [await w.start('sig-catch'), await w.start('sig-catch')];
    expect(await w.signal('sig-go', { why: 'test' })).to.equal(4);
    for (const id of waiting) {
      expect(await w.instance(id)).to.deep.include({ state: 'completed' });
      expect((await w.instance(id)).variables).to.include({ why: 'test' });
    }
    const started = await w.instances('sig-start-a');
    expect(started).to.have.length(1);
    expect(started[0].variables).to.include({ why: 'test' });
    expect((await w.instances('sig-start-b')).map((i) => i.state)).to.deep.equal(['completed']);
    await w.completeJob('sig-start.work');
    expect(await w.signal('sig-go'), 'catches are gone, start events start again').to.equal(2);
    await w.completeJob('sig-start.work');
  });

  scenario('an intermediate signal throw and a signal end event broadcast to other instances', async (w) => {
    const signals = signal('ready', 'sig-ready') + signal('done', 'sig-done');
    await w.deploy(
      defs(signals, proc('sig-thrower', start('s'), throwEvent('announce', onSignal('ready')), svc('work', 'sig-thrower.work'), end('e', onSignal('done')), chain('s', 'announce', 'work', 'e'))),
      defs(signals, proc('sig-listener', start('s'), catchEvent('waitReady', onSignal('ready')), catchEvent('waitDone', onSignal('done')), end('e'), chain('s', 'waitReady', 'waitDone', 'e'))),
    );
    const listener = await w.start('sig-listener');
    const thrower = await w.start('sig-thrower');
    expect(await w.active(listener)).to.deep.equal(['waitDone']);
    await w.completeJob('sig-thrower.work');
    expect(await w.stateOf(thrower)).to.equal('completed');
    expect(await w.stateOf(listener)).to.equal('completed');
  });

  scenario('signal boundaries: non-interrupting runs alongside, interrupting cancels the task', async (w) => {
    await w.deploy(defs(
      signal('pause', 'sig-note'),
      signal('stop', 'sig-stop'),
      proc('sig-boundary', start('s'), svc('work', 'sig-boundary.work'),
        boundary('note', 'work', onSignal('pause'), false), boundary('halt', 'work', onSignal('stop')),
        svc('noted', 'sig-boundary.noted'), end('e'), end('e1'), end('halted'),
        chain('s', 'work', 'e'), chain('note', 'noted', 'e1'), chain('halt', 'halted')),
    ));
    const id = await w.start('sig-boundary');
    expect(await w.signal('sig-note')).to.equal(1);
    expect(await w.active(id)).to.deep.equal(['noted', 'work']);
    expect(await w.signal('sig-stop')).to.equal(1);
    expect(await w.active(id)).to.deep.equal(['noted']);
    expect(await w.jobs('sig-boundary.work')).to.deep.equal([]);
    await w.completeJob('sig-boundary.noted');
    expect(await w.stateOf(id)).to.equal('completed');
    expect(await w.signal('sig-note'), 'the boundary left with its task').to.equal(0);
  });
});
