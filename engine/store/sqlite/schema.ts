// Schema of the embedded store and its forward-only migrations. A migration is applied at open
// inside one transaction with the version bump, so a crash mid-migration leaves the old schema.

import type { Database } from 'better-sqlite3';

/** Migration n+1 lives at index n. Never edit a released migration: append a new one. */
const MIGRATIONS: readonly string[] = [
  // 1: instances and the records derived from them, deployments, definitions.
  `
  CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    rev INTEGER NOT NULL,
    process_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition_id TEXT NOT NULL,
    business_key TEXT,
    state TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    data TEXT NOT NULL
  );
  CREATE INDEX instances_by_key ON instances (process_key, state, started_at);
  CREATE INDEX instances_by_state ON instances (state, started_at);
  CREATE INDEX instances_by_business_key ON instances (business_key) WHERE business_key IS NOT NULL;

  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    element_id TEXT NOT NULL,
    process_instance_id TEXT NOT NULL,
    process_key TEXT NOT NULL,
    process_version INTEGER NOT NULL,
    business_key TEXT,
    state TEXT NOT NULL,
    assignee TEXT,
    candidate_groups TEXT NOT NULL,
    candidate_users TEXT NOT NULL,
    due_date TEXT,
    follow_up_date TEXT,
    priority INTEGER NOT NULL,
    form_key TEXT,
    created_at TEXT NOT NULL,
    completed_at TEXT,
    completed_by TEXT
  ) WITHOUT ROWID;
  -- Every index costs a page write per commit that touches it, so only queries the API makes
  -- get one. This one matches the default inbox order: one state's list is read in index order.
  CREATE INDEX tasks_by_order ON tasks (state, priority DESC, due_date IS NULL, due_date, created_at, id);
  CREATE INDEX tasks_by_assignee ON tasks (assignee, state) WHERE assignee IS NOT NULL;
  CREATE INDEX tasks_by_instance ON tasks (process_instance_id);

  -- One row per (task, candidate): "offered to me or my groups" becomes index look-ups instead of
  -- scanning JSON lists. The task state is copied here so open tasks are found without touching
  -- the growing mass of completed ones. Rows are derived from tasks.candidate_* and found through
  -- them, which saves a task_id index (and the foreign key that would need it).
  CREATE TABLE task_candidates (
    kind TEXT NOT NULL CHECK (kind IN ('group', 'user')),
    value TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT NOT NULL,
    PRIMARY KEY (kind, value, state, task_id)
  ) WITHOUT ROWID;

  CREATE TABLE jobs (
    job_key TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    process_instance_id TEXT NOT NULL,
    process_key TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_instance TEXT NOT NULL,
    retries INTEGER NOT NULL,
    custom_headers TEXT NOT NULL,
    available_at INTEGER NOT NULL,
    lock_owner TEXT,
    lock_expires_at INTEGER,
    error_message TEXT,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  -- Open jobs only (finished ones are deleted), so queries over all types may scan.
  CREATE INDEX jobs_by_type ON jobs (type, available_at, created_at);
  CREATE INDEX jobs_by_type_lock ON jobs (type, lock_expires_at) WHERE lock_owner IS NOT NULL;

  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    process_instance_id TEXT NOT NULL,
    process_key TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_instance TEXT NOT NULL,
    type TEXT NOT NULL,
    message TEXT NOT NULL,
    state TEXT NOT NULL,
    job_key TEXT,
    created_at TEXT NOT NULL,
    resolved_at TEXT
  ) WITHOUT ROWID;
  CREATE INDEX incidents_by_state ON incidents (state, created_at);
  CREATE INDEX incidents_by_instance ON incidents (process_instance_id, created_at);

  CREATE TABLE history (
    process_instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    element_id TEXT NOT NULL,
    element_type TEXT NOT NULL,
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (process_instance_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    resources TEXT NOT NULL,
    deployed_at TEXT NOT NULL,
    deployed_by TEXT
  );
  CREATE INDEX deployments_by_hash ON deployments (hash);

  CREATE TABLE definitions (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT,
    deployment_id TEXT NOT NULL REFERENCES deployments (id),
    resource_name TEXT NOT NULL,
    hash TEXT NOT NULL,
    deployed_at TEXT NOT NULL,
    deployed_by TEXT,
    UNIQUE (key, version)
  );
  CREATE INDEX definitions_by_deployment ON definitions (deployment_id);
  `,
  // 2: message subscriptions of waiting receive tasks.
  `
  CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    process_instance_id TEXT NOT NULL,
    process_key TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_instance TEXT NOT NULL,
    message_name TEXT NOT NULL,
    correlation_key TEXT,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX subscriptions_by_message ON subscriptions (message_name, correlation_key, created_at);
  `,
  // 3: timers waiting to fire (catch, boundary and start events).
  `
  CREATE TABLE timers (
    id TEXT PRIMARY KEY,
    process_instance_id TEXT,
    process_key TEXT NOT NULL,
    definition_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_instance TEXT,
    due_at INTEGER NOT NULL,
    repeat TEXT
  ) WITHOUT ROWID;
  CREATE INDEX timers_by_due ON timers (due_at);
  `,
  // 4: candidate rows and the assignee index carry the inbox sort key, so "the first 50 tasks
  // offered to this group" is read in order from the index instead of sorting every match.
  `
  CREATE TABLE task_candidates_v4 (
    kind TEXT NOT NULL CHECK (kind IN ('group', 'user')),
    value TEXT NOT NULL,
    state TEXT NOT NULL,
    priority INTEGER NOT NULL,
    due_last INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    task_id TEXT NOT NULL,
    PRIMARY KEY (kind, value, state, priority DESC, due_last, due_date, created_at, task_id)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO task_candidates_v4
    SELECT 'group', g.value, t.state, t.priority, t.due_date IS NULL, COALESCE(t.due_date, ''),
           t.created_at, t.id
    FROM tasks t, json_each(t.candidate_groups) g;
  INSERT OR IGNORE INTO task_candidates_v4
    SELECT 'user', u.value, t.state, t.priority, t.due_date IS NULL, COALESCE(t.due_date, ''),
           t.created_at, t.id
    FROM tasks t, json_each(t.candidate_users) u;
  DROP TABLE task_candidates;
  ALTER TABLE task_candidates_v4 RENAME TO task_candidates;

  DROP INDEX tasks_by_assignee;
  CREATE INDEX tasks_by_assignee
    ON tasks (assignee, state, priority DESC, due_date IS NULL, due_date, created_at, id)
    WHERE assignee IS NOT NULL;
  `,
  // 5: who started an instance, for "my cases".
  `
  ALTER TABLE instances ADD COLUMN started_by TEXT;
  UPDATE instances SET started_by = json_extract(data, '$.startedBy');
  CREATE INDEX instances_by_starter ON instances (started_by, started_at) WHERE started_by IS NOT NULL;
  `,
  // 6: version tags of process versions and the versions each deployment resolved to, for
  // call activities bound by version tag or by deployment.
  `
  ALTER TABLE definitions ADD COLUMN version_tag TEXT;
  CREATE INDEX definitions_by_version_tag ON definitions (key, version_tag, version) WHERE version_tag IS NOT NULL;
  ALTER TABLE deployments ADD COLUMN processes TEXT;
  `,
  // 7: ended instances by end time, for history retention (the oldest ended are purged first).
  // Partial: active instances, the ones commits touch, never enter it.
  `
  CREATE INDEX instances_by_end ON instances (ended_at) WHERE ended_at IS NOT NULL;
  `,
  // 8: the audit trail (append-only), and one row per (entry, target) so "everything that
  // happened to this task" is an index look-up.
  `
  CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    targets TEXT NOT NULL,
    request_id TEXT,
    details TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX audit_by_at ON audit_log (at DESC, id DESC);
  CREATE INDEX audit_by_actor ON audit_log (actor, at DESC, id DESC);
  CREATE INDEX audit_by_action ON audit_log (action, at DESC, id DESC);
  CREATE TABLE audit_targets (
    target TEXT NOT NULL,
    at TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    PRIMARY KEY (target, at, entry_id)
  ) WITHOUT ROWID;
  `,
  // 9: the business data the inbox search matches (engine/runtime/task-search.ts). Existing
  // tasks start without it and get it at their instance's next variable change; until then the
  // search finds them by name, business key and process key as before.
  `
  ALTER TABLE tasks ADD COLUMN search_text TEXT;
  `,
  // 10: the change feed that carries live events between nodes sharing the file.
  `
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    node TEXT NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    task_id TEXT,
    incident_id TEXT
  );
  CREATE INDEX changes_by_at ON changes (at, id);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database up to the newest schema; refuses a database written by a newer Karvon. */
export function migrate(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const upgrade = db.transaction(() => {
    const current = readVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `store schema version ${current} is newer than this Karvon supports (${SCHEMA_VERSION})`,
      );
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version - 1]);
    }
    if (current !== SCHEMA_VERSION) {
      db.prepare('DELETE FROM schema_version').run();
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
    }
  });
  // Immediate: two processes opening a new file at once must not both run migration 1.
  upgrade.immediate();
}

function readVersion(db: Database): number {
  const version = db.prepare('SELECT MAX(version) FROM schema_version').pluck().get();
  return typeof version === 'number' ? version : 0;
}
