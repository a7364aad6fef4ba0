// The audit trail: who deployed, started, claimed, assigned, completed, canceled, resolved what,
// and when. Services call `record` right after the action succeeded, in the same call.
//
// When the action succeeded but the audit write fails, the action stands and the caller gets its
// success: the engine has committed it and no store transaction spans both writes, so answering
// 500 would only make a client retry something already done. The entry is written to the error
// log instead (`audit write failed`, with the whole entry) and counted in
// karvon_audit_write_failures_total, so an operator can alert on it and nothing goes unrecorded.

import type { Logger } from 'pino';
import { RandomIds } from '../../engine/clock.ts';
import { ValidationError } from '../../engine/errors.ts';
import type { AuditEntry, AuditFilter, Store } from '../../engine/store/port.ts';
import type { Json } from '../../engine/types.ts';
import { currentRequest } from '../http/request-scope.ts';
import { decodePageCursor, encodePageCursor } from './page-cursor.ts';

export const AUDIT_ACTIONS = [
  'process.deployed',
  'instance.started',
  'instance.canceled',
  'variables.set',
  'task.claimed',
  'task.unclaimed',
  'task.assigned',
  'task.completed',
  'incident.resolved',
  'job.completed',
  'job.failed',
  'job.error-thrown',
  'message.published',
  'signal.broadcast',
  'user.created',
  'auth.login-succeeded',
  'auth.login-failed',
  'auth.logout',
  'connection.changed',
  'connection.deleted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface AuditTrailOptions {
  /** Wall-clock time, as for sessions. */
  now?: () => number;
  onWriteFailure?: () => void;
}

export const DEFAULT_AUDIT_PAGE = 100;

export class AuditTrail {
  private readonly now: () => number;
  // Time-ordered (UUID v7), so entries of one node within one millisecond keep their order.
  private readonly ids = new RandomIds();

  constructor(
    private readonly store: Pick<Store, 'appendAuditEntry' | 'listAuditEntries'>,
    private readonly log: Logger,
    private readonly options: AuditTrailOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Appends an entry for the current request. `actor` defaults to the signed-in caller; sign-in
   * passes the name that was tried. Never throws: see the file comment.
   */
  async record(action: AuditAction, targets: readonly (string | null | undefined)[], details: Record<string, Json> = {}, actor?: string | null): Promise<void> {
    const scope = currentRequest();
    const entry: AuditEntry = {
      id: this.ids.next(),
      at: new Date(this.now()).toISOString(),
      actor: actor !== undefined ? actor : (scope?.actor ?? null),
      action,
      targets: [...new Set(targets.filter((t): t is string => typeof t === 'string' && t !== ''))],
      requestId: scope?.requestId ?? null,
      details,
    };
    try {
      await this.store.appendAuditEntry(entry);
    } catch (err) {
      this.options.onWriteFailure?.();
      this.log.error({ err, audit: entry }, 'audit write failed');
    }
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE;
    const filter: AuditFilter = { limit: limit + 1 };
    if (query.actor !== undefined) filter.actor = query.actor;
    if (query.action !== undefined) filter.action = query.action;
    if (query.target !== undefined) filter.target = query.target;
    if (query.from !== undefined) filter.from = isoParam(query.from, 'from');
    if (query.to !== undefined) filter.to = isoParam(query.to, 'to');
    if (query.cursor !== undefined) filter.before = decodeCursor(query.cursor);
    const found = await this.store.listAuditEntries(filter);
    const entries = found.slice(0, limit);
    const last = entries[entries.length - 1];
    return { entries, nextCursor: found.length > limit && last ? encodeCursor(last) : null };
  }
}

function isoParam(value: string, name: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(`"${name}" is not a date-time.`, [{ path: `/query/${name}`, message: 'must be an ISO 8601 date-time' }]);
  // Entries store toISOString(); bounds in the same form compare as times.
  return new Date(ms).toISOString();
}

function encodeCursor(entry: AuditEntry): string {
  return encodePageCursor([entry.at, entry.id]);
}

function decodeCursor(cursor: string): { at: string; id: string } {
  return decodePageCursor(
    cursor,
    2,
    ([at, id]) => (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(at)) ? { at, id } : null),
    { message: '"cursor" is not a cursor this API gave out.', path: '/query/cursor', hint: 'must be a nextCursor value' },
  );
}
