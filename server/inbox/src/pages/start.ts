// "Start a process": every deployed process a person can start (it has a none start event),
// with its start form when the start event declares one.

import { api, ApiError, type ProcessSummary } from '../api.ts';
import { clear, h, uid } from '../dom.ts';
import { humanize } from '../format.ts';
import { alertBox, describeError, toast } from '../notify.ts';
import { processList, processXml, readDiagram, type StartInfo } from '../processes.ts';
import { navigate, type Page } from '../router.ts';
import { rememberStarted } from '../started.ts';
import type { MountedForm } from '../views/form.ts';

interface Startable {
  process: ProcessSummary;
  start: StartInfo | null;
  error?: string;
}

async function describe(p: ProcessSummary): Promise<Startable> {
  try {
    const xml = await processXml(p.key, p.version);
    return { process: p, start: readDiagram(xml, p.key).start };
  } catch (err) {
    return { process: p, start: null, error: describeError(err) };
  }
}

export async function startListPage(): Promise<Page> {
  const list = await processList(true);
  const described = await Promise.all(list.map(describe));
  const manual = described.filter((d) => !d.start || d.start.manual).sort((a, b) => label(a.process).localeCompare(label(b.process)));
  const automatic = described.filter((d) => d.start && !d.start.manual);

  const el = h(
    'div',
    { class: 'page page-start' },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Start a process'), h('p', { class: 'page-sub' }, 'Pick what you want to get done. Karvon routes the work to the right people and systems.'))),
    manual.length === 0
      ? h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, 'No process can be started by hand yet'), h('p', { class: 'muted' }, 'An analyst deploys processes from the designer.'))
      : h(
          'ul',
          { class: 'process-grid' },
          manual.map((d) =>
            h(
              'li',
              { class: 'process-card card' },
              h('h2', null, label(d.process)),
              h('p', { class: 'muted small' }, `${d.process.key} · version ${d.process.version}`),
              d.start?.documentation ? h('p', null, d.start.documentation) : null,
              h('p', { class: 'small' }, d.start && (d.start.formId || d.start.formKey) ? 'Opens a start form' : 'Starts right away after you confirm'),
              h('a', { class: 'btn btn-primary', href: `#/start/${encodeURIComponent(d.process.key)}`, 'aria-label': `Start ${label(d.process)}` }, 'Start'),
            ),
          ),
        ),
    automatic.length
      ? h(
          'section',
          { class: 'automatic' },
          h('h2', null, 'Started by events'),
          h('p', { class: 'muted small' }, 'These run when a message, timer or signal arrives; nobody starts them by hand.'),
          h('ul', { class: 'plain-list' }, automatic.map((d) => h('li', null, label(d.process), h('span', { class: 'muted' }, ` · ${d.start!.triggers.map((t) => humanize(t).toLowerCase()).join(', ')}`)))),
        )
      : null,
  );
  return { el, title: 'Start a process' };
}

function label(p: ProcessSummary): string {
  return p.name || humanize(p.key);
}

/** The start form: embedded in the diagram, or a deployed form fetched by its id or key. */
async function loadStartForm(start: StartInfo): Promise<unknown | null> {
  if (start.embeddedForm) return start.embeddedForm;
  const ref = start.formId ?? start.formKey;
  return ref ? api.form(ref) : null;
}

export async function startFormPage(params: Record<string, string>): Promise<Page> {
  const key = params.key!;
  const list = await processList();
  let p = list.find((x) => x.key === key);
  if (!p) {
    const fresh = await processList(true);
    p = fresh.find((x) => x.key === key);
  }
  if (!p) throw new ApiError(404, 'NOT_FOUND', `There is no process "${key}".`);
  const process = p;
  const xml = await processXml(process.key, process.version);
  const { start } = readDiagram(xml, process.key);

  let schema: unknown | null = null;
  let formProblem: string | null = null;
  try {
    schema = await loadStartForm(start);
  } catch (err) {
    formProblem = `The start form could not be loaded: ${describeError(err)}`;
  }

  const bkId = uid('bk');
  const businessKey = h('input', { id: bkId, type: 'text', autocomplete: 'off', 'aria-describedby': `${bkId}-hint` });
  const formHost = h('div', { class: 'form-host' });
  const message = h('div', { class: 'form-message' });
  const submit = h('button', { type: 'button', class: 'btn btn-primary' }, 'Start');
  let form: MountedForm | null = null;
  let busy = false;

  async function startIt(): Promise<void> {
    if (busy) return;
    message.replaceChildren();
    let variables: Record<string, unknown> = {};
    if (form) {
      const r = form.submit();
      if (!r.ok) {
        clear(message, alertBox(r.errorCount === 1 ? 'One field needs your attention.' : `${r.errorCount} fields need your attention.`));
        message.dataset.kind = 'validation';
        return;
      }
      variables = r.data;
    }
    busy = true;
    submit.disabled = true;
    submit.textContent = 'Starting…';
    try {
      const created = await api.startInstance({
        processKey: process.key,
        version: process.version,
        businessKey: businessKey.value.trim() || undefined,
        variables,
      });
      rememberStarted(created.id);
      toast(`${label(process)} started`);
      navigate(`/cases/${encodeURIComponent(created.id)}`);
    } catch (err) {
      clear(message, alertBox(describeError(err)));
    } finally {
      busy = false;
      submit.disabled = false;
      submit.textContent = 'Start';
    }
  }
  submit.addEventListener('click', () => void startIt());

  const el = h(
    'div',
    { class: 'page page-start-form' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/start' }, '← Start a process')),
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, label(process)), start.documentation ? h('p', { class: 'page-sub' }, start.documentation) : null)),
    !start.manual ? alertBox('This process starts from an event (a message, timer or signal), so it cannot be started by hand.', 'info') : null,
    formProblem ? alertBox(formProblem, 'warning') : null,
    h(
      'section',
      { class: 'card start-card' },
      formHost,
      h(
        'div',
        { class: 'field' },
        h('label', { for: bkId }, 'Business key ', h('span', { class: 'muted' }, '(optional)')),
        businessKey,
        h('p', { class: 'hint', id: `${bkId}-hint` }, 'A reference people know this case by, such as an order or deal number.'),
      ),
      message,
      h('div', { class: 'form-actions' }, start.manual ? submit : null, h('a', { class: 'btn btn-ghost', href: '#/start' }, 'Cancel')),
    ),
  );

  if (schema) {
    const { mountForm } = await import('../views/form.ts');
    form = await mountForm(formHost, schema, {}, {
      onEnter: () => void startIt(),
      onChange: () => {
        if (message.dataset.kind === 'validation') {
          delete message.dataset.kind;
          message.replaceChildren();
        }
      },
    });
  }
  businessKey.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void startIt();
    }
  });
  return { el, title: `Start ${label(process)}`, dispose: () => form?.destroy() };
}
