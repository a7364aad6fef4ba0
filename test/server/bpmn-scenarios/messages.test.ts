// Message events over HTTP: start, catch, boundary, receive task, throw and end, the TTL buffer
// and message ids. Each scenario ends with the store clean for every instance it created.

import { expect } from 'chai';
import { boundary, catchEvent, chain, defs, end, message, messageEnd, messageThrow, onMessage, proc, receive, start, svc } from './bpmn.ts';
import { describeScenarios } from './world.ts';

describeScenarios('messages', (scenario) => {
  scenario('a message start event starts one instance per correlation key while it is active', async (w) => {
    await w.deploy(defs(message('m', 'msg-new-order', '=orderId'), proc('msg-start', start('s', onMessage('m')), svc('work', 'msg-start.work'), end('e'), chain('s', 'work', 'e'))));
    const first = await w.message({ name: 'msg-new-order', correlationKey: 'o-1', variables: { amount: 5 } });
    expect(first.started).to.have.length(1);
    const id = first.started[0];
    expect(await w.instance(id)).to.deep.include({ businessKey: 'o-1', state: 'active' });
    expect((await w.instance(id)).variables).to.include({ amount: 5 });

    // Same key while the first is active: no second start. Another key starts its own.
    expect((await w.message({ name: 'msg-new-order', correlationKey: 'o-1' })).started).to.deep.equal([]);
    const other = (await w.message({ name: 'msg-new-order', correlationKey: 'o-2' })).started;
    expect(other).to.have.length(1);
    for (const job of await w.jobs('msg-start.work')) await w.completeJob(job);
    expect(await w.stateOf(id)).to.equal('completed');

    // Once it has ended the key may start again.
    const again = (await w.message({ name: 'msg-new-order', correlationKey: 'o-1' })).started;
    expect(again).to.have.length(1).and.not.include(id);
    await w.completeJob('msg-start.work');
  });

  scenario('an intermediate catch event takes only its own correlation key and merges the variables', async (w) => {
    await w.deploy(defs(message('m', 'msg-paid', '=orderId'), proc('msg-catch', start('s'), catchEvent('paid', onMessage('m')), end('e'), chain('s', 'paid', 'e'))));
    const a = await w.start('msg-catch', { orderId: 'A' });
    const b = await w.start('msg-catch', { orderId: 'B' });
    expect(await w.active(a)).to.deep.equal(['paid']);
    expect(await w.message({ name: 'msg-paid', correlationKey: 'C' })).to.deep.equal({ correlated: [], started: [], buffered: false });
    expect((await w.message({ name: 'msg-paid', correlationKey: 'A', variables: { paid: 10 } })).correlated).to.deep.equal([a]);
    expect(await w.instance(a)).to.deep.include({ state: 'completed' });
    expect((await w.instance(a)).variables).to.include({ paid: 10 });
    expect(await w.stateOf(b)).to.equal('active');
    await w.message({ name: 'msg-paid', correlationKey: 'B' });
    expect(await w.stateOf(b)).to.equal('completed');
  });

  scenario('an interrupting message boundary cancels the task and its job and takes its own path', async (w) => {
    await w.deploy(defs(
      message('m', 'msg-cancel-order', '=orderId'),
      proc('msg-boundary', start('s'), svc('work', 'msg-boundary.work'), boundary('stop', 'work', onMessage('m')), svc('undo', 'msg-boundary.undo'), end('done'), end('stopped'),
        chain('s', 'work', 'done'), chain('stop', 'undo', 'stopped')),
    ));
    const id = await w.start('msg-boundary', { orderId: 7 });
    expect((await w.message({ name: 'msg-cancel-order', correlationKey: '7' })).correlated).to.deep.equal([id]);
    expect(await w.active(id)).to.deep.equal(['undo']);
    expect(await w.jobs('msg-boundary.work'), 'the interrupted job is gone').to.deep.equal([]);
    await w.completeJob('msg-boundary.undo');
    expect(await w.trail(id, 'terminated')).to.deep.equal(['work']);
    expect(await w.trail(id)).to.include.members(['stop', 'undo', 'stopped']).and.not.include('done');
  });

  scenario('a non-interrupting message boundary runs its path once per message while the task goes on', async (w) => {
    await w.deploy(defs(
      message('m', 'msg-nudge', '=orderId'),
      proc('msg-nonint', start('s'), svc('work', 'msg-nonint.work'), boundary('nudge', 'work', onMessage('m'), false), svc('note', 'msg-nonint.note'), end('done'), end('noted'),
        chain('s', 'work', 'done'), chain('nudge', 'note', 'noted')),
    ));
    const id = await w.start('msg-nonint', { orderId: 'n-1' });
    await w.message({ name: 'msg-nudge', correlationKey: 'n-1', variables: { n: 1 } });
    await w.message({ name: 'msg-nudge', correlationKey: 'n-1', variables: { n: 2 } });
    expect(await w.active(id)).to.deep.equal(['note', 'note', 'work']);
    for (const job of await w.jobs('msg-nonint.note')) await w.completeJob(job);
    expect(await w.stateOf(id)).to.equal('active');
    await w.completeJob('msg-nonint.work');
    expect(await w.stateOf(id)).to.equal('completed');
    expect(await w.trail(id)).to.include.members(['noted', 'done']);
  });

  scenario('a receive task waits for its message; the message throw event and message end event are jobs', async (w) => {
    await w.deploy(defs(
      message('ask', 'msg-quote-request'),
      message('reply', 'msg-quote', '=requestId'),
      message('bye', 'msg-quote-done'),
      proc('msg-roundtrip', start('s'), messageThrow('send', 'ask', 'msg-roundtrip.send'), receive('wait', 'reply'), messageEnd('e', 'bye', 'msg-roundtrip.done'), chain('s', 'send', 'wait', 'e')),
    ));
    const id = await w.start('msg-roundtrip', { requestId: 'q-9' });
    const send = await w.job('msg-roundtrip.send');
    expect(send).to.deep.include({ elementId: 'send', processInstanceId: id });
    expect(send.variables).to.include({ requestId: 'q-9' });
    await w.completeJob(send);
    expect(await w.active(id)).to.deep.equal(['wait']);
    expect((await w.message({ name: 'msg-quote', correlationKey: 'q-9', variables: { price: 3 } })).correlated).to.deep.equal([id]);
    const done = await w.job('msg-roundtrip.done');
    expect(done.variables).to.include({ price: 3 });
    await w.completeJob(done);
    expect(await w.stateOf(id)).to.equal('completed');
  });

  scenario('a message with a TTL waits for a subscriber that comes later, and expires after it', async (w) => {
    await w.deploy(defs(message('m', 'msg-ttl', '=key'), proc('msg-ttl', start('s'), receive('wait', 'm'), end('e'), chain('s', 'wait', 'e'))));
    expect(await w.message({ name: 'msg-ttl', correlationKey: 'early', ttlMs: 60_000, variables: { from: 'buffer' } })).to.deep.equal({ correlated: [], started: [], buffered: true });
    const early = await w.start('msg-ttl', { key: 'early' });
    expect(await w.instance(early)).to.deep.include({ state: 'completed' });
    expect((await w.instance(early)).variables).to.include({ from: 'buffer' });

    // Taken once: a second subscriber with the same key waits.
    const second = await w.start('msg-ttl', { key: 'early' });
    expect(await w.stateOf(second)).to.equal('active');

    await w.message({ name: 'msg-ttl', correlationKey: 'late', ttlMs: 1000 });
    await w.advance(1001);
    const late = await w.start('msg-ttl', { key: 'late' });
    expect(await w.active(late), 'the expired message is not delivered').to.deep.equal(['wait']);
    await w.cancel(second);
    await w.cancel(late);
  });

  scenario('a repeated messageId within the TTL is ignored, also when buffered', async (w) => {
    await w.deploy(defs(message('m', 'msg-dedup', '=key'), proc('msg-dedup', start('s'), receive('wait', 'm'), end('e'), chain('s', 'wait', 'e'))));
    const send = () => w.message({ name: 'msg-dedup', correlationKey: 'k', messageId: 'once', ttlMs: 60_000 });
    expect((await send()).buffered).to.equal(true);
    expect(await send()).to.deep.equal({ correlated: [], started: [], buffered: false });
    const first = await w.start('msg-dedup', { key: 'k' });
    const second = await w.start('msg-dedup', { key: 'k' });
    expect(await w.stateOf(first)).to.equal('completed');
    expect(await w.stateOf(second), 'the duplicate was never buffered').to.equal('active');
    expect(await send(), 'still a duplicate while the first is within its TTL').to.deep.equal({ correlated: [], started: [], buffered: false });
    await w.advance(60_001);
    expect((await send()).correlated, 'after the TTL the id is new again').to.deep.equal([second]);
  });
});
