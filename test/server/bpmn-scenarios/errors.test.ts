// BPMN errors and escalations over HTTP: error end events caught through sub-processes and call
// activities by boundaries and event sub-processes, job errors, uncaught errors as incidents,
// and escalations interrupting or not.

import { expect } from 'chai';
import {
  boundary, call, chain, defs, end, error, escalation, eventSub, onError, onEscalation, proc, start, sub, svc, throwEvent,
} from './bpmn.ts';
import { describeScenarios } from './world.ts';

describeScenarios('errors and escalations', (scenario) => {
  scenario('an error end event in a sub-process is caught by the exact-code boundary before the catch-all', async (w) => {
    await w.deploy(defs(
      error('stock', 'NO_STOCK'), error('other', 'OTHER'),
      proc('err-sub',
        start('s'),
        sub('inner', start('is'), svc('check', 'err-sub.check'), end('fail', onError('stock')), chain('is', 'check', 'fail')),
        boundary('catchAll', 'inner', onError()), boundary('noStock', 'inner', onError('stock')), boundary('otherErr', 'inner', onError('other')),
        end('e'), end('allEnd'), svc('restock', 'err-sub.restock'), end('restocked'),
        chain('s', 'inner', 'e'), chain('catchAll', 'allEnd'), chain('noStock', 'restock', 'restocked'), chain('otherErr', 'allEnd')),
    ));
    const id = await w.start('err-sub');
    await w.completeJob('err-sub.check', { sku: 'X' });
    expect(await w.active(id)).to.deep.equal(['restock']);
    await w.completeJob('err-sub.restock');
    expect(await w.trail(id)).to.include.members(['noStock', 'restocked']).and.not.include.members(['catchAll', 'e']);
  });

  scenario('a job error is caught by an error event sub-process of the enclosing sub-process', async (w) => {
    await w.deploy(defs(
      error('pay', 'PAYMENT_FAILED'),
      proc('err-esp',
        start('s'),
        sub('inner', start('is'), svc('charge', 'err-esp.charge'), svc('ship', 'err-esp.ship'), end('ie'), chain('is', 'charge', 'ship', 'ie'),
          eventSub('handle', start('hs', onError('pay')), svc('refund', 'err-esp.refund'), end('he'), chain('hs', 'refund', 'he'))),
        svc('after', 'err-esp.after'), end('e'), chain('s', 'inner', 'after', 'e')),
    ));
    const id = await w.start('err-esp');
    await w.throwError('err-esp.charge', 'PAYMENT_FAILED', { reason: 'card' });
    expect(await w.active(id)).to.deep.equal(['handle', 'inner', 'refund']);
    const refund = await w.job('err-esp.refund');
    expect(refund.variables).to.include({ reason: 'card' });
    await w.completeJob(refund);
    expect(await w.active(id), 'the sub-process completes through its event sub-process').to.deep.equal(['after']);
    await w.completeJob('err-esp.after');
    expect(await w.trail(id, 'terminated')).to.deep.equal(['charge']);
  });

  scenario('an error the called process does not catch ends it and reaches the boundary of the call activity', async (w) => {
    await w.deploy(
      defs(error('e1', 'CREDIT_REFUSED'), proc('err-child', start('s'), svc('check', 'err-child.check'), end('refused', onError('e1')), chain('s', 'check', 'refused'))),
      defs(error('e1', 'CREDIT_REFUSED'), proc('err-parent', start('s'), call('callCheck', 'err-child'), boundary('refused', 'callCheck', onError('e1')), svc('notify', 'err-parent.notify'), end('e'), end('re'),
        chain('s', 'callCheck', 'e'), chain('refused', 'notify', 're'))),
    );
    const id = await w.start('err-parent');
    const [child] = await w.instances('err-child');
    await w.completeJob('err-child.check', { score: 3 });
    expect(await w.stateOf(child.id)).to.equal('terminated');
    expect(await w.active(id)).to.deep.equal(['notify']);
    await w.completeJob('err-parent.notify');
    expect(await w.stateOf(id)).to.equal('completed');
  });

  scenario('an error through a call activity reaches an error event sub-process of the parent', async (w) => {
    await w.deploy(
      defs(proc('err-child2', start('s'), svc('work', 'err-child2.work'), end('e'), chain('s', 'work', 'e'))),
      defs(error('x', 'BROKEN'), proc('err-parent2', start('s'), call('c', 'err-child2'), end('e'), chain('s', 'c', 'e'),
        eventSub('onBroken', start('bs', onError('x')), svc('repair', 'err-parent2.repair'), end('be'), chain('bs', 'repair', 'be')))),
    );
    const id = await w.start('err-parent2');
    await w.throwError('err-child2.work', 'BROKEN');
    expect(await w.active(id)).to.deep.equal(['onBroken', 'repair']);
    await w.completeJob('err-parent2.repair');
    expect(await w.stateOf(id)).to.equal('completed');
    expect(await w.trail(id, 'terminated')).to.deep.equal(['c']);
  });

  scenario('an uncaught error is an incident; canceling the instance closes it', async (w) => {
    await w.deploy(defs(proc('err-uncaught', start('s'), svc('work', 'err-uncaught.work'), end('e'), chain('s', 'work', 'e'))));
    const id = await w.start('err-uncaught');
    await w.throwError('err-uncaught.work', 'NOBODY_CATCHES');
    const [incident] = await w.incidents(id);
    expect(incident).to.deep.include({ elementId: 'work', type: 'UNHANDLED_ERROR_EVENT' });
    expect(incident.message).to.contain('NOBODY_CATCHES');
    expect(await w.stateOf(id)).to.equal('active');
    await w.cancel(id);
    expect(await w.stateOf(id)).to.equal('canceled');
    expect(await w.incidents(id)).to.deep.equal([]);
  });

  scenario('an error end event uncaught in a child is an incident of the child, seen from the parent', async (w) => {
    await w.deploy(
      defs(error('x', 'LOST'), proc('err-child3', start('s'), end('lost', onError('x')), chain('s', 'lost'))),
      defs(proc('err-parent3', start('s'), call('c', 'err-child3'), end('e'), chain('s', 'c', 'e'))),
    );
    const id = await w.start('err-parent3');
    const [child] = await w.instances('err-child3');
    // Called with nothing to catch it in the parent either: the child ends, the parent's call activity holds the incident.
    const incidents = [...(await w.incidents(child.id)), ...(await w.incidents(id))];
    expect(incidents.map((i) => i.type)).to.deep.equal(['UNHANDLED_ERROR_EVENT']);
    await w.cancel(id);
  });

  scenario('escalations: an interrupting boundary ends the sub-process, a non-interrupting one runs beside it', async (w) => {
    await w.deploy(defs(
      escalation('late', 'LATE'), escalation('vip', 'VIP'),
      proc('esc',
        start('s'),
        sub('inner', start('is'), throwEvent('tellVip', onEscalation('vip')), svc('work', 'esc.work'), end('tooLate', onEscalation('late')), chain('is', 'tellVip', 'work', 'tooLate')),
        boundary('onVip', 'inner', onEscalation('vip'), false), boundary('onLate', 'inner', onEscalation('late')),
        svc('greet', 'esc.greet'), svc('hurry', 'esc.hurry'), end('e'), end('ge'), end('he'),
        chain('s', 'inner', 'e'), chain('onVip', 'greet', 'ge'), chain('onLate', 'hurry', 'he')),
    ));
    const id = await w.start('esc');
    expect(await w.active(id)).to.deep.equal(['greet', 'inner', 'work']);
    await w.completeJob('esc.work');
    expect(await w.active(id)).to.deep.equal(['greet', 'hurry']);
    await w.completeJob('esc.greet');
    await w.completeJob('esc.hurry');
    expect(await w.trail(id)).to.not.include('e');
    expect(await w.trail(id, 'terminated')).to.deep.equal(['tooLate', 'inner']);
  });

  scenario('error and escalation codes from FEEL: the thrown code is the expression\'s value', async (w) => {
    await w.deploy(defs(
      error('dyn', '=reason'), error('stock', 'NO_STOCK'), escalation('dynEsc', '="TIER_" + string(tier)'), escalation('tier1', 'TIER_1'),
      proc('err-feel',
        start('s'),
        sub('inner', start('is'), throwEvent('tell', onEscalation('dynEsc')), svc('check', 'err-feel.check'), end('fail', onError('dyn')), chain('is', 'tell', 'check', 'fail')),
        boundary('gold', 'inner', onEscalation('tier1'), false), boundary('noStock', 'inner', onError('stock')), boundary('other', 'inner', onError()),
        svc('vip', 'err-feel.vip'), end('ve'), end('restocked'), end('investigated'),
        chain('s', 'inner', 'investigated'), chain('gold', 'vip', 've'), chain('noStock', 'restocked'), chain('other', 'investigated')),
    ));
    const gold = await w.start('err-feel', { tier: 1 });
    const plain = await w.start('err-feel', { tier: 2 });
    expect(await w.active(gold)).to.deep.equal(['check', 'inner', 'vip']);
    expect(await w.active(plain)).to.deep.equal(['check', 'inner']);
    await w.completeJob('err-feel.vip');
    const checks = await w.jobs('err-feel.check');
    await w.completeJob(checks.find((j) => j.processInstanceId === gold)!, { reason: 'NO_STOCK' });
    await w.completeJob(checks.find((j) => j.processInstanceId === plain)!, { reason: 'FRAUD' });
    expect(await w.trail(gold)).to.include('restocked');
    expect(await w.trail(plain)).to.include('investigated').and.not.include('restocked');
  });

  scenario('an escalation nobody catches lets the token go on', async (w) => {
    await w.deploy(defs(escalation('x', 'IGNORED'), proc('esc-uncaught', start('s'), throwEvent('raise', onEscalation('x')), end('e'), chain('s', 'raise', 'e'))));
    const id = await w.start('esc-uncaught');
    expect(await w.stateOf(id)).to.equal('completed');
  });
});
