// Incidents: failures that wait for a person.

import type { RouteModule } from '../context.ts';
import { defineRoute, ok } from '../http/route.ts';
import { arrayOf, empty, idParams, incident } from '../schemas.ts';

export const incidentRoutes: RouteModule = ({ services: { incidents } }) => [
  defineRoute({
    operationId: 'listIncidents',
    method: 'get',
    path: '/api/incidents',
    summary: 'List incidents',
    description: 'Open incidents unless `state` says otherwise (`all` for every one).',
    tags: ['operations'],
    access: ['admin', 'analyst', 'developer'],
    query: {
      type: 'object',
      properties: {
        state: { enum: ['open', 'resolved', 'all'] },
        processInstanceId: { type: 'string', minLength: 1 },
        limit: { type: 'integer', minimum: 1, maximum: 10_000 },
      },
    },
    responses: { 200: { description: 'Incidents.', schema: arrayOf(incident) } },
    handler: async ({ query: { state = 'open', ...rest } }) =>
      ok(await incidents.list({ ...rest, ...(state === 'all' ? {} : { state }) })),
  }),
  defineRoute({
    operationId: 'resolveIncident',
    method: 'post',
    path: '/api/incidents/{id}/resolve',
    summary: 'Retry the step that failed',
    tags: ['operations'],
    access: ['admin', 'developer'],
    params: idParams,
    responses: {
      200: { description: 'Resolved; the step runs again.', schema: empty },
      404: { description: 'No such incident.' },
      409: { description: 'Already resolved.' },
    },
    handler: async ({ params }) => ok(await incidents.resolve(params.id).then(() => ({}))),
  }),
];
