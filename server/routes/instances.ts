// Process instances: start, list, read, history, set variables, cancel.

import type { Variables } from '../../engine/types.ts';
import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { created, defineRoute, ok } from '../http/route.ts';
import { arrayOf, historyEntry, idParams, instanceDetail, instanceSummary, variables } from '../schemas.ts';

const startRequest = named('StartInstanceRequest', {
  type: 'object',
  required: ['processKey'],
  properties: {
    processKey: { type: 'string', minLength: 1, maxLength: 255 },
    version: { type: 'integer', minimum: 1 },
    versionTag: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description: 'Start the highest version whose process carries this zeebe:versionTag; not together with version.',
    },
    businessKey: { type: 'string', minLength: 1, maxLength: 255 },
    variables,
  },
} as const);

const setVariablesRequest = named('SetVariablesRequest', {
  type: 'object',
  required: ['variables'],
  properties: { variables },
} as const);

const listQuery = {
  type: 'object',
  properties: {
    processKey: { type: 'string' },
    state: { enum: ['active', 'completed', 'terminated', 'canceled'] },
    businessKey: { type: 'string' },
    startedBy: { type: 'string', minLength: 1, maxLength: 255, description: '`me` or a user name: instances that person started.' },
    order: { enum: ['oldest', 'newest'], description: 'By start time; defaults to oldest first.' },
    after: {
      type: 'string',
      minLength: 1,
      maxLength: 1000,
      description: 'Paging: the `X-Next-Cursor` header of the previous page (with the same filters, `order` and `limit`).',
    },
    limit: { type: 'integer', minimum: 1, maximum: 10_000 },
  },
} as const;

// Employees start processes from the inbox and read the cases they work on (instances.ts
// narrows what they see); analysts and admins read everything.
const STARTERS = ['admin', 'analyst', 'employee'] as const;
const READERS = ['admin', 'analyst', 'employee'] as const;

export const instanceRoutes: RouteModule = ({ services: { instances } }) => [
  defineRoute({
    operationId: 'startInstance',
    method: 'post',
    path: '/api/process-instances',
    summary: 'Start a process instance',
    tags: ['instances'],
    access: STARTERS,
    body: startRequest,
    responses: {
      201: { description: 'Started.', schema: instanceSummary },
      400: { description: 'Both version and versionTag given.' },
      404: { description: 'No such process, version or version tag.' },
      422: { description: "The instance's variables would pass KARVON_MAX_INSTANCE_VARIABLES_BYTES (code INSTANCE_VARIABLES_TOO_LARGE); nothing was changed." },
    },
    handler: async ({ user, body }) =>
      created(await instances.start(user!, { ...body, variables: body.variables as Variables | undefined })),
  }),
  defineRoute({
    operationId: 'listInstances',
    method: 'get',
    path: '/api/process-instances',
    summary: 'List process instances',
    description: 'Employees see only instances they started or in which they have or had a task.',
    tags: ['instances'],
    access: READERS,
    query: listQuery,
    responses: {
      200: {
        description: 'Instances in start order (oldest first unless `order=newest`).',
        schema: arrayOf(instanceSummary),
        headers: {
          'X-Next-Cursor': {
            description: 'Sent when `limit` was given and the page is full: pass it as `after` for the next page.',
            schema: { type: 'string' },
          },
        },
      },
    },
    handler: async ({ user, query }) => {
      const page = await instances.page(user!, query);
      return page.next === null ? ok(page.instances) : { body: page.instances, headers: { 'X-Next-Cursor': page.next } };
    },
  }),
  defineRoute({
    operationId: 'getInstance',
    method: 'get',
    path: '/api/process-instances/{id}',
    summary: 'A process instance with variables, active elements and incidents',
    tags: ['instances'],
    access: READERS,
    params: idParams,
    responses: {
      200: { description: 'The instance.', schema: instanceDetail },
      404: { description: 'No such instance.' },
    },
    handler: async ({ user, params }) => ok(await instances.get(user!, params.id)),
  }),
  defineRoute({
    operationId: 'getInstanceHistory',
    method: 'get',
    path: '/api/process-instances/{id}/history',
    summary: 'What happened in an instance, in order',
    tags: ['instances'],
    access: READERS,
    params: idParams,
    responses: {
      200: { description: 'History entries.', schema: arrayOf(historyEntry) },
      404: { description: 'No such instance.' },
    },
    handler: async ({ user, params }) => ok(await instances.history(user!, params.id)),
  }),
  defineRoute({
    operationId: 'setInstanceVariables',
    method: 'post',
    path: '/api/process-instances/{id}/variables',
    summary: 'Set variables on a running instance',
    description: 'Creates or updates the given variables on the process scope. Conditional events that read them are evaluated before the call returns, so the instance returned may already have moved on.',
    tags: ['instances'],
    access: ['admin', 'analyst'],
    params: idParams,
    body: setVariablesRequest,
    responses: {
      200: { description: 'The instance after the change.', schema: instanceDetail },
      404: { description: 'No such instance.' },
      409: { description: 'The instance has already ended.' },
      422: { description: "The instance's variables would pass KARVON_MAX_INSTANCE_VARIABLES_BYTES (code INSTANCE_VARIABLES_TOO_LARGE); nothing was changed." },
    },
    handler: async ({ params, body }) => ok(await instances.setVariables(params.id, body.variables as Variables)),
  }),
  defineRoute({
    operationId: 'cancelInstance',
    method: 'post',
    path: '/api/process-instances/{id}/cancel',
    summary: 'Cancel a running instance',
    tags: ['instances'],
    access: ['admin', 'analyst'],
    params: idParams,
    responses: {
      200: { description: 'Canceled.', schema: instanceSummary },
      404: { description: 'No such instance.' },
      409: { description: 'The instance has already ended.' },
    },
    handler: async ({ params }) => ok(await instances.cancel(params.id)),
  }),
];
