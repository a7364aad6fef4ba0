// Health, metrics, the OpenAPI document and the live event stream.

import type { RouteModule } from '../context.ts';
import { defineRoute, ok } from '../http/route.ts';

export const systemRoutes: RouteModule = (app) => [
  defineRoute({
    operationId: 'health',
    admission: 'exempt',
    method: 'get',
    path: '/health',
    summary: 'Liveness: 200 while the server is up',
    tags: ['operations'],
    access: 'public',
    responses: {
      200: {
        description: 'Up.',
        schema: {
          type: 'object',
          required: ['status'],
          properties: { status: { const: 'ok' }, store: { type: 'string' } },
        },
      },
    },
    handler: async () => ok({ status: 'ok', store: app.store.kind }),
  }),
  defineRoute({
    operationId: 'metrics',
    admission: 'exempt',
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tags: ['operations'],
    access: 'public',
    responses: { 200: { description: 'Prometheus text format.', contentType: 'text/plain', schema: { type: 'string' } } },
    handler: async () => ({
      body: await app.services.metrics.text(),
      contentType: app.services.metrics.contentType,
    }),
  }),
  defineRoute({
    operationId: 'openApi',
    admission: 'exempt',
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    tags: ['operations'],
    access: 'public',
    responses: { 200: { description: 'OpenAPI 3.1.', schema: { type: 'object' } } },
    handler: async () => ok(app.openApi()),
  }),
  defineRoute({
    operationId: 'events',
    method: 'get',
    path: '/api/events',
    summary: 'Live task events (server-sent events)',
    description:
      'A text/event-stream of `task.created`, `task.updated`, `task.completed` (data: {type, taskId, task, processInstanceId}) ' +
      'for tasks the user may see, and `instance.updated` for admins and analysts. Events caused on other nodes sharing ' +
      'the database arrive too, after their next change-feed poll (KARVON_FEED_POLL_MS). Browsers\' EventSource cannot send ' +
      'headers, so this route alone also accepts the token as `?access_token=` (or `?token=`).',
    tags: ['tasks'],
    access: 'authenticated',
    query: {
      type: 'object',
      properties: {
        access_token: { type: 'string', description: 'The bearer token, for EventSource clients.' },
        token: { type: 'string', description: 'Same as access_token.' },
      },
    },
    responses: { 200: { description: 'The event stream.', contentType: 'text/event-stream', schema: { type: 'string' } } },
    stream: ({ user }, res) => app.services.events.subscribe(user!, res),
  }),
];
