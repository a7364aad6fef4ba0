// History retention for the MongoDB store. No TTL index (FerretDB has none, and a TTL index
// could not take an instance's derived records with it): a scheduled caller asks for a batch of
// ended instances and each is removed derived records first, instance document last. A crash
// midway leaves the instance document, so the next run finds it and finishes; two nodes racing
// on the same batch only delete what is already gone, and only the one whose delete of the
// instance document took effect reports it.

import type { Collection, Db } from 'mongodb';
import type { InstanceStatus } from '../../types.ts';
import type { StoreCounts } from '../port.ts';
import type { StoredDoc } from './codec.ts';
import type { InstanceCommits } from './commits.ts';
import { endedInstancesQuery } from './queries.ts';
import { COLLECTIONS } from './schema.ts';

const ENDED: readonly InstanceStatus[] = ['completed', 'canceled', 'terminated'];

/** Derived collections and the field that names the instance in each. */
const DERIVED: ReadonlyArray<[collection: string, field: string]> = [
  [COLLECTIONS.tasks, 'processInstanceId'],
  [COLLECTIONS.jobs, 'processInstanceId'],
  [COLLECTIONS.incidents, 'processInstanceId'],
  [COLLECTIONS.subscriptions, 'processInstanceId'],
  [COLLECTIONS.timers, 'processInstanceId'],
  [COLLECTIONS.history, 'processInstanceId'],
  [COLLECTIONS.commits, 'instanceId'],
];

export class MongoRetention {
  constructor(
    private readonly db: Db,
    private readonly commits: InstanceCommits,
  ) {}

  async purge(endedBefore: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const instances = this.db.collection<StoredDoc>(COLLECTIONS.instances);
    // One equality query per end state, so FerretDB pushes the filter down (see queries.ts).
    const found = await Promise.all(
      ENDED.map((state) => {
        const q = endedInstancesQuery(state, endedBefore);
        return instances.find(q.filter, { sort: q.sort, limit: Math.floor(limit), projection: { _id: 1, endedAt: 1 } }).toArray();
      }),
    );
    const batch = found
      .flat()
      .sort((a, b) => compare(a.endedAt as string, b.endedAt as string) || compare(a._id, b._id))
      .slice(0, Math.floor(limit));
    const purged: string[] = [];
    for (const { _id: id } of batch) {
      if (await this.purgeOne(instances, id)) purged.push(id);
    }
    return purged;
  }

  async counts(): Promise<StoreCounts> {
    const names = ['instances', 'tasks', 'jobs', 'incidents', 'subscriptions', 'timers', 'history'] as const;
    const values = await Promise.all(names.map((name) => this.db.collection(COLLECTIONS[name]).countDocuments({})));
    return Object.fromEntries(names.map((name, i) => [name, values[i]])) as unknown as StoreCounts;
  }

  private async purgeOne(instances: Collection<StoredDoc>, id: string): Promise<boolean> {
    // An outbox still pending would write derived records back after they are deleted.
    await this.commits.settle(id, true);
    for (const [collection, field] of DERIVED) {
      await this.db.collection<StoredDoc>(collection).deleteMany({ [field]: id });
    }
    const deleted = await instances.deleteOne({ _id: id, state: { $ne: 'active' } });
    return deleted.deletedCount === 1;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
