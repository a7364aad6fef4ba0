// Connections at runtime, for admins: list every connection (built-in, from the configuration
// file, stored through the API) with secrets masked, and create, change or remove the stored
// ones. A stored change is bound on this node before the answer goes out, and on other nodes
// before their next job on it (reload.ts). A connection that deployed processes, open jobs or
// incidents still use is not removed (409, naming them). File-configured and built-in names cannot be
// taken over through the API: change them in the file.

import { isDeepStrictEqual } from 'node:util';
import { createHttpAdapter, HTTP_ADAPTER_NAME } from '../../adapters/http/adapter.ts';
import type { AdapterRuntime } from '../../adapters/index.ts';
import { resolveConnections, type ConnectionLimits } from '../../adapters/runtime/connections.ts';
import { httpConfigSchema } from '../../adapters/http/config.ts';
import type { AdapterDescriptor, JsonSchema } from '../../adapters/sdk/descriptor.ts';
import type { Json, JsonObject } from '../../adapters/sdk/json.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../engine/errors.ts';
import type { DocCollection, Store } from '../../engine/store/port.ts';
import type { AuditTrail } from '../services/audit.ts';
import type { ConnectionReloader } from './reload.ts';
import { connectionUsage, describeUsage, type UsageSources } from './usage.ts';
import {
  joinSecrets,
  MASK,
  maskSecrets,
  openSecrets,
  sealSecrets,
  splitSecrets,
  stampOf,
  storedConnections,
  type StoredConnectionDoc,
} from './stored.ts';

export interface ConnectionView {
  name: string;
  adapter: string;
  title: string | null;
  source: 'configuration' | 'api';
  /** Secret fields read `{"set": true}`; their values never leave the server. */
  config: JsonObject;
  limits: Partial<ConnectionLimits> | null;
  /** Whether this node runs exactly this configuration (false: it could not be bound; see the log). */
  active: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface ConnectionInput {
  adapter: string;
  title?: string;
  /** Secret fields: a string sets, `{"set": true}` or leaving it out keeps, null removes. */
  config?: JsonObject;
  limits?: Partial<ConnectionLimits>;
}

export interface ConnectionServiceOptions {
  store: Pick<Store, 'collection'>;
  adapters: AdapterRuntime;
  reloader: ConnectionReloader;
  /** What still needs a connection (deployed processes, open jobs, incidents): a used one is not removed. */
  usage: UsageSources;
  audit: AuditTrail;
  now?: () => number;
}

export class ConnectionService {
  private readonly docs: DocCollection<StoredConnectionDoc>;
  private readonly now: () => number;

  constructor(private readonly options: ConnectionServiceOptions) {
    this.docs = storedConnections(options.store);
    this.now = options.now ?? Date.now;
  }

  async list(): Promise<ConnectionView[]> {
    // Another node's changes may not have reached this one yet; the admin sees them bound.
    await this.options.reloader.syncAll();
    const stored = await this.docs.find();
    const storedNames = new Set(stored.map((d) => d.id));
    const configured = this.options.adapters.connections.filter((c) => !storedNames.has(c.name) || this.isFileConfigured(c.name));
    const views = [
      ...configured.map((c): ConnectionView => ({
        name: c.name,
        adapter: c.adapter.name.startsWith(`${HTTP_ADAPTER_NAME}-`) ? HTTP_ADAPTER_NAME : c.adapter.name,
        title: c.title,
        source: 'configuration',
        config: maskSecrets(c.adapter.configSchema, c.config),
        limits: null,
        active: true,
        updatedAt: null,
        updatedBy: null,
      })),
      ...stored.filter((d) => !this.isFileConfigured(d.id)).map((d) => this.view(d)),
    ];
    return views.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<ConnectionView> {
    const found = (await this.list()).find((v) => v.name === name);
    if (!found) throw new NotFoundError(`No connection "${name}".`);
    return found;
  }

  async put(name: string, input: ConnectionInput, actor: string): Promise<{ view: ConnectionView; created: boolean }> {
    if (this.isFileConfigured(name)) {
      throw new ConflictError(`Connection "${name}" comes from the configuration (KARVON_CONNECTIONS or built in); change it there.`);
    }
    const existing = await this.docs.get(name);
    const box = await this.options.reloader.box();
    const previous = existing && existing.adapter === input.adapter ? openSecrets(box, existing) : {};
    const { plain, secrets: given } = splitSecrets(this.secretSchema(input.adapter), input.config ?? {});
    const secrets: Record<string, Json> = { ...previous };
    const changed: string[] = [];
    for (const [path, value] of Object.entries(given)) {
      if (isDeepStrictEqual(value, MASK)) continue;
      if (value === null) delete secrets[path];
      else secrets[path] = value;
      changed.push(path);
    }
    // Validate the whole configuration, secrets included, as the runtime will at start-up.
    const config = joinSecrets(plain, secrets);
    const checked = input.adapter === HTTP_ADAPTER_NAME ? this.httpDescriptor(name, config) : this.descriptor(input.adapter);
    try {
      resolveConnections({ [name]: { adapter: checked.name, config, limits: input.limits } }, new Map([[checked.name, checked]]));
    } catch (error) {
      throw new ValidationError((error as Error).message, [{ path: '/body/config', message: 'does not match the adapter\'s configSchema' }]);
    }
    const doc = {
      id: name,
      adapter: input.adapter,
      title: input.title ?? null,
      config: plain,
      sealedSecrets: sealSecrets(box, name, secrets),
      secretPaths: Object.keys(secrets).sort(),
      limits: input.limits ?? null,
      updatedAt: new Date(this.now()).toISOString(),
      updatedBy: actor,
    };
    const saved = existing ? await this.docs.replace({ ...doc, rev: existing.rev }) : await this.docs.insert(doc);
    if (!saved) throw new ConflictError(`Connection "${name}" was changed at the same time; read it again and retry.`);
    // Bound here before the answer goes out: the next job on this node uses it.
    await this.options.reloader.reconcile(name);
    await this.options.audit.record('connection.changed', [name], {
      adapter: input.adapter,
      created: !existing,
      // Which secret fields changed, never their values.
      secretsChanged: changed.sort(),
    });
    return { view: this.view(saved), created: !existing };
  }

  async remove(name: string): Promise<void> {
    if (this.isFileConfigured(name)) {
      throw new ConflictError(`Connection "${name}" comes from the configuration (KARVON_CONNECTIONS or built in); remove it there.`);
    }
    if (!(await this.docs.get(name))) throw new NotFoundError(`No stored connection "${name}".`);
    const usage = await connectionUsage(this.options.usage, name);
    if (usage.elements.length > 0 || usage.openJobTypes.length > 0 || usage.incidents.length > 0) {
      throw new ConflictError(
        `Connection "${name}" is still in use: ${describeUsage(usage)}. Deploy versions that no longer call it and let the open jobs and incidents finish (or cancel their instances), then delete it.`,
        [
          ...usage.elements.map((u) => ({ elementId: u.elementId, path: `${u.processKey}:${u.version}`, message: `calls ${u.taskType}` })),
          ...usage.incidents.map((i) => ({ elementId: i.elementId, path: `incident:${i.id}`, message: `open incident at ${i.taskType} in instance ${i.processInstanceId}` })),
        ],
      );
    }
    if (!(await this.docs.delete(name))) throw new NotFoundError(`No stored connection "${name}".`);
    await this.options.reloader.reconcile(name);
    await this.options.audit.record('connection.deleted', [name]);
  }

  private view(doc: StoredConnectionDoc): ConnectionView {
    const masked = joinSecrets(doc.config, Object.fromEntries(doc.secretPaths.map((p) => [p, { ...MASK }])));
    return {
      name: doc.id,
      adapter: doc.adapter,
      title: doc.title,
      source: 'api',
      config: masked,
      limits: doc.limits,
      active: this.options.reloader.appliedStamp(doc.id) === stampOf(doc),
      updatedAt: doc.updatedAt,
      updatedBy: doc.updatedBy,
    };
  }

  /** Built-in and file-configured connections: running, and not stored through the API. */
  private isFileConfigured(name: string): boolean {
    return this.options.adapters.fileConnectionNames.has(name);
  }

  /** The schema that says which fields are secret. */
  private secretSchema(adapter: string): JsonSchema {
    return adapter === HTTP_ADAPTER_NAME ? httpConfigSchema : this.descriptor(adapter).configSchema;
  }

  private descriptor(adapter: string): AdapterDescriptor {
    const descriptor = this.options.adapters.registry.get(adapter);
    if (!descriptor) {
      const known = [...this.options.adapters.registry.all().keys()].filter((n) => !n.startsWith(`${HTTP_ADAPTER_NAME}-`));
      throw new ValidationError(`No adapter "${adapter}" is loaded (loaded: ${[HTTP_ADAPTER_NAME, ...known].join(', ')}).`, [
        { path: '/body/adapter', message: 'is not a loaded adapter' },
      ]);
    }
    return descriptor;
  }

  private httpDescriptor(name: string, config: JsonObject): AdapterDescriptor {
    try {
      return createHttpAdapter(name, config);
    } catch (error) {
      throw new ValidationError((error as Error).message, [{ path: '/body/config', message: 'is not a valid HTTP connection' }]);
    }
  }
}
