// Forms embedded in the diagram (zeebe:userTaskForm, Camunda Modeler 8.0-8.2): compiled with the
// process, linked by formKey "camunda-forms:bpmn:<id>", and served in the context of the task's
// own process definition, because embedded form ids are only unique within one diagram.

import { expect } from 'chai';
import { ManualClock } from '../../engine/clock.ts';
import { Engine } from '../../engine/engine.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, compile, flow, userTask } from './harness.ts';

function formJson(label: string): string {
  return JSON.stringify({ id: 'Form_x', type: 'default', components: [{ key: 'ok', label, type: 'checkbox' }] });
}

/** A process with one user task on an embedded form; `formBody` is the text inside <zeebe:userTaskForm>. */
function embedded(processKey: string, formBody: string, formKey = 'camunda-forms:bpmn:userTaskForm_1', startForm = false): string {
  const startExt = startForm ? `<bpmn:extensionElements><zeebe:formDefinition formKey="${formKey}"/></bpmn:extensionElements>` : '';
  return bpmn(
    processKey,
    `<bpmn:extensionElements><zeebe:userTaskForm id="userTaskForm_1">${formBody.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</zeebe:userTaskForm></bpmn:extensionElements>
    <bpmn:startEvent id="s">${startExt}</bpmn:startEvent>${userTask('review', `<zeebe:formDefinition formKey="${formKey}"/>`)}<bpmn:endEvent id="e"/>
    ${flow('f1', 's', 'review')}${flow('f2', 'review', 'e')}`,
  );
}

describe('embedded forms: compile', () => {
  it('reads each zeebe:userTaskForm into the process model by id', async () => {
    const { models, problems } = await compile(embedded('p', formJson('Approve?')));
    expect(problems).to.deep.equal([]);
    expect(models[0].embeddedForms.get('userTaskForm_1')).to.deep.equal(JSON.parse(formJson('Approve?')));
    expect(models[0].elements.get('review')!.userTask!.formKey).to.equal('camunda-forms:bpmn:userTaskForm_1');
  });

  it('accepts a start event form that names an embedded form', async () => {
    const { problems } = await compile(embedded('p', formJson('Start?'), undefined, true));
    expect(problems).to.deep.equal([]);
  });

  it('rejects a form body that is not JSON, naming the process and the form id', async () => {
    const { problems } = await compile(embedded('p', '{ "components": [ '));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ elementId: 'p', elementType: 'zeebe:UserTaskForm' });
    expect(problems[0].message).to.match(/^embedded form 'userTaskForm_1' of process 'p' is not JSON: /);
  });

  it('rejects a form body that is JSON but not an object', async () => {
    const { problems } = await compile(embedded('p', '[1, 2]'));
    expect(problems).to.deep.equal([
      { elementId: 'p', elementType: 'zeebe:UserTaskForm', message: "embedded form 'userTaskForm_1' of process 'p' is not a form-js schema object" },
    ]);
  });

  it('rejects a camunda-forms:bpmn formKey that names no embedded form, on the element', async () => {
    const { problems } = await compile(embedded('p', formJson('x'), 'camunda-forms:bpmn:userTaskForm_9', true));
    expect(problems).to.deep.equal([
      { elementId: 's', elementType: 'bpmn:StartEvent', message: `formKey 'camunda-forms:bpmn:userTaskForm_9' names no <zeebe:userTaskForm id="userTaskForm_9"> of process 'p'` },
      { elementId: 'review', elementType: 'bpmn:UserTask', message: `formKey 'camunda-forms:bpmn:userTaskForm_9' names no <zeebe:userTaskForm id="userTaskForm_9"> of process 'p'` },
    ]);
  });

  it('rejects two embedded forms with the same id in one process', async () => {
    const twice = embedded('p', formJson('x')).replace('</zeebe:userTaskForm>', `</zeebe:userTaskForm><zeebe:userTaskForm id="userTaskForm_1">{}</zeebe:userTaskForm>`);
    const { problems } = await compile(twice);
    expect(problems).to.deep.equal([{ elementId: 'p', elementType: 'zeebe:UserTaskForm', message: "embedded form 'userTaskForm_1' of process 'p' is declared twice" }]);
  });
});

forEachBackend('embedded forms: engine', (backend) => {
  let engine: Engine;

  beforeEach(async () => {
    engine = await Engine.open({ store: await backend.open(), clock: new ManualClock('2026-03-02T08:00:00Z') });
  });
  afterEach(async () => {
    await engine.close();
    await engine.store.close();
  });

  it('a task returns the embedded form of its own process, its formKey unchanged', async () => {
    // Both diagrams use the id userTaskForm_1, as Camunda Modeler generates them per diagram.
    await engine.deploy([
      { name: 'a.bpmn', content: embedded('orders', formJson('Order ok?')) },
      { name: 'b.bpmn', content: embedded('invoices', formJson('Invoice ok?')) },
    ]);
    for (const [processKey, label] of [['orders', 'Order ok?'], ['invoices', 'Invoice ok?']]) {
      const pi = await engine.startInstance({ processKey });
      const [task] = await engine.listTasks({ processInstanceId: pi.id });
      expect(task.formKey).to.equal('camunda-forms:bpmn:userTaskForm_1');
      const detail = await engine.getTask(task.id);
      expect(detail.formKey).to.equal('camunda-forms:bpmn:userTaskForm_1');
      expect(detail.form).to.deep.equal(JSON.parse(formJson(label)));
      expect(await engine.getForm(task.formKey, { processKey })).to.deep.equal(JSON.parse(formJson(label)));
    }
    // Without a process there is no telling which userTaskForm_1 is meant.
    expect(await engine.getForm('camunda-forms:bpmn:userTaskForm_1')).to.equal(null);
  });

  it('a task keeps the form of the version it was created on', async () => {
    await engine.deploy([{ name: 'a.bpmn', content: embedded('orders', formJson('v1')) }]);
    const pi = await engine.startInstance({ processKey: 'orders' });
    await engine.deploy([{ name: 'a.bpmn', content: embedded('orders', formJson('v2')) }]);
    const [task] = await engine.listTasks({ processInstanceId: pi.id });
    expect((await engine.getTask(task.id)).form).to.deep.equal(JSON.parse(formJson('v1')));
    expect(await engine.getForm(task.formKey, { processKey: 'orders' })).to.deep.equal(JSON.parse(formJson('v2')));
    expect(await engine.getForm(task.formKey, { processKey: 'orders', version: 1 })).to.deep.equal(JSON.parse(formJson('v1')));
  });
});
