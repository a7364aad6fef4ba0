// The instance list's page cursor: the position of a page's last instance (start time, id),
// opaque to clients like the task cursor (base64url of a small JSON array), so "My cases" pages
// by keyset and each page costs what the first one does.

import { ValidationError } from '../../engine/errors.ts';
import type { InstancePosition } from '../../engine/store/port.ts';
import type { InstanceSummary } from '../../engine/types.ts';

export function encodeInstanceCursor(instance: InstanceSummary): string {
  return Buffer.from(JSON.stringify([instance.startedAt, instance.id]), 'utf8').toString('base64url');
}

export function decodeInstanceCursor(cursor: string): InstancePosition {
  const invalid = () =>
    new ValidationError('The instance cursor is not one this server handed out.', [
      { path: '/query/after', message: 'is not a valid cursor (use X-Next-Cursor of the previous page)' },
    ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [startedAt, id] = parsed as unknown[];
  if (typeof startedAt !== 'string' || typeof id !== 'string') throw invalid();
  return { startedAt, id };
}
