// The modeling page: toolbar, canvas with minimap, Zeebe properties panel and the problem list.
// The page wires buttons to bpmn-js services; behaviour lives in the modules (see editor.ts).

import type Modeler from 'bpmn-js/lib/Modeler';
import { api, ApiError, session } from '../api.ts';
import { h, clear } from '../dom.ts';
import { blankDiagram, createModeler } from '../editor.ts';
import { describeError, download, when } from '../format.ts';
import { readDraft, discardDraft } from '../modules/drafts/index.ts';
import type { Problem } from '../modules/problems/index.ts';
import { draftForm, formResources, newFormSchema, saveDraftForm, type FormSchema } from '../forms/store.ts';

interface Problems {
  all(): Problem[];
  errors(): Problem[];
  lintNow(): Promise<Problem[]>;
  setEngineErrors(details: ApiError['details'], message: string): void;
  clearEngineErrors(): void;
  show(p: Problem): void;
}
interface Drafts {
  isDirty(): boolean;
  origin: string | null;
  markSaved(): Promise<void>;
  opened(origin: string | null, dirty?: boolean): Promise<void>;
}
interface CommandStack {
  undo(): void;
  redo(): void;
  canUndo(): boolean;
  canRedo(): boolean;
}
interface ModdleElement {
  $type: string;
  id?: string;
  name?: string;
  $parent?: ModdleElement;
  get(name: string): unknown;
}
interface Shape {
  id: string;
  businessObject: ModdleElement & { extensionElements?: ModdleElement & { values?: ModdleElement[] } };
}

/** Elements that carry a form: user tasks and start events (of a process, not of an event sub-process). */
function takesForm(el: Shape | undefined): el is Shape {
  const t = el?.businessObject.$type;
  return t === 'bpmn:UserTask' || t === 'bpmn:StartEvent';
}

function linkedFormId(el: Shape): string | null {
  const fd = el.businessObject.extensionElements?.values?.find((v) => v.$type === 'zeebe:FormDefinition');
  const id = fd?.get('formId');
  return typeof id === 'string' && id ? id : null;
}

export interface ModelerPage {
  el: HTMLElement;
  destroy(): void;
}

/** `open` is a process key to load from the server; otherwise the draft or a new diagram. */
export function modelerPage(open: string | null): ModelerPage {
  const canvasEl = h('div', { class: 'canvas', 'aria-label': 'Diagram' });
  const propertiesEl = h('aside', { class: 'properties', 'aria-label': 'Properties' });
  const problemsList = h('ul', { class: 'problem-list' });
  const problemsHeading = h('h2', { class: 'problems-heading' }, 'Problems');
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const fileInput = h('input', { type: 'file', accept: '.bpmn,.xml,application/xml,text/xml', class: 'visually-hidden', 'aria-label': 'Import a BPMN file' });
  const openDialog = h('dialog', { class: 'open-dialog', 'aria-label': 'Open a process' });

  const modeler: Modeler = createModeler(canvasEl, propertiesEl);
  // The round-trip test and browser-console users reach the moddle through this handle.
  (window as unknown as { karvonModeler?: Modeler }).karvonModeler = modeler;
  const problems = modeler.get<Problems>('karvonProblems');
  const drafts = modeler.get<Drafts>('karvonDrafts');
  const commandStack = modeler.get<CommandStack>('commandStack');

  const say = (text: string, kind: 'info' | 'ok' | 'error' = 'info', ...extra: Node[]) => clear(status, h('span', { class: `status-${kind}` }, text), ...extra);

  const btn = (label: string, onClick: () => void, attrs: Record<string, string> = {}) =>
    h('button', { type: 'button', class: 'btn', onclick: onClick as EventListener, ...attrs }, label);

  const undoBtn = btn('Undo', () => commandStack.undo(), { title: 'Undo (Ctrl+Z)' });
  const redoBtn = btn('Redo', () => commandStack.redo(), { title: 'Redo (Ctrl+Y)' });
  const deployBtn = btn('Deploy', () => void deploy(), { class: 'btn btn-primary', title: 'Check and deploy to Karvon' });
  if (!session.hasRole('admin', 'analyst')) {
    deployBtn.disabled = true;
    deployBtn.title = 'Deploying needs the analyst role';
  }
  const formBtn = btn('Edit form', () => void editSelectedForm(), { title: 'Edit the form of the selected user task or start event', disabled: 'disabled' });
  const selected = (): Shape | undefined => {
    const list = modeler.get<{ get(): Shape[] }>('selection').get();
    return list.length === 1 ? list[0] : undefined;
  };
  modeler.on('selection.changed', () => {
    formBtn.disabled = !takesForm(selected());
  });
  const syncUndo = () => {
    undoBtn.disabled = !commandStack.canUndo();
    redoBtn.disabled = !commandStack.canRedo();
  };
  modeler.on('commandStack.changed', syncUndo);

  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Diagram' },
    btn('New', () => void newDiagram()),
    btn('Open…', () => void showOpenDialog()),
    btn('Import file…', () => fileInput.click()),
    btn('Export BPMN', () => void exportBpmn()),
    btn('Export SVG', () => void exportSvg()),
    h('span', { class: 'toolbar-sep' }),
    undoBtn,
    redoBtn,
    h('span', { class: 'toolbar-sep' }),
    formBtn,
    h('span', { class: 'toolbar-sep' }),
    btn('Check', () => void problems.lintNow().then(reportCheck)),
    deployBtn,
    fileInput,
  );

  const el = h(
    'div',
    { class: 'modeler-page' },
    h('div', { class: 'modeler-bar' }, toolbar, status),
    h('div', { class: 'modeler-body' }, canvasEl, propertiesEl),
    h('section', { class: 'problems', 'aria-label': 'Problems' }, problemsHeading, problemsList),
    openDialog,
  );

  modeler.on('karvon.problems.changed', (e: { problems: Problem[] }) => renderProblems(e.problems));

  function renderProblems(list: Problem[]): void {
    const errors = list.filter((p) => p.category === 'error' || p.category === 'rule-error').length;
    problemsHeading.textContent = list.length ? `Problems (${errors} error${errors === 1 ? '' : 's'}, ${list.length - errors} warning${list.length - errors === 1 ? '' : 's'})` : 'Problems';
    clear(
      problemsList,
      list.length === 0
        ? h('li', { class: 'problem-none' }, 'No problems found.')
        : list.map((p) =>
            h(
              'li',
              null,
              h(
                'button',
                { type: 'button', class: `problem problem-${p.category === 'rule-error' ? 'error' : p.category}`, 'data-element': p.id, onclick: (() => problems.show(p)) as EventListener },
                h('span', { class: 'problem-kind' }, p.source === 'engine' ? 'Engine' : p.category === 'warn' ? 'Warning' : p.category === 'info' ? 'Info' : 'Error'),
                h('span', { class: 'problem-element' }, elementLabel(p.id)),
                h('span', { class: 'problem-message' }, p.message),
              ),
            ),
          ),
    );
  }

  function elementLabel(id: string): string {
    const registry = modeler.get<{ get(id: string): { businessObject: ModdleElement } | undefined }>('elementRegistry');
    const bo = registry.get(id)?.businessObject;
    if (!bo) return id;
    return bo.name ? `${bo.name}` : `${bo.$type.replace('bpmn:', '')} ${id}`;
  }

  function reportCheck(list: Problem[]): void {
    const errors = list.filter((p) => p.category === 'error' || p.category === 'rule-error').length;
    if (errors) say(`${errors} problem${errors === 1 ? '' : 's'} to fix before deploying.`, 'error');
    else say(list.length ? 'No errors; see the warnings below.' : 'No problems found.', 'ok');
  }

  async function importXml(xml: string, origin: string | null, dirty: boolean): Promise<boolean> {
    try {
      const { warnings } = await modeler.importXML(xml);
      await drafts.opened(origin, dirty);
      syncUndo();
      const canvas = modeler.get<{ zoom(level: string, center?: string): void }>('canvas');
      canvas.zoom('fit-viewport', 'auto');
      if (warnings.length) say(`Opened with ${warnings.length} import warning${warnings.length === 1 ? '' : 's'}: ${(warnings[0] as unknown as { message?: string } | undefined)?.message ?? ""}`, 'info');
      return true;
    } catch (err) {
      say(`This file could not be opened: ${describeError(err)}`, 'error');
      return false;
    }
  }

  function mayReplace(): boolean {
    return !drafts.isDirty() || window.confirm('Your diagram has changes that are not deployed or exported. Replace it anyway?');
  }

  async function newDiagram(): Promise<void> {
    if (!mayReplace()) return;
    if (await importXml(blankDiagram(), null, false)) say('New diagram.');
  }

  async function openProcess(key: string): Promise<void> {
    try {
      const xml = await api.processXml(key);
      if (await importXml(xml, key, false)) say(`Opened ${key} (latest version).`);
    } catch (err) {
      say(`Could not open ${key}: ${describeError(err)}`, 'error');
    }
  }

  async function showOpenDialog(): Promise<void> {
    const list = h('ul', { class: 'open-list' }, h('li', null, 'Loading…'));
    clear(openDialog, h('h2', null, 'Open a process'), list, h('div', { class: 'dialog-actions' }, btn('Cancel', () => openDialog.close())));
    openDialog.showModal();
    try {
      const processes = await api.processes();
      clear(
        list,
        processes.length === 0
          ? h('li', null, 'No processes are deployed yet.')
          : processes.map((p) =>
              h(
                'li',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'open-item',
                    onclick: (() => {
                      if (!mayReplace()) return;
                      openDialog.close();
                      window.location.hash = `#/edit/${encodeURIComponent(p.key)}`;
                    }) as EventListener,
                  },
                  h('strong', null, p.name ?? p.key),
                  h('span', { class: 'muted' }, ` ${p.key} · version ${p.version}`),
                ),
              ),
            ),
      );
    } catch (err) {
      clear(list, h('li', { class: 'status-error' }, describeError(err)));
    }
  }

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file || !mayReplace()) return;
    // An imported file is new work until it is deployed or exported again.
    if (await importXml(await file.text(), null, true)) say(`Imported ${file.name}.`);
  });

  function processIds(): string[] {
    const defs = modeler.getDefinitions() as unknown as ModdleElement | undefined;
    const roots = (defs?.get('rootElements') as ModdleElement[] | undefined) ?? [];
    return roots.filter((r) => r.$type === 'bpmn:Process').map((r) => r.id ?? '');
  }

  function fileBase(): string {
    return (processIds()[0] || 'diagram').replace(/[^\w.-]+/g, '_');
  }

  async function exportBpmn(): Promise<void> {
    const { xml } = await modeler.saveXML({ format: true });
    if (!xml) return;
    download(`${fileBase()}.bpmn`, xml, 'application/xml');
    await drafts.markSaved();
    say(`Exported ${fileBase()}.bpmn.`, 'ok');
  }

  async function exportSvg(): Promise<void> {
    const { svg } = await modeler.saveSVG();
    download(`${fileBase()}.svg`, svg, 'image/svg+xml');
    say(`Exported ${fileBase()}.svg.`, 'ok');
  }

  /** Opens the selected element's form (the draft's, the deployed one, or a new one) in form-js. */
  async function editSelectedForm(): Promise<void> {
    const element = selected();
    if (!takesForm(element)) return;
    const linked = linkedFormId(element);
    let schema: FormSchema | null = linked ? draftForm(linked) : null;
    try {
      if (linked && !schema) schema = { ...((await api.form(linked)) as FormSchema), id: linked };
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) {
        say(`Could not load form ${linked}: ${describeError(err)}`, 'error');
        return;
      }
    }
    schema ??= linked ? { ...newFormSchema(), id: linked } : newFormSchema();
    const { editForm } = await import('../forms/editor.ts');
    const saved = await editForm(`Form of ${element.businessObject.name || element.id}`, schema);
    if (!saved) return;
    saveDraftForm(saved);
    if (linked !== saved.id) linkForm(element, saved.id);
    else void drafts.opened(drafts.origin, true);
    say(`Form ${saved.id} saved in the draft; it is deployed with the diagram.`, 'ok');
  }

  /** Sets zeebe:formDefinition formId in one undoable command. */
  function linkForm(element: Shape, formId: string): void {
    const moddle = modeler.get<{ create(type: string, attrs?: Record<string, unknown>): ModdleElement }>('moddle');
    const bo = element.businessObject;
    const others = (bo.extensionElements?.values ?? []).filter((v) => v.$type !== 'zeebe:FormDefinition' && v.$type !== 'zeebe:UserTaskForm');
    const definition = moddle.create('zeebe:FormDefinition', { formId });
    const extensionElements = moddle.create('bpmn:ExtensionElements', { values: [...others, definition] });
    definition.$parent = extensionElements;
    for (const v of others) v.$parent = extensionElements;
    extensionElements.$parent = bo;
    modeler.get<{ updateProperties(el: Shape, props: Record<string, unknown>): void }>('modeling').updateProperties(element, { extensionElements });
  }

  /** Form ids the diagram links through zeebe:formDefinition. */
  function linkedFormIds(): string[] {
    const registry = modeler.get<{ filter(fn: (el: Shape) => boolean): Shape[] }>('elementRegistry');
    return registry.filter((el) => takesForm(el)).map(linkedFormId).filter((id): id is string => !!id);
  }

  async function deploy(): Promise<void> {
    deployBtn.disabled = true;
    try {
      problems.clearEngineErrors();
      const list = await problems.lintNow();
      const errors = list.filter((p) => p.category === 'error' || p.category === 'rule-error');
      if (errors.length) {
        say(`Not deployed: ${errors.length} problem${errors.length === 1 ? '' : 's'} to fix first (see below).`, 'error');
        return;
      }
      const { xml } = await modeler.saveXML({ format: true });
      if (!xml) return;
      say('Deploying…');
      const result = await api.deploy([{ name: `${fileBase()}.bpmn`, content: xml }, ...formResources(linkedFormIds())]);
      await drafts.markSaved();
      const summary = result.processes.map((p) => `${p.name ?? p.key} version ${p.version}`).join(', ');
      const links = result.processes.map((p) =>
        h('a', { href: `#/watch/${encodeURIComponent(p.key)}/${p.version}`, class: 'status-link' }, `Watch ${p.key} v${p.version}`),
      );
      say(result.created ? `Deployed ${summary}.` : `Nothing changed: ${summary} is already deployed.`, 'ok', ...links);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        problems.setEngineErrors(err.details, err.message);
        say(`Karvon rejected the diagram: ${err.message}`, 'error');
      } else if (err instanceof ApiError && err.status === 400 && err.details.length) {
        problems.setEngineErrors(err.details, err.message);
        say(`Karvon could not read the diagram: ${err.message}`, 'error');
      } else {
        say(`Deploy failed: ${describeError(err)}`, 'error');
      }
    } finally {
      deployBtn.disabled = !session.hasRole('admin', 'analyst');
    }
  }

  async function start(): Promise<void> {
    // Templates first: a diagram that uses one must find it when the properties panel opens.
    try {
      const templates = await api.elementTemplates();
      modeler.get<{ setTemplates(t: unknown[]): void }>('elementTemplatesLoader').setTemplates(templates);
    } catch (err) {
      say(`Element templates are not available: ${describeError(err)}`, 'info');
    }
    const draft = readDraft();
    if (open) {
      if (draft?.dirty && draft.origin !== open && !window.confirm('Your draft has changes that are not deployed or exported. Replace it?')) {
        await importXml(draft.xml, draft.origin, true);
        return;
      }
      await openProcess(open);
    } else if (draft) {
      if (await importXml(draft.xml, draft.origin, draft.dirty)) say(`Restored your draft from ${when(draft.savedAt)}.`);
      else discardDraft();
    } else {
      await importXml(blankDiagram(), null, false);
    }
  }
  void start();

  return {
    el,
    destroy() {
      modeler.destroy();
      delete (window as unknown as { karvonModeler?: Modeler }).karvonModeler;
    },
  };
}
