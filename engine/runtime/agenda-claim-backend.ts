// Agenda's MongoDB backend with its job lock taken through a claim instead of a conditional
// `findOneAndUpdate`. Agenda locks a job by finding one that is unlocked (or whose lock expired)
// and setting `lockedAt` in the same call. On MongoDB that is atomic; on FerretDB (what CI runs)
// it is not, and worse, several nodes polling that call at once pile up row locks in the
// PostgreSQL underneath until its pool runs dry: with three nodes N=150 timers did not finish in
// ten minutes.
//
// Here the lock is: read candidates with a plain query, take the store's claim on one
// (a unique-`_id` insert, the one write every MongoDB-compatible server makes atomic), re-read
// the job under the claim, set `lockedAt` with a plain update, give the claim back. Every node
// that locks goes through the claim, so the read-check-write is exclusive; unlocking stays as
// agenda does it, since only the holder unlocks. Everything else is agenda's own repository.

import { MongoJobRepository, MongoJobLogger } from '@agendajs/mongo-backend';
import { ObjectId, type Db, type Document, type Filter, type Sort } from 'mongodb';
import type { AgendaBackend, JobParameters, JobRepositoryOptions } from 'agenda';
import { Claims } from '../store/mongo/claims.ts';

/**
 * Candidates read per look. FerretDB cannot hand the candidates' `$or` of ranges to PostgreSQL,
 * so every look reads all of agenda's jobs; agenda asks for one job at a time, so a look per
 * job made locking N due jobs cost N². One look now serves the next locks for a second.
 */
const CANDIDATES = 200;
const CANDIDATES_FRESH_MS = 1000;

interface Candidates {
  ids: ObjectId[];
  /** The look returned as many as it asked for: there may be more behind them. */
  full: boolean;
  freshUntil: number;
}

/** Locks taken at once; the ones agenda has not asked for yet wait here for its next call. */
const PARALLEL_LOCKS = 4;

export class ClaimLockingJobRepository extends MongoJobRepository {
  private readonly claims: Claims;
  private readonly candidates = new Map<string, Candidates>();
  /** Jobs locked here, per name, that agenda has not been handed yet. */
  private readonly ready = new Map<string, JobParameters[]>();
  /** Names with a getNextJobToRun in flight. */
  private readonly busy = new Set<string>();

  constructor(db: Db, collection: string) {
    super({ mongo: db, db: { collection } });
    this.claims = new Claims(db);
  }

  override async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    // Agenda starts a new fill every processEvery whether the last one finished or not; on a
    // slow database those piled up until their locks took every connection. One at a time.
    if (this.busy.has(jobName)) return undefined;
    this.busy.add(jobName);
    try {
      return await this.nextJob(jobName, nextScanAt, lockDeadline, now ?? new Date(), options);
    } finally {
      this.busy.delete(jobName);
    }
  }

  private async nextJob(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    lockedAt: Date,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const ready = this.ready.get(jobName) ?? [];
    this.ready.set(jobName, ready);
    // At most two looks per call: a candidate whose claim another node holds still matches the
    // query, and the next poll comes soon enough.
    for (let looks = 0; ; ) {
      // A job locked here earlier whose lock ran out meanwhile may be another node's by now.
      while (ready.length > 0) {
        const job = ready.shift()!;
        if (job.lockedAt && new Date(job.lockedAt).getTime() > lockDeadline.getTime()) return job;
      }
      let queue = this.candidates.get(jobName);
      if (!queue || queue.ids.length === 0 || queue.freshUntil < Date.now()) {
        if (looks++ === 2) return undefined;
        queue = await this.look(jobName, nextScanAt, lockDeadline);
        this.candidates.set(jobName, queue);
      }
      while (queue.ids.length > 0 && ready.length === 0) {
        // Re-read under the claim with this call's deadlines: a candidate from an earlier look
        // that another node locked since fails the check.
        const ids = queue.ids.splice(0, PARALLEL_LOCKS);
        const locked = await Promise.all(ids.map((id) => this.lockIf(id, (doc) => lockable(doc, nextScanAt, lockDeadline), lockedAt, options)));
        ready.push(...locked.filter((job): job is JobParameters => job !== undefined));
      }
      if (ready.length > 0) return ready.shift();
      if (!queue.full) return undefined;
    }
  }

  /** Agenda's stop unlocks what it was handed; the jobs locked here for it go too. */
  override async unlockJobs(jobIds: Parameters<MongoJobRepository['unlockJobs']>[0]): Promise<void> {
    const waiting = [...this.ready.values()].flat().flatMap((job) => (job._id ? [job._id] : []));
    this.ready.clear();
    await super.unlockJobs([...jobIds, ...waiting]);
  }

  private async look(jobName: string, nextScanAt: Date, lockDeadline: Date): Promise<Candidates> {
    const query = lockCandidatesQuery(jobName, nextScanAt, lockDeadline);
    const docs = await this.collection.find(query.filter, { projection: { _id: 1 } }).sort(query.sort).limit(CANDIDATES).toArray();
    // Nodes looking together would all race for the first candidate; each starts at a
    // different one so that most claims meet no contender.
    const start = Math.floor(Math.random() * docs.length);
    const ids = docs.map((_, i) => docs[(start + i) % docs.length]!._id!);
    return { ids, full: docs.length === CANDIDATES, freshUntil: Date.now() + CANDIDATES_FRESH_MS };
  }

  override async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const nextRunAt = job.nextRunAt?.getTime();
    return this.lockIf(
      new ObjectId(job._id.toString()),
      (doc) => doc.name === job.name && !doc.lockedAt && doc.nextRunAt?.getTime() === nextRunAt && doc.disabled !== true,
      new Date(),
      options,
    );
  }

  /** Locks job `id` if, read under its claim, it passes `check`; the locked job, or undefined. */
  private async lockIf(
    id: ObjectId,
    check: (doc: JobParameters) => boolean,
    lockedAt: Date,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const key = `agenda:${id.toHexString()}`;
    const locked = await this.claims.with(key, async () => {
      const doc = await this.getJobById(id.toHexString());
      if (!doc || !check(doc)) return undefined;
      const lastModifiedBy = options?.lastModifiedBy ?? null;
      const result = await this.collection.updateOne({ _id: id }, { $set: { lockedAt, lastModifiedBy } });
      return result.matchedCount === 1 ? { ...doc, lockedAt } : undefined;
    });
    return locked?.value;
  }
}

/**
 * Jobs of `jobName` a node may lock now: unlocked and due by `nextScanAt`, or locked before
 * `lockDeadline` (the holder died). Agenda's own index (name, nextRunAt, priority, lockedAt, ...)
 * serves it.
 */
export function lockCandidatesQuery(
  jobName: string,
  nextScanAt: Date,
  lockDeadline: Date,
): { filter: Filter<Document>; sort: Sort } {
  return {
    filter: {
      name: jobName,
      disabled: { $ne: true },
      $or: [{ lockedAt: { $eq: null }, nextRunAt: { $lte: nextScanAt } }, { lockedAt: { $lte: lockDeadline } }],
    },
    sort: { nextRunAt: 1, priority: -1 },
  };
}

function lockable(doc: JobParameters, nextScanAt: Date, lockDeadline: Date): boolean {
  if (doc.disabled === true) return false;
  if (!doc.lockedAt) return doc.nextRunAt != null && doc.nextRunAt.getTime() <= nextScanAt.getTime();
  return new Date(doc.lockedAt).getTime() <= lockDeadline.getTime();
}

/** `MongoBackend` with the claim-locking repository, on a database the store already opened. */
export class ClaimLockingMongoBackend implements AgendaBackend {
  readonly name = 'MongoDB (claim locks)';
  readonly notificationChannel = undefined;
  readonly ownsConnection = false;
  readonly repository: ClaimLockingJobRepository;
  readonly logger = new MongoJobLogger();

  constructor(db: Db, collection: string) {
    this.repository = new ClaimLockingJobRepository(db, collection);
  }

  async connect(): Promise<void> {
    await this.repository.connect();
    await this.logger.setDb(this.repository.getDb());
  }

  async disconnect(): Promise<void> {
    // The store owns the connection.
  }
}
