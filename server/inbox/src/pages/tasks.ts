// The inbox: open tasks assigned to me or offered to my groups, with filters, search by
// business data, saved filters and claim/unclaim. Refreshes itself on live events.

import { api, session, type Task } from '../api.ts';
import { clear, h, uid } from '../dom.ts';
import { dueState, priorityBand } from '../format.ts';
import { EMPTY_FILTER, loadCurrent, loadSaved, sameFilter, saveCurrent, storeSaved, type TaskFilter } from '../filters.ts';
import { debounce, live } from '../live.ts';
import { alertBox, describeError, toast } from '../notify.ts';
import { processNames } from '../processes.ts';
import type { Page } from '../router.ts';
import { humanize } from '../format.ts';
import { assigneeText, compareTasks, dueBadge, priorityBadge } from '../views/task-meta.ts';
import { businessSummary, searchableText } from '../views/variables.ts';

interface Known {
  summary: string;
  text: string;
  businessKey: string | null;
}

/** Business data of tasks, fetched once per task: the list endpoint has no variables. */
const knownCache = new Map<string, Known>();

export async function tasksPage(): Promise<Page> {
  const me = session.user;
  const username = me?.username ?? '';
  let filter = loadCurrent(username);
  let saved = loadSaved(username);
  let tasks: Task[] = [];
  let names = new Map<string, string>();
  let seen: Set<string> | null = null;
  let disposed = false;
  let loadError: unknown = null;

  const heading = h('h1', null, 'Inbox');
  const count = h('p', { class: 'page-sub', 'aria-live': 'polite' });
  const listEl = h('div', { class: 'task-list-wrap' });
  const savedEl = h('div', { class: 'saved-filters' });

  // --- filter controls -------------------------------------------------------------------
  const scopeButtons = (['all', 'mine', 'unassigned'] as const).map((scope) =>
    h(
      'button',
      { type: 'button', class: 'seg', 'data-scope': scope, 'aria-pressed': String(filter.scope === scope), onclick: () => update({ scope }) },
      scope === 'all' ? 'All' : scope === 'mine' ? 'Assigned to me' : 'Unassigned',
    ),
  );
  const searchId = uid('search');
  const search = h('input', {
    id: searchId,
    type: 'search',
    value: filter.search,
    placeholder: 'Customer, deal, business key…',
    autocomplete: 'off',
  });
  // The filter takes the text at once (so saving a filter right after typing keeps it); only
  // re-rendering the list waits for a pause in typing.
  const renderSoon = debounce(() => update({}), 200);
  search.addEventListener('input', () => {
    filter = { ...filter, search: search.value };
    renderSoon();
  });

  const procId = uid('proc');
  const procSelect = h('select', { id: procId }, h('option', { value: '' }, 'All processes'));
  procSelect.addEventListener('change', () => update({ process: procSelect.value }));

  const dueId = uid('due');
  const dueSelect = h(
    'select',
    { id: dueId },
    [['', 'Any time'], ['overdue', 'Overdue'], ['today', 'Due today'], ['week', 'Due within 7 days'], ['none', 'No due date']].map(([v, l]) => h('option', { value: v }, l)),
  );
  dueSelect.value = filter.due;
  dueSelect.addEventListener('change', () => update({ due: dueSelect.value as TaskFilter['due'] }));

  const prioId = uid('prio');
  const prioSelect = h(
    'select',
    { id: prioId },
    [['', 'Any priority'], ['high', 'High'], ['medium', 'Medium'], ['low', 'Low']].map(([v, l]) => h('option', { value: v }, l)),
  );
  prioSelect.value = filter.priority;
  prioSelect.addEventListener('change', () => update({ priority: prioSelect.value as TaskFilter['priority'] }));

  const saveNameId = uid('savename');
  const saveName = h('input', { id: saveNameId, type: 'text', placeholder: 'e.g. Urgent shipments', maxlength: '40' });
  const saveForm = h(
    'form',
    { class: 'save-filter' },
    h('label', { for: saveNameId }, 'Save these filters as'),
    h('div', { class: 'inline' }, saveName, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, 'Save')),
  );
  saveForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = saveName.value.trim();
    if (!name) {
      saveName.focus();
      return;
    }
    saved = [...saved.filter((s) => s.name !== name), { name, filter: { ...filter } }];
    storeSaved(username, saved);
    saveName.value = '';
    renderSaved();
    toast(`Filter "${name}" saved`);
  });

  const resetBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => apply({ ...EMPTY_FILTER }) }, 'Clear filters');

  const filters = h(
    'section',
    { class: 'filters', 'aria-label': 'Filters' },
    h('div', { class: 'segmented', role: 'group', 'aria-label': 'Show' }, scopeButtons),
    h(
      'div',
      { class: 'filter-grid' },
      h('div', { class: 'field field-search' }, h('label', { for: searchId }, 'Search'), search),
      h('div', { class: 'field' }, h('label', { for: procId }, 'Process'), procSelect),
      h('div', { class: 'field' }, h('label', { for: dueId }, 'Due'), dueSelect),
      h('div', { class: 'field' }, h('label', { for: prioId }, 'Priority'), prioSelect),
    ),
    h('div', { class: 'filter-actions' }, savedEl, h('details', { class: 'save-details' }, h('summary', null, 'Save filter'), saveForm), resetBtn),
  );

  function update(patch: Partial<TaskFilter>): void {
    filter = { ...filter, ...patch };
    saveCurrent(username, filter);
    syncControls();
    renderList();
    if (filter.search.trim()) void loadBusinessData();
  }

  function apply(f: TaskFilter): void {
    filter = { ...f };
    search.value = f.search;
    update({});
  }

  function syncControls(): void {
    for (const b of scopeButtons) b.setAttribute('aria-pressed', String(b.dataset.scope === filter.scope));
    procSelect.value = filter.process;
    dueSelect.value = filter.due;
    prioSelect.value = filter.priority;
    renderSaved();
  }

  function renderSaved(): void {
    clear(
      savedEl,
      saved.length ? h('span', { class: 'saved-label' }, 'Saved:') : null,
      saved.map((s) =>
        h(
          'span',
          { class: `chip${sameFilter(s.filter, filter) ? ' chip-active' : ''}` },
          h('button', { type: 'button', class: 'chip-main', 'aria-pressed': String(sameFilter(s.filter, filter)), onclick: () => apply(s.filter) }, s.name),
          h(
            'button',
            {
              type: 'button',
              class: 'chip-remove',
              'aria-label': `Delete saved filter ${s.name}`,
              onclick: () => {
                saved = saved.filter((x) => x.name !== s.name);
                storeSaved(username, saved);
                renderSaved();
              },
            },
            '×',
          ),
        ),
      ),
    );
  }

  // --- data ------------------------------------------------------------------------------
  function matches(t: Task): boolean {
    if (filter.scope === 'mine' && t.assignee !== username) return false;
    if (filter.scope === 'unassigned' && t.assignee) return false;
    if (filter.process && t.processKey !== filter.process) return false;
    if (filter.priority && priorityBand(t.priority) !== filter.priority) return false;
    if (filter.due) {
      const s = dueState(t.dueDate);
      if (filter.due === 'overdue' && s !== 'overdue') return false;
      if (filter.due === 'today' && s !== 'today' && s !== 'overdue') return false;
      if (filter.due === 'week' && s === 'later') return false;
      if (filter.due === 'week' && s === 'none') return false;
      if (filter.due === 'none' && s !== 'none') return false;
    }
    const q = filter.search.trim().toLowerCase();
    if (q) {
      const known = knownCache.get(t.id);
      const hay = [t.name, t.processKey, names.get(t.processKey) ?? '', t.businessKey ?? '', known?.businessKey ?? '', known?.text ?? ''].join(' ').toLowerCase();
      if (!q.split(/\s+/).every((word) => hay.includes(word))) return false;
    }
    return true;
  }

  let loadingBusiness = false;
  async function loadBusinessData(): Promise<void> {
    if (loadingBusiness) return;
    loadingBusiness = true;
    try {
      const missing = tasks.filter((t) => !knownCache.has(t.id)).slice(0, 200);
      // A few at a time: the inbox must not flood the server for a long list.
      for (let i = 0; i < missing.length && !disposed; i += 6) {
        const batch = missing.slice(i, i + 6);
        await Promise.all(
          batch.map(async (t) => {
            try {
              const d = await api.task(t.id);
              const vars = d.variables ?? {};
              knownCache.set(t.id, { summary: businessSummary(vars), text: searchableText(vars), businessKey: d.businessKey ?? null });
            } catch {
              knownCache.set(t.id, { summary: '', text: '', businessKey: null });
            }
          }),
        );
        if (!disposed) renderList();
      }
    } finally {
      loadingBusiness = false;
    }
  }

  async function refresh(): Promise<void> {
    try {
      const [list, nm] = await Promise.all([api.tasks({ state: 'open' }), processNames()]);
      if (disposed) return;
      loadError = null;
      names = nm;
      const fresh = list.filter((t) => !seen || !seen.has(t.id));
      if (seen && fresh.length) {
        toast(fresh.length === 1 ? `New task: ${fresh[0]!.name}` : `${fresh.length} new tasks`, 'info');
      }
      seen = new Set(list.map((t) => t.id));
      tasks = list;
      for (const id of knownCache.keys()) if (!seen.has(id)) knownCache.delete(id);
      renderProcessOptions();
      renderList();
      void loadBusinessData();
    } catch (err) {
      if (disposed) return;
      loadError = err;
      renderList();
    }
  }

  function renderProcessOptions(): void {
    const keys = Array.from(new Set([...tasks.map((t) => t.processKey), ...(filter.process ? [filter.process] : [])])).sort();
    const current = filter.process;
    clear(
      procSelect,
      h('option', { value: '' }, 'All processes'),
      keys.map((k) => h('option', { value: k }, names.get(k) ?? humanize(k))),
    );
    procSelect.value = current;
  }

  async function act(task: Task, action: 'claim' | 'unclaim'): Promise<void> {
    try {
      if (action === 'claim') await api.claim(task.id);
      else await api.unclaim(task.id);
      toast(action === 'claim' ? `You claimed "${task.name}"` : `"${task.name}" is back in the group's queue`);
    } catch (err) {
      toast(describeError(err), 'error');
    }
    await refresh();
    // Keep keyboard focus on the same task after the list re-renders.
    listEl.querySelector<HTMLElement>(`[data-task="${CSS.escape(task.id)}"] .task-action`)?.focus();
  }

  function renderList(): void {
    const visible = tasks.filter(matches).sort(compareTasks);
    const mine = tasks.filter((t) => t.assignee === username).length;
    count.textContent = seen === null ? '' : `${visible.length} of ${tasks.length} open tasks · ${mine} assigned to you`;
    if (loadError && tasks.length === 0) {
      clear(listEl, alertBox(`The tasks could not be loaded: ${describeError(loadError)}`, 'error', h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => void refresh() }, 'Try again')));
      return;
    }
    if (seen === null) {
      clear(listEl, h('p', { class: 'loading' }, 'Loading tasks…'));
      return;
    }
    if (visible.length === 0) {
      clear(
        listEl,
        h(
          'div',
          { class: 'empty' },
          h('p', { class: 'empty-title' }, tasks.length === 0 ? 'Nothing to do right now' : 'No tasks match these filters'),
          h('p', { class: 'muted' }, tasks.length === 0 ? 'New tasks for you and your groups appear here by themselves.' : 'Change or clear the filters to see more.'),
        ),
      );
      return;
    }
    const searching = filter.search.trim() && tasks.some((t) => !knownCache.has(t.id));
    clear(
      listEl,
      searching ? h('p', { class: 'muted small' }, 'Still searching business data of some tasks…') : null,
      h(
        'ul',
        { class: 'task-list', 'aria-label': 'Tasks' },
        visible.map((t) => {
          const known = knownCache.get(t.id);
          const bk = t.businessKey ?? known?.businessKey;
          const meta = [names.get(t.processKey) ?? humanize(t.processKey), bk ? `#${bk}` : ''].filter(Boolean).join(' · ');
          const isMine = t.assignee === username;
          const action = !t.assignee
            ? h('button', { type: 'button', class: 'btn btn-secondary btn-small task-action', 'aria-label': `Claim ${t.name}`, onclick: () => void act(t, 'claim') }, 'Claim')
            : isMine
              ? h('button', { type: 'button', class: 'btn btn-ghost btn-small task-action', 'aria-label': `Unclaim ${t.name}`, onclick: () => void act(t, 'unclaim') }, 'Unclaim')
              : null;
          return h(
            'li',
            { class: `task-item prio-${priorityBand(t.priority)}${isMine ? ' is-mine' : ''}`, 'data-task': t.id },
            h(
              'div',
              { class: 'task-main' },
              h('a', { class: 'task-title', href: `#/tasks/${encodeURIComponent(t.id)}` }, t.name || humanize(t.elementId)),
              h('p', { class: 'task-meta' }, meta),
              known?.summary ? h('p', { class: 'task-summary' }, known.summary) : null,
            ),
            h(
              'div',
              { class: 'task-side' },
              h('div', { class: 'badges' }, priorityBadge(t), dueBadge(t)),
              h('div', { class: 'task-assign' }, h('span', { class: 'muted small' }, assigneeText(t, me)), action),
            ),
          );
        }),
      ),
    );
  }

  const el = h(
    'div',
    { class: 'page page-tasks' },
    h('div', { class: 'page-head' }, h('div', null, heading, count), h('a', { class: 'btn btn-primary', href: '#/start' }, 'Start a process')),
    filters,
    listEl,
  );
  syncControls();
  renderList();
  // Listen before the first read: a task created while it is under way must not be missed.
  const refreshSoon = debounce(() => void refresh(), 300);
  const unsubscribe = live.subscribe(() => refreshSoon());
  await refresh();
  return {
    el,
    title: 'Inbox',
    dispose: () => {
      disposed = true;
      unsubscribe();
    },
  };
}
