// "My cases": process instances I started or worked on, and one case in detail with its
// diagram, where it is now, the path it took, open tasks, incidents and gathered data.

import { api, ApiError, session, type HistoryEntry, type InstanceDetail, type InstanceState, type InstanceSummary, type Task } from '../api.ts';
import { clear, h, uid } from '../dom.ts';
import { formatDateTime, humanize } from '../format.ts';
import { debounce, live } from '../live.ts';
import { alertBox, describeError } from '../notify.ts';
import { processNames, processXml, readDiagram } from '../processes.ts';
import { navigate, type Page } from '../router.ts';
import { startedHere } from '../started.ts';
import { variablesView } from '../views/variables.ts';
import type { MountedDiagram } from '../views/diagram.ts';

const STATE_LABEL: Record<InstanceState, string> = { active: 'Active', completed: 'Completed', terminated: 'Terminated', canceled: 'Canceled' };
const STATE_TONE: Record<InstanceState, string> = { active: 'info', completed: 'ok', terminated: 'neutral', canceled: 'danger' };

function stateBadge(state: InstanceState): HTMLElement {
  return h('span', { class: `badge badge-${STATE_TONE[state] ?? 'neutral'}` }, STATE_LABEL[state] ?? humanize(state));
}

/** Cases per request: the first page, and each "Load more". */
const PAGE_SIZE = 50;

export async function casesPage(): Promise<Page> {
  const me = session.user;
  let scope: 'mine' | 'all' = (sessionStorage.getItem('karvon.casesScope') as 'mine' | 'all' | null) ?? 'mine';
  let stateFilter = sessionStorage.getItem('karvon.casesState') ?? '';
  // The cases loaded so far, newest first, and where the server's next page starts.
  let instances: InstanceSummary[] = [];
  let next: string | null = null;
  let mineIds = new Set<string>();
  let names = new Map<string, string>();
  let disposed = false;
  let loaded = false;
  let loadingMore = false;
  let error: unknown = null;
  let moreError: unknown = null;
  // Bumped by every re-read of the list: a "Load more" answer for an older list is dropped.
  let generation = 0;

  const body = h('div', { class: 'cases-body' });
  const scopeId = uid('scope');
  const scopeSelect = h('select', { id: scopeId }, h('option', { value: 'mine' }, 'Cases I started or worked on'), h('option', { value: 'all' }, 'All cases I can see'));
  scopeSelect.value = scope;
  scopeSelect.addEventListener('change', () => {
    scope = scopeSelect.value as 'mine' | 'all';
    sessionStorage.setItem('karvon.casesScope', scope);
    render();
  });
  const stateId = uid('state');
  const stateSelect = h(
    'select',
    { id: stateId },
    [['', 'Any state'], ['active', 'Active'], ['completed', 'Completed'], ['canceled', 'Canceled'], ['terminated', 'Terminated']].map(([v, l]) => h('option', { value: v }, l)),
  );
  stateSelect.value = stateFilter;
  stateSelect.addEventListener('change', () => {
    stateFilter = stateSelect.value;
    sessionStorage.setItem('karvon.casesState', stateFilter);
    // The state is filtered on the server: start again from its first page.
    instances = [];
    next = null;
    loaded = false;
    render();
    void refresh();
  });

  /**
   * Re-reads the list from the top. As many cases as are on screen are read again (at least a
   * page), so a live update does not take away the pages the user loaded.
   */
  async function refresh(): Promise<void> {
    const mine = ++generation;
    try {
      const [page, done, open, nm] = await Promise.all([
        api.instancePage({ state: stateFilter || undefined, limit: Math.max(PAGE_SIZE, instances.length) }),
        api.tasks({ state: 'completed', assignee: 'me' }).catch(() => [] as Task[]),
        api.tasks({ state: 'open', assignee: 'me' }).catch(() => [] as Task[]),
        processNames(),
      ]);
      if (disposed || mine !== generation) return;
      const started = startedHere();
      mineIds = new Set<string>([...done.map((t) => t.processInstanceId), ...open.map((t) => t.processInstanceId), ...started]);
      instances = page.instances;
      next = page.next;
      moreError = null;
      names = nm;
      loaded = true;
      error = null;
    } catch (err) {
      if (mine !== generation) return;
      error = err;
    }
    if (!disposed) render();
  }

  async function loadMore(): Promise<void> {
    if (next === null || loadingMore) return;
    const mine = generation;
    loadingMore = true;
    render();
    try {
      const page = await api.instancePage({ state: stateFilter || undefined, limit: PAGE_SIZE, after: next });
      if (disposed || mine !== generation) return;
      const known = new Set(instances.map((i) => i.id));
      instances = [...instances, ...page.instances.filter((i) => !known.has(i.id))];
      next = page.next;
      moreError = null;
    } catch (err) {
      moreError = err;
    } finally {
      loadingMore = false;
    }
    if (!disposed) {
      render();
      body.querySelector<HTMLButtonElement>('.load-more')?.focus();
    }
  }

  function isMine(i: InstanceSummary): boolean {
    return (!!i.startedBy && i.startedBy === me?.username) || mineIds.has(i.id);
  }

  /** Shown while the server has more cases for this filter. */
  function moreButton(): HTMLElement | null {
    if (next === null) return null;
    return h('button', { type: 'button', class: 'btn btn-secondary load-more', disabled: loadingMore, onclick: () => void loadMore() }, loadingMore ? 'Loading…' : 'Load more cases');
  }

  function render(): void {
    if (error && !loaded) {
      clear(body, alertBox(`The cases could not be loaded: ${describeError(error)}`));
      return;
    }
    if (!loaded) {
      clear(body, h('p', { class: 'loading' }, 'Loading cases…'));
      return;
    }
    const moreFailed = moreError ? alertBox(`More cases could not be loaded: ${describeError(moreError)}`) : null;
    const rows = instances.filter((i) => scope === 'all' || isMine(i));
    if (rows.length === 0) {
      clear(
        body,
        h(
          'div',
          { class: 'empty' },
          h('p', { class: 'empty-title' }, next === null ? 'No cases here yet' : 'None of the latest cases'),
          h(
            'p',
            { class: 'muted' },
            next !== null ? 'Older cases may match: load more to look further back.' : scope === 'mine' ? 'Cases you start or work on show up here.' : 'No case matches this filter.',
          ),
        ),
        moreFailed,
        moreButton(),
      );
      return;
    }
    clear(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data-table cases-table responsive' },
          h('caption', { class: 'visually-hidden' }, 'Cases'),
          h('thead', null, h('tr', null, ['Process', 'Business key', 'State', 'Started', 'Ended'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            null,
            rows.map((i) =>
              h(
                'tr',
                null,
                h('td', { 'data-label': 'Process' }, h('a', { href: `#/cases/${encodeURIComponent(i.id)}` }, names.get(i.processKey) ?? humanize(i.processKey))),
                h('td', { 'data-label': 'Business key' }, i.businessKey ?? h('span', { class: 'muted' }, '—')),
                h('td', { 'data-label': 'State' }, stateBadge(i.state)),
                h('td', { 'data-label': 'Started' }, formatDateTime(i.startedAt)),
                h('td', { 'data-label': 'Ended' }, i.endedAt ? formatDateTime(i.endedAt) : h('span', { class: 'muted' }, '—')),
              ),
            ),
          ),
        ),
      ),
      moreFailed,
      moreButton(),
    );
  }

  const el = h(
    'div',
    { class: 'page page-cases' },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'My cases'), h('p', { class: 'page-sub' }, 'Follow the processes you started or took part in.'))),
    h(
      'section',
      { class: 'filters', 'aria-label': 'Filters' },
      h('div', { class: 'filter-grid' }, h('div', { class: 'field' }, h('label', { for: scopeId }, 'Show'), scopeSelect), h('div', { class: 'field' }, h('label', { for: stateId }, 'State'), stateSelect)),
    ),
    body,
  );
  render();
  const refreshSoon = debounce(() => void refresh(), 500);
  const unsubscribe = live.subscribe(() => refreshSoon());
  await refresh();
  return {
    el,
    title: 'My cases',
    dispose: () => {
      disposed = true;
      unsubscribe();
    },
  };
}

interface Step {
  elementId: string;
  state: 'active' | 'completed' | 'terminated';
  startedAt: string;
  endedAt: string | null;
}

/** Pairs each activation with its completion, so the timeline shows one line per step. */
function stepsOf(history: HistoryEntry[]): Step[] {
  const steps: Step[] = [];
  const open = new Map<string, Step[]>();
  for (const e of history) {
    if (e.elementType === 'sequenceFlow' || e.event === 'taken' || /process$/i.test(e.elementType)) continue;
    if (e.event === 'activated') {
      const step: Step = { elementId: e.elementId, state: 'active', startedAt: e.at, endedAt: null };
      steps.push(step);
      open.set(e.elementId, [...(open.get(e.elementId) ?? []), step]);
    } else {
      const pending = open.get(e.elementId);
      const step = pending?.shift();
      if (step) {
        step.state = e.event === 'completed' ? 'completed' : 'terminated';
        step.endedAt = e.at;
      } else {
        steps.push({ elementId: e.elementId, state: e.event === 'completed' ? 'completed' : 'terminated', startedAt: e.at, endedAt: e.at });
      }
    }
  }
  return steps;
}

/**
 * The API shows an employee only the cases in which they have or had a task. A case they just
 * started may not have reached them yet (service tasks run first) or may never (it goes to
 * another team): say so, and open the case by itself once it becomes visible.
 */
function notVisibleYet(id: string): Page {
  const started = startedHere().has(id);
  const el = h(
    'div',
    { class: 'page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, '← My cases')),
    h('h1', null, started ? 'Your case is on its way' : 'This case is not open to you'),
    alertBox(
      started
        ? 'Karvon is working on the case you started. It opens here as soon as a task in it reaches you or your group; if it goes to another team only, they take it from here.'
        : 'You see the cases in which you have or had a task. This one opens here by itself if a task in it reaches you or your group.',
      'info',
      h('a', { class: 'btn btn-secondary btn-small', href: '#/' }, 'Back to inbox'),
    ),
  );
  let disposed = false;
  const check = async () => {
    try {
      await api.instance(id);
      if (!disposed) navigate(`/cases/${encodeURIComponent(id)}`);
    } catch {
      // Still not visible; the next event or tick tries again.
    }
  };
  const unsubscribe = live.subscribe(() => void check());
  const timer = window.setInterval(() => void check(), 4000);
  return {
    el,
    title: 'Case',
    dispose: () => {
      disposed = true;
      unsubscribe();
      window.clearInterval(timer);
    },
  };
}

export async function casePage(params: Record<string, string>): Promise<Page> {
  const id = params.id!;
  let inst: InstanceDetail;
  try {
    inst = await api.instance(id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return notVisibleYet(id);
    throw err;
  }
  const names = await processNames();
  let history: HistoryEntry[] = await api.history(id).catch(() => []);
  let tasks: Task[] = await api.tasks({ processInstanceId: id, state: 'open' }).catch(() => []);
  const xml = await processXml(inst.processKey, inst.version).catch(() => null);
  const diagramInfo = xml ? readDiagram(xml, inst.processKey) : null;
  const elementName = (elementId: string) => diagramInfo?.names.get(elementId) ?? humanize(elementId);

  let diagram: MountedDiagram | null = null;
  let disposed = false;

  const headSide = h('div', { class: 'head-side' });
  const nowEl = h('div');
  const tasksEl = h('div');
  const incidentsEl = h('div');
  const timelineEl = h('div');
  const varsEl = h('div');
  const diagramHost = h('div', { class: 'diagram', role: 'img' });

  function done(): string[] {
    return history.filter((e) => e.event === 'completed' || e.event === 'taken' || e.event === 'terminated').map((e) => e.elementId);
  }

  function render(): void {
    clear(headSide, stateBadge(inst.state), h('p', { class: 'muted small' }, `Started ${formatDateTime(inst.startedAt)}`, inst.endedAt ? ` · ended ${formatDateTime(inst.endedAt)}` : ''));
    const active = inst.activeElements ?? [];
    diagramHost.setAttribute(
      'aria-label',
      `Process diagram. ${active.length ? `Now at: ${active.map(elementName).join(', ')}.` : `The case is ${STATE_LABEL[inst.state]?.toLowerCase() ?? inst.state}.`}`,
    );
    clear(
      nowEl,
      inst.state === 'active'
        ? active.length
          ? h('p', null, 'Now at: ', active.map((a, i) => [i ? ', ' : '', h('strong', null, elementName(a))]))
          : h('p', { class: 'muted' }, 'Moving on…')
        : h('p', null, `This case is ${STATE_LABEL[inst.state]?.toLowerCase() ?? inst.state}.`),
    );
    clear(
      tasksEl,
      tasks.length
        ? h(
            'ul',
            { class: 'plain-list' },
            tasks.map((t) => h('li', null, h('a', { href: `#/tasks/${encodeURIComponent(t.id)}` }, t.name), h('span', { class: 'muted' }, ` · ${t.assignee ? `assigned to ${t.assignee}` : `offered to ${t.candidateGroups.join(', ') || 'candidates'}`}`))),
          )
        : h('p', { class: 'muted' }, inst.state === 'active' ? 'No open task you can see: the case waits for a system, a message or a timer.' : 'No open tasks.'),
    );
    const incidents = inst.incidents ?? [];
    clear(
      incidentsEl,
      incidents.length
        ? h(
            'section',
            { class: 'panel incidents' },
            h('h2', null, 'Problems'),
            h('ul', { class: 'plain-list' }, incidents.map((i) => h('li', null, h('strong', null, elementName(i.elementId)), `: ${i.message}`, h('span', { class: 'muted' }, ` · ${formatDateTime(i.createdAt)}`)))),
            h('p', { class: 'muted small' }, 'An administrator resolves these; the case continues afterwards.'),
          )
        : null,
    );
    const steps = stepsOf(history);
    clear(
      timelineEl,
      steps.length
        ? h(
            'ol',
            { class: 'timeline' },
            steps.map((step) =>
              h(
                'li',
                { class: `tl-${step.state}` },
                h('span', { class: 'tl-name' }, elementName(step.elementId)),
                h(
                  'span',
                  { class: 'muted small block' },
                  step.state === 'active' ? `in progress since ${formatDateTime(step.startedAt)}` : `${step.state === 'completed' ? 'done' : 'stopped'} ${formatDateTime(step.endedAt)}`,
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No steps recorded yet.'),
    );
    clear(varsEl, variablesView(inst.variables ?? {}));
    diagram?.highlight({ active, done: done(), incidents: (inst.incidents ?? []).map((i) => i.elementId) });
  }

  async function reload(): Promise<void> {
    try {
      const [i, hist, t] = await Promise.all([api.instance(id), api.history(id).catch(() => history), api.tasks({ processInstanceId: id, state: 'open' }).catch(() => tasks)]);
      if (disposed) return;
      inst = i;
      history = hist;
      tasks = t;
      render();
    } catch {
      // Keep showing the last known state; the next event or poll tries again.
    }
  }

  const el = h(
    'div',
    { class: 'page page-case' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, '← My cases')),
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        null,
        h('h1', null, names.get(inst.processKey) ?? humanize(inst.processKey), inst.businessKey ? h('span', { class: 'h1-sub' }, ` #${inst.businessKey}`) : null),
        h('p', { class: 'page-sub' }, `Case ${inst.id} · version ${inst.version}`),
      ),
      headSide,
    ),
    h(
      'section',
      { class: 'card diagram-card', 'aria-labelledby': 'where-h' },
      h('h2', { id: 'where-h' }, 'Where the case is'),
      nowEl,
      xml ? diagramHost : alertBox('The diagram of this process version could not be loaded.', 'warning'),
      h(
        'ul',
        { class: 'legend', 'aria-label': 'Legend' },
        h('li', null, h('span', { class: 'sw sw-active', 'aria-hidden': 'true' }), 'Now'),
        h('li', null, h('span', { class: 'sw sw-done', 'aria-hidden': 'true' }), 'Done'),
        h('li', null, h('span', { class: 'sw sw-incident', 'aria-hidden': 'true' }), 'Problem'),
      ),
    ),
    incidentsEl,
    h(
      'div',
      { class: 'case-grid' },
      h('section', { class: 'card', 'aria-labelledby': 'open-h' }, h('h2', { id: 'open-h' }, 'Open tasks'), tasksEl, h('h2', null, 'Steps so far'), timelineEl),
      h('section', { class: 'card', 'aria-labelledby': 'data-h' }, h('h2', { id: 'data-h' }, 'What the process gathered'), varsEl),
    ),
  );

  render();
  async function drawDiagram(): Promise<void> {
    if (!xml) return;
    try {
      const { mountDiagram } = await import('../views/diagram.ts');
      if (disposed) return;
      diagram = await mountDiagram(diagramHost, xml);
      if (disposed) diagram.destroy();
      else render();
    } catch (err) {
      clear(diagramHost, alertBox(`The diagram could not be drawn: ${describeError(err)}`, 'warning'));
    }
  }
  const reloadSoon = debounce(() => void reload(), 300);
  const unsubscribe = live.subscribe((e) => {
    if (!e.processInstanceId || e.processInstanceId === id) reloadSoon();
  });
  // Whatever changed between the first read and subscribing is picked up by one more read.
  reloadSoon();
  // Employees get live events for tasks only, not for service tasks or timers moving a case
  // on, so an active case is also re-read every few seconds while it is on screen.
  const timer = window.setInterval(() => {
    if (inst.state === 'active' && document.visibilityState === 'visible') void reload();
  }, 8000);
  return {
    el,
    title: `Case ${inst.businessKey ?? inst.id}`,
    mounted: () => void drawDiagram(),
    dispose: () => {
      disposed = true;
      unsubscribe();
      window.clearInterval(timer);
      diagram?.destroy();
    },
  };
}
