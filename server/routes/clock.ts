// The test clock, mounted only when the server runs with KARVON_TEST_CLOCK=1; otherwise these
// paths fall through to the API's 404, as the contract asks.

import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { defineRoute, ok } from '../http/route.ts';
import { ClockService } from '../services/clock.ts';

const reading = named('ClockReading', {
  type: 'object',
  required: ['now'],
  properties: {
    now: { type: 'string', format: 'date-time' },
    epochMs: { type: 'integer' },
  },
} as const);

const moveRequest = named('ClockMove', {
  type: 'object',
  properties: {
    addMs: { type: 'integer', minimum: 0, description: 'Move forward by this many milliseconds.' },
    pin: { type: 'string', format: 'date-time', description: 'Move to this instant (never backwards).' },
  },
  oneOf: [{ required: ['addMs'] }, { required: ['pin'] }],
} as const);

export const clockRoutes: RouteModule = ({ config, engine }) => {
  if (!config.testClock) return [];
  const clock = new ClockService(engine);
  return [
    defineRoute({
      operationId: 'getClock',
      method: 'get',
      path: '/api/clock',
      summary: "The engine's test clock",
      tags: ['operations'],
      access: 'authenticated',
      responses: { 200: { description: 'The current engine time.', schema: reading } },
      handler: async () => ok(clock.now()),
    }),
    defineRoute({
      operationId: 'moveClock',
      method: 'post',
      path: '/api/clock',
      summary: 'Move the test clock; answers after everything due by then has been processed',
      tags: ['operations'],
      access: ['admin'],
      body: moveRequest,
      responses: { 200: { description: 'The engine time after the move.', schema: reading } },
      handler: async ({ body }) => ok(await clock.move(body)),
    }),
  ];
};
