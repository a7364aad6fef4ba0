// A route is data: method, path, who may call it, the JSON Schemas of its input, the responses
// it documents, and one call into a service. The same declarations drive express (mount.ts) and
// the OpenAPI document (openapi.ts), so the two cannot drift apart.

import type { ServerResponse } from 'node:http';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Logger } from 'pino';

export const ROLES = ['admin', 'analyst', 'employee', 'developer'] as const;
export type Role = (typeof ROLES)[number];

export interface AuthUser {
  username: string;
  displayName: string;
  roles: Role[];
  groups: string[];
}

/** `public`: no token; `authenticated`: any signed-in user; a list: any of these roles. */
export type Access = 'public' | 'authenticated' | readonly Role[];

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RequestContext<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** Null only on public routes. */
  user: AuthUser | null;
  /** The bearer token of this request (never log it); logout revokes it. */
  token: string | null;
  requestId: string;
  ip: string;
  log: Logger;
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** Defaults to JSON; a string body with another type is sent as is. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  schema?: JSONSchema;
  contentType?: string;
  /** Response headers, as OpenAPI header objects. */
  headers?: Record<string, { description: string; schema: JSONSchema }>;
}

/** Schema-less inputs are typed as empty objects: the route reads nothing from them. */
type Input<S> = S extends JSONSchema ? FromSchema<S> : Record<string, never>;

interface RouteBase {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI style: `/api/tasks/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  /** Maximum JSON body in bytes; the app's default when unset. */
  bodyLimit?: 'default' | 'deployment';
  /** How the body is encoded; JSON unless a caller can send nothing else (Bitrix24 robots). */
  bodyType?: 'json' | 'form';
  /**
   * `exempt`: served even when the server is overloaded (health, metrics, the OpenAPI document),
   * so operators can see it. Streams are always exempt.
   */
  admission?: 'exempt';
  responses: Record<number, ResponseSpec>;
}

export interface RouteSpec<P, Q, B> extends RouteBase {
  params?: P;
  query?: Q;
  body?: B;
  /** Exactly one of handler or stream. */
  handler?: (ctx: RequestContext<Input<P>, Input<Q>, Input<B>>) => Promise<Reply>;
  /** Long-lived responses (server-sent events) write to the response themselves. */
  stream?: (ctx: RequestContext<Input<P>, Input<Q>, Input<B>>, res: ServerResponse) => void;
}

/** The erased form kept in route tables. */
export interface Route extends RouteBase {
  params?: JSONSchema;
  query?: JSONSchema;
  body?: JSONSchema;
  handler?: (ctx: RequestContext) => Promise<Reply>;
  stream?: (ctx: RequestContext, res: ServerResponse) => void;
}

export function defineRoute<
  const P extends JSONSchema | undefined = undefined,
  const Q extends JSONSchema | undefined = undefined,
  const B extends JSONSchema | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): Route {
  if (!spec.handler === !spec.stream) {
    throw new Error(`Route ${spec.operationId} needs exactly one of handler or stream.`);
  }
  // Validation in mount.ts guarantees the inputs match the schemas the handler was typed from.
  return spec as unknown as Route;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
