// Multi-instance over HTTP: parallel and sequential, on a task, an embedded sub-process and a
// call activity; outputCollection in input order, loopCounter, completionCondition, and a
// boundary event that cancels every inner instance.

import { expect } from 'chai';
import { boundary, call, chain, defs, end, multi, proc, start, sub, svc, timer, user } from './bpmn.ts';
import { describeScenarios } from './world.ts';

describeScenarios('multi-instance', (scenario) => {
  scenario('a parallel task: one job per item, results in input order whatever the completion order', async (w) => {
    await w.deploy(defs(proc('mi-par-task', start('s'),
      svc('reserve', 'mi-par-task.reserve', '', multi({ inputCollection: '=items', inputElement: 'item', outputCollection: 'results', outputElement: '=reserved' })),
      end('e'), chain('s', 'reserve', 'e'))));
    const id = await w.start('mi-par-task', { items: ['a', 'b', 'c'] });
    const jobs = await w.jobs('mi-par-task.reserve');
    expect(jobs.map((j) => [j.variables.item, j.variables.loopCounter])).to.deep.equal([['a', 1], ['b', 2], ['c', 3]]);
    for (const job of [...jobs].reverse()) await w.completeJob(job, { reserved: `${String(job.variables.item)}!` });
    const done = await w.instance(id);
    expect(done.state).to.equal('completed');
    expect(done.variables.results).to.deep.equal(['a!', 'b!', 'c!']);
  });

  scenario('a sequential task: one item at a time, loopCounter counting up', async (w) => {
    await w.deploy(defs(proc('mi-seq-task', start('s'),
      svc('step', 'mi-seq-task.step', '', multi({ sequential: true, inputCollection: '=[10, 20, 30]', inputElement: 'n', outputCollection: 'out', outputElement: '=n + loopCounter' })),
      end('e'), chain('s', 'step', 'e'))));
    const id = await w.start('mi-seq-task');
    for (const expected of [[10, 1], [20, 2], [30, 3]]) {
      const job = await w.job('mi-seq-task.step');
      expect([job.variables.n, job.variables.loopCounter]).to.deep.equal(expected);
      await w.completeJob(job);
    }
    expect((await w.instance(id)).variables.out).to.deep.equal([11, 22, 33]);
  });

  scenario('a parallel sub-process with a completionCondition cancels the instances still running', async (w) => {
    await w.deploy(defs(proc('mi-par-sub', start('s'),
      sub('each', multi({ inputCollection: '=offers', inputElement: 'offer', outputCollection: 'answers', outputElement: '=answer', completionCondition: '=numberOfCompletedInstances >= 2' }),
        start('is'), svc('ask', 'mi-par-sub.ask'), end('ie'), chain('is', 'ask', 'ie')),
      end('e'), chain('s', 'each', 'e'))));
    const id = await w.start('mi-par-sub', { offers: ['x', 'y', 'z', 'w'] });
    const jobs = await w.jobs('mi-par-sub.ask');
    expect(jobs).to.have.length(4);
    const byOffer = new Map(jobs.map((j) => [j.variables.offer, j]));
    await w.completeJob(byOffer.get('z')!, { answer: 'Z' });
    expect(await w.stateOf(id)).to.equal('active');
    await w.completeJob(byOffer.get('x')!, { answer: 'X' });
    const done = await w.instance(id);
    expect(done.state).to.equal('completed');
    // Unfinished positions stay null: the collection keeps input order and length.
    expect(done.variables.answers).to.deep.equal(['X', null, 'Z', null]);
    expect(await w.jobs('mi-par-sub.ask'), 'the other two were canceled').to.deep.equal([]);
    expect((await w.trail(id, 'terminated')).filter((e) => e === 'ask')).to.have.length(2);
  });

  scenario('a sequential sub-process runs its inside once per item, in order', async (w) => {
    await w.deploy(defs(proc('mi-seq-sub', start('s'),
      sub('each', multi({ sequential: true, inputCollection: '=["a", "b"]', inputElement: 'letter', outputCollection: 'upper', outputElement: '=shout' }),
        start('is'), svc('say', 'mi-seq-sub.say'), user('confirm'), end('ie'), chain('is', 'say', 'confirm', 'ie')),
      end('e'), chain('s', 'each', 'e'))));
    const id = await w.start('mi-seq-sub');
    for (const letter of ['a', 'b']) {
      const job = await w.job('mi-seq-sub.say');
      expect(job.variables).to.include({ letter });
      await w.completeJob(job, { shout: letter.toUpperCase() });
      await w.completeTask(id, 'confirm');
    }
    expect((await w.instance(id)).variables.upper).to.deep.equal(['A', 'B']);
  });

  scenario('a sequential call activity starts one child per item and collects their results', async (w) => {
    await w.deploy(
      defs(proc('mi-child', start('s'), svc('work', 'mi-child.work'), end('e'), chain('s', 'work', 'e'))),
      defs(proc('mi-par-call', start('s'),
        call('each', 'mi-child', '', '', multi({ sequential: true, inputCollection: '=customers', inputElement: 'customer', outputCollection: 'scores', outputElement: '=score' })),
        end('e'), chain('s', 'each', 'e'))),
    );
    const id = await w.start('mi-par-call', { customers: ['c1', 'c2'] });
    for (const customer of ['c1', 'c2']) {
      const running = (await w.instances('mi-child')).filter((i) => i.state === 'active');
      expect(running, 'one child at a time').to.have.length(1);
      const job = await w.job('mi-child.work');
      expect(job.variables.customer).to.equal(customer);
      await w.completeJob(job, { score: customer.length + (customer === 'c2' ? 1 : 0) });
    }
    const done = await w.instance(id);
    expect(done.state).to.equal('completed');
    expect(done.variables.scores).to.deep.equal([2, 3]);
    expect((await w.instances('mi-child')).map((i) => i.state)).to.deep.equal(['completed', 'completed']);
  });

  scenario('a parallel call activity runs all children at once', async (w) => {
    await w.deploy(
      defs(proc('mi-child2', start('s'), svc('work', 'mi-child2.work'), end('e'), chain('s', 'work', 'e'))),
      defs(proc('mi-call-par', start('s'),
        call('each', 'mi-child2', '', '', multi({ inputCollection: '=[1, 2, 3]', inputElement: 'n', outputCollection: 'squares', outputElement: '=sq' })),
        end('e'), chain('s', 'each', 'e'))),
    );
    const id = await w.start('mi-call-par');
    const jobs = await w.jobs('mi-child2.work');
    expect(jobs.map((j) => j.variables.n).sort()).to.deep.equal([1, 2, 3]);
    for (const job of jobs.reverse()) await w.completeJob(job, { sq: Number(job.variables.n) ** 2 });
    expect((await w.instance(id)).variables.squares).to.deep.equal([1, 4, 9]);
  });

  scenario('an interrupting boundary on the multi-instance body cancels every inner instance and child', async (w) => {
    await w.deploy(
      defs(proc('mi-child3', start('s'), svc('work', 'mi-child3.work'), end('e'), chain('s', 'work', 'e'))),
      defs(proc('mi-boundary', start('s'),
        svc('tasks', 'mi-boundary.task', '', multi({ inputCollection: '=[1, 2, 3]', inputElement: 'n' })),
        call('calls', 'mi-child3', '', '', multi({ inputCollection: '=[1, 2]', inputElement: 'n' })),
        boundary('late', 'tasks', timer.duration('PT1H')), boundary('lateCalls', 'calls', timer.duration('PT1H')),
        end('e'), chain('s', 'tasks', 'calls', 'e'), chain('late', 'calls'), chain('lateCalls', 'e'))),
    );
    const id = await w.start('mi-boundary');
    await w.completeJob((await w.jobs('mi-boundary.task'))[0]);
    await w.advance(3_600_000);
    expect(await w.jobs('mi-boundary.task')).to.deep.equal([]);
    expect((await w.instances('mi-child3')).map((i) => i.state)).to.deep.equal(['active', 'active']);
    await w.advance(3_600_000);
    expect((await w.instances('mi-child3')).map((i) => i.state)).to.deep.equal(['canceled', 'canceled']);
    expect(await w.stateOf(id)).to.equal('completed');
    expect((await w.trail(id, 'terminated')).sort()).to.deep.equal(['calls', 'calls', 'calls', 'tasks', 'tasks', 'tasks']);
  });

  scenario('an empty collection completes the activity at once with an empty output', async (w) => {
    await w.deploy(defs(proc('mi-empty', start('s'),
      svc('each', 'mi-empty.each', '', multi({ inputCollection: '=[]', inputElement: 'x', outputCollection: 'out', outputElement: '=x' })), end('e'), chain('s', 'each', 'e'))));
    const id = await w.start('mi-empty');
    expect(await w.instance(id)).to.deep.include({ state: 'completed' });
    expect((await w.instance(id)).variables.out).to.deep.equal([]);
  });
});
