// The OpenAPI 3.1 document, generated from the route table. Schemas passed through `named()`
// become components and are referenced by $ref wherever a route reuses them; the very same
// objects are what ajv validates requests against.

import type { JSONSchema } from 'json-schema-to-ts';
import type { Route } from './route.ts';

const NAME = Symbol('karvon.schemaName');

type SchemaObject = Record<string | symbol, unknown>;

/** Marks a schema as a named component of the OpenAPI document; returns it unchanged. */
export function named<const S extends JSONSchema>(name: string, schema: S): S {
  Object.defineProperty(schema, NAME, { value: name, enumerable: false });
  return schema;
}

const errorSchema = named('Error', {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['message'],
            properties: {
              path: { type: 'string', description: 'Field path (/body/variables), element id, or line:column for XML.' },
              elementId: { type: 'string' },
              elementType: { type: 'string' },
              line: { type: 'integer' },
              column: { type: 'integer' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const);

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid input; details name each field path.',
  401: 'Missing, invalid or expired bearer token.',
  403: 'The signed-in user may not do this.',
  404: 'Not found.',
  409: 'Conflict with the current state.',
  413: 'The request body is too large.',
  415: 'The request body is not JSON.',
  422: 'Valid input that the engine rejects.',
  429: 'Too many requests: the server is overloaded (code OVERLOADED) or attempts are throttled; see Retry-After.',
};

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

export function buildOpenApi(routes: Route[], info: OpenApiInfo): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const toRef = (schema: unknown): unknown => refify(schema, components, true);
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const [part, location] of [['params', 'path'], ['query', 'query']] as const) {
      const schema = route[part] as SchemaObject | undefined;
      if (!schema) continue;
      const properties = (schema.properties ?? {}) as Record<string, SchemaObject>;
      const required = new Set((schema.required ?? []) as string[]);
      for (const [name, prop] of Object.entries(properties)) {
        parameters.push({
          name,
          in: location,
          required: location === 'path' || required.has(name),
          ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
          schema: toRef(prop),
        });
      }
    }

    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      const contentType = spec.contentType ?? 'application/json';
      responses[status] = {
        description: spec.description,
        ...(spec.headers !== undefined ? { headers: spec.headers } : {}),
        ...(spec.schema !== undefined ? { content: { [contentType]: { schema: toRef(spec.schema) } } } : {}),
      };
    }
    const implied: number[] = [];
    if (route.params || route.query || route.body) implied.push(400);
    if (route.access !== 'public') implied.push(401);
    if (Array.isArray(route.access)) implied.push(403);
    if (route.body) implied.push(413, 415);
    if (route.admission !== 'exempt' && !route.stream) implied.push(429);
    for (const status of implied) {
      responses[status] ??= errorResponse(status, toRef);
    }
    for (const [status, value] of Object.entries(responses)) {
      // Error statuses declared with a description only get the standard error body.
      if (Number(status) >= 400 && !(value as { content?: unknown }).content) {
        responses[status] = { ...(value as object), content: { 'application/json': { schema: toRef(errorSchema) } } };
      }
    }

    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? { requestBody: { required: true, content: { [route.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json']: { schema: toRef(route.body) } } } }
        : {}),
      responses,
      ...(route.access === 'public' ? { security: [] } : {}),
      'x-karvon-roles': route.access === 'public' || route.access === 'authenticated' ? route.access : [...route.access],
    };
    (paths[route.path] ??= {})[route.method] = operation;
  }

  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Token from POST /api/auth/login.' },
      },
    },
    security: [{ bearerAuth: [] }],
  };
}

function errorResponse(status: number, toRef: (s: unknown) => unknown): unknown {
  return {
    description: STANDARD_ERRORS[status] ?? 'Error.',
    content: { 'application/json': { schema: toRef(errorSchema) } },
  };
}

/** Deep-copies a schema, turning named sub-schemas into $refs and collecting them. */
function refify(schema: unknown, components: Record<string, unknown>, asRef: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => refify(s, components, true));
  if (schema === null || typeof schema !== 'object') return schema;
  const name = (schema as SchemaObject)[NAME];
  if (typeof name === 'string' && asRef) {
    if (!(name in components)) {
      components[name] = {}; // placeholder first, so recursive schemas terminate
      components[name] = refify(schema, components, false);
    }
    return { $ref: `#/components/schemas/${name}` };
  }
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = refify(value, components, true);
  return copy;
}
