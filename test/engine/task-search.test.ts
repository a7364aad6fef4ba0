// The business data an inbox search finds a task by: which variable values make up a task's
// search text (the rule and its caps), and, through the engine on every store backend, that a
// task is found by a variable value, follows variable changes while open, and stays bounded.

import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { SEARCH_MAX_CHARS, SEARCH_MAX_VALUES, SEARCH_MAX_VALUE_CHARS, taskSearchText } from '../../engine/runtime/task-search.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, flow, userTask } from './harness.ts';

describe('task search text', () => {
  it('keeps string and number values of the variables, lower-cased, one per line', () => {
    expect(taskSearchText({ customer: ' Fergana Textiles ', amount: 1250.5, approved: true, lines: [{ sku: 'X' }], note: '', none: null })).to.equal(
      'fergana textiles\n1250.5',
    );
    expect(taskSearchText(undefined)).to.equal('');
  });

  it('leaves out variables named like credentials', () => {
    expect(taskSearchText({ password: 'hunter2', apiKey: 'k1', api_key: 'k2', accessToken: 't', clientSecret: 's', customer: 'Ann' })).to.equal('ann');
  });

  it('caps each value, the number of values and the whole text', () => {
    expect(taskSearchText({ blob: 'x'.repeat(100_000) })).to.equal('x'.repeat(SEARCH_MAX_VALUE_CHARS));
    const many = Object.fromEntries(Array.from({ length: SEARCH_MAX_VALUES + 5 }, (_, i) => [`v${i}`, `value-${i}`]));
    const kept = taskSearchText(many).split('\n');
    expect(kept).to.have.length(SEARCH_MAX_VALUES);
    expect(kept[0]).to.equal('value-0');
    const long = Object.fromEntries(Array.from({ length: SEARCH_MAX_VALUES }, (_, i) => [`v${i}`, `${i}`.padEnd(SEARCH_MAX_VALUE_CHARS, 'y')]));
    expect(taskSearchText(long)).to.have.length(SEARCH_MAX_CHARS);
  });
});

/** order: start → user task `approve` → user task `ship` (each waits for an employee). */
const order = bpmn('order', `<bpmn:startEvent id="s"/>${userTask('approve')}${userTask('ship')}<bpmn:endEvent id="e"/>
  ${flow('f0', 's', 'approve')}${flow('f1', 'approve', 'ship')}${flow('f2', 'ship', 'e')}`);

forEachBackend('inbox search by business data', (backend) => {
  let engine: Engine;

  beforeEach(async () => {
    engine = await Engine.open({ store: await backend.open(), clock: new ManualClock('2026-03-01T09:00:00Z') });
    await engine.deploy([{ name: 'order.bpmn', content: order }]);
  });

  afterEach(async () => {
    await engine.close();
    await engine.store.close();
  });

  const found = async (search: string): Promise<string[]> =>
    (await engine.listTasks({ search, state: 'open' })).map((t) => `${t.processInstanceId}/${t.elementId}`);

  it('finds an open task by a variable value, follows variable changes, and keeps secrets and bulk out', async () => {
    const fergana = await engine.startInstance({ processKey: 'order', variables: { customer: 'Fergana Textiles LLC', orderNo: 4471, password: 'hunter2', attachment: 'z'.repeat(50_000) } });
    const other = await engine.startInstance({ processKey: 'order', variables: { customer: 'Samarkand Silk' } });
    await engine.settle();
    expect(await found('fergana textiles')).to.deep.equal([`${fergana.id}/approve`]);
    expect(await found('4471')).to.deep.equal([`${fergana.id}/approve`]);
    expect(await found('SILK')).to.deep.equal([`${other.id}/approve`]);
    expect(await found('hunter2')).to.deep.equal([]);
    expect(await found('z'.repeat(SEARCH_MAX_VALUE_CHARS + 1))).to.deep.equal([]);
    expect(await found('z'.repeat(SEARCH_MAX_VALUE_CHARS))).to.deep.equal([`${fergana.id}/approve`]);

    // A variable change while the task is open refreshes its search text.
    await engine.setVariables(other.id, { customer: 'Bukhara Carpets' });
    expect(await found('silk')).to.deep.equal([]);
    expect(await found('bukhara')).to.deep.equal([`${other.id}/approve`]);

    // The next task starts with the variables as they are when it is created.
    const [approve] = await engine.listTasks({ processInstanceId: other.id, state: 'open' });
    await engine.completeTask(approve.id, { carrier: 'Silk Road Freight' });
    await engine.settle();
    expect(await found('silk road')).to.deep.equal([`${other.id}/ship`]);
    expect(await found('bukhara')).to.deep.equal([`${other.id}/ship`]);
    // A completed task is not what an inbox search is for; it keeps the text it had.
    expect((await engine.listTasks({ search: 'bukhara', state: 'completed' })).map((t) => t.elementId)).to.deep.equal(['approve']);
  });
});
