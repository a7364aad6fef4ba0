// The task page: the form (form-js), what the process gathered so far, claim/unclaim and
// complete, with plain-language messages when someone else got there first.

import { api, ApiError, session, type TaskDetail } from '../api.ts';
import { clear, h } from '../dom.ts';
import { formatDateTime, formatMoment, humanize } from '../format.ts';
import { debounce, live } from '../live.ts';
import { alertBox, describeError, toast } from '../notify.ts';
import { processNames } from '../processes.ts';
import { navigate, type Page } from '../router.ts';
import { assigneeText, dueBadge, priorityBadge } from '../views/task-meta.ts';
import { variablesView } from '../views/variables.ts';
import type { MountedForm } from '../views/form.ts';

type Availability = 'mine' | 'claimable' | 'taken' | 'closed';

export async function taskPage(params: Record<string, string>): Promise<Page> {
  const id = params.id!;
  const me = session.user;
  let task: TaskDetail;
  try {
    task = await api.task(id);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
      return goneView(err.status === 404 ? 'This task does not exist any more, or it is not yours to see.' : 'This task is not offered to you or your groups.');
    }
    throw err;
  }
  const names = await processNames();
  let disposed = false;
  let form: MountedForm | null = null;
  let busy = false;

  const banner = h('div', { class: 'banner-slot', 'aria-live': 'polite' });
  const assignLine = h('p', { class: 'assign-line' });
  const badges = h('div', { class: 'badges' });
  const actions = h('div', { class: 'form-actions' });
  const formMessage = h('div', { class: 'form-message' });
  const formHost = h('div', { class: 'form-host' });
  const gathered = h('div', null, variablesView(task.variables ?? {}));

  const availability = (t: TaskDetail): Availability => {
    if (t.state && t.state !== 'open') return 'closed';
    if (!t.assignee) return 'claimable';
    return t.assignee === me?.username ? 'mine' : 'taken';
  };

  function renderHeader(): void {
    clear(badges, priorityBadge(task), dueBadge(task));
    assignLine.textContent = assigneeText(task, me);
  }

  /** What the buttons and the banner were drawn for; null when something else replaced them. */
  let drawnFor: string | null = null;

  /**
   * Draws the buttons and the banner for the task's state, and only when that state changed: the
   * page re-reads the task after loading and on every live event, and a redraw would replace the
   * button that has keyboard focus (an Enter pressed just then would go nowhere), bring a
   * "Completing…" button back enabled, or wipe a message that says who got there first.
   */
  function renderActions(): void {
    const state = availability(task);
    const drawing = JSON.stringify([state, task.assignee, task.completedBy ?? null, task.completedAt ?? null]);
    if (drawing === drawnFor) return;
    drawnFor = drawing;
    const buttons: HTMLElement[] = [];
    if (state === 'mine') {
      buttons.push(h('button', { type: 'button', class: 'btn btn-primary', id: 'complete-btn', onclick: () => void complete() }, 'Complete task'));
      buttons.push(h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => void claimOrUnclaim('unclaim') }, 'Unclaim'));
    } else if (state === 'claimable') {
      buttons.push(h('button', { type: 'button', class: 'btn btn-primary', id: 'claim-btn', onclick: () => void claimOrUnclaim('claim') }, 'Claim to work on it'));
    }
    clear(actions, buttons);
    form?.setReadOnly(state !== 'mine');
    if (state === 'claimable') {
      // On a phone the form sits below the case data; the banner offers the claim up front.
      const quickClaim = h('button', { type: 'button', class: 'btn btn-primary btn-small only-narrow', onclick: () => void claimOrUnclaim('claim') }, 'Claim');
      clear(banner, alertBox('This task is offered to your group. Claim it to fill in the form and complete it.', 'info', quickClaim));
    } else if (state === 'taken') {
      clear(banner, alertBox(`${task.assignee} is working on this task. You can read it, but only they can complete it.`, 'warning'));
    } else if (state === 'closed') {
      clear(banner, alertBox(closedText(task), 'info', backButton()));
    } else {
      banner.replaceChildren();
    }
  }

  async function claimOrUnclaim(action: 'claim' | 'unclaim'): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      if (action === 'claim') await api.claim(id);
      else await api.unclaim(id);
      toast(action === 'claim' ? 'You claimed this task' : 'The task is back in the group queue');
      await reload();
      // Move focus to the first form field (claim) or keep it on the page's primary action.
      if (action === 'claim') {
        const first = formHost.querySelector<HTMLElement>('input:not([type=hidden]), select, textarea');
        (first ?? actions.querySelector<HTMLElement>('button'))?.focus();
      } else {
        actions.querySelector<HTMLElement>('button')?.focus();
      }
    } catch (err) {
      await explainConflict(err);
    } finally {
      busy = false;
    }
  }

  async function complete(): Promise<void> {
    if (busy) return;
    formMessage.replaceChildren();
    let variables: Record<string, unknown> = {};
    if (form) {
      const result = form.submit();
      if (!result.ok) {
        clear(formMessage, alertBox(result.errorCount === 1 ? 'One field needs your attention.' : `${result.errorCount} fields need your attention.`, 'error'));
        formMessage.dataset.kind = 'validation';
        return;
      }
      variables = result.data;
    }
    busy = true;
    const button = actions.querySelector<HTMLButtonElement>('#complete-btn');
    if (button) {
      button.disabled = true;
      button.textContent = 'Completing…';
    }
    try {
      await api.complete(id, variables);
      toast(`"${task.name}" completed`);
      navigate('/');
    } catch (err) {
      if (button) {
        button.disabled = false;
        button.textContent = 'Complete task';
      }
      await explainConflict(err);
    } finally {
      busy = false;
    }
  }

  /** 409 and 403 mean someone else acted first: say who and when, then show the new state. */
  async function explainConflict(err: unknown): Promise<void> {
    if (!(err instanceof ApiError) || (err.status !== 409 && err.status !== 403 && err.status !== 404)) {
      clear(formMessage, alertBox(describeError(err), 'error'));
      return;
    }
    let fresh: TaskDetail | null = null;
    try {
      fresh = await api.task(id);
    } catch {
      fresh = null;
    }
    let message: string;
    if (fresh && fresh.state && fresh.state !== 'open') message = closedText(fresh);
    else if (fresh && fresh.assignee && fresh.assignee !== me?.username) message = `This task was claimed by ${fresh.assignee}. Only they can complete it now.`;
    else if (!fresh || err.status === 404) message = `This task is no longer open. ${err.message}`.trim();
    else message = err.message || 'Someone else changed this task. It has been reloaded.';
    if (fresh) {
      task = { ...fresh, variables: task.variables, form: task.form };
      renderHeader();
      renderActions();
    } else {
      task = { ...task, state: 'completed' };
      clear(actions);
      drawnFor = null;
      form?.setReadOnly(true);
    }
    clear(banner, alertBox(message, 'warning', backButton()));
    banner.querySelector<HTMLElement>('.alert')?.focus();
  }

  async function reload(): Promise<void> {
    try {
      const fresh = await api.task(id);
      if (disposed) return;
      const before = availability(task);
      const assigneeBefore = task.assignee;
      // Keep what the employee typed: the form is not re-imported, only the state around it.
      task = { ...fresh, form: task.form };
      renderHeader();
      renderActions();
      clear(gathered, variablesView(fresh.variables ?? {}));
      const after = availability(task);
      if (before === 'mine' && after === 'taken') {
        clear(banner, alertBox(`This task is now assigned to ${task.assignee}.`, 'warning', backButton()));
      } else if (before !== 'closed' && after === 'closed' && assigneeBefore !== null) {
        clear(banner, alertBox(closedText(task), 'warning', backButton()));
      }
    } catch (err) {
      if (disposed) return;
      if (err instanceof ApiError && err.status === 404) {
        task = { ...task, state: 'completed' };
        clear(actions);
        drawnFor = null;
        form?.setReadOnly(true);
        clear(banner, alertBox('This task is no longer open: someone completed it or the case moved on.', 'warning', backButton()));
      }
    }
  }

  const processName = names.get(task.processKey) ?? humanize(task.processKey);
  const el = h(
    'div',
    { class: 'page page-task' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← Inbox')),
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        null,
        h('h1', null, task.name || humanize(task.elementId)),
        h(
          'p',
          { class: 'page-sub' },
          processName,
          task.businessKey ? ` · #${task.businessKey}` : '',
          ' · ',
          h('a', { href: `#/cases/${encodeURIComponent(task.processInstanceId)}` }, 'View case'),
        ),
        h('p', { class: 'muted small' }, `Created ${formatDateTime(task.createdAt)}`),
      ),
      h('div', { class: 'head-side' }, badges, assignLine),
    ),
    banner,
    h(
      'div',
      { class: 'task-layout' },
      h('section', { class: 'task-context', 'aria-labelledby': 'gathered-h' }, h('h2', { id: 'gathered-h' }, 'What the process gathered so far'), gathered),
      h(
        'section',
        { class: 'task-form card', 'aria-labelledby': 'form-h' },
        h('h2', { id: 'form-h' }, task.form ? 'Your part' : 'Complete this step'),
        task.form ? formHost : h('p', { class: 'muted' }, 'This step has no form. Complete it when the work is done.'),
        formMessage,
        actions,
      ),
    ),
  );

  renderHeader();
  if (task.form) {
    try {
      const { mountForm } = await import('../views/form.ts');
      form = await mountForm(formHost, task.form, (task.variables ?? {}) as Record<string, unknown>, {
        readOnly: availability(task) !== 'mine',
        onEnter: () => {
          if (availability(task) === 'mine') void complete();
        },
        // A "fields need your attention" note is stale once the employee edits the form.
        onChange: () => {
          if (formMessage.dataset.kind === 'validation') {
            delete formMessage.dataset.kind;
            formMessage.replaceChildren();
          }
        },
      });
    } catch (err) {
      clear(formHost, alertBox(`The form could not be shown: ${describeError(err)}`, 'error'));
    }
  }
  renderActions();

  const reloadSoon = debounce(() => void reload(), 300, 1000);
  const unsubscribe = live.subscribe((e) => {
    if (!e.taskId || e.taskId === id || (e.processInstanceId && e.processInstanceId === task.processInstanceId)) reloadSoon();
  });
  // Someone may have claimed or completed the task while the page and its form were loading.
  reloadSoon();
  return {
    el,
    title: task.name,
    dispose: () => {
      disposed = true;
      unsubscribe();
      form?.destroy();
    },
  };
}

function closedText(t: TaskDetail): string {
  if (t.state === 'canceled') return 'This task was canceled: the case moved on without it.';
  if (t.completedBy) {
    const who = t.completedBy === session.user?.username ? 'you' : t.completedBy;
    const when = formatMoment(t.completedAt);
    return `This task was completed by ${who}${when ? ` ${when}` : ''}.`;
  }
  return 'This task is already completed.';
}

function backButton(): HTMLElement {
  return h('a', { class: 'btn btn-secondary btn-small', href: '#/' }, 'Back to inbox');
}

function goneView(message: string): Page {
  const el = h('div', { class: 'page' }, h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← Inbox')), h('h1', null, 'Task not available'), alertBox(message, 'info', backButton()));
  return { el, title: 'Task not available' };
}
