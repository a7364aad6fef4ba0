// Event sub-processes over HTTP: every start kind (message, timer, signal, error, escalation),
// interrupting and non-interrupting (error starts only interrupt), in a process and inside an
// embedded sub-process. One generated diagram per combination keeps each scenario the same shape:
// work → [raise] → work2 in the scope, and an event sub-process whose handler is a job.

import { expect } from 'chai';
import { chain, defs, end, error, escalation, eventSub, message, onError, onEscalation, onMessage, onSignal, proc, signal, start, sub, svc, throwEvent, timer } from './bpmn.ts';
import { describeScenarios, type World } from './world.ts';

type Kind = 'message' | 'timer' | 'signal' | 'error' | 'escalation';
type Where = 'process' | 'sub-process';

function diagram(key: string, kind: Kind, interrupting: boolean, where: Where): string {
  const defsFor: Record<Kind, string> = {
    message: onMessage('m'),
    timer: timer.duration('PT1H'),
    signal: onSignal('sig'),
    error: onError('err'),
    escalation: onEscalation('esc'),
  };
  const main = kind === 'escalation'
    ? [svc('work', `${key}.work`), throwEvent('raise', onEscalation('esc')), svc('work2', `${key}.work2`), chain('ss', 'work', 'raise', 'work2', 'se')]
    : [svc('work', `${key}.work`), svc('work2', `${key}.work2`), chain('ss', 'work', 'work2', 'se')];
  const esp = eventSub('esp', start('es', defsFor[kind], interrupting), svc('handler', `${key}.handler`), end('ee'), chain('es', 'handler', 'ee'));
  const scope = [start('ss'), ...main, end('se'), esp];
  const body = where === 'process' ? scope : [start('s'), sub('inner', ...scope), end('e'), chain('s', 'inner', 'e')];
  return defs(message('m', `${key}-msg`, '=orderId'), signal('sig', `${key}-sig`), error('err', 'FAILED'), escalation('esc', 'ESCALATED'), proc(key, ...body));
}

async function trigger(w: World, key: string, kind: Kind): Promise<void> {
  if (kind === 'message') expect((await w.message({ name: `${key}-msg`, correlationKey: 'o-1', variables: { via: kind } })).correlated).to.have.length(1);
  if (kind === 'timer') await w.advance(3_600_000);
  if (kind === 'signal') expect(await w.signal(`${key}-sig`, { via: kind })).to.equal(1);
  if (kind === 'error') await w.throwError(`${key}.work`, 'FAILED', { via: kind });
  if (kind === 'escalation') await w.completeJob(`${key}.work`);
}

describeScenarios('event sub-processes', (scenario) => {
  const kinds: Kind[] = ['message', 'timer', 'signal', 'error', 'escalation'];
  for (const where of ['process', 'sub-process'] as Where[]) {
    for (const kind of kinds) {
      for (const interrupting of kind === 'error' ? [true] : [true, false]) {
        const key = `esp-${kind}-${interrupting ? 'int' : 'nonint'}-${where === 'process' ? 'p' : 's'}`;
        scenario(`${interrupting ? 'interrupting' : 'non-interrupting'} ${kind} start in a ${where}`, async (w) => {
          await w.deploy(diagram(key, kind, interrupting, where));
          const id = await w.start(key, { orderId: 'o-1' });
          const scope = where === 'process' ? [] : ['inner'];
          await trigger(w, key, kind);
          const handler = await w.job(`${key}.handler`);
          if (kind !== 'timer' && kind !== 'escalation') expect(handler.variables).to.include({ via: kind });
          // The main path: where it stood when the event came (escalation: it had moved on to work2).
          const mainStep = kind === 'escalation' ? 'work2' : 'work';
          if (interrupting) {
            expect(await w.active(id)).to.deep.equal(['esp', 'handler', ...scope].sort());
            expect(await w.jobs(`${key}.${mainStep}`), 'the interrupted job is gone').to.deep.equal([]);
            await w.completeJob(handler);
          } else {
            expect(await w.active(id)).to.deep.equal(['esp', 'handler', mainStep, ...scope].sort());
            await w.completeJob(handler);
            expect(await w.active(id), 'the scope waits for its main path').to.deep.equal([mainStep, ...scope].sort());
            if (kind !== 'escalation') await w.completeJob(`${key}.work`);
            await w.completeJob(`${key}.work2`);
          }
          expect(await w.stateOf(id)).to.equal('completed');
          const completed = await w.trail(id);
          expect(completed).to.include.members(['handler', 'esp']);
          expect(completed.includes('se'), 'the main end event ran').to.equal(!interrupting);
        });
      }
    }
  }

  scenario('a non-interrupting message event sub-process runs once per message', async (w) => {
    const key = 'esp-msg-twice';
    await w.deploy(diagram(key, 'message', false, 'process'));
    const id = await w.start(key, { orderId: 'o-1' });
    await w.message({ name: `${key}-msg`, correlationKey: 'o-1' });
    await w.message({ name: `${key}-msg`, correlationKey: 'o-1' });
    const handlers = await w.jobs(`${key}.handler`);
    expect(handlers).to.have.length(2);
    for (const job of handlers) await w.completeJob(job);
    await w.completeJob(`${key}.work`);
    await w.completeJob(`${key}.work2`);
    expect(await w.stateOf(id)).to.equal('completed');
  });
});
