// User administration (admins only).

import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { created, defineRoute, ok, ROLES } from '../http/route.ts';
import { arrayOf, user } from '../schemas.ts';

const newUser = named('NewUser', {
  type: 'object',
  required: ['username', 'password', 'roles'],
  properties: {
    username: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$',
      description: 'Letters, digits, dot, underscore, at sign and hyphen; at most 64 characters.',
    },
    password: { type: 'string', minLength: 8, maxLength: 1024 },
    displayName: { type: 'string', maxLength: 200 },
    roles: { type: 'array', minItems: 1, items: { enum: ROLES } },
    groups: {
      type: 'array',
      default: [],
      items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    },
  },
} as const);

export const userRoutes: RouteModule = ({ services: { identity } }) => [
  defineRoute({
    operationId: 'createUser',
    method: 'post',
    path: '/api/users',
    summary: 'Create a user',
    tags: ['identity'],
    access: ['admin'],
    body: newUser,
    responses: {
      201: { description: 'Created.', schema: user },
      409: { description: 'The username is taken.' },
    },
    handler: async ({ body }) => created(await identity.createUser(body)),
  }),
  defineRoute({
    operationId: 'listUsers',
    method: 'get',
    path: '/api/users',
    summary: 'List users',
    tags: ['identity'],
    access: ['admin'],
    responses: { 200: { description: 'All users.', schema: arrayOf(user) } },
    handler: async () => ok(await identity.listUsers()),
  }),
];
