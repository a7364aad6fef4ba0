// Forms embedded in a diagram (Camunda Modeler 8.0-8.2) over HTTP: a task's detail carries the
// form of its own process even when two diagrams use the same embedded form id, the forms route
// serves it given the process, and a broken embedded form is refused at deploy.

import { expect } from 'chai';
import { CAST, diagram, TestServer } from './helpers.ts';

interface Task {
  id: string;
  processInstanceId: string;
  formKey: string | null;
  form?: unknown;
}
interface ErrorBody {
  error: { code: string; details: Array<{ path?: string; message: string }> };
}

const form = (label: string) => ({ id: 'Form_x', type: 'default', components: [{ key: 'ok', label, type: 'checkbox' }] });

/** A process whose one task, offered to sales, uses embedded form userTaskForm_1 with `body`. */
function embedded(key: string, body: string): string {
  return diagram(
    key,
    `<bpmn:extensionElements><zeebe:userTaskForm id="userTaskForm_1">${body.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</zeebe:userTaskForm></bpmn:extensionElements>
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="review" name="Review"><bpmn:extensionElements>
      <zeebe:assignmentDefinition candidateGroups="sales"/><zeebe:formDefinition formKey="camunda-forms:bpmn:userTaskForm_1"/>
    </bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/><bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="e"/>`,
  );
}

describe('server: embedded forms', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers(CAST);
  });
  after(() => server.close());

  it('each task gets the embedded form of its own process; the forms route needs the process', async () => {
    const deployed = await server.as('anna', 'POST', '/api/deployments', {
      body: {
        resources: [
          { name: 'orders.bpmn', content: embedded('orders', JSON.stringify(form('Order ok?'))) },
          { name: 'invoices.bpmn', content: embedded('invoices', JSON.stringify(form('Invoice ok?'))) },
        ],
      },
    });
    expect(deployed.status, deployed.text).to.equal(201);
    for (const [processKey, label] of [['orders', 'Order ok?'], ['invoices', 'Invoice ok?']] as const) {
      const pi = await server.as<{ id: string }>('anna', 'POST', '/api/process-instances', { body: { processKey } });
      expect(pi.status, pi.text).to.equal(201);
      const tasks = await server.as<Task[]>('aziz', 'GET', `/api/tasks?processInstanceId=${pi.body.id}`);
      expect(tasks.body).to.have.length(1);
      expect(tasks.body[0].formKey).to.equal('camunda-forms:bpmn:userTaskForm_1');
      const detail = await server.as<Task>('aziz', 'GET', `/api/tasks/${tasks.body[0].id}`);
      expect(detail.status, detail.text).to.equal(200);
      expect(detail.body.formKey).to.equal('camunda-forms:bpmn:userTaskForm_1');
      expect(detail.body.form).to.deep.equal(form(label));
      const served = await server.as('aziz', 'GET', `/api/forms/${encodeURIComponent('camunda-forms:bpmn:userTaskForm_1')}?processKey=${processKey}&version=1`);
      expect(served.status, served.text).to.equal(200);
      expect(served.body).to.deep.equal(form(label));
    }
    const ambiguous = await server.as('aziz', 'GET', `/api/forms/${encodeURIComponent('camunda-forms:bpmn:userTaskForm_1')}`);
    expect(ambiguous.status).to.equal(404);
  });

  it('refuses a diagram whose embedded form is not JSON with 422 naming the process and form', async () => {
    const res = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', {
      body: { resources: [{ name: 'broken.bpmn', content: embedded('broken', '{"components": [') }] },
    });
    expect(res.status, res.text).to.equal(422);
    expect(res.body.error.details.map((d) => d.message)).to.satisfy((ms: string[]) => ms.some((m) => m.includes("embedded form 'userTaskForm_1' of process 'broken' is not JSON")));
  });
});
