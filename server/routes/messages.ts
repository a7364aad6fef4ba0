// Messages and signals sent into processes by other systems.

import type { Variables } from '../../engine/types.ts';
import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { defineRoute, ok } from '../http/route.ts';
import { variables } from '../schemas.ts';

const messageRequest = named('MessageRequest', {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    correlationKey: { type: ['string', 'number', 'null'], description: 'Compared as text with the subscription key.' },
    variables,
    ttlMs: { type: 'integer', minimum: 0, description: 'Keep the message this long for a subscriber that opens later.' },
    messageId: { type: 'string', minLength: 1, maxLength: 255, description: 'A repeated id within the TTL is ignored.' },
  },
} as const);

const messageResult = named('MessageResult', {
  type: 'object',
  required: ['correlated', 'started', 'buffered'],
  properties: {
    correlated: { type: 'array', items: { type: 'string' }, description: 'Instances the message reached.' },
    started: { type: 'array', items: { type: 'string' }, description: 'Instances the message started.' },
    buffered: { type: 'boolean' },
  },
} as const);

const signalRequest = named('SignalRequest', {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    variables,
  },
} as const);

const signalResult = named('SignalResult', {
  type: 'object',
  required: ['triggered'],
  properties: { triggered: { type: 'integer', minimum: 0, description: 'Subscriptions and signal start events the signal reached.' } },
} as const);

// Integrations send messages with a developer's (or admin's) token; analysts try processes out.
const SENDERS = ['admin', 'analyst', 'developer'] as const;

export const messageRoutes: RouteModule = ({ services: { messages } }) => [
  defineRoute({
    operationId: 'publishMessage',
    method: 'post',
    path: '/api/messages',
    summary: 'Publish a message to the instances waiting for it',
    tags: ['events'],
    access: SENDERS,
    body: messageRequest,
    responses: {
      200: { description: 'Where the message went. An instance whose variables the message would push past KARVON_MAX_INSTANCE_VARIABLES_BYTES is left out.', schema: messageResult },
      422: { description: 'The message reached no instance because each would pass KARVON_MAX_INSTANCE_VARIABLES_BYTES (code INSTANCE_VARIABLES_TOO_LARGE).' },
    },
    handler: async ({ body }) => ok(await messages.publish({ ...body, variables: body.variables as Variables | undefined })),
  }),
  defineRoute({
    operationId: 'broadcastSignal',
    method: 'post',
    path: '/api/signals',
    summary: 'Broadcast a signal to every instance and signal start event waiting for it',
    tags: ['events'],
    access: SENDERS,
    body: signalRequest,
    responses: { 200: { description: 'How many waiting events the signal reached.', schema: signalResult } },
    handler: async ({ body }) => ok(await messages.broadcast(body.name, body.variables as Variables | undefined)),
  }),
];
