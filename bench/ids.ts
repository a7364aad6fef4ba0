// Time-ordered ids (UUID version 7 layout) for `--ids time-ordered`. The engine's default ids are
// random UUIDs, and every table keyed by them (instances, history, jobs, tasks) then takes each
// insert on a random B-tree leaf, so every commit dirties pages no other commit shares and the
// WAL carries whole 4 KB pages for a few hundred bytes of data. Passing these through the
// engine's IdGenerator port shows what ordered keys would change, without touching the engine.

import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '../engine/ports.ts';

/** Random bytes fetched in bulk: one getrandom call per id costs more than the id is worth. */
const POOL_IDS = 256;

export class TimeOrderedIds implements IdGenerator {
  private lastMs = 0;
  private counter = 0;
  private pool = Buffer.alloc(0);
  private offset = 0;

  next(): string {
    const ms = Date.now();
    // A counter within one millisecond keeps ids made in the same ms in creation order (12 bits:
    // past 4,096 ids in one ms the order inside that ms is lost, uniqueness is not).
    this.counter = ms === this.lastMs ? this.counter + 1 : 0;
    this.lastMs = ms;
    if (this.offset >= this.pool.length) {
      this.pool = randomBytes(16 * POOL_IDS);
      this.offset = 0;
    }
    const b = this.pool.subarray(this.offset, this.offset + 16);
    this.offset += 16;
    b.writeUIntBE(ms, 0, 6);
    b[6] = 0x70 | ((this.counter >> 8) & 0x0f);
    b[7] = this.counter & 0xff;
    b[8] = 0x80 | (b[8] & 0x3f);
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}
