// Event-based gateway, link events, terminate end events and canceling an instance, over HTTP.

import { expect } from 'chai';
import {
  and, boundary, call, catchEvent, chain, defs, end, eventGateway, eventSub, link, message, onMessage, onSignal, proc, receive, signal, start, sub, svc, terminate, throwEvent, timer, user,
} from './bpmn.ts';
import { describeScenarios, type World } from './world.ts';

const race = (key: string) => defs(
  message('m', `${key}-reply`, '=orderId'), signal('sig', `${key}-abort`),
  proc(key, start('s'), eventGateway('g'),
    catchEvent('reply', onMessage('m')), catchEvent('timeout', timer.duration('PT1H')), catchEvent('abort', onSignal('sig')),
    end('replied'), end('timedOut'), end('aborted'),
    chain('s', 'g'), chain('g', 'reply', 'replied'), chain('g', 'timeout', 'timedOut'), chain('g', 'abort', 'aborted')),
);

describeScenarios('gateways, links, terminate and cancel', (scenario) => {
  const winners: Array<[string, string, (w: World, key: string) => Promise<unknown>]> = [
    ['message', 'replied', (w, key) => w.message({ name: `${key}-reply`, correlationKey: 'o-1' })],
    ['timer', 'timedOut', (w) => w.advance(3_600_000)],
    ['signal', 'aborted', (w, key) => w.signal(`${key}-abort`)],
  ];
  for (const [kind, endId, win] of winners) {
    scenario(`an event-based gateway takes the first event (${kind}) and drops the others`, async (w) => {
      const key = `ebg-${kind}`;
      await w.deploy(race(key));
      const id = await w.start(key, { orderId: 'o-1' });
      expect(await w.active(id), 'the gateway itself waits, as in Zeebe').to.deep.equal(['g']);
      await win(w, key);
      expect(await w.stateOf(id)).to.equal('completed');
      const completed = await w.trail(id);
      expect(completed).to.include(endId);
      expect(completed.filter((e) => ['replied', 'timedOut', 'aborted'].includes(e))).to.deep.equal([endId]);
      // The losers are gone: nothing answers any more.
      expect((await w.message({ name: `${key}-reply`, correlationKey: 'o-1' })).correlated).to.deep.equal([]);
      expect(await w.signal(`${key}-abort`)).to.equal(0);
      await w.advance(7_200_000);
    });
  }

  scenario('a failed job comes back after its backoff, then as an incident when retries run out', async (w) => {
    await w.deploy(defs(proc('job-retries', start('s'), svc('call', 'job-retries.call'), end('e'), chain('s', 'call', 'e'))));
    const id = await w.start('job-retries');
    await w.failJob(await w.job('job-retries.call'), 1, 'timeout', 60_000);
    expect(await w.jobs('job-retries.call'), 'backing off').to.deep.equal([]);
    await w.advance(60_000);
    const retried = await w.job('job-retries.call');
    expect(retried.retries).to.equal(1);
    await w.failJob(retried, 0, 'still down');
    const [incident] = await w.incidents(id);
    expect(incident).to.deep.include({ elementId: 'call', type: 'JOB_NO_RETRIES', message: 'still down' });
    expect(await w.jobs('job-retries.call'), 'no job while the incident is open').to.deep.equal([]);
    await w.resolve(incident);
    await w.completeJob('job-retries.call', { ok: true });
    expect(await w.instance(id)).to.deep.include({ state: 'completed' });
  });

  scenario('a link throw continues at the catch of the same name, also inside a sub-process', async (w) => {
    await w.deploy(defs(proc('links',
      start('s'), throwEvent('goReview', link('review')), catchEvent('atReview', link('review')), svc('review', 'links.review'),
      sub('inner', start('is'), throwEvent('innerGo', link('on')), catchEvent('innerAt', link('on')), end('ie'), chain('is', 'innerGo'), chain('innerAt', 'ie')),
      end('e'), chain('s', 'goReview'), chain('atReview', 'review', 'inner', 'e'))));
    const id = await w.start('links');
    expect(await w.active(id)).to.deep.equal(['review']);
    await w.completeJob('links.review');
    expect(await w.stateOf(id)).to.equal('completed');
    expect(await w.trail(id)).to.include.members(['goReview', 'atReview', 'innerGo', 'innerAt', 'ie', 'e']);
  });

  scenario('a terminate end event in a sub-process ends only that sub-process', async (w) => {
    await w.deploy(defs(proc('term-sub',
      start('s'), and('fork'), svc('outside', 'term-sub.outside'),
      sub('inner', start('is'), and('split'), svc('a', 'term-sub.a'), user('b'), end('stop', terminate), end('ie'), chain('is', 'split', 'a', 'stop'), chain('split', 'b', 'ie')),
      and('join'), end('e'), chain('s', 'fork', 'inner', 'join', 'e'), chain('fork', 'outside', 'join'))));
    const id = await w.start('term-sub');
    await w.completeJob('term-sub.a');
    expect(await w.active(id), 'the sub-process ended, its user task with it').to.deep.equal(['outside']);
    expect(await w.tasks(id)).to.deep.equal([]);
    await w.completeJob('term-sub.outside');
    expect(await w.stateOf(id)).to.equal('completed');
    expect(await w.trail(id, 'terminated')).to.deep.equal(['b']);
  });

  scenario('a terminate end event at the top ends the instance as terminated', async (w) => {
    await w.deploy(defs(proc('term-top', start('s'), and('fork'), svc('a', 'term-top.a'), user('b'), end('stop', terminate), end('e'), chain('s', 'fork', 'a', 'stop'), chain('fork', 'b', 'e'))));
    const id = await w.start('term-top');
    await w.completeJob('term-top.a');
    expect(await w.stateOf(id)).to.equal('terminated');
  });

  scenario('canceling an instance clears tasks, jobs, timers, subscriptions, joins and incidents at every level', async (w) => {
    await w.deploy(
      defs(proc('cancel-child', start('s'), svc('childWork', 'cancel-child.work'), end('e'), chain('s', 'childWork', 'e'))),
      defs(
        message('m', 'cancel-msg', '=orderId'), signal('sig', 'cancel-sig'),
        proc('cancel-all', start('s'), and('fork'),
          user('task'), boundary('late', 'task', timer.duration('PT1H')),
          receive('wait', 'm'), catchEvent('sigWait', onSignal('sig')),
          svc('failing', 'cancel-all.failing'), svc('idle', 'cancel-all.idle'),
          sub('inner', start('is'), svc('innerWork', 'cancel-all.inner'), end('ie'), chain('is', 'innerWork', 'ie'),
            eventSub('innerEsp', start('ies', timer.cycle('R/PT10M'), false), end('iee'), chain('ies', 'iee'))),
          and('join'), end('e'), end('lateEnd'),
          chain('s', 'fork', 'task', 'join', 'e'), chain('fork', 'wait', 'join'), chain('fork', 'sigWait', 'join'), chain('fork', 'failing', 'join'), chain('fork', 'idle', 'join'), chain('fork', 'inner', 'join'),
          chain('late', 'lateEnd'),
          call('callChild', 'cancel-child'),
          chain('fork', 'callChild', 'join'),
          eventSub('esp', start('es', onMessage('m'), false), end('ee'), chain('es', 'ee'))),
      ),
    );
    const id = await w.start('cancel-all', { orderId: 'c-1' });
    const failing = await w.job('cancel-all.failing');
    await w.failJob(failing, 0, 'down');
    expect(await w.incidents(id)).to.have.length(1);
    const [child] = await w.instances('cancel-child');
    expect(child.state).to.equal('active');
    await w.completeJob('cancel-all.inner');
    // Everything the clean-state check looks for is there before the cancel.
    const held = await w.leftovers(id);
    for (const what of ['joins', 'jobs', 'tasks', 'incidents', 'timers', 'subscriptions', 'openTaskRecords', 'openIncidentRecords', 'jobRecords', 'timerRecords', 'subscriptionRecords'] as const) {
      expect(held[what], what).to.be.greaterThan(0);
    }
    await w.cancel(id);
    expect(await w.stateOf(id)).to.equal('canceled');
    expect(await w.stateOf(child.id), 'the called instance is canceled with it').to.equal('canceled');
    expect(await w.tasks(id)).to.deep.equal([]);
    expect(await w.incidents(id)).to.deep.equal([]);
    expect(await w.jobs('cancel-child.work')).to.deep.equal([]);
    expect(await w.jobs('cancel-all.idle')).to.deep.equal([]);
    expect((await w.message({ name: 'cancel-msg', correlationKey: 'c-1' })).correlated).to.deep.equal([]);
    expect(await w.signal('cancel-sig')).to.equal(0);
    await w.advance(24 * 3_600_000);
    expect(await w.stateOf(id)).to.equal('canceled');
  });
});
