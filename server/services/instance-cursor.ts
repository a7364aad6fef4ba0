// The instance list's page cursor: the position of a page's last instance (start time, id), so
// "My cases" pages by keyset and each page costs what the first one does.

import type { InstancePosition } from '../../engine/store/port.ts';
import type { InstanceSummary } from '../../engine/types.ts';
import { decodePageCursor, encodePageCursor } from './page-cursor.ts';

export function encodeInstanceCursor(instance: InstanceSummary): string {
  return encodePageCursor([instance.startedAt, instance.id]);
}

export function decodeInstanceCursor(cursor: string): InstancePosition {
  return decodePageCursor(
    cursor,
    2,
    ([startedAt, id]) => (typeof startedAt === 'string' && typeof id === 'string' ? { startedAt, id } : null),
    {
      message: 'The instance cursor is not one this server handed out.',
      path: '/query/after',
      hint: 'is not a valid cursor (use X-Next-Cursor of the previous page)',
    },
  );
}
