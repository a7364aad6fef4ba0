// Applying a commit's record effects to the derived collections, after the commit itself is
// durable. The same effects may be applied more than once (a crash mid-way, a second node healing
// the commit) and a slow applier of an older commit may still be running when a newer commit's
// effects land. So every write carries its effect sequence number `_src` and only lands on a
// record whose `_src` is lower: a replayed effect is a no-op and an older one never overwrites a
// newer one. A deleted job or subscription becomes a tombstone for the same reason.

import type { AnyBulkWriteOperation, Collection, Db, Document } from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import type { Effect, HistoryRecord } from '../../types.ts';
import {
  definedFields,
  incidentToDoc,
  jobPatchToSet,
  jobToDoc,
  subscriptionToDoc,
  timerToDoc,
  taskPatchToSet,
  taskToDoc,
} from './codec.ts';
import type { StoredDoc } from './codec.ts';
import { COLLECTIONS, EFFECT_SLOTS } from './schema.ts';

type Ops = AnyBulkWriteOperation<StoredDoc>[];

/** Every effect type, so adding one to Effect fails to compile until this store handles it. */
const KNOWN: Record<Effect['type'], true> = {
  'task.put': true,
  'task.patch': true,
  'job.put': true,
  'job.patch': true,
  'job.delete': true,
  'incident.put': true,
  'incident.patch': true,
  'subscription.put': true,
  'subscription.delete': true,
  'timer.put': true,
  'timer.delete': true,
  history: true,
  'instance.ended': true,
};

/**
 * Refuses effects this store cannot apply before anything is written: once a commit is durable
 * its effects must apply, or every later read of the instance would trip over them.
 */
export function checkEffects(effects: readonly Effect[]): void {
  if (effects.length >= EFFECT_SLOTS) throw new Error(`a commit carries at most ${EFFECT_SLOTS - 1} effects`);
  for (const effect of effects) {
    const type = (effect as { type?: unknown }).type;
    if (typeof type !== 'string' || !Object.hasOwn(KNOWN, type)) throw new Error(`unknown effect ${JSON.stringify(type)}`);
  }
}

/**
 * Told which timers an applied commit put or deleted, after they are written and before the
 * outbox goes: a listener that fails leaves the commit to be healed, and called again then.
 */
export type TimersChanged = (ids: string[]) => Promise<void>;

export async function applyEffects(db: Db, rev: number, effects: readonly Effect[], timersChanged?: TimersChanged): Promise<void> {
  const ops: Record<string, Ops> = {
    [COLLECTIONS.tasks]: [],
    [COLLECTIONS.jobs]: [],
    [COLLECTIONS.incidents]: [],
    [COLLECTIONS.subscriptions]: [],
    [COLLECTIONS.timers]: [],
    [COLLECTIONS.history]: [],
  };
  effects.forEach((effect, index) => {
    const src = rev * EFFECT_SLOTS + index + 1;
    const newer = { $lt: src };
    switch (effect.type) {
      case 'task.put':
        ops[COLLECTIONS.tasks].push(put(effect.task.id, { ...taskToDoc(effect.task), _src: src }, newer));
        return;
      case 'task.patch':
        ops[COLLECTIONS.tasks].push(patch(effect.id, { ...taskPatchToSet(effect.patch), _src: src }, newer));
        return;
      case 'job.put':
        ops[COLLECTIONS.jobs].push(put(effect.job.key, { ...jobToDoc(effect.job), _src: src, _lease: 0 }, newer));
        return;
      case 'job.patch':
        ops[COLLECTIONS.jobs].push(patch(effect.key, { ...jobPatchToSet(effect.patch), _src: src }, newer));
        return;
      case 'job.delete':
        ops[COLLECTIONS.jobs].push(put(effect.key, { _id: effect.key, _src: src, _gone: true }, newer));
        return;
      case 'incident.put':
        ops[COLLECTIONS.incidents].push(
          put(effect.incident.id, { ...incidentToDoc(effect.incident), _src: src }, newer),
        );
        return;
      case 'incident.patch':
        ops[COLLECTIONS.incidents].push(patch(effect.id, { ...definedFields(effect.patch), _src: src }, newer));
        return;
      case 'subscription.put':
        ops[COLLECTIONS.subscriptions].push(
          put(effect.subscription.id, { ...subscriptionToDoc(effect.subscription), _src: src }, newer),
        );
        return;
      case 'subscription.delete':
        ops[COLLECTIONS.subscriptions].push(put(effect.id, { _id: effect.id, _src: src, _gone: true }, newer));
        return;
      case 'timer.put':
        ops[COLLECTIONS.timers].push(put(effect.timer.id, { ...timerToDoc(effect.timer), _src: src }, newer));
        return;
      case 'timer.delete':
        // Deleted outright, unless a newer effect put it again: the scheduler polls this
        // collection with a range FerretDB cannot push down, so tombstones would cost every poll.
        ops[COLLECTIONS.timers].push({ deleteOne: { filter: { _id: effect.id, _src: newer } } });
        return;
      case 'history':
        // First write wins: a replay is a duplicate key, which runOrdered skips.
        ops[COLLECTIONS.history].push({
          insertOne: { document: { _id: historyId(effect.record), ...effect.record } },
        });
        return;
      case 'instance.ended':
        // The instance document carries status and end time already.
        return;
      default: {
        // A new kind of effect fails to compile here until this store can apply it.
        const unknown: never = effect;
        throw new Error(`unknown effect ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  });
  await Promise.all(
    Object.entries(ops)
      .filter(([, list]) => list.length > 0)
      .map(([name, list]) => runOrdered(db.collection<StoredDoc>(name), list)),
  );
  if (timersChanged) {
    const ids = effects.flatMap((e) => (e.type === 'timer.put' ? [e.timer.id] : e.type === 'timer.delete' ? [e.id] : []));
    if (ids.length > 0) await timersChanged(ids);
  }
}

function historyId(record: HistoryRecord): string {
  return `${record.processInstanceId}:${record.seq}`;
}

/**
 * Replaces the record unless a newer (or the same) effect wrote it. When the guard does not match
 * an existing record the upsert collides on `_id`, which is exactly "already newer": skipped.
 */
function put(id: string, doc: Document, newer: Document): AnyBulkWriteOperation<StoredDoc> {
  const { _id: _ignored, ...replacement } = doc;
  return { replaceOne: { filter: { _id: id, _src: newer }, replacement, upsert: true } };
}

/** A patch of a record that is missing or a tombstone changes nothing: it carries too little. */
function patch(id: string, set: Document, newer: Document): AnyBulkWriteOperation<StoredDoc> {
  return { updateOne: { filter: { _id: id, _src: newer, _gone: { $exists: false } }, update: { $set: set } } };
}

/**
 * Runs the operations in order, one bulk request while nothing fails. A duplicate-key error
 * stops an ordered bulk; it means "already applied", so the rest is resumed after it.
 */
async function runOrdered(collection: Collection<StoredDoc>, ops: Ops): Promise<void> {
  let start = 0;
  while (start < ops.length) {
    try {
      await collection.bulkWrite(ops.slice(start), { ordered: true });
      return;
    } catch (error) {
      const failed = duplicateAt(error);
      if (failed === null) throw error;
      start += failed + 1;
    }
  }
}

/** Index of the operation an ordered bulk stopped at, when that was a duplicate key. */
function duplicateAt(error: unknown): number | null {
  if (!(error instanceof MongoBulkWriteError)) return null;
  const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  const first = errors[0];
  if (!first || typeof first.index !== 'number') return null;
  const duplicate = first.code === 11000 || first.code === 11001 || /duplicate key/i.test(first.errmsg ?? '');
  return duplicate ? first.index : null;
}
