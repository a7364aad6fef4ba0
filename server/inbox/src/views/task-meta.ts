// Small pieces shared by the task list and the task page.

import type { Task, User } from '../api.ts';
import { h } from '../dom.ts';
import { dueLabel, dueState, priorityBand, priorityLabel } from '../format.ts';

export function dueBadge(task: Pick<Task, 'dueDate'>): HTMLElement | null {
  if (!task.dueDate) return null;
  const state = dueState(task.dueDate);
  const tone = state === 'overdue' ? 'danger' : state === 'today' ? 'warning' : 'neutral';
  return h('span', { class: `badge badge-${tone}` }, h('time', { datetime: task.dueDate }, dueLabel(task.dueDate)));
}

export function priorityBadge(task: Pick<Task, 'priority'>): HTMLElement {
  const band = priorityBand(task.priority);
  return h('span', { class: `badge badge-prio-${band}`, title: `Priority ${task.priority ?? 50} of 100` }, priorityLabel(task.priority));
}

export function assigneeText(task: Task, me: User | null): string {
  if (!task.assignee) {
    const groups = task.candidateGroups?.length ? task.candidateGroups.join(', ') : '';
    return groups ? `Unassigned · offered to ${groups}` : 'Unassigned';
  }
  if (me && task.assignee === me.username) return 'Assigned to you';
  return `Assigned to ${task.assignee}`;
}

/** Priority first (high to low), then the earliest due date, then the oldest task. */
export function compareTasks(a: Task, b: Task): number {
  const pa = a.priority ?? 50;
  const pb = b.priority ?? 50;
  if (pa !== pb) return pb - pa;
  const da = a.dueDate ? Date.parse(a.dueDate) : Number.POSITIVE_INFINITY;
  const db = b.dueDate ? Date.parse(b.dueDate) : Number.POSITIVE_INFINITY;
  if (da !== db) return da - db;
  return Date.parse(a.createdAt) - Date.parse(b.createdAt);
}
