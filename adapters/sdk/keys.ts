// Deterministic document ids from idempotency keys: a retried create lands on the same id, so the
// store's insert-conflict is what stops a second document, with no unique index on nullable fields.

import { createHash } from 'node:crypto';

export function idFromKey(prefix: string, key: string): string {
  return `${prefix}_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}
