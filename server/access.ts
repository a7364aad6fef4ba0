// Who may see what, beyond the role a route requires. Admins and analysts oversee all work;
// everyone else sees a task only when it is assigned to them or offered to them or one of their
// groups, and an instance only when they have (or had) such a task in it.

import type { TaskFilter } from '../engine/store/port.ts';
import type { TaskRecord } from '../engine/types.ts';
import type { AuthUser } from './http/route.ts';

export function isAdmin(user: AuthUser): boolean {
  return user.roles.includes('admin');
}

/** Admins and analysts read every task and instance; employees only their own. */
export function overseesAll(user: AuthUser): boolean {
  return user.roles.includes('admin') || user.roles.includes('analyst');
}

export function canSeeTask(user: AuthUser, task: Pick<TaskRecord, 'assignee' | 'candidateUsers' | 'candidateGroups'>): boolean {
  if (overseesAll(user)) return true;
  return (
    task.assignee === user.username ||
    task.candidateUsers.includes(user.username) ||
    task.candidateGroups.some((group) => user.groups.includes(group))
  );
}

/** The store filter that applies the same rule to lists; undefined means no restriction. */
export function taskVisibility(user: AuthUser): TaskFilter['visibleTo'] {
  return overseesAll(user) ? undefined : { username: user.username, groups: [...user.groups] };
}
