// The one call the server makes: builds the built-in CRM and ERP over the store, loads extra
// adapters, binds connections from configuration, and returns the job handler for the engine plus
// what the routes need (services, the adapter list, element templates, drift checks).

import path from 'node:path';
import type { DeployCheck } from '../../engine/deployments.ts';
import type { Clock } from '../../engine/ports.ts';
import type { Store } from '../../engine/store/port.ts';
import { createCrmAdapter } from '../crm/adapter.ts';
import { CrmService } from '../crm/service.ts';
import { createErpAdapter } from '../erp/adapter.ts';
import { bitrix24Adapter } from '../bitrix24/adapter.ts';
import { odooAdapter } from '../odoo/adapter.ts';
import { HTTP_ADAPTER_NAME, createHttpAdapter } from '../http/adapter.ts';
import { ErpService } from '../erp/service.ts';
import { checkMappingAgainst, type DriftReport } from '../mapping/drift.ts';
import type { AdapterDescriptor, ConnectionContext } from '../sdk/descriptor.ts';
import { createRedactor, secretValues } from '../sdk/secrets.ts';
import { elementTemplates, listAdapters, type AdapterInfo, type ElementTemplate } from './catalog.ts';
import { ConnectionConfigError, connectionSpecsFromConfig, resolveConnections, type Connection, type ConnectionSpec } from './connections.ts';
import { DriftChecker } from './deploy-check.ts';
import { AdapterJobHandler, type LogSink } from './handler.ts';
import type { RetryPolicy } from './policy.ts';
import { AdapterRegistry, loadAdapterDirectory, loadAdapterPackage } from './registry.ts';

export interface AdapterRuntimeOptions {
  store: Pick<Store, 'collection'>;
  /** The engine's clock, when already known; see AdapterJobHandler.useClock. */
  clock?: Pick<Clock, 'now' | 'schedule'>;
  /** `KARVON_CONNECTIONS` (JSON) or the config file's `connections` section. */
  connections?: string | Record<string, ConnectionSpec>;
  /**
   * Connections an admin stored through the API (secrets already decrypted). A name the
   * configuration also has keeps the configuration's; one that no longer validates is skipped
   * with an error in the log, so a stale stored connection cannot stop the server from starting.
   */
  storedConnections?: Record<string, ConnectionSpec>;
  env?: Readonly<Record<string, string | undefined>>;
  /** npm package names whose package.json lists adapters under `karvon.adapters`. */
  packages?: readonly string[];
  /** Folder the package names resolve from, as Node would from a file there (default: the working directory). */
  packagesFrom?: string;
  /** A folder of such packages. */
  directory?: string;
  log?: LogSink;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Base currency of the built-in CRM and ERP (default UZS). */
  currency?: string;
  /** How long the deploy check reuses a connection's field list (default 30 s). */
  driftCacheMs?: number;
}

export interface ConnectionTestResult {
  connection: string;
  ok: boolean;
  message: string;
  drift: DriftReport | null;
}

export interface AdapterRuntime {
  crm: CrmService;
  erp: ErpService;
  registry: AdapterRegistry;
  /** The connections bound now (stored ones change while the server runs). */
  readonly connections: readonly Connection[];
  /** Names of the built-in and configuration-file connections (the rest were stored through the API). */
  fileConnectionNames: ReadonlySet<string>;
  /** Pass to the engine as an in-process job handler. */
  handler: AdapterJobHandler;
  /** `GET /api/adapters`. */
  listAdapters(): AdapterInfo[];
  /** `GET /api/element-templates`. */
  elementTemplates(): ElementTemplate[];
  /** Connection check plus, for ERP connections, the mapping drift check. */
  testConnection(name: string): Promise<ConnectionTestResult>;
  /**
   * For `Engine.open({ deployCheck })`: rejects a deployment whose service tasks call an ERP
   * operation that writes through the CRM → ERP mapping while that ERP lacks a mapped field.
   */
  deployCheck: DeployCheck;
  /**
   * A context for calling a connection's system outside a job (an inbound integration reading the
   * record it was told about), with the same secret redaction in its log; null for no such name.
   */
  connectionContext(name: string): { connection: Connection; context: ConnectionContext } | null;
  /**
   * Binds a connection stored through the API, replacing its earlier binding at once: the next job
   * uses it, with a fresh circuit breaker and bulkhead; calls already running finish on the old one.
   * Throws a ConnectionConfigError (paths and rules, never values) and changes nothing when the
   * configuration does not validate, or when the name is a configured one.
   */
  applyStoredConnection(name: string, spec: ConnectionSpec): Connection;
  /** Unbinds a stored connection; its later jobs become incidents that give `reason`. */
  removeStoredConnection(name: string, reason: string): void;
}

export async function createAdapterRuntime(options: AdapterRuntimeOptions): Promise<AdapterRuntime> {
  const now = () => (options.clock ? options.clock.now() : Date.now());
  const crm = new CrmService({ store: options.store, now, currency: options.currency });
  const erp = new ErpService({ store: options.store, now, currency: options.currency });
  const registry = new AdapterRegistry();
  registry.register(createCrmAdapter(crm));
  registry.register(createErpAdapter(erp));
  // External systems that implement the CRM and ERP capabilities; a connection names them.
  registry.register(bitrix24Adapter);
  registry.register(odooAdapter);
  const resolveFrom = path.join(options.packagesFrom ?? process.cwd(), 'package.json');
  for (const name of options.packages ?? []) await loadAdapterPackage(registry, name, resolveFrom);
  if (options.directory) await loadAdapterDirectory(registry, options.directory);

  const specs = connectionSpecsFromConfig(options.connections, options.env ?? {});
  const fileConnectionNames = new Set(Object.keys(specs));
  // A generic HTTP connection's operations come from its own config: one descriptor per connection.
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.adapter === HTTP_ADAPTER_NAME) specs[name] = { ...spec, adapter: registry.register(createHttpAdapter(name, spec.config)).name };
  }
  const live = new Map<string, Connection>();
  for (const connection of resolveConnections(specs, registry.all())) live.set(connection.name, connection);
  const all = (): Connection[] => [...live.values()];
  const handler = new AdapterJobHandler({ connections: all(), clock: options.clock, log: options.log, random: options.random, retry: options.retry });
  const drift = new DriftChecker({
    connections: all,
    log: options.log,
    cacheMs: options.driftCacheMs,
    describe: (connection, timeoutMs) => describeWithin(connection, contextFor(connection, options.log, timeoutMs), timeoutMs),
  });

  /** Validates a stored connection and binds it in place of any earlier binding of its name. */
  const applyStoredConnection = (name: string, stored: ConnectionSpec): Connection => {
    if (fileConnectionNames.has(name)) throw new ConnectionConfigError(`Connection "${name}" comes from the configuration, which wins over a stored one`);
    let connection: Connection;
    let httpDescriptor: AdapterDescriptor | null = null;
    if (stored.adapter === HTTP_ADAPTER_NAME) {
      // A generic HTTP connection's operations come from its own config: one descriptor per connection.
      const descriptor = createHttpAdapter(name, stored.config);
      [connection] = resolveConnections({ [name]: { ...stored, adapter: descriptor.name } }, new Map([[descriptor.name, descriptor]]));
      httpDescriptor = descriptor;
    } else {
      [connection] = resolveConnections({ [name]: stored }, registry.all());
    }
    // Validated: only now does anything change, so a bad configuration leaves the old binding running.
    const previous = live.get(name);
    const taken = httpDescriptor ? registry.get(httpDescriptor.name) : undefined;
    if (taken && taken !== previous?.adapter) throw new ConnectionConfigError(`Connection "${name}": an adapter named "${httpDescriptor!.name}" is already loaded`);
    if (previous?.adapter.name.startsWith(`${HTTP_ADAPTER_NAME}-`)) registry.unregister(previous.adapter.name);
    if (httpDescriptor) registry.register(httpDescriptor);
    live.set(name, connection!);
    handler.setConnection(connection!);
    drift.forget(name);
    return connection!;
  };

  for (const [name, stored] of Object.entries(options.storedConnections ?? {})) {
    if (fileConnectionNames.has(name)) {
      options.log?.('warn', `Connection "${name}" is both configured and stored through the API; the configuration's is used`, { connection: name });
      continue;
    }
    try {
      applyStoredConnection(name, stored);
    } catch (error) {
      // Messages name paths and rules, never values (connections.ts, http/adapter.ts).
      options.log?.('error', `Stored connection "${name}" is skipped: ${(error as Error).message}`, { connection: name });
    }
  }

  return {
    crm,
    erp,
    registry,
    get connections() {
      return all();
    },
    fileConnectionNames,
    handler,
    listAdapters: () => listAdapters(all()),
    elementTemplates: () => elementTemplates(all()),
    testConnection: (name) => testConnection(all(), name, options.log, (c, fields) => drift.remember(c, fields)),
    deployCheck: drift.check,
    connectionContext: (name) => {
      const connection = live.get(name);
      return connection ? { connection, context: contextFor(connection, options.log) } : null;
    },
    applyStoredConnection,
    removeStoredConnection: (name, reason) => {
      if (fileConnectionNames.has(name)) return;
      const previous = live.get(name);
      if (previous?.adapter.name.startsWith(`${HTTP_ADAPTER_NAME}-`)) registry.unregister(previous.adapter.name);
      live.delete(name);
      handler.removeConnection(name, reason);
      drift.forget(name);
    },
  };
}

function contextFor(connection: Connection, log: LogSink | undefined, timeoutMs = connection.limits.timeoutMs): ConnectionContext {
  const name = connection.name;
  const redactor = createRedactor(secretValues(connection.adapter.configSchema, connection.config));
  const emit = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Readonly<Record<string, unknown>>) =>
    log?.(level, redactor.text(message), redactor.value({ connection: name, ...fields }, { maskKeys: true }));
  return {
    config: connection.config,
    connection: name,
    logger: { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') },
    signal: AbortSignal.timeout(timeoutMs),
    now: () => Date.now(),
  };
}

/** describeFields, given up on after timeoutMs even if the adapter ignores its abort signal. */
async function describeWithin(connection: Connection, context: ConnectionContext, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([connection.adapter.describeFields!(context), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function testConnection(
  connections: readonly Connection[],
  name: string,
  log: LogSink | undefined,
  remember: (connection: string, partnerFields: readonly string[]) => void,
): Promise<ConnectionTestResult> {
  const connection = connections.find((c) => c.name === name);
  if (!connection) return { connection: name, ok: false, message: `No connection "${name}"`, drift: null };
  const redactor = createRedactor(secretValues(connection.adapter.configSchema, connection.config));
  const context = contextFor(connection, log);
  try {
    await connection.adapter.testConnection?.(context);
    let drift: DriftReport | null = null;
    if (connection.adapter.capability === 'erp' && connection.adapter.describeFields) {
      const fields = await connection.adapter.describeFields(context);
      remember(name, fields.partner ?? []);
      drift = checkMappingAgainst(fields.partner ?? []);
    }
    const ok = drift === null || drift.ok;
    return { connection: name, ok, message: ok ? 'ok' : drift!.problems.map((p) => p.message).join('; '), drift };
  } catch (error) {
    return { connection: name, ok: false, message: redactor.text(error instanceof Error ? error.message : String(error)), drift: null };
  }
}

export { AdapterJobHandler, type LogSink } from './handler.ts';
export { listAdapters, elementTemplates, ELEMENT_TEMPLATE_SCHEMA, type AdapterInfo, type ElementTemplate } from './catalog.ts';
export { connectionSpecsFromConfig, resolveConnections, BUILT_IN_CONNECTIONS, ConnectionConfigError, type Connection, type ConnectionSpec } from './connections.ts';
export { outcomeForError, backoffMs, DEFAULT_RETRY, ERROR_VARIABLE, type RetryPolicy } from './policy.ts';
export { AdapterRegistry, AdapterLoadError, loadAdapterPackage, loadAdapterDirectory } from './registry.ts';
export { DriftChecker, MAPPED_ERP_OPERATIONS } from './deploy-check.ts';
