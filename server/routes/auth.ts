// Sign-in, sign-out and the current user.

import type { RouteModule } from '../context.ts';
import { defineRoute, ok } from '../http/route.ts';
import { named } from '../http/openapi.ts';
import { empty, user } from '../schemas.ts';

const credentials = named('Credentials', {
  type: 'object',
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const);

const loginResponse = named('LoginResponse', {
  type: 'object',
  required: ['token', 'user'],
  properties: {
    token: { type: 'string', description: 'Opaque bearer token.' },
    expiresAt: { type: 'string', format: 'date-time' },
    user,
  },
} as const);

export const authRoutes: RouteModule = ({ services: { identity } }) => [
  defineRoute({
    operationId: 'login',
    method: 'post',
    path: '/api/auth/login',
    summary: 'Sign in and receive a bearer token',
    description: 'Repeated failures for one username from one address are throttled with 429 and Retry-After.',
    tags: ['identity'],
    access: 'public',
    body: credentials,
    responses: {
      200: { description: 'Signed in.', schema: loginResponse },
      401: { description: 'Wrong username or password.' },
      429: { description: 'Too many failed attempts; wait Retry-After seconds.' },
    },
    handler: async ({ body, ip }) => ok(await identity.login(body.username, body.password, ip)),
  }),
  defineRoute({
    operationId: 'logout',
    method: 'post',
    path: '/api/auth/logout',
    summary: 'Revoke the bearer token of this request',
    tags: ['identity'],
    access: 'authenticated',
    responses: { 200: { description: 'The token no longer works.', schema: empty } },
    handler: async ({ token }) => ok(await identity.logout(token!).then(() => ({}))),
  }),
  defineRoute({
    operationId: 'me',
    method: 'get',
    path: '/api/me',
    summary: 'The signed-in user',
    tags: ['identity'],
    access: 'authenticated',
    responses: { 200: { description: 'The user.', schema: user } },
    handler: async ({ user: me }) => ok(me),
  }),
];
