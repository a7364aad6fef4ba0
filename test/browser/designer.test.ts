// The process designer in real headless Chromium against the real server: an analyst signs in,
// draws a process with the palette and context pad, applies the crm.getCustomerCard element
// template, sees and fixes lint problems, deploys, starts an instance and sees the token; the
// heatmap fills once the task is done. Also: every MIWG reference diagram survives a round trip
// through the modeler with the same elements, drafts survive a reload, the engine's 422 is shown
// like a lint problem, and older versions open read-only.

import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { buildDesigner } from '../../designer/build.ts';
import { Api, chromiumPath, createUsers, openBrowser, pageErrors, projectRoot, screenshotsDir, signIn, SKIP_REASON, startServer, USERS, type BrowserSession, type RunningServer } from './harness.ts';

const shotsDir = process.env.KARVON_SCREENSHOTS === '1' ? screenshotsDir : path.join(os.tmpdir(), 'karvon-screenshots');

const ANALYST = { username: 'nodira', password: 'nodira-Secret-1', displayName: 'Nodira Aliyeva' };

/** ../shared/corpus/miwg beside the checkout (CI), or the machine-wide copy. */
function miwgDir(): string | null {
  const candidates = [path.resolve(projectRoot, '../shared/corpus/miwg'), '/work/shared/corpus/miwg'];
  return candidates.find((d) => existsSync(d)) ?? null;
}

async function signInDesigner(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/designer/`);
  await page.getByLabel('Username').fill(ANALYST.username);
  await page.getByLabel('Password').fill(ANALYST.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.canvas .djs-container').waitFor();
  await page.locator('.djs-element[data-element-id="StartEvent_1"]').waitFor();
}

/** Clicks a shape until it is selected (a click right after typing elsewhere may only take focus). */
async function select(page: Page, id: string): Promise<void> {
  const shape = page.locator(`.djs-shape[data-element-id="${id}"]`);
  for (let attempt = 0; attempt < 3; attempt++) {
    await shape.click();
    if (await page.locator(`.djs-shape.selected[data-element-id="${id}"]`).isVisible()) return;
  }
  await page.locator(`.djs-shape.selected[data-element-id="${id}"]`).waitFor();
}

/** The context pad entry of the selected element. */
function padEntry(page: Page, action: string) {
  return page.locator(`.djs-context-pad .entry[data-action="${action}"]`);
}

async function problemTexts(page: Page): Promise<string[]> {
  return page.locator('.problem-list .problem').allTextContents();
}

/** A small diagram for the diff: start, the given tasks in a row, end; each with its shape. */
function rowDiagram(key: string, tasks: Array<{ id: string; name: string }>): string {
  const ids = ['Start', ...tasks.map((t) => t.id), 'End'];
  const x = (i: number) => 150 + i * 160;
  const nodes = [
    '<bpmn:startEvent id="Start" name="Start" />',
    ...tasks.map((t) => `<bpmn:userTask id="${t.id}" name="${t.name}" />`),
    '<bpmn:endEvent id="End" name="Done" />',
  ];
  const flows = ids.slice(1).map((id, i) => `<bpmn:sequenceFlow id="Flow_${ids[i]}_${id}" sourceRef="${ids[i]}" targetRef="${id}" />`);
  const shapes = ids.map((id, i) => {
    const task = i > 0 && i < ids.length - 1;
    const [w, hgt] = task ? [100, 80] : [36, 36];
    return `<bpmndi:BPMNShape id="${id}_di" bpmnElement="${id}"><dc:Bounds x="${x(i) - w / 2}" y="${140 - hgt / 2}" width="${w}" height="${hgt}" /></bpmndi:BPMNShape>`;
  });
  const edges = ids.slice(1).map((id, i) => `<bpmndi:BPMNEdge id="Flow_${ids[i]}_${id}_di" bpmnElement="Flow_${ids[i]}_${id}"><di:waypoint x="${x(i) + (i === 0 ? 18 : 50)}" y="140" /><di:waypoint x="${x(i + 1) - (i + 1 === ids.length - 1 ? 18 : 50)}" y="140" /></bpmndi:BPMNEdge>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="Definitions_${key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${key}" name="Order check" isExecutable="true">${nodes.join('')}${flows.join('')}</bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1"><bpmndi:BPMNPlane id="Plane_1" bpmnElement="${key}">${shapes.join('')}${edges.join('')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}

describe('designer (browser)', function () {
  this.timeout(180_000);
  let server: RunningServer;
  let admin: Api;
  let browser: BrowserSession;
  let page: Page;

  before(async function () {
    if (!chromiumPath()) {
      console.warn(SKIP_REASON);
      this.skip();
    }
    await buildDesigner({ ifStale: true, quiet: true });
    mkdirSync(shotsDir, { recursive: true });
    server = await startServer();
    admin = await Api.login(server.url, 'admin', server.adminPassword);
    await admin.call('POST', '/api/users', { ...ANALYST, roles: ['analyst'], groups: [] });
    await createUsers(admin, [USERS.aziz]);
    await admin.call('POST', '/api/crm/customers', { id: 'cus_designer', kind: 'company', name: 'Designer Test LLC', address: 'Tashkent, Amir Temur 1' });
    browser = await openBrowser({ width: 1440, height: 900 });
    page = browser.page;
  });

  afterEach(async function () {
    // A failed step leaves the page as it was: keep a picture of it for the report.
    if (this.currentTest?.state === 'failed' && page) await page.screenshot({ path: path.join(os.tmpdir(), `designer-failed-${Date.now()}.png`) }).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('draws, checks, deploys and watches a process with an element template', async () => {
    // given an analyst in the designer with a new diagram
    await signInDesigner(page, server.url);

    // when they append a task to the start event and name it
    await page.locator('.djs-element[data-element-id="StartEvent_1"]').click();
    await padEntry(page, 'append.append-task').click();
    await page.locator('.djs-direct-editing-parent').waitFor();
    await page.keyboard.type('Get customer card');
    await page.locator('.canvas').click({ position: { x: 700, y: 600 } });
    const task = page.locator('.djs-shape[data-element-id^="Activity_"]').first();
    const taskId = (await task.getAttribute('data-element-id'))!;

    // and choose the CRM template for it in the properties panel
    await task.click();
    await page.locator('.bio-properties-panel-select-template-button').click();
    await page.locator('.djs-popup-search input').fill('customer card');
    await page.locator('.djs-popup .entry[data-id="apply-template-io.karvon.crm.getCustomerCard"]').click();

    // then the task is a service task of type crm.getCustomerCard
    const taskType = await page.evaluate<string>(`(() => {
      const el = window.karvonModeler.get('elementRegistry').get(${JSON.stringify(taskId)});
      const ext = el.businessObject.extensionElements.values.find((v) => v.$type === 'zeebe:TaskDefinition');
      return el.businessObject.$type + ' ' + ext.type;
    })()`);
    expect(taskType).to.equal('bpmn:ServiceTask crm.getCustomerCard');

    // and the checker reports the empty customer id and the missing end event
    await page.locator('.problem-list .problem-error', { hasText: 'Customer ID' }).waitFor();
    const before = await problemTexts(page);
    expect(before.join('\n')).to.match(/end event/i);
    expect(before.join('\n')).to.match(/Customer ID/i);
    await page.screenshot({ path: path.join(shotsDir, 'designer-lint.png') });

    // when they click the template problem, the task is selected
    await page.locator('.problem-list .problem', { hasText: 'Customer ID' }).click();
    await page.locator(`.djs-shape.selected[data-element-id="${taskId}"]`).waitFor();

    // and they fill in the customer id and add a user task and an end event
    const customerInput = page.locator('.bio-properties-panel-entry', { hasText: 'Customer ID' }).locator('input, [contenteditable], textarea').first();
    await customerInput.click();
    await page.keyboard.type('cus_designer');
    await select(page, taskId);
    await padEntry(page, 'append.append-task').click();
    await page.locator('.djs-direct-editing-parent').waitFor();
    await page.keyboard.type('Review card');
    await page.locator('.canvas').click({ position: { x: 700, y: 600 } });
    const review = page.locator('.djs-shape[data-element-id^="Activity_"]').nth(1);
    const reviewId = (await review.getAttribute('data-element-id'))!;
    await select(page, reviewId);
    await padEntry(page, 'replace').click();
    await page.locator('.djs-popup .entry[data-id="replace-with-user-task"]').click();
    await select(page, reviewId);
    await padEntry(page, 'append.end-event').click();
    await page.locator('.djs-direct-editing-parent').waitFor();
    await page.keyboard.type('Card reviewed');
    await page.locator('.canvas').click({ position: { x: 700, y: 600 } });

    // then no errors remain
    await page.getByRole('button', { name: 'Check' }).click();
    await page.locator('.status-ok', { hasText: /No (problems|errors)/ }).waitFor();
    expect((await problemTexts(page)).filter((t) => t.startsWith('Error'))).to.deep.equal([]);
    await page.screenshot({ path: path.join(shotsDir, 'designer-modeler.png') });

    // when they deploy
    await page.getByRole('button', { name: 'Deploy' }).click();
    const deployed = page.locator('.status-ok', { hasText: 'Deployed' });
    await deployed.waitFor();
    expect(await deployed.textContent()).to.match(/version 1/);

    // and start an instance from the watch view
    await page.locator('.status-link').first().click();
    await page.getByRole('button', { name: 'Start instance' }).click();

    // then the token waits at the user task
    const activeBadge = page.locator('.canvas .k-badge-active');
    await activeBadge.first().waitFor();
    const userTaskId = (await activeBadge.first().getAttribute('data-element'))!;
    expect(userTaskId, 'the token waits at the user task').to.equal(reviewId);
    expect(await activeBadge.first().textContent()).to.equal('1');
    const processKey = decodeURIComponent(page.url().split('#/watch/')[1]!.split('/')[0]!);

    // when an employee completes the task in the inbox
    const tasks = await admin.call<Array<{ id: string; elementId: string }>>('GET', `/api/tasks?state=open`);
    const open = tasks.find((t) => t.elementId === userTaskId)!;
    expect(open, 'an open task for the user task').to.exist;
    await admin.call('POST', `/api/tasks/${open.id}/assign`, { assignee: USERS.aziz.username });
    const employee = await openBrowser({ width: 1280, height: 800 });
    try {
      await signIn(employee.page, server.url, USERS.aziz);
      await employee.page.getByRole('link', { name: 'Review card' }).first().click();
      await employee.page.getByRole('heading', { level: 1, name: 'Review card' }).waitFor();
      await employee.page.getByRole('button', { name: 'Complete task' }).click();
      await employee.page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();
    } finally {
      await employee.close();
    }

    // then the watch view shows the instance completed and the heatmap counts it
    await page.locator('[data-count="completed"]', { hasText: '1' }).waitFor();
    await page.locator(`.k-badge-completed[data-element="${userTaskId}"]`, { hasText: '1' }).waitFor();
    await page.locator(`.k-badge-completed[data-element="${taskId}"]`, { hasText: '1' }).waitFor();
    await page.screenshot({ path: path.join(shotsDir, 'designer-heatmap.png') });

    // and the instance view shows its path, state and variables
    await page.locator('.instance-list a').first().click();
    await page.locator('[data-field="state"]', { hasText: 'completed' }).waitFor();
    expect(await page.locator('.vars').textContent()).to.contain('customerCard');

    // and the version list names who deployed it
    await page.goto(`${server.url}/designer/#/process/${encodeURIComponent(processKey)}`);
    await page.locator('tr[data-version="1"]', { hasText: ANALYST.username }).waitFor();
    await page.locator('tr[data-version="1"] a', { hasText: 'View' }).click();
    await page.locator('.badge-readonly').waitFor();
    await page.locator('.canvas-readonly .djs-element').first().waitFor();
    expect(await page.locator('.djs-palette').count(), 'no palette in a read-only view').to.equal(0);
    expect(pageErrors(page)).to.deep.equal([]);
  });

  it('compares two versions side by side with the changes marked and listed', async () => {
    // given version 1, and a version 2 with one task renamed and one task added
    const key = 'designer_diff';
    const deploy = (xml: string) => admin.call('POST', '/api/deployments', { resources: [{ name: 'order-check.bpmn', content: xml }] });
    await deploy(rowDiagram(key, [{ id: 'Check', name: 'Check order' }]));
    await deploy(rowDiagram(key, [{ id: 'Check', name: 'Check the order' }, { id: 'Notify', name: 'Notify customer' }]));

    // when the analyst compares them from the version list
    await page.goto(`${server.url}/designer/#/process/${key}`);
    const row = page.locator('tr[data-version="2"]');
    await Promise.race([row.waitFor(), page.getByLabel('Username').waitFor()]);
    if (!(await row.isVisible())) {
      await page.getByLabel('Username').fill(ANALYST.username);
      await page.getByLabel('Password').fill(ANALYST.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await row.waitFor();
    }
    await page.getByRole('button', { name: 'Compare versions' }).click();
    await page.waitForURL(/#\/diff\/designer_diff\/1\/2$/);

    // then the list names the added and the changed task
    await page.locator('.diff-item').first().waitFor();
    const added = page.locator('.diff-item[data-kind="added"][data-element="Notify"]');
    const changed = page.locator('.diff-item[data-kind="changed"][data-element="Check"]');
    expect(await added.textContent()).to.contain('Notify customer');
    expect(await changed.textContent()).to.contain('name: Check order → Check the order');

    // and both diagrams mark them: the new task on the newer one, the rename on both
    await page.locator('[data-side="new"] .djs-element.diff-added[data-element-id="Notify"]').waitFor();
    await page.locator('[data-side="new"] .djs-element.diff-changed[data-element-id="Check"]').waitFor();
    await page.locator('[data-side="old"] .djs-element.diff-changed[data-element-id="Check"]').waitFor();
    expect(await page.locator('[data-side="old"] .djs-element[data-element-id="Notify"]').count()).to.equal(0);
    await page.screenshot({ path: path.join(shotsDir, 'designer-diff.png') });
    expect(pageErrors(page)).to.deep.equal([]);
  });

  it('edits a user task form with form-js and deploys it with the diagram', async () => {
    // given a diagram with a user task, selected
    await page.goto(`${server.url}/designer/#/`);
    await page.locator('.canvas .djs-container').waitFor();
    const accept = (d: { accept(): Promise<void> }) => void d.accept().catch(() => undefined);
    page.on('dialog', accept);
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.locator('.djs-element[data-element-id="StartEvent_1"]').waitFor();
    page.off('dialog', accept);
    await page.evaluate(`(() => {
      const m = window.karvonModeler;
      const start = m.get('elementRegistry').get('StartEvent_1');
      const task = m.get('modeling').appendShape(start, { type: 'bpmn:UserTask' });
      m.get('modeling').updateLabel(task, 'Approve leave');
      m.get('modeling').updateLabel(m.get('modeling').appendShape(task, { type: 'bpmn:EndEvent' }), 'Decided');
    })()`);
    const task = page.locator('.djs-shape', { hasText: 'Approve leave' });
    const taskId = (await task.getAttribute('data-element-id'))!;
    await select(page, taskId);

    // when they open the form editor, add a text field and save
    await page.getByRole('button', { name: 'Edit form' }).click();
    await page.locator('.form-dialog .fjs-editor-container').waitFor();
    await page.evaluate(`(() => {
      const ed = window.karvonFormEditor;
      ed.get('modeling').addFormField({ type: 'textfield', key: 'reason', label: 'Reason' }, ed._getState().schema, 0);
    })()`);
    await page.locator('.form-dialog .fjs-form-field-textfield', { hasText: 'Reason' }).waitFor();
    await page.getByRole('button', { name: 'Save form' }).click();
    await page.locator('.status-ok', { hasText: 'saved in the draft' }).waitFor();

    // then the task links the form, in one undoable step
    const formId = await page.evaluate<string>(`(() => {
      const el = window.karvonModeler.get('elementRegistry').get(${JSON.stringify(taskId)});
      return el.businessObject.extensionElements.values.find((v) => v.$type === 'zeebe:FormDefinition').formId;
    })()`);
    expect(formId).to.match(/^Form_/);
    const linkedAfterUndo = await page.evaluate<boolean>(`(() => {
      const m = window.karvonModeler;
      m.get('commandStack').undo();
      const bo = m.get('elementRegistry').get(${JSON.stringify(taskId)}).businessObject;
      const linked = !!(bo.extensionElements?.values || []).find((v) => v.$type === 'zeebe:FormDefinition');
      m.get('commandStack').redo();
      return linked;
    })()`);
    expect(linkedAfterUndo, 'undo unlinks the form').to.equal(false);

    // when they deploy and an instance starts
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.locator('.status-ok', { hasText: /^Deployed/ }).waitFor();
    const href = (await page.locator('.status-link').first().getAttribute('href'))!;
    const processKey = decodeURIComponent(href.split('#/watch/')[1]!.split('/')[0]!);
    const started = await admin.call<{ id: string }>('POST', '/api/process-instances', { processKey });

    // then the task carries the form with the field
    const tasks = await admin.call<Array<{ id: string; processInstanceId: string }>>('GET', `/api/tasks?state=open`);
    const open = tasks.find((t) => t.processInstanceId === started.id)!;
    expect(open, 'an open task').to.exist;
    const detail = await admin.call<{ form?: { id: string; components: Array<{ key: string; type: string }> } }>('GET', `/api/tasks/${open.id}`);
    expect(detail.form?.id).to.equal(formId);
    expect(detail.form?.components.map((c) => `${c.type}:${c.key}`)).to.deep.equal(['textfield:reason']);
    expect(pageErrors(page)).to.deep.equal([]);
  });

  it('keeps the draft across a reload and warns before leaving', async () => {
    await page.goto(`${server.url}/designer/#/`);
    await page.locator('.canvas .djs-container').waitFor();
    await page.getByRole('button', { name: 'New' }).click().catch(() => undefined);
    page.once('dialog', (d) => void d.accept());
    await page.locator('.djs-element[data-element-id="StartEvent_1"]').click();
    await padEntry(page, 'append.append-task').click();
    await page.keyboard.type('Draft task');
    await page.locator('.canvas').click({ position: { x: 700, y: 600 } });
    await page.waitForFunction(`JSON.parse(localStorage.getItem('karvon.designer.draft') || '{}').xml?.includes('Draft task')`);

    // the page asks before unloading with unsaved work
    let asked = false;
    page.once('dialog', (d) => {
      asked = d.type() === 'beforeunload';
      void d.accept();
    });
    await page.reload();
    await page.locator('.djs-element', { hasText: 'Draft task' }).waitFor();
    expect(asked, 'beforeunload prompt').to.equal(true);
    await page.locator('.status', { hasText: 'Restored your draft' }).waitFor();
  });

  it('shows what the engine rejects at deploy like a lint problem', async function () {
    // given a diagram the linter accepts (Camunda 8 runs it) but this engine does not execute
    const xml = readFileSync(path.join(projectRoot, 'test/browser/designer-unsupported.bpmn'), 'utf8');
    const probe = await fetch(`${server.url}/api/deployments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ resources: [{ name: 'probe.bpmn', content: xml.replaceAll('designer_unsupported', 'designer_probe') }] }),
    });
    // A DMN business rule task: Camunda 8 runs it, Karvon does not (docs/bpmn-coverage.md).
    expect(probe.status, 'the fixture must use something the engine rejects').to.equal(422);
    await page.evaluate(`window.karvonModeler.importXML(${JSON.stringify(xml)})`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Deploy' }).click();
    const engine = page.locator('.problem-list .problem', { hasText: 'Engine' }).first();
    await engine.waitFor();
    const elementId = (await engine.getAttribute('data-element'))!;
    await engine.click();
    await page.locator(`.djs-element.selected[data-element-id="${elementId}"]`).waitFor();
  });

  it('does not flag the conditional events the engine executes, and flags the one it rejects', async () => {
    // given a diagram (at the designer's Zeebe 8.6 level) with a conditional boundary event, an intermediate conditional catch event and a
    // process-level conditional start event, of which the engine refuses only the last
    const cond = '<bpmn:conditionalEventDefinition><bpmn:condition>=go</bpmn:condition></bpmn:conditionalEventDefinition>';
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="d_cond" targetNamespace="http://bpmn.io/schema/bpmn" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.6.0">
  <bpmn:process id="designer_conditional" name="Conditional" isExecutable="true">
    <bpmn:startEvent id="rootStart" name="Ready">${cond}</bpmn:startEvent>
    <bpmn:userTask id="review" name="Review"/>
    <bpmn:intermediateCatchEvent id="wait" name="Stock reserved">${cond}</bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end" name="Done"/>
    <bpmn:boundaryEvent id="changed" name="Changed" attachedToRef="review">${cond}</bpmn:boundaryEvent>
    <bpmn:endEvent id="end2" name="Changed"/>
    <bpmn:sequenceFlow id="f0" sourceRef="rootStart" targetRef="review"/><bpmn:sequenceFlow id="f1" sourceRef="review" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/><bpmn:sequenceFlow id="f3" sourceRef="changed" targetRef="end2"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="di"><bpmndi:BPMNPlane id="plane" bpmnElement="designer_conditional">
    <bpmndi:BPMNShape id="rootStart_di" bpmnElement="rootStart"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="review_di" bpmnElement="review"><dc:Bounds x="200" y="78" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="wait_di" bpmnElement="wait"><dc:Bounds x="360" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="460" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="changed_di" bpmnElement="changed"><dc:Bounds x="232" y="140" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end2_di" bpmnElement="end2"><dc:Bounds x="232" y="240" width="36" height="36"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
    // when it is opened in the designer and checked
    if (!(await page.evaluate('Boolean(window.karvonModeler)'))) await signInDesigner(page, server.url);
    await page.evaluate(`window.karvonModeler.importXML(${JSON.stringify(xml)})`);
    await page.locator('.problem-list .problem[data-element="rootStart"]').first().waitFor();
    // then the compatibility check flags only the process-level conditional start event
    const compat = await page.evaluate<string[]>(
      `window.karvonModeler.get('karvonProblems').all().filter((p) => p.rule === 'camunda-compat/element-type').map((p) => p.id)`,
    );
    expect(compat).to.deep.equal(['rootStart']);
  });

  it('round-trips every MIWG reference diagram without losing elements', async function () {
    const dir = miwgDir();
    if (!dir) this.skip();
    const files = readdirSync(dir!).filter((f) => f.endsWith('.bpmn')).sort();
    expect(files.length).to.be.greaterThan(20);
    await page.goto(`${server.url}/designer/#/`);
    await page.locator('.canvas .djs-container').waitFor();
    const losses: string[] = [];
    for (const file of files) {
      const xml = readFileSync(path.join(dir!, file), 'utf8');
      const result = await page.evaluate<{ before: Record<string, number>; after: Record<string, number>; error?: string }>(`(async () => {
        const modeler = window.karvonModeler;
        const count = (root) => {
          const seen = new Set();
          const counts = {};
          const walk = (o) => {
            if (!o || typeof o !== 'object' || seen.has(o)) return;
            seen.add(o);
            if (Array.isArray(o)) { o.forEach(walk); return; }
            if (o.$type) counts[o.$type] = (counts[o.$type] || 0) + 1;
            for (const [k, v] of Object.entries(o)) if (k !== '$parent' && k !== '$descriptor' && k !== '$model') walk(v);
          };
          walk(root);
          return counts;
        };
        try {
          const source = ${JSON.stringify(xml)};
          const before = count((await modeler.get('moddle').fromXML(source)).rootElement);
          await modeler.importXML(source);
          const { xml: out } = await modeler.saveXML({ format: true });
          const { rootElement } = await modeler.get('moddle').fromXML(out);
          return { before, after: count(rootElement) };
        } catch (e) {
          return { before: {}, after: {}, error: String(e && e.message || e) };
        }
      })()`);
      if (result.error) {
        losses.push(`${file}: ${result.error}`);
        continue;
      }
      for (const [type, n] of Object.entries(result.before)) {
        if ((result.after[type] ?? 0) < n) losses.push(`${file}: ${type} ${n} → ${result.after[type] ?? 0}`);
      }
    }
    expect(losses).to.deep.equal([]);
  });
});
