// Timers waiting to fire. Those of instances come and go with their instance's commits (as
// effects); those of timer start events belong to a process and are replaced when a version
// is deployed. Firing a start timer moves it to its next due time (or deletes it) under a claim
// on `${id}:${dueAt}`, so one firing goes to one node even on FerretDB (see claims.ts).

import type { Collection } from 'mongodb';
import type { TimerRecord } from '../../types.ts';
import type { TimerNext } from '../port.ts';
import type { Claims } from './claims.ts';
import { timerFromDoc, timerToDoc } from './codec.ts';
import type { StoredDoc } from './codec.ts';
import { dueTimersQuery } from './queries.ts';

export class MongoTimers {
  constructor(
    private readonly timers: Collection<StoredDoc>,
    private readonly claims: Claims,
    /** Told after a write which timers it changed (a scheduler keeps its wake-ups in step). */
    private readonly changed: (ids: string[]) => Promise<void>,
  ) {}

  async get(id: string): Promise<TimerRecord | null> {
    const doc = await this.timers.findOne({ _id: id });
    return doc ? timerFromDoc(doc) : null;
  }

  /** Every timer's id and due time, for a scheduler that checks its wake-ups against them. */
  async schedule(): Promise<Array<{ id: string; dueAt: number }>> {
    const docs = await this.timers.find({}, { projection: { dueAt: 1 } }).toArray();
    return docs.map((d) => ({ id: String(d._id), dueAt: Number(d.dueAt) }));
  }

  async due(now: number, limit: number): Promise<TimerRecord[]> {
    const max = Math.max(0, Math.floor(limit));
    if (max === 0) return [];
    const { filter, sort } = dueTimersQuery(now);
    const docs = await this.timers.find(filter, { sort, limit: max }).toArray();
    return docs.map(timerFromDoc);
  }

  async nextDueAt(): Promise<number | null> {
    const doc = await this.timers.findOne(
      { dueAt: { $type: 'number' } },
      { sort: { dueAt: 1 }, projection: { dueAt: 1 } },
    );
    return typeof doc?.dueAt === 'number' ? doc.dueAt : null;
  }

  /** The new schedule is in place before the old one goes, so a crash in between loses none. */
  async replaceStart(processKey: string, timers: TimerRecord[]): Promise<void> {
    const ids = timers.map((t) => t.id);
    const old = await this.timers
      .find({ processKey, processInstanceId: null, _id: { $nin: ids } }, { projection: { _id: 1 } })
      .toArray();
    await Promise.all(
      timers.map((timer) => {
        const { _id, ...doc } = timerToDoc(timer);
        return this.timers.replaceOne({ _id }, doc, { upsert: true });
      }),
    );
    await this.timers.deleteMany({
      processKey,
      processInstanceId: null,
      _id: { $nin: ids },
    });
    await this.changed([...ids, ...old.map((d) => String(d._id))]);
  }

  async claimStart(id: string, dueAt: number, next: TimerNext | null): Promise<boolean> {
    const claimed = await this.claims.with(`timer:${id}:${dueAt}`, async () => {
      if (next === null) return (await this.timers.deleteOne({ _id: id, dueAt })).deletedCount > 0;
      return (await this.timers.updateOne({ _id: id, dueAt }, { $set: { dueAt: next.dueAt, repeat: next.repeat } })).matchedCount > 0;
    });
    if (claimed?.value) await this.changed([id]);
    return claimed?.value ?? false;
  }

  async delete(id: string): Promise<void> {
    await this.timers.deleteOne({ _id: id });
    await this.changed([id]);
  }
}
