// The generic HTTP adapter's connection configuration: shared base URL, headers and secrets, and
// the operations themselves — each a request template plus FEEL mappings for body and result.

import type { ObjectSchema } from '../sdk/descriptor.ts';

const operationSchema = {
  type: 'object',
  required: ['method', 'url'],
  properties: {
    title: { type: 'string' },
    description: { type: 'string' },
    method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
    url: { type: 'string', minLength: 1, description: 'Absolute, or relative to baseUrl; {{input.x}} and {{secrets.NAME}} are filled in at call time' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: { type: 'string', description: 'FEEL over {input}, e.g. ={city: input.city}' },
    response: { type: 'string', description: 'FEEL over {status, body, headers, input} giving the result context' },
    timeoutMs: { type: 'integer', minimum: 1 },
    safeToRetry: { type: 'boolean', description: 'Defaults to true for GET, PUT and DELETE' },
    inputSchema: { type: 'object' },
    outputSchema: { type: 'object' },
    errors: {
      type: 'object',
      description: 'Business error code → {when: FEEL over {status, body}, message?}; checked before the status mapping',
      additionalProperties: {
        type: 'object',
        required: ['when'],
        properties: { when: { type: 'string' }, message: { type: 'string' }, description: { type: 'string' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const httpConfigSchema = {
  type: 'object',
  required: ['operations'],
  properties: {
    baseUrl: { type: 'string', pattern: '^https?://' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Sent with every operation' },
    secrets: { type: 'object', additionalProperties: { type: 'string' }, 'x-secret': true, description: 'Referenced as {{secrets.NAME}}; never logged' },
    operations: { type: 'object', minProperties: 1, propertyNames: { pattern: '^[a-z][A-Za-z0-9]*$' }, additionalProperties: operationSchema },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpOperationConfig {
  title?: string;
  description?: string;
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  response?: string;
  timeoutMs?: number;
  safeToRetry?: boolean;
  inputSchema?: ObjectSchema;
  outputSchema?: ObjectSchema;
  errors?: Record<string, { when: string; message?: string; description?: string }>;
}

export interface HttpConnectionConfig {
  baseUrl?: string;
  headers?: Record<string, string>;
  secrets?: Record<string, string>;
  operations: Record<string, HttpOperationConfig>;
}
