// The inbox: open tasks assigned to me or offered to my groups, with filters, search by
// business data, saved filters and claim/unclaim. Refreshes itself on live events.
//
// The list is read a page at a time (the server's keyset cursor leads to the next page), and
// what the server can filter (assigned to me, process, search in task name, business key,
// process key and the task's stored variable values) it filters. The rest (unassigned, due,
// priority) applies to the tasks loaded so far; the search also checks the loaded tasks' full
// variables and process names here, which finds what the server's bounded search text left out.
//
// The list on screen always belongs to one server answer for the filters now chosen: a read for
// filters the employee has left is cancelled and its answer ignored, and while the answer for
// new filters is on its way the list says so instead of showing tasks read for the old ones.

import { api, session, type Task, type TaskPage } from '../api.ts';
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

/** Tasks per request: the first page, and each "Load more". */
export const PAGE_SIZE = 50;

export async function tasksPage(): Promise<Page> {
  const me = session.user;
  const username = me?.username ?? '';
  let filter = loadCurrent(username);
  let saved = loadSaved(username);
  /** What the server returned for the current server-side filters, page after page. */
  let tasks: Task[] = [];
  let next: string | null = null;
  /** While searching: the first page without the search, checked against process variables here. */
  let unsearched: Task[] = [];
  /** The server-side filters `tasks` was read with; another set starts again from the first page. */
  let loadedKey: string | null = null;
  /** The server-side filters of the latest read, answered or not. */
  let requestedKey: string | null = null;
  /** Counts list reads; an answer to any but the latest is dropped. */
  let generation = 0;
  /** Cancels the latest list read (and a "Load more" of the list it replaces). */
  let listAbort = new AbortController();
  let reading = false;
  let loadingMore = false;
  /** The latest list read; "Load more" started during it continues from its answer. */
  let currentRead: Promise<void> = Promise.resolve();
  /** A re-read for the same filters asked for while "Load more" was reading: it runs after. */
  let rereadAfterMore = false;
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
    syncBusy();
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
    // Compared with the latest read, not the loaded list: going back to the loaded filters while
    // a read for others is under way must still cancel that read. A failed read is tried again.
    if (serverKey() !== requestedKey || loadError !== null) void refresh();
    else if (filter.search.trim()) void loadBusinessData();
    renderList();
  }

  function serverParams(): { assignee?: string; processKey?: string; q?: string } {
    const q = filter.search.trim();
    return {
      ...(filter.scope === 'mine' ? { assignee: 'me' } : {}),
      ...(filter.process ? { processKey: filter.process } : {}),
      ...(q ? { q } : {}),
    };
  }

  function serverKey(): string {
    return JSON.stringify(serverParams());
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
    return true;
  }

  /** A task of the unsearched page that the server's search missed: its variables may match. */
  function matchesBusinessData(t: Task): boolean {
    const q = filter.search.trim().toLowerCase();
    const known = knownCache.get(t.id);
    const hay = [t.name, t.processKey, names.get(t.processKey) ?? '', t.businessKey ?? '', known?.businessKey ?? '', known?.text ?? ''].join(' ').toLowerCase();
    return q.split(/\s+/).every((word) => hay.includes(word));
  }

  /** The tasks to show: the server's, plus (while searching) loaded ones matching by variables. */
  function shownTasks(): Task[] {
    const list = [...tasks];
    if (filter.search.trim() && loadedKey === serverKey()) {
      const ids = new Set(list.map((t) => t.id));
      for (const t of unsearched) if (!ids.has(t.id) && matchesBusinessData(t)) list.push(t);
    }
    return list.filter(matches).sort(compareTasks);
  }

  function loaded(): Task[] {
    const ids = new Set(tasks.map((t) => t.id));
    return [...tasks, ...unsearched.filter((t) => !ids.has(t.id))];
  }

  let loadingBusiness = false;
  async function loadBusinessData(): Promise<void> {
    if (loadingBusiness) return;
    loadingBusiness = true;
    try {
      // A few at a time, so the inbox does not flood the server for a long list. Tasks that a
      // live update or "Load more" brings meanwhile are picked up by looking again after each
      // batch; a call that returned at once because this loop was running would miss them.
      for (let fetched = 0; fetched < 200 && !disposed; ) {
        const batch = loaded()
          .filter((t) => !knownCache.has(t.id))
          .slice(0, 6);
        if (batch.length === 0) break;
        fetched += batch.length;
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

  /**
   * Reads the list again from the first task: as many as are loaded (so a live update keeps
   * what the user scrolled to), or one page when the server-side filters changed.
   */
  function refresh(): Promise<void> {
    // A debounced live update can fire after the page was left.
    if (disposed) return Promise.resolve();
    // Cancelling "Load more" for a live update would drop the page the employee asked for: the
    // re-read waits for it instead, and then covers every task loaded.
    if (loadingMore && serverKey() === requestedKey) {
      rereadAfterMore = true;
      return Promise.resolve();
    }
    return (currentRead = read());
  }

  async function read(): Promise<void> {
    const key = serverKey();
    const params = serverParams();
    const sameQuery = key === loadedKey;
    const limit = sameQuery ? Math.max(PAGE_SIZE, tasks.length) : PAGE_SIZE;
    const mine = ++generation;
    listAbort.abort();
    const abort = (listAbort = new AbortController());
    requestedKey = key;
    reading = true;
    rereadAfterMore = false;
    loadError = null;
    syncBusy();
    try {
      const [page, plain, nm] = await Promise.all([
        api.taskPage({ ...params, limit }, abort.signal),
        params.q ? api.taskPage({ ...params, q: undefined, limit: PAGE_SIZE }, abort.signal) : Promise.resolve(null),
        processNames(),
      ]);
      // A newer read (the user typed on, a live update) has started: this answer is out of date.
      if (disposed || mine !== generation) return;
      reading = false;
      loadError = null;
      names = nm;
      const list = page.tasks;
      const fresh = list.filter((t) => !seen || !seen.has(t.id));
      if (seen && sameQuery && fresh.length) {
        toast(fresh.length === 1 ? `New task: ${fresh[0]!.name}` : `${fresh.length} new tasks`, 'info');
      }
      tasks = list;
      next = page.next;
      unsearched = plain?.tasks ?? [];
      loadedKey = key;
      seen = new Set(loaded().map((t) => t.id));
      for (const id of knownCache.keys()) if (!seen.has(id)) knownCache.delete(id);
      renderProcessOptions();
      renderList();
      void loadBusinessData();
    } catch (err) {
      if (disposed || mine !== generation) return;
      reading = false;
      loadError = err;
      renderList();
    }
  }

  async function loadMore(): Promise<void> {
    if (next === null || loadingMore) return;
    loadingMore = true;
    syncBusy();
    try {
      await readMore();
    } finally {
      loadingMore = false;
      syncBusy();
      if (rereadAfterMore) {
        rereadAfterMore = false;
        void refresh();
      }
    }
  }

  async function readMore(): Promise<void> {
    // A read under way replaces the list and its cursor: continue from its answer.
    if (reading) await currentRead;
    // Another read started meanwhile (the filters changed): this cursor belongs to the old list.
    if (disposed || next === null || reading || loadedKey !== serverKey()) return;
    const mine = generation;
    const { signal } = listAbort;
    let page: TaskPage;
    try {
      page = await api.taskPage({ ...serverParams(), limit: PAGE_SIZE, after: next }, signal);
    } catch (err) {
      // Cancelled because the filters changed: the read for them answers instead.
      if (!signal.aborted) toast(describeError(err), 'error');
      return;
    }
    if (disposed || mine !== generation) return;
    const ids = new Set(tasks.map((t) => t.id));
    tasks = [...tasks, ...page.tasks.filter((t) => !ids.has(t.id))];
    next = page.next;
    for (const t of page.tasks) seen?.add(t.id);
    renderProcessOptions();
    renderList();
    void loadBusinessData();
    // Keep keyboard focus in the list: on the first of the new tasks.
    const first = page.tasks[0];
    if (first) listEl.querySelector<HTMLElement>(`[data-task="${CSS.escape(first.id)}"] .task-title`)?.focus();
  }

  function renderProcessOptions(): void {
    // Every deployed process, not just those of the loaded page: the filter runs on the server.
    const keys = Array.from(new Set([...names.keys(), ...tasks.map((t) => t.processKey), ...(filter.process ? [filter.process] : [])])).sort();
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

  /**
   * Draws the list again. Live updates and business data redraw it while the employee works in
   * it, so keyboard focus goes back to the same control of the same task (or "Load more"):
   * otherwise it would fall to the page's start, and a key pressed then would act on nothing.
   */
  function renderList(): void {
    const restoreFocus = keepFocus();
    drawList();
    syncBusy();
    restoreFocus();
  }

  /**
   * aria-busy="true" while the list is not (yet) the server's answer for the filters chosen, or
   * is getting its next page: assistive technology waits for the answer, and so can tests.
   */
  function syncBusy(): void {
    const settled = !reading && !loadingMore && (loadedKey === serverKey() || loadError !== null);
    listEl.setAttribute('aria-busy', String(!settled));
  }

  function keepFocus(): () => void {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !listEl.contains(active)) return () => undefined;
    const row = active.closest<HTMLElement>('[data-task]');
    const part = active.classList.contains('task-action') ? '.task-action' : '.task-title';
    const selector = row ? `[data-task="${CSS.escape(row.dataset.task ?? '')}"] ${part}` : active.classList.contains('load-more') ? '.load-more' : null;
    return () => {
      if (listEl.contains(document.activeElement)) return;
      const again = selector ? listEl.querySelector<HTMLElement>(selector) : null;
      // The task has gone (completed elsewhere): the heading is the nearest fixed point.
      (again ?? heading).focus({ preventScroll: true });
    };
  }

  function drawList(): void {
    // Tasks read for other server-side filters (the answer for these is on its way) are not
    // shown, not even those the new filters would keep: the list would mix two filter states.
    const current = loadedKey === serverKey();
    const visible = current ? shownTasks() : [];
    const mine = visible.filter((t) => t.assignee === username).length;
    count.textContent =
      seen === null || !current ? '' : `${visible.length} open tasks shown${next !== null ? ' (more to load)' : ''} · ${mine} assigned to you`;
    if (loadError && (tasks.length === 0 || !current)) {
      clear(listEl, alertBox(`The tasks could not be loaded: ${describeError(loadError)}`, 'error', h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => void refresh() }, 'Try again')));
      return;
    }
    if (seen === null || !current) {
      clear(listEl, h('p', { class: 'loading', role: 'status' }, seen !== null && filter.search.trim() ? 'Searching…' : 'Loading tasks…'));
      return;
    }
    const nothingAtAll = tasks.length === 0 && unsearched.length === 0 && next === null && serverKey() === '{}';
    if (visible.length === 0) {
      clear(
        listEl,
        h(
          'div',
          { class: 'empty' },
          h('p', { class: 'empty-title' }, nothingAtAll ? 'Nothing to do right now' : 'No tasks match these filters'),
          h('p', { class: 'muted' }, nothingAtAll ? 'New tasks for you and your groups appear here by themselves.' : 'Change or clear the filters to see more.'),
        ),
        loadMoreButton(),
      );
      return;
    }
    const searching = filter.search.trim() && loaded().some((t) => !knownCache.has(t.id));
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
      loadMoreButton(),
    );
  }

  /** Reads the next page; shown while the server has more for these filters. */
  function loadMoreButton(): HTMLElement | null {
    if (next === null) return null;
    return h(
      'button',
      { type: 'button', class: 'btn btn-secondary load-more', disabled: loadingMore, onclick: () => void loadMore() },
      'Load more tasks',
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
  const refreshSoon = debounce(() => void refresh(), 300, 1000);
  const unsubscribe = live.subscribe(() => refreshSoon());
  await refresh();
  return {
    el,
    title: 'Inbox',
    dispose: () => {
      disposed = true;
      listAbort.abort();
      unsubscribe();
    },
  };
}
