// The inbox's page cursor: the position of a page's last task in the inbox order, opaque to
// clients (base64url of a small JSON array). Keyset paging stays stable while tasks come and
// go, and each page costs what the first one does.

import { ValidationError } from '../../engine/errors.ts';
import type { TaskPosition } from '../../engine/store/port.ts';
import type { TaskRecord } from '../../engine/types.ts';

export function encodeTaskCursor(task: TaskRecord): string {
  const position = [task.priority, task.dueDate, task.createdAt, task.id];
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeTaskCursor(cursor: string): TaskPosition {
  const invalid = () =>
    new ValidationError('The task cursor is not one this server handed out.', [
      { path: '/query/after', message: 'is not a valid cursor (use X-Next-Cursor of the previous page)' },
    ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalid();
  const [priority, dueDate, createdAt, id] = parsed as unknown[];
  if (
    typeof priority !== 'number' ||
    !Number.isInteger(priority) ||
    (dueDate !== null && typeof dueDate !== 'string') ||
    typeof createdAt !== 'string' ||
    typeof id !== 'string'
  ) {
    throw invalid();
  }
  return { priority, dueDate, createdAt, id };
}
