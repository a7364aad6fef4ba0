// Instance commits without transactions, and without trusting conditional updates to be atomic
// (FerretDB's are not; see claims.ts).
//
// A commit from rev R to R+1 first inserts a commit document `${id}:${R+1}` holding the new state
// and its effects: the insert is the compare-and-set, since only one insert of that `_id` can
// succeed on any MongoDB-compatible server. Then it checks that the instance document is still
// at R (a commit document may be inserted again after an old one was removed, by a committer
// that read long ago), writes the instance document (R+1), applies the effects to the derived
// collections, and removes the commit document. The commit document is the outbox: a crash
// after the insert leaves it behind, and whoever finds it (a later commit on the instance, a
// read of the instance's records, the sweep at open and every few seconds) finishes the job.
// The instance document is written before the effects, so derived records never run ahead of
// the state the engine reads.

import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { ConflictError } from '../../errors.ts';
import type { Effect, InstanceState } from '../../types.ts';
import { isDuplicateKey } from './codec.ts';
import { applyEffects, checkEffects, type TimersChanged } from './effects.ts';
import { COLLECTIONS } from './schema.ts';

export interface CommitDoc {
  /** `${instanceId}:${rev}`; one commit per target revision. */
  _id: string;
  instanceId: string;
  rev: number;
  /** Names the instance document this commit writes, to tell it from a later one. */
  token: string;
  /** Epoch ms when the commit was made, by the committer's clock. */
  at: number;
  /** The new InstanceState and the effects, as JSON text (see instanceDoc). */
  data: string;
  effects: string;
}

export interface InstanceDoc {
  _id: string;
  rev: number;
  processKey: string;
  version: number;
  definitionId: string;
  businessKey: string | null;
  startedBy?: string | null;
  state: string;
  startedAt: string;
  endedAt: string | null;
  /**
   * The whole InstanceState as JSON text: variables hold whatever an ERP or a form sent, and
   * FerretDB refuses keys with '.' or a leading '$' ("@odata.etag", "$schema"); text also keeps
   * numbers and key order exactly as written.
   */
  data: string;
  _commit: string;
}

/** Test seams to stand in for a crash at the two points where a commit is half done. */
export interface CommitFaults {
  /** Runs after the commit document is inserted, before the instance document is written. */
  beforeWrite?(instanceId: string, rev: number): void | Promise<void>;
  /** Runs after the instance document is written, before the effects are applied. */
  beforeApply?(instanceId: string, rev: number): void | Promise<void>;
}

export class InstanceCommits {
  readonly instances: Collection<InstanceDoc>;
  private readonly commits: Collection<CommitDoc>;

  constructor(
    private readonly db: Db,
    /** How old an unfinished commit must be before a reader finishes it for its committer. */
    private readonly settleMs: number,
    private readonly faults: CommitFaults = {},
    private readonly timersChanged?: TimersChanged,
  ) {
    this.instances = db.collection<InstanceDoc>(COLLECTIONS.instances);
    this.commits = db.collection<CommitDoc>(COLLECTIONS.commits);
  }

  async create(state: InstanceState, effects: Effect[]): Promise<void> {
    checkEffects(effects);
    const commit = commitDoc(state, effects);
    try {
      await this.commits.insertOne(commit);
    } catch (error) {
      if (isDuplicateKey(error)) throw exists(state.id);
      throw error;
    }
    const current = await this.instances.findOne({ _id: state.id }, { projection: { _commit: 1 } });
    // A sweep on another node may already have finished this very commit.
    if (current && current._commit !== commit.token) {
      await this.drop(commit);
      throw exists(state.id);
    }
    await this.finish(commit, state, effects, 0);
  }

  async commit(state: InstanceState, expectedRev: number, effects: Effect[]): Promise<boolean> {
    checkEffects(effects);
    const commit = commitDoc(state, effects);
    try {
      await this.commits.insertOne(commit);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another commit to the same revision is under way (or died): this one lost either way.
      // Waiting for it lets the caller's retry read the state it produced.
      await this.awaitCommit(commit._id);
      return false;
    }
    const [current, previous] = await Promise.all([
      this.instances.findOne({ _id: state.id }, { projection: { rev: 1, _commit: 1 } }),
      this.commits.findOne({ _id: commitId(state.id, expectedRev) }),
    ]);
    const ours =
      current !== null &&
      (current.rev === expectedRev || (current.rev === state.rev && current._commit === commit.token));
    if (!ours) {
      await this.drop(commit);
      return false;
    }
    // The previous commit wrote the instance but may not have applied its effects yet; they go
    // first so a record never gets an older effect after a newer one.
    if (previous) await this.heal(previous);
    await this.finish(commit, state, effects, expectedRev);
    return true;
  }

  /** Finishes unfinished commits of one instance that are older than settleMs (or all). */
  async settle(instanceId: string, all = false): Promise<number> {
    const pending = await this.commits.find({ instanceId }, { sort: { rev: 1 } }).toArray();
    return this.healAll(pending, all);
  }

  /** Finishes every unfinished commit older than settleMs (or all); returns how many. */
  async recover(all = false): Promise<number> {
    const pending = await this.commits.find({}, { sort: { instanceId: 1, rev: 1 } }).toArray();
    return this.healAll(pending, all);
  }

  private async healAll(pending: CommitDoc[], all: boolean): Promise<number> {
    const now = Date.now();
    let healed = 0;
    for (const commit of pending) {
      if (!all && now - commit.at < this.settleMs) continue;
      await this.heal(commit);
      healed++;
    }
    return healed;
  }

  private async finish(commit: CommitDoc, state: InstanceState, effects: Effect[], expectedRev: number): Promise<void> {
    await this.faults.beforeWrite?.(state.id, state.rev);
    await this.write(commit, state, expectedRev);
    await this.faults.beforeApply?.(state.id, state.rev);
    await applyEffects(this.db, state.rev, effects, this.timersChanged);
    await this.commits.deleteOne({ _id: commit._id });
  }

  /** Writes the instance document unless it is already at this commit (a healer was faster). */
  private async write(commit: CommitDoc, state: InstanceState, expectedRev: number): Promise<void> {
    const doc = instanceDoc(state, commit.token);
    if (expectedRev === 0) {
      try {
        await this.instances.insertOne(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      return;
    }
    await this.instances.replaceOne({ _id: state.id, rev: expectedRev }, doc);
  }

  /**
   * Completes a commit someone else left unfinished. It is the commit for the next revision
   * when the instance is one revision behind it; it has written the instance when the instance
   * carries its token. Anything else is a commit that lost and never wrote a thing.
   */
  private async heal(commit: CommitDoc): Promise<void> {
    const current = await this.instances.findOne(
      { _id: commit.instanceId },
      { projection: { rev: 1, _commit: 1 } },
    );
    const rev = current?.rev ?? 0;
    const isNext = rev === commit.rev - 1;
    const hasWritten = rev === commit.rev && current?._commit === commit.token;
    if (isNext || hasWritten) {
      const state = JSON.parse(commit.data) as InstanceState;
      const effects = JSON.parse(commit.effects) as Effect[];
      if (isNext) {
        // The commit that wrote the current revision may still owe its effects; they go first.
        const previous = rev > 0 ? await this.commits.findOne({ _id: commitId(commit.instanceId, rev) }) : null;
        if (previous) await this.heal(previous);
        await this.write(commit, state, rev);
      }
      await applyEffects(this.db, commit.rev, effects, this.timersChanged);
    }
    await this.commits.deleteOne({ _id: commit._id, token: commit.token });
  }

  private async drop(commit: CommitDoc): Promise<void> {
    await this.commits.deleteOne({ _id: commit._id, token: commit.token });
  }

  /** Waits for an in-flight commit to finish; finishes it once it is older than settleMs. */
  private async awaitCommit(id: string): Promise<void> {
    const started = Date.now();
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const commit = await this.commits.findOne({ _id: id });
      if (!commit) return;
      const now = Date.now();
      if (now - started >= this.settleMs || now - commit.at >= this.settleMs) {
        await this.heal(commit);
        return;
      }
      await sleep(delay);
    }
  }
}

function commitId(instanceId: string, rev: number): string {
  return `${instanceId}:${rev}`;
}

function commitDoc(state: InstanceState, effects: Effect[]): CommitDoc {
  return {
    _id: commitId(state.id, state.rev),
    instanceId: state.id,
    rev: state.rev,
    token: randomUUID(),
    at: Date.now(),
    data: JSON.stringify(state),
    effects: JSON.stringify(effects),
  };
}

export function instanceDoc(state: InstanceState, token: string): InstanceDoc {
  return {
    _id: state.id,
    rev: state.rev,
    processKey: state.processKey,
    version: state.version,
    definitionId: state.definitionId,
    businessKey: state.businessKey,
    startedBy: state.startedBy ?? null,
    state: state.status,
    startedAt: state.startedAt,
    endedAt: state.endedAt,
    data: JSON.stringify(state),
    _commit: token,
  };
}

function exists(id: string): ConflictError {
  return new ConflictError(`instance ${id} already exists`, [{ path: 'id', message: 'already exists' }]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
