// Jobs for external workers in any language: activate, then complete, fail or throw a BPMN error.

import type { Variables } from '../../engine/types.ts';
import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { defineRoute, ok } from '../http/route.ts';
import { activatedJob, arrayOf, empty, idParams, variables } from '../schemas.ts';

const activateRequest = named('ActivateJobsRequest', {
  type: 'object',
  required: ['type', 'worker'],
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 255 },
    worker: { type: 'string', minLength: 1, maxLength: 255 },
    maxJobs: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    lockMs: { type: 'integer', minimum: 1, maximum: 86_400_000, default: 300_000 },
  },
} as const);

const completeRequest = named('CompleteJobRequest', {
  type: 'object',
  properties: { variables },
} as const);

const failRequest = named('FailJobRequest', {
  type: 'object',
  required: ['errorMessage', 'retries'],
  properties: {
    errorMessage: { type: 'string', maxLength: 10_000 },
    retries: { type: 'integer', minimum: 0 },
    retryBackoffMs: { type: 'integer', minimum: 0 },
  },
} as const);

const errorRequest = named('ThrowJobErrorRequest', {
  type: 'object',
  required: ['errorCode'],
  properties: {
    errorCode: { type: 'string', minLength: 1, maxLength: 255 },
    errorMessage: { type: 'string', maxLength: 10_000 },
    variables,
  },
} as const);

const WORKERS = ['admin', 'developer'] as const;

export const jobRoutes: RouteModule = ({ services: { jobs } }) => [
  defineRoute({
    operationId: 'activateJobs',
    method: 'post',
    path: '/api/jobs/activate',
    summary: 'Lease up to maxJobs jobs of a type to a worker',
    description: 'A job is handed to one worker at a time; when lockMs passes without an answer it is available again.',
    tags: ['jobs'],
    access: WORKERS,
    body: activateRequest,
    responses: { 200: { description: 'The leased jobs (possibly none).', schema: arrayOf(activatedJob) } },
    handler: async ({ body }) => ok(await jobs.activate(body)),
  }),
  defineRoute({
    operationId: 'completeJob',
    method: 'post',
    path: '/api/jobs/{id}/complete',
    summary: 'Complete a job with its result variables',
    tags: ['jobs'],
    access: WORKERS,
    params: idParams,
    body: completeRequest,
    responses: {
      200: { description: 'Completed.', schema: empty },
      404: { description: 'No such job.' },
      422: { description: "The instance's variables would pass KARVON_MAX_INSTANCE_VARIABLES_BYTES (code INSTANCE_VARIABLES_TOO_LARGE); nothing was changed." },
    },
    handler: async ({ params, body }) =>
      ok(await jobs.complete(params.id, body.variables as Variables | undefined).then(() => ({}))),
  }),
  defineRoute({
    operationId: 'failJob',
    method: 'post',
    path: '/api/jobs/{id}/fail',
    summary: 'Report a technical failure; with no retries left it becomes an incident',
    tags: ['jobs'],
    access: WORKERS,
    params: idParams,
    body: failRequest,
    responses: {
      200: { description: 'Recorded.', schema: empty },
      404: { description: 'No such job.' },
    },
    handler: async ({ params, body }) => ok(await jobs.fail(params.id, body).then(() => ({}))),
  }),
  defineRoute({
    operationId: 'throwJobError',
    method: 'post',
    path: '/api/jobs/{id}/error',
    summary: 'Throw a BPMN error from a job',
    tags: ['jobs'],
    access: WORKERS,
    params: idParams,
    body: errorRequest,
    responses: {
      200: { description: 'Thrown.', schema: empty },
      404: { description: 'No such job.' },
      422: { description: "The instance's variables would pass KARVON_MAX_INSTANCE_VARIABLES_BYTES (code INSTANCE_VARIABLES_TOO_LARGE); nothing was changed." },
    },
    handler: async ({ params, body }) =>
      ok(await jobs.throwError(params.id, { ...body, variables: body.variables as Variables | undefined }).then(() => ({}))),
  }),
];
