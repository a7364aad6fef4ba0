// The change feed in MongoDB. FerretDB has no change streams, so nodes poll: each entry carries
// the writer's time, readers ask for a window that overlaps what they read last and drop ids
// they have seen. There is no global sequence to keep gap-free across nodes.

import type { Collection } from 'mongodb';
import type { ChangeEntry } from '../port.ts';
import type { StoredDoc } from './codec.ts';

export interface ChangeDoc extends StoredDoc {
  node: string;
  at: number;
  type: string;
  instanceId: string;
  taskId: string | null;
  incidentId: string | null;
}

export class MongoChangeFeed {
  constructor(private readonly collection: Collection<ChangeDoc>) {}

  async append(entries: ChangeEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Upserts keyed by id: a retried append writes each entry once.
    await this.collection.bulkWrite(
      entries.map((e) => ({
        updateOne: {
          filter: { _id: e.id },
          update: {
            $setOnInsert: {
              node: e.node,
              at: e.at,
              type: e.type,
              instanceId: e.instanceId,
              taskId: e.taskId,
              incidentId: e.incidentId,
            },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }

  async read(since: number, limit: number): Promise<ChangeEntry[]> {
    if (limit <= 0) return [];
    const docs = await this.collection.find({ at: { $gte: since } }, { sort: { at: 1, _id: 1 }, limit }).toArray();
    return docs.map((d) => ({
      id: d._id,
      node: d.node,
      at: d.at,
      type: d.type,
      instanceId: d.instanceId,
      // A null field may come back absent (FerretDB drops it from $setOnInsert).
      taskId: d.taskId ?? null,
      incidentId: d.incidentId ?? null,
    }));
  }

  async trim(olderThan: number): Promise<number> {
    const result = await this.collection.deleteMany({ at: { $lt: olderThan } });
    return result.deletedCount;
  }
}
