// Connections: a name a diagram uses (`crm` in `crm.getCustomerCard`) bound to an adapter and its
// configuration. Configuration names adapters; the registry turns names into descriptors.

import { createAjv, formatAjvErrors } from '../sdk/ajv.ts';
import type { AdapterDescriptor } from '../sdk/descriptor.ts';
import type { JsonObject } from '../sdk/json.ts';

export interface ConnectionLimits {
  /** Per call, unless the operation declares its own. */
  timeoutMs: number;
  /** Calls running at once against this connection (bulkhead). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot; beyond that a job is retried later without using a retry. */
  maxQueued: number;
  /** Consecutive technical failures that open the circuit. */
  breakerThreshold: number;
  /** How long an open circuit rejects calls before letting one through. */
  breakerHalfOpenAfterMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  timeoutMs: 30_000,
  maxConcurrent: 8,
  maxQueued: 100,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 30_000,
};

/** How configuration describes a connection (JSON, e.g. from `KARVON_CONNECTIONS`). */
export interface ConnectionSpec {
  /** Adapter name as registered (`karvon-crm`, `bitrix24`, ...). */
  adapter: string;
  /** Shown in element templates, e.g. "CRM" in "CRM · Get customer card". */
  title?: string;
  config?: JsonObject;
  limits?: Partial<ConnectionLimits>;
}

export interface Connection {
  name: string;
  title: string;
  adapter: AdapterDescriptor;
  config: JsonObject;
  limits: ConnectionLimits;
}

export const BUILT_IN_CONNECTIONS: Readonly<Record<string, ConnectionSpec>> = {
  crm: { adapter: 'karvon-crm', title: 'CRM' },
  erp: { adapter: 'karvon-erp', title: 'ERP' },
};

export class ConnectionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionConfigError';
  }
}

const CONNECTION_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Reads connection specs from configuration, over the built-in `crm` and `erp` defaults.
 * `source` is `KARVON_CONNECTIONS` (a JSON string) or an already parsed config-file section.
 * String values written `{{env.NAME}}` are read from `env` here, so secrets stay out of files.
 */
export function connectionSpecsFromConfig(
  source: string | Record<string, ConnectionSpec> | undefined,
  env: Readonly<Record<string, string | undefined>> = {},
): Record<string, ConnectionSpec> {
  let parsed: unknown = source ?? {};
  if (typeof source === 'string') {
    try {
      parsed = source.trim() === '' ? {} : JSON.parse(source);
    } catch (error) {
      throw new ConnectionConfigError(`Connection configuration is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConnectionConfigError('Connection configuration must be an object of connection name → {adapter, config}');
  }
  const specs: Record<string, ConnectionSpec> = { ...BUILT_IN_CONNECTIONS };
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (!CONNECTION_NAME.test(name)) throw new ConnectionConfigError(`Connection name "${name}" must match ${CONNECTION_NAME}`);
    const spec = raw as Partial<ConnectionSpec> | null;
    if (!spec || typeof spec !== 'object' || typeof spec.adapter !== 'string') {
      throw new ConnectionConfigError(`Connection "${name}": "adapter" (the adapter name) is required`);
    }
    specs[name] = { ...spec, adapter: spec.adapter, config: resolveEnv(spec.config ?? {}, env, name) as JsonObject };
  }
  return specs;
}

function resolveEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, connection: string): unknown {
  if (typeof value === 'string') {
    const match = /^\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(value);
    if (!match) return value;
    const resolved = env[match[1]];
    if (resolved === undefined) throw new ConnectionConfigError(`Connection "${connection}": environment variable ${match[1]} is not set`);
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v) => resolveEnv(v, env, connection));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env, connection)]));
  }
  return value;
}

/** Binds specs to descriptors, validating each config against its adapter's configSchema. */
export function resolveConnections(
  specs: Readonly<Record<string, ConnectionSpec>>,
  adapters: ReadonlyMap<string, AdapterDescriptor>,
): Connection[] {
  const ajv = createAjv();
  return Object.entries(specs).map(([name, spec]) => {
    const adapter = adapters.get(spec.adapter);
    if (!adapter) {
      const known = [...adapters.keys()].join(', ') || 'none';
      throw new ConnectionConfigError(`Connection "${name}": adapter "${spec.adapter}" is not loaded (loaded: ${known})`);
    }
    const config = structuredClone(spec.config ?? {});
    const validate = ajv.compile(adapter.configSchema);
    if (!validate(config)) {
      // Paths and rules only: ajv messages never echo the values, which may be secrets.
      const problems = formatAjvErrors(validate.errors).map((p) => `${p.path} ${p.message}`).join('; ');
      throw new ConnectionConfigError(`Connection "${name}" (adapter "${adapter.name}"): invalid config: ${problems}`);
    }
    return {
      name,
      title: spec.title ?? defaultTitle(name),
      adapter,
      config,
      limits: { ...DEFAULT_LIMITS, ...spec.limits },
    };
  });
}

function defaultTitle(name: string): string {
  return name.length <= 4 ? name.toUpperCase() : name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, ' ');
}
