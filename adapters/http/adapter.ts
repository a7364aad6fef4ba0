// The generic HTTP adapter. Its operations come from the connection's configuration, so each
// connection that names `adapter: "http"` gets its own descriptor, `http-<connection>`, built here
// when the runtime loads connections.

import { createAjv, formatAjvErrors } from '../sdk/ajv.ts';
import { defineAdapter, type AdapterDescriptor } from '../sdk/descriptor.ts';
import type { JsonObject } from '../sdk/json.ts';
import { httpConfigSchema, type HttpConnectionConfig } from './config.ts';
import { httpOperation } from './operation.ts';
import { secretNames } from './template.ts';

export const HTTP_ADAPTER_NAME = 'http';

export class HttpAdapterConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpAdapterConfigError';
  }
}

/** Validates a connection's config and builds the descriptor for it. */
export function createHttpAdapter(connection: string, config: JsonObject | undefined): AdapterDescriptor {
  const validate = createAjv().compile(httpConfigSchema);
  if (!validate(config ?? {})) {
    // Paths and rules only: values may be secrets.
    const problems = formatAjvErrors(validate.errors).map((p) => `${p.path} ${p.message}`).join('; ');
    throw new HttpAdapterConfigError(`Connection "${connection}" (adapter "http"): invalid config: ${problems}`);
  }
  const typed = config as unknown as HttpConnectionConfig;
  const known = new Set(Object.keys(typed.secrets ?? {}));
  for (const [name, op] of Object.entries(typed.operations)) {
    const templates = [op.url, ...Object.values(op.headers ?? {}), ...Object.values(typed.headers ?? {})];
    const missing = templates.flatMap(secretNames).filter((s) => !known.has(s));
    if (missing.length > 0) throw new HttpAdapterConfigError(`Connection "${connection}", operation "${name}": secrets ${[...new Set(missing)].join(', ')} are used but not configured`);
  }
  return defineAdapter<HttpConnectionConfig>({
    name: `${HTTP_ADAPTER_NAME}-${connection.replace(/_/g, '-')}`,
    version: '1.0.0',
    title: `HTTP: ${connection}`,
    description: 'Operations configured as HTTP requests with FEEL mappings',
    configSchema: httpConfigSchema,
    operations: Object.entries(typed.operations).map(([name, op]) => httpOperation(name, op, typed)),
  });
}
