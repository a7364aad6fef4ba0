// Connections an admin manages through the API, as stored: the configuration without its secret
// fields, plus one sealed blob holding those fields (`{path: value}` as JSON, AES-256-GCM, see
// secret-box.ts). Secret fields are the ones the adapter's configSchema marks `"x-secret": true`.

import type { ConnectionLimits, ConnectionSpec } from '../../adapters/runtime/connections.ts';
import type { JsonObject, Json } from '../../adapters/sdk/json.ts';
import type { JsonSchema } from '../../adapters/sdk/descriptor.ts';
import { secretPaths } from '../../adapters/sdk/secrets.ts';
import type { Doc, DocCollection, Store } from '../../engine/store/port.ts';
import type { SecretBox } from './secret-box.ts';

export interface StoredConnectionDoc extends Doc {
  adapter: string;
  title: string | null;
  /** The configuration with every secret field removed. */
  config: JsonObject;
  /** Sealed JSON of the secret fields by dotted path; null when there are none. */
  sealedSecrets: string | null;
  /** Paths of the secret fields that are set (names only, for the masked view). */
  secretPaths: string[];
  limits: Partial<ConnectionLimits> | null;
  updatedAt: string;
  updatedBy: string | null;
}

export function storedConnections(store: Pick<Store, 'collection'>): DocCollection<StoredConnectionDoc> {
  return store.collection<StoredConnectionDoc>({ name: 'connections', indexes: [] });
}

/** Splits a configuration into its plain part and its secret fields. */
export function splitSecrets(schema: JsonSchema, config: JsonObject): { plain: JsonObject; secrets: Record<string, Json> } {
  const plain = structuredClone(config);
  const secrets: Record<string, Json> = {};
  for (const path of secretPaths(schema)) {
    const value = getPath(plain, path);
    if (value === undefined) continue;
    secrets[path] = value;
    deletePath(plain, path);
  }
  return { plain, secrets };
}

export function joinSecrets(plain: JsonObject, secrets: Record<string, Json>): JsonObject {
  const config = structuredClone(plain);
  for (const [path, value] of Object.entries(secrets)) setPath(config, path, value);
  return config;
}

/** What the API shows instead of a secret. */
export const MASK = Object.freeze({ set: true });

export function maskSecrets(schema: JsonSchema, config: JsonObject): JsonObject {
  const { plain, secrets } = splitSecrets(schema, config);
  return joinSecrets(plain, Object.fromEntries(Object.keys(secrets).map((p) => [p, { ...MASK }])));
}

export function sealSecrets(box: SecretBox, name: string, secrets: Record<string, Json>): string | null {
  return Object.keys(secrets).length === 0 ? null : box.seal(JSON.stringify(secrets), `connection:${name}`);
}

export function openSecrets(box: SecretBox, doc: StoredConnectionDoc): Record<string, Json> {
  return doc.sealedSecrets === null ? {} : (JSON.parse(box.open(doc.sealedSecrets, `connection:${doc.id}`)) as Record<string, Json>);
}

/** A stored connection as a spec for the adapter runtime, its secrets opened (throws when they do not open). */
export function specOf(doc: StoredConnectionDoc, box: SecretBox | null): ConnectionSpec {
  const secrets = doc.sealedSecrets === null || box === null ? {} : openSecrets(box, doc);
  return {
    adapter: doc.adapter,
    ...(doc.title !== null ? { title: doc.title } : {}),
    config: joinSecrets(doc.config, secrets),
    ...(doc.limits ? { limits: doc.limits } : {}),
  };
}

/** Which write of a stored connection a node runs: the rev alone repeats when a name is deleted and made again. */
export function stampOf(doc: Pick<StoredConnectionDoc, 'rev' | 'updatedAt'>): string {
  return `${doc.rev}@${doc.updatedAt}`;
}

function getPath(obj: JsonObject, path: string): Json | undefined {
  let value: Json | undefined = obj;
  for (const key of path.split('.')) {
    value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
  }
  return value;
}

function setPath(obj: JsonObject, path: string, value: Json): void {
  const keys = path.split('.');
  let node: JsonObject = obj;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[keys[keys.length - 1]!] = value;
}

function deletePath(obj: JsonObject, path: string): void {
  const keys = path.split('.');
  let node: Json | undefined = obj;
  for (const key of keys.slice(0, -1)) {
    node = node !== null && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined;
  }
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) delete node[keys[keys.length - 1]!];
}
