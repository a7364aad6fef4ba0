// Page cursors for keyset paging: the position of a page's last row (a few sort-key values),
// opaque to clients as base64url of a small JSON array. The task list, the instance list and
// the audit trail each read their own positions through this.

import { ValidationError } from '../../engine/errors.ts';

export function encodePageCursor(position: ReadonlyArray<string | number | null>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export interface CursorError {
  /** What the cursor is for, in the message: "task", "instance". */
  message: string;
  /** The request field it came in, e.g. /query/after. */
  path: string;
  /** What the field must be, e.g. "X-Next-Cursor of the previous page". */
  hint: string;
}

/**
 * Decodes a cursor of `length` values and hands them to `read`, which returns the position or
 * null when a value has the wrong type; anything else is a 400 naming the field.
 */
export function decodePageCursor<T>(cursor: string, length: number, read: (values: unknown[]) => T | null, error: CursorError): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const position = Array.isArray(parsed) && parsed.length === length ? read(parsed as unknown[]) : null;
  if (position === null) throw new ValidationError(error.message, [{ path: error.path, message: error.hint }]);
  return position;
}
