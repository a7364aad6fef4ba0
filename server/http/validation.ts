// Request validation with ajv. Query strings and path parameters arrive as text, so their
// validator coerces ("3" → 3); bodies are JSON and must already have the right types.
// Every error names the field path from the request's root: /body/variables, /query/version.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JSONSchema } from 'json-schema-to-ts';
import { ValidationError, type ErrorDetail } from '../../engine/errors.ts';

// ajv-formats ships CommonJS with a default export object; take the callable either way.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    coerceTypes: coerce ? 'array' : false,
    allowUnionTypes: true,
    strict: true,
    // `anyOf: [{required: ['a']}, {required: ['b']}]` ("one of these fields") is fine by us.
    strictRequired: false,
    strictTypes: false,
    // OpenAPI annotations that ajv does not know but must tolerate.
    keywords: ['example'],
  });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

export type Part = 'params' | 'query' | 'body';

export interface Validator {
  (value: unknown): ErrorDetail[];
}

export function compileValidator(part: Part, schema: JSONSchema): Validator {
  const fn: ValidateFunction = (part === 'body' ? bodyAjv : textAjv).compile(schema as object);
  return (value) => (fn(value) ? [] : toDetails(part, fn.errors ?? []));
}

function toDetails(part: Part, errors: ErrorObject[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let path = `/${part}${e.instancePath}`;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      path += `/${escape(String(e.params.missingProperty))}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path += `/${escape(String(e.params.additionalProperty))}`;
      message = 'is not allowed';
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
    }
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push({ path, message });
  }
  return details;
}

// JSON Pointer escaping, so a field named "a/b" still yields an unambiguous path.
function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function validationFailed(details: ErrorDetail[]): ValidationError {
  const first = details[0];
  const summary = first ? `${first.path} ${first.message}` : 'invalid request';
  return new ValidationError(`Invalid request: ${summary}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}.`, details);
}
