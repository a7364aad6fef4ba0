// Job records and their leases. A lease is a conditional update of one job: still available,
// still at the lease count the worker saw. MongoDB makes that update atomic; FerretDB does not,
// so the update runs under a claim on `${key}:${lease + 1}` and two workers can never both take
// the same lease of the same job on either server.

import type { Collection, Document, Filter } from 'mongodb';
import type { JobRecord } from '../../types.ts';
import type { JobActivation } from '../port.ts';
import type { Claims } from './claims.ts';
import { jobFromDoc } from './codec.ts';
import type { StoredDoc } from './codec.ts';
import { available, jobActivationQuery } from './queries.ts';

/** Rounds of "find candidates, try to lease them" before giving up on a contended type. */
const MAX_ROUNDS = 8;

export class MongoJobs {
  constructor(
    private readonly jobs: Collection<StoredDoc>,
    private readonly claims: Claims,
  ) {}

  async get(key: string): Promise<JobRecord | null> {
    const doc = await this.jobs.findOne({ _id: key, _gone: { $exists: false } });
    return doc ? jobFromDoc(doc) : null;
  }

  async activate(request: JobActivation): Promise<JobRecord[]> {
    const max = Math.floor(request.maxJobs);
    if (max <= 0) return [];
    const leased: JobRecord[] = [];
    // Candidates this call already tried and lost, so each round tries new ones.
    const tried = new Set<string>();
    const { filter, sort } = jobActivationQuery(request.type, request.now);
    for (let round = 0; round < MAX_ROUNDS && leased.length < max; round++) {
      const want = max - leased.length;
      const found = await this.jobs.find(filter, { sort, limit: want + tried.size }).toArray();
      const candidates = found.filter((doc) => !tried.has(doc._id)).slice(0, want);
      if (candidates.length === 0) break;
      const results = await Promise.all(candidates.map((doc) => this.lease(doc, request)));
      candidates.forEach((doc, i) => {
        const job = results[i];
        if (job) leased.push(job);
        else tried.add(doc._id);
      });
    }
    return leased.sort(byPickOrder);
  }

  private async lease(candidate: Document, request: JobActivation): Promise<JobRecord | null> {
    const key = candidate._id as string;
    const lease = typeof candidate._lease === 'number' ? candidate._lease : 0;
    const claimed = await this.claims.with(`job:${key}:${lease + 1}`, () =>
      this.jobs.findOneAndUpdate(
        { _id: key, _lease: lease, type: request.type, ...available(request.now) },
        {
          $set: {
            lockOwner: request.worker,
            lockExpiresAt: request.now + request.lockMs,
            _lease: lease + 1,
          },
        },
        { returnDocument: 'after' },
      ),
    );
    return claimed?.value ? jobFromDoc(claimed.value) : null;
  }

  async renew(key: string, worker: string, until: number, now: number): Promise<boolean> {
    const held = { _id: key, _gone: { $exists: false }, lockOwner: worker, lockExpiresAt: { $gt: now } };
    const doc = await this.jobs.findOne(held, { projection: { _lease: 1 } });
    if (!doc) return false;
    const lease = typeof doc._lease === 'number' ? doc._lease : 0;
    // The claim a node taking the next lease holds: renewing and taking over exclude each other.
    const renewed = await this.claims.with(`job:${key}:${lease + 1}`, () =>
      this.jobs.updateOne({ ...held, _lease: lease }, { $set: { lockExpiresAt: until } }),
    );
    return renewed?.value.modifiedCount === 1;
  }

  async countAvailable(types: string[] | null, now: number): Promise<number> {
    if (types === null) return this.jobs.countDocuments(available(now));
    // One count per type: an equality FerretDB can push down, where `$in` would not be.
    const counts = await Promise.all(
      [...new Set(types)].map((type) => this.jobs.countDocuments({ type, ...available(now) })),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async nextWakeUp(types: string[] | null, now: number): Promise<number | null> {
    const scopes: Document[] = types === null ? [{}] : [...new Set(types)].map((type) => ({ type }));
    const times = await Promise.all(
      scopes.flatMap((scope) => [
        this.earliest({ ...scope, availableAt: { $gt: now } }, 'availableAt'),
        this.earliest({ ...scope, lockOwner: { $ne: null }, lockExpiresAt: { $gt: now } }, 'lockExpiresAt'),
      ]),
    );
    const found = times.filter((t): t is number => t !== null);
    return found.length === 0 ? null : Math.min(...found);
  }

  private async earliest(filter: Document, field: 'availableAt' | 'lockExpiresAt'): Promise<number | null> {
    const doc = await this.jobs.findOne(filter, { sort: { [field]: 1 }, projection: { [field]: 1 } });
    const value = doc?.[field];
    return typeof value === 'number' ? value : null;
  }

  async release(worker: string): Promise<number> {
    const result = await this.jobs.updateMany(
      { lockOwner: worker },
      { $set: { lockOwner: null, lockExpiresAt: null } },
    );
    return result.modifiedCount;
  }

  async types(): Promise<string[]> {
    const values = await this.jobs.distinct('type', {});
    return values.filter((v): v is string => typeof v === 'string').sort();
  }
}

function byPickOrder(a: JobRecord, b: JobRecord): number {
  return a.availableAt - b.availableAt || compare(a.createdAt, b.createdAt) || compare(a.key, b.key);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
