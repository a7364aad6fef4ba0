// Collections of the MongoDB store and the indexes behind every query it makes. All of them are
// created at open (createIndexes is idempotent), so a new database is ready on first use.
//
// Field names prefixed with `_` are the store's own bookkeeping and never reach a caller:
//   _src     effect sequence (instance rev * EFFECT_SLOTS + index) that last wrote a derived record
//   _noDue   1 when a task has no due date, so "due dates first, none last" is one index order
//   _gone    a deleted job or subscription (tombstone), so a replayed older put cannot bring it
//            back (a timer is deleted outright: one that comes back fires, finds nothing, goes)
//   _lease   how many leases a job has had; the next lease claims `_lease + 1`
//   _commit  token of the commit that wrote an instance document
//   _pending a deployment whose definitions are still being written

import type { CreateIndexesOptions, Db, IndexSpecification } from 'mongodb';

export const COLLECTIONS = {
  instances: 'instances',
  /** In-flight instance commits: new state plus effects, keyed `${instanceId}:${rev}`. */
  commits: 'instance_commits',
  tasks: 'tasks',
  jobs: 'jobs',
  incidents: 'incidents',
  subscriptions: 'subscriptions',
  timers: 'timers',
  history: 'history',
  deployments: 'deployments',
  definitions: 'definitions',
  /** Short-lived exclusive claims (job leases, document replaces); see claims.ts. */
  claims: 'claims',
  /** The audit trail (append-only); see audit.ts. */
  audit: 'audit_log',
} as const;

/** Room for this many effects per commit in the `_src` sequence. */
export const EFFECT_SLOTS = 1_000_000;

export interface IndexDef {
  name: string;
  key: IndexSpecification & Record<string, 1 | -1>;
  unique?: boolean;
  sparse?: boolean;
}

/** Index names are part of the contract with the explain test; keep them stable. */
export const INDEXES: Record<string, IndexDef[]> = {
  [COLLECTIONS.instances]: [
    { name: 'by_process_state', key: { processKey: 1, state: 1, startedAt: 1, _id: 1 } },
    { name: 'by_state', key: { state: 1, startedAt: 1, _id: 1 } },
    { name: 'by_business_key', key: { businessKey: 1, startedAt: 1 } },
    { name: 'by_starter', key: { startedBy: 1, startedAt: 1 } },
    { name: 'by_start', key: { startedAt: 1, _id: 1 } },
    // Retention: the oldest ended instances of one end state.
    { name: 'by_state_end', key: { state: 1, endedAt: 1, _id: 1 } },
  ],
  [COLLECTIONS.commits]: [{ name: 'by_instance', key: { instanceId: 1, rev: 1 } }],
  [COLLECTIONS.tasks]: [
    // The inbox order: priority, due date (none last), creation, id.
    {
      name: 'inbox_by_state',
      key: { state: 1, priority: -1, _noDue: 1, dueDate: 1, createdAt: 1, _id: 1 },
    },
    { name: 'by_assignee', key: { assignee: 1, state: 1 } },
    { name: 'by_candidate_group', key: { candidateGroups: 1, state: 1 } },
    { name: 'by_candidate_user', key: { candidateUsers: 1, state: 1 } },
    { name: 'by_instance', key: { processInstanceId: 1 } },
    { name: 'by_process', key: { processKey: 1, state: 1 } },
  ],
  [COLLECTIONS.jobs]: [
    { name: 'activation', key: { type: 1, availableAt: 1, createdAt: 1, _id: 1 } },
    { name: 'lock_expiry_by_type', key: { type: 1, lockExpiresAt: 1 } },
    { name: 'by_available', key: { availableAt: 1 } },
    { name: 'by_lock_expiry', key: { lockExpiresAt: 1 } },
    { name: 'by_lock_owner', key: { lockOwner: 1 } },
    { name: 'by_instance', key: { processInstanceId: 1 } },
  ],
  [COLLECTIONS.incidents]: [
    { name: 'by_state', key: { state: 1, createdAt: 1, _id: 1 } },
    { name: 'by_instance', key: { processInstanceId: 1, createdAt: 1 } },
  ],
  [COLLECTIONS.subscriptions]: [
    { name: 'by_message', key: { messageName: 1, correlationKey: 1, createdAt: 1, _id: 1 } },
    { name: 'by_instance', key: { processInstanceId: 1 } },
  ],
  [COLLECTIONS.timers]: [
    { name: 'by_due', key: { dueAt: 1, _id: 1 } },
    { name: 'by_instance', key: { processInstanceId: 1 } },
    { name: 'start_by_process', key: { processKey: 1, processInstanceId: 1 } },
  ],
  [COLLECTIONS.history]: [
    // `_id` is `${processInstanceId}:${seq}` already; unique states the rule for the index too.
    { name: 'by_instance_seq', key: { processInstanceId: 1, seq: 1 }, unique: true },
  ],
  [COLLECTIONS.deployments]: [{ name: 'by_hash', key: { hash: 1, deployedAt: -1 } }],
  [COLLECTIONS.definitions]: [
    // Two nodes deploying at once cannot both create the same version.
    { name: 'key_version', key: { key: 1, version: 1 }, unique: true },
    { name: 'by_deployment', key: { deploymentId: 1 } },
    { name: 'by_version_tag', key: { key: 1, versionTag: 1, version: -1 } },
  ],
  [COLLECTIONS.audit]: [
    { name: 'by_order', key: { _order: -1 } },
    { name: 'by_actor', key: { actor: 1, _order: -1 } },
    { name: 'by_action', key: { action: 1, _order: -1 } },
    { name: 'by_target', key: { targets: 1, _order: -1 } },
  ],
};

export async function ensureIndexes(db: Db): Promise<void> {
  await Promise.all(Object.entries(INDEXES).map(([collection, defs]) => ensureCollectionIndexes(db, collection, defs)));
}

/**
 * Creates the indexes a collection lacks, one per request. FerretDB 1.24 drops the connection
 * when one createIndexes request names two or more indexes that already exist, which is every
 * open after the first; one at a time is also what a second node starting at once can race with.
 */
export async function ensureCollectionIndexes(db: Db, collection: string, defs: IndexDef[]): Promise<void> {
  const existing = new Set(await indexNames(db, collection));
  for (const def of defs) {
    if (existing.has(def.name)) continue;
    const options: CreateIndexesOptions = { name: def.name };
    if (def.unique) options.unique = true;
    if (def.sparse) options.sparse = true;
    await db.collection(collection).createIndex(def.key, options);
  }
}

async function indexNames(db: Db, collection: string): Promise<string[]> {
  try {
    return (await db.collection(collection).indexes()).map((i) => i.name ?? '');
  } catch (error) {
    // A collection that does not exist yet has no indexes (MongoDB: NamespaceNotFound).
    if ((error as { code?: unknown }).code === 26) return [];
    throw error;
  }
}
