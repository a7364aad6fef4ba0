// Exclusive claims built on the one write every MongoDB-compatible server makes atomic: inserting
// a document whose `_id` already exists fails. FerretDB 1.24 (what CI runs) evaluates the filter
// of findOneAndUpdate/updateOne in its own process and then rewrites the document by `_id`, so
// two racing conditional updates can both succeed; measured here, 16 racing
// `findOneAndUpdate({_id, rev: 0}, {$set: {rev: 1}})` gave several winners in 19 rounds of 20.
// A claim is held only around such a conditional update, which makes the update exclusive on
// FerretDB and costs one insert and one delete on MongoDB, where it was atomic already.

import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './codec.ts';
import { COLLECTIONS } from './schema.ts';

interface ClaimDoc {
  _id: string;
  /** Epoch ms after which a claim left behind by a crashed holder may be broken. */
  until: number;
}

/** Long enough for the one update a claim guards, short enough that a crash costs little. */
const CLAIM_TTL_MS = 15_000;

export class Claims {
  private readonly collection: Collection<ClaimDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ClaimDoc>(COLLECTIONS.claims);
  }

  /** True when this caller now holds `key`; false when someone else does. */
  async acquire(key: string): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.collection.insertOne({ _id: key, until: Date.now() + CLAIM_TTL_MS });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const held = await this.collection.findOne({ _id: key });
      if (held && held.until > Date.now()) return false;
      // The holder died with it; breaking it is a delete, which reaches at most one breaker.
      if (held) await this.collection.deleteOne({ _id: key, until: held.until });
    }
    return false;
  }

  async release(key: string): Promise<void> {
    await this.collection.deleteOne({ _id: key });
  }

  /** Runs `work` while holding `key`; null without running it when the claim is taken. */
  async with<T>(key: string, work: () => Promise<T>): Promise<{ value: T } | null> {
    if (!(await this.acquire(key))) return null;
    try {
      return { value: await work() };
    } finally {
      await this.release(key);
    }
  }
}
