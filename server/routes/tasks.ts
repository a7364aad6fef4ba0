// The inbox: user tasks. Visibility (assigned to me, offered to me or my groups) is enforced in
// the task service for every route here.

import type { Variables } from '../../engine/types.ts';
import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { defineRoute, ok } from '../http/route.ts';
import { arrayOf, empty, idParams, task, taskDetail, variables } from '../schemas.ts';

const listQuery = {
  type: 'object',
  properties: {
    state: {
      enum: ['open', 'completed', 'canceled', 'all'],
      description: 'Defaults to open.',
    },
    assignee: { type: 'string', minLength: 1, description: '`me` or a username.' },
    candidateGroup: { type: 'string', minLength: 1 },
    candidateUser: { type: 'string', minLength: 1, description: '`me` or a username.' },
    processInstanceId: { type: 'string', minLength: 1 },
    processKey: { type: 'string', minLength: 1 },
    q: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'Search: a case-insensitive part of the task name, business key, process key or the business data (string and number values of the process variables, bounded; see the README Inbox section).',
    },
    after: {
      type: 'string',
      minLength: 1,
      maxLength: 1000,
      description: 'Paging: the `X-Next-Cursor` header of the previous page (with the same filters and `limit`).',
    },
    limit: { type: 'integer', minimum: 1, maximum: 10_000 },
  },
} as const;

const completeRequest = named('CompleteTaskRequest', {
  type: 'object',
  properties: { variables },
} as const);

const assignRequest = named('AssignTaskRequest', {
  type: 'object',
  required: ['assignee'],
  properties: { assignee: { type: ['string', 'null'], minLength: 1, description: 'A username, or null to unassign.' } },
} as const);

// Analysts read tasks (and assign those of processes they deployed); only those who do the
// work claim and complete.
const READERS = ['admin', 'analyst', 'employee'] as const;
const WORKERS = ['admin', 'employee'] as const;

export const taskRoutes: RouteModule = ({ services: { tasks } }) => [
  defineRoute({
    operationId: 'listTasks',
    method: 'get',
    path: '/api/tasks',
    summary: 'List user tasks visible to the signed-in user',
    description:
      'Employees see only tasks assigned to them or offered to them or one of their groups. Open tasks unless `state` says otherwise.',
    tags: ['tasks'],
    access: READERS,
    query: listQuery,
    responses: {
      200: {
        description: 'Tasks, in inbox order (priority high first, due date (none last), creation).',
        schema: arrayOf(task),
        headers: {
          'X-Next-Cursor': {
            description: 'Sent when `limit` was given and the page is full: pass it as `after` for the next page.',
            schema: { type: 'string' },
          },
        },
      },
    },
    handler: async ({ user, query }) => {
      const page = await tasks.page(user!, query);
      return page.next === null ? ok(page.tasks) : { body: page.tasks, headers: { 'X-Next-Cursor': page.next } };
    },
  }),
  defineRoute({
    operationId: 'getTask',
    method: 'get',
    path: '/api/tasks/{id}',
    summary: 'A task with its variables and form',
    tags: ['tasks'],
    access: READERS,
    params: idParams,
    responses: {
      200: { description: 'The task.', schema: taskDetail },
      404: { description: 'No such task.' },
    },
    handler: async ({ user, params }) => ok(await tasks.get(user!, params.id)),
  }),
  defineRoute({
    operationId: 'claimTask',
    method: 'post',
    path: '/api/tasks/{id}/claim',
    summary: 'Claim a task for the signed-in user',
    tags: ['tasks'],
    access: WORKERS,
    params: idParams,
    responses: {
      200: { description: 'Claimed.', schema: task },
      404: { description: 'No such task.' },
      409: { description: 'Claimed by someone else, or no longer open.' },
    },
    handler: async ({ user, params }) => ok(await tasks.claim(user!, params.id)),
  }),
  defineRoute({
    operationId: 'unclaimTask',
    method: 'post',
    path: '/api/tasks/{id}/unclaim',
    summary: 'Give a claimed task back to its candidates',
    tags: ['tasks'],
    access: WORKERS,
    params: idParams,
    responses: {
      200: { description: 'Unclaimed.', schema: task },
      404: { description: 'No such task.' },
      409: { description: 'The task is no longer open.' },
    },
    handler: async ({ user, params }) => ok(await tasks.unclaim(user!, params.id)),
  }),
  defineRoute({
    operationId: 'assignTask',
    method: 'post',
    path: '/api/tasks/{id}/assign',
    summary: 'Assign a task to a user (admin, or the analyst who deployed the process)',
    tags: ['tasks'],
    access: ['admin', 'analyst'],
    params: idParams,
    body: assignRequest,
    responses: {
      200: { description: 'Assigned.', schema: task },
      404: { description: 'No such task.' },
      409: { description: 'The task is no longer open.' },
    },
    handler: async ({ user, params, body }) => ok(await tasks.assign(user!, params.id, body.assignee)),
  }),
  defineRoute({
    operationId: 'completeTask',
    method: 'post',
    path: '/api/tasks/{id}/complete',
    summary: 'Complete a task, optionally with variables',
    tags: ['tasks'],
    access: WORKERS,
    params: idParams,
    body: completeRequest,
    responses: {
      200: { description: 'Completed.', schema: empty },
      404: { description: 'No such task.' },
      409: { description: 'The task is no longer open; the message says who completed it and when.' },
      422: { description: "The instance's variables would pass KARVON_MAX_INSTANCE_VARIABLES_BYTES (code INSTANCE_VARIABLES_TOO_LARGE); nothing was changed." },
    },
    handler: async ({ user, params, body }) =>
      ok(await tasks.complete(user!, params.id, (body.variables ?? {}) as Variables).then(() => ({}))),
  }),
];
