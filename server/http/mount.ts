// Turns route declarations into express handlers. The order is fixed for every route:
// authenticate → check role → read body → validate → call the service → send.
// Authentication comes before the body so that anonymous clients cannot make us parse megabytes.

import type { Request, RequestHandler, Response, Router } from 'express';
import type { Logger } from 'pino';
import { ForbiddenError } from '../../engine/errors.ts';
import type { Admission } from './admission.ts';
import { formBody, jsonBody } from './body.ts';
import { UnauthenticatedError } from './errors.ts';
import { runInRequestScope } from './request-scope.ts';
import type { AuthUser, Reply, RequestContext, Route } from './route.ts';
import { checkVariables, type VariableLimits } from './json-limits.ts';
import { compileValidator, validationFailed, type Part, type Validator } from './validation.ts';

export interface MountOptions {
  authenticate(token: string): Promise<AuthUser | null>;
  bodyLimit: number;
  deployBodyLimit: number;
  maxJsonDepth: number;
  variables: VariableLimits;
  /** Turns requests away with 429 past its bound; exempt routes and streams skip it. */
  admission: Admission;
}

/** What the request-context middleware (app.ts) leaves on every request. */
export interface RequestLocals {
  requestId: string;
  log: Logger;
  user?: AuthUser;
  token?: string;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

export function toExpressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

export function bearerToken(req: Request, allowQuery: boolean): string | null {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1]! : null;
  }
  // EventSource cannot send headers; the event stream alone accepts the token in the query.
  if (allowQuery) {
    const q = req.query as Record<string, unknown>;
    const value = q.access_token ?? q.token;
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

export function mountRoutes(router: Router, routes: Route[], options: MountOptions): void {
  for (const route of routes) {
    router[route.method](toExpressPath(route.path), ...handlersFor(route, options));
  }
}

function handlersFor(route: Route, options: MountOptions): RequestHandler[] {
  const validators: Partial<Record<Part, Validator>> = {};
  for (const part of ['params', 'query', 'body'] as const) {
    const schema = route[part];
    if (schema !== undefined) validators[part] = compileValidator(part, schema);
  }
  const limit = route.bodyLimit === 'deployment' ? options.deployBodyLimit : options.bodyLimit;

  const authenticate: RequestHandler = async (req, res, next) => {
    if (route.access === 'public') return next();
    const token = bearerToken(req, route.stream !== undefined);
    const user = token ? await options.authenticate(token) : null;
    if (!user) throw new UnauthenticatedError(token ? 'The token is invalid or has expired.' : undefined);
    if (route.access !== 'authenticated' && !route.access.some((role) => user.roles.includes(role))) {
      throw new ForbiddenError(`This needs one of the roles: ${route.access.join(', ')}.`);
    }
    locals(res).user = user;
    locals(res).token = token!;
    next();
  };

  const run: RequestHandler = async (req, res) => {
    const input = {
      params: { ...req.params } as unknown,
      query: withoutEmpty(req.query as Record<string, unknown>) as unknown,
      // A body-less POST validates as {} so that "required" errors name the missing field.
      body: (req.body ?? {}) as unknown,
    };
    const details = (['params', 'query', 'body'] as const).flatMap((part) => validators[part]?.(input[part]) ?? []);
    if (details.length > 0) throw validationFailed(details);
    checkVariables(input.body, options.variables);

    const l = locals(res);
    const ctx: RequestContext = {
      params: input.params,
      query: input.query,
      body: input.body,
      user: l.user ?? null,
      token: l.token ?? null,
      requestId: l.requestId,
      ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      log: l.log,
    };
    if (route.stream) {
      route.stream(ctx, res);
      return;
    }
    const scope = { requestId: ctx.requestId, actor: ctx.user?.username ?? null };
    send(res, await runInRequestScope(scope, () => route.handler!(ctx)));
  };

  const needsBody = route.body !== undefined;
  const body = route.bodyType === 'form' ? formBody(limit, options.maxJsonDepth) : jsonBody(limit, options.maxJsonDepth);
  // Admission comes first: under overload, not even a token lookup or a body read is spent.
  const admitted = route.admission !== 'exempt' && route.stream === undefined;
  return [...(admitted ? [options.admission.gate] : []), authenticate, ...(needsBody ? body : []), run];
}

/** `?state=&processKey=x` means "no state filter": forms and templated URLs send empty fields. */
function withoutEmpty(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));
}

function send(res: Response, reply: Reply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.status(reply.status ?? 200);
  if (reply.contentType && typeof reply.body === 'string') {
    res.type(reply.contentType).send(reply.body);
  } else if (reply.body === undefined) {
    res.json({});
  } else {
    res.json(reply.body);
  }
}
