// Job records and their leasing. The caller runs `activate` inside a write transaction, so the
// select and the lock happen as one step even when several processes share the file.

import type { Database, Statement } from 'better-sqlite3';
import type { JobRecord } from '../../types.ts';
import type { JobActivation } from '../port.ts';
import type { RecordTable, Row } from './records.ts';
import { jobTable } from './tables.ts';

const AVAILABLE = 'available_at <= @now AND (lock_owner IS NULL OR lock_expires_at <= @now)';
const OF_TYPES = 'type IN (SELECT value FROM json_each(@types))';

interface TimeParams {
  now: number;
  types?: string;
}

export class JobRecords {
  private readonly table: RecordTable<JobRecord>;
  private readonly deleteStmt: Statement<[string]>;
  private readonly leaseStmt: Statement<[{ type: string; now: number; max: number; worker: string; until: number }], Row>;
  private readonly countAll: Statement<[TimeParams], number>;
  private readonly countOfTypes: Statement<[TimeParams], number>;
  private readonly wakeUpAll: Statement<[TimeParams], number | null>;
  private readonly wakeUpOfTypes: Statement<[TimeParams], number | null>;
  private readonly releaseStmt: Statement<[string]>;
  private readonly renewStmt: Statement<[{ key: string; worker: string; until: number; now: number }]>;
  private readonly typesStmt: Statement<[], string>;

  constructor(db: Database) {
    this.table = jobTable(db);
    this.deleteStmt = db.prepare('DELETE FROM jobs WHERE job_key = ?');
    this.leaseStmt = db.prepare(
      `UPDATE jobs SET lock_owner = @worker, lock_expires_at = @until
       WHERE job_key IN (
         SELECT job_key FROM jobs WHERE type = @type AND ${AVAILABLE}
         ORDER BY available_at, created_at, job_key LIMIT @max)
       RETURNING ${this.table.columnList}`,
    );
    const count = (types: string) =>
      db.prepare<[TimeParams], number>(`SELECT COUNT(*) FROM jobs WHERE ${types} ${AVAILABLE}`).pluck();
    this.countAll = count('');
    this.countOfTypes = count(`${OF_TYPES} AND`);
    // Two MINs rather than one expression so each side is answered from an index.
    const wakeUp = (types: string) =>
      db
        .prepare<[TimeParams], number | null>(
          `SELECT MIN(t) FROM (
             SELECT MIN(available_at) AS t FROM jobs WHERE ${types} available_at > @now
             UNION ALL
             SELECT MIN(lock_expires_at) FROM jobs
             WHERE ${types} lock_owner IS NOT NULL AND lock_expires_at > @now)`,
        )
        .pluck();
    this.releaseStmt = db.prepare('UPDATE jobs SET lock_owner = NULL, lock_expires_at = NULL WHERE lock_owner = ?');
    this.renewStmt = db.prepare(
      'UPDATE jobs SET lock_expires_at = @until WHERE job_key = @key AND lock_owner = @worker AND lock_expires_at > @now',
    );
    this.typesStmt = db.prepare<[], string>('SELECT DISTINCT type FROM jobs ORDER BY type').pluck();
    this.wakeUpAll = wakeUp('');
    this.wakeUpOfTypes = wakeUp(`${OF_TYPES} AND`);
  }

  get(key: string): JobRecord | null {
    return this.table.get(key);
  }

  put(job: JobRecord): void {
    this.table.upsert(job);
  }

  patch(key: string, patch: Partial<Omit<JobRecord, 'key'>>): void {
    this.table.patch(key, patch);
  }

  release(worker: string): number {
    return this.releaseStmt.run(worker).changes;
  }

  renew(key: string, worker: string, until: number, now: number): boolean {
    return this.renewStmt.run({ key, worker, until, now }).changes === 1;
  }

  types(): string[] {
    return this.typesStmt.all();
  }

  delete(key: string): void {
    this.deleteStmt.run(key);
  }

  activate(request: JobActivation): JobRecord[] {
    if (request.maxJobs <= 0) return [];
    const rows = this.leaseStmt.all({
      type: request.type,
      now: request.now,
      max: Math.floor(request.maxJobs),
      worker: request.worker,
      until: request.now + request.lockMs,
    });
    // RETURNING gives no order guarantee; restore the order the jobs were picked in.
    return rows.map((row) => this.table.fromRow(row)).sort(byPickOrder);
  }

  countAvailable(types: string[] | null, now: number): number {
    return types === null
      ? this.countAll.get({ now })!
      : this.countOfTypes.get({ now, types: JSON.stringify(types) })!;
  }

  nextWakeUp(types: string[] | null, now: number): number | null {
    const next =
      types === null
        ? this.wakeUpAll.get({ now })
        : this.wakeUpOfTypes.get({ now, types: JSON.stringify(types) });
    return next ?? null;
  }
}

function byPickOrder(a: JobRecord, b: JobRecord): number {
  return (
    a.availableAt - b.availableAt ||
    compare(a.createdAt, b.createdAt) ||
    compare(a.key, b.key)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
