// The inbox's page cursor: the position of a page's last task in the inbox order. Keyset paging
// stays stable while tasks come and go, and each page costs what the first one does.

import type { TaskPosition } from '../../engine/store/port.ts';
import type { TaskRecord } from '../../engine/types.ts';
import { decodePageCursor, encodePageCursor } from './page-cursor.ts';

export function encodeTaskCursor(task: TaskRecord): string {
  return encodePageCursor([task.priority, task.dueDate, task.createdAt, task.id]);
}

export function decodeTaskCursor(cursor: string): TaskPosition {
  return decodePageCursor(
    cursor,
    4,
    ([priority, dueDate, createdAt, id]) =>
      typeof priority === 'number' &&
      Number.isInteger(priority) &&
      (dueDate === null || typeof dueDate === 'string') &&
      typeof createdAt === 'string' &&
      typeof id === 'string'
        ? { priority, dueDate, createdAt, id }
        : null,
    {
      message: 'The task cursor is not one this server handed out.',
      path: '/query/after',
      hint: 'is not a valid cursor (use X-Next-Cursor of the previous page)',
    },
  );
}
