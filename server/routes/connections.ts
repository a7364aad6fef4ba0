// Adapter connections for admins: every connection with its secrets masked, and the ones stored
// through the API created, changed and removed. Secret fields (marked `x-secret` in the adapter's
// configSchema) are sealed with AES-256-GCM in the store and never come back out of the API.

import type { ConnectionLimits } from '../../adapters/runtime/connections.ts';
import type { JsonObject } from '../../adapters/sdk/json.ts';
import { lazySecretBox, loadSecretKey } from '../connections/secret-box.ts';
import { ConnectionReloader } from '../connections/reload.ts';
import { ConnectionService } from '../connections/service.ts';
import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { defineRoute, ok } from '../http/route.ts';
import { arrayOf, empty } from '../schemas.ts';

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]*$', maxLength: 64, description: 'The prefix of task types: `crm` in `crm.getCustomerCard`.' } },
} as const;

const limits = {
  type: 'object',
  additionalProperties: false,
  properties: {
    timeoutMs: { type: 'integer', minimum: 1 },
    maxConcurrent: { type: 'integer', minimum: 1 },
    maxQueued: { type: 'integer', minimum: 0 },
    breakerThreshold: { type: 'integer', minimum: 1 },
    breakerHalfOpenAfterMs: { type: 'integer', minimum: 1 },
  },
} as const;

const connectionView = named('Connection', {
  type: 'object',
  required: ['name', 'adapter', 'title', 'source', 'config', 'limits', 'active', 'updatedAt', 'updatedBy'],
  properties: {
    name: { type: 'string' },
    adapter: { type: 'string' },
    title: { type: ['string', 'null'] },
    source: { enum: ['configuration', 'api'], description: '`configuration`: built in or KARVON_CONNECTIONS (read-only here); `api`: stored through this API.' },
    config: { type: 'object', description: 'The configuration; every secret field reads `{"set": true}`.' },
    limits: { type: ['object', 'null'] },
    active: {
      type: 'boolean',
      description:
        'Whether the node that answers runs exactly this configuration. A change is bound at once on the node that stored it and before the next job on every other node; false means it could not be bound (e.g. its secrets do not open with this node\'s key; see the log).',
    },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
    updatedBy: { type: ['string', 'null'] },
  },
} as const);

const connectionTestResult = named('ConnectionTestResult', {
  type: 'object',
  required: ['connection', 'ok', 'message', 'drift'],
  properties: {
    connection: { type: 'string' },
    ok: { type: 'boolean' },
    message: { type: 'string', description: '`ok`, or what failed (secret values scrubbed).' },
    drift: {
      type: ['object', 'null'],
      description: 'For an ERP connection: the mapping drift report (`ok`, `problems` naming each field the mapping fills that the ERP no longer declares); null otherwise.',
    },
  },
} as const);

const connectionInput = named('ConnectionInput', {
  type: 'object',
  required: ['adapter'],
  additionalProperties: false,
  properties: {
    adapter: { type: 'string', minLength: 1, maxLength: 100, description: 'A loaded adapter (`GET /api/adapters`), or `http`.' },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    config: {
      type: 'object',
      description:
        'Checked against the adapter\'s configSchema. A secret field given as a string is set; left out or given as `{"set": true}` it keeps its stored value; null removes it.',
    },
    limits,
  },
} as const);

export const connectionRoutes: RouteModule = ({ adapters, storedConnections, store, engine, config, logger, services: { audit } }) => {
  if (!adapters) return [];
  const log = logger.child({ component: 'adapters' });
  // startServer hands its reloader over; an app built without one binds changes made here only.
  const reloader =
    storedConnections ??
    new ConnectionReloader({
      store,
      adapters,
      box: lazySecretBox(() => loadSecretKey({ envKey: config.secretKey, dataDir: config.dataDir })),
      log: (level, message, fields) => log[level](fields, message),
    });
  const connections = new ConnectionService({
    store,
    adapters,
    reloader,
    audit,
    usage: { latestModels: () => engine.latestModels(), processModel: (id) => engine.processModel(id), store },
  });
  return [
    defineRoute({
      operationId: 'listConnections',
      method: 'get',
      path: '/api/connections',
      summary: 'Adapter connections, secrets masked',
      tags: ['adapters'],
      access: ['admin'],
      responses: { 200: { description: 'Connections.', schema: arrayOf(connectionView) } },
      handler: async () => ok(await connections.list()),
    }),
    defineRoute({
      operationId: 'getConnection',
      method: 'get',
      path: '/api/connections/{name}',
      summary: 'An adapter connection, secrets masked',
      tags: ['adapters'],
      access: ['admin'],
      params: nameParams,
      responses: { 200: { description: 'The connection.', schema: connectionView }, 404: { description: 'No such connection.' } },
      handler: async ({ params }) => ok(await connections.get(params.name)),
    }),
    defineRoute({
      operationId: 'putConnection',
      method: 'put',
      path: '/api/connections/{name}',
      summary: 'Create or change a stored connection (the next job uses it, on every node)',
      description:
        'Secret fields are sealed with AES-256-GCM under KARVON_SECRET_KEY (or the data folder\'s secret.key) before they are ' +
        'stored, and are never returned. Built-in and KARVON_CONNECTIONS connections answer 409: change them in the configuration. ' +
        'The change is bound before the answer: the next job on this connection, on any node, runs with it and with a fresh circuit breaker and bulkhead; calls already running finish with the configuration they started with.',
      tags: ['adapters'],
      access: ['admin'],
      params: nameParams,
      body: connectionInput,
      responses: {
        201: { description: 'Created.', schema: connectionView },
        200: { description: 'Changed.', schema: connectionView },
        400: { description: 'Unknown adapter, or the configuration does not match its schema (paths and rules, never values).' },
        409: { description: 'The name belongs to a configured connection, or a concurrent change won.' },
      },
      handler: async ({ params, body, user }) => {
        const input = { ...body, config: body.config as JsonObject | undefined, limits: body.limits as Partial<ConnectionLimits> | undefined };
        const { view, created } = await connections.put(params.name, input, user!.username);
        return { status: created ? 201 : 200, body: view };
      },
    }),
    defineRoute({
      operationId: 'deleteConnection',
      method: 'delete',
      path: '/api/connections/{name}',
      summary: 'Remove a stored connection no process uses any more',
      description:
        'Refused with 409 while the latest version of a deployed process has a task on it, jobs on it are open (waiting or retrying), or incidents wait at its tasks; the answer names them. ' +
        'Should a job reach it later anyway (an instance of an older version), that job becomes an incident naming the missing connection.',
      tags: ['adapters'],
      access: ['admin'],
      params: nameParams,
      responses: {
        200: { description: 'Removed.', schema: empty },
        404: { description: 'No stored connection by this name.' },
        409: { description: 'The name belongs to a configured connection, or deployed processes, open jobs or incidents still use it (named in the message; elements in `error.details`).' },
      },
      handler: async ({ params }) => ok(await connections.remove(params.name).then(() => ({}))),
    }),
    defineRoute({
      operationId: 'testConnection',
      method: 'post',
      path: '/api/connections/{name}/test',
      summary: 'Test a connection with the configuration it runs now',
      description:
        'Calls the adapter\'s testConnection and, for an ERP with describeFields, runs the CRM → ERP mapping drift check against the fields it declares now; ' +
        'the deploy check then reuses that field list. Always against the configuration this node runs, a change made a moment ago included. ' +
        'Messages are scrubbed of secret values.',
      tags: ['adapters'],
      access: ['admin'],
      params: nameParams,
      responses: {
        200: { description: 'The result; `ok` false says what failed.', schema: connectionTestResult },
        404: { description: 'No such connection.' },
      },
      handler: async ({ params }) => {
        await connections.get(params.name);
        await reloader.refresh(params.name);
        return ok(await adapters.testConnection(params.name));
      },
    }),
  ];
};
