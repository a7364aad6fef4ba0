// Filter simplification shared by both stores' task lists. An employee's list always carries
// `visibleTo` (assigned to them, or offered to them or their groups); when the rest of the
// filter already implies it, dropping it lets the query start from the narrow index (one
// group's tasks, one assignee's) instead of everything the employee may see.

import type { TaskFilter } from './port.ts';

export function simplifyTaskFilter(filter: TaskFilter): TaskFilter {
  const visible = filter.visibleTo;
  if (visible === undefined) return filter;
  const implied =
    // Assigned to this very user.
    filter.assignee === visible.username ||
    // Offered to this user by name.
    filter.candidateUser === visible.username ||
    // Offered to one of the given groups, every one of which is the user's.
    (filter.candidateGroups !== undefined &&
      filter.candidateGroups.length > 0 &&
      filter.candidateGroups.every((g) => visible.groups.includes(g)));
  if (!implied) return filter;
  const { visibleTo: _implied, ...rest } = filter;
  return rest;
}
