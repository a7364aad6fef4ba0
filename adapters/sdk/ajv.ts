// One ajv setup for descriptors, connection configs and operation inputs/outputs, so a schema that
// loads is a schema that validates the same way everywhere.

import { Ajv, type ErrorObject } from 'ajv';
import { createRequire } from 'node:module';
import type { AdapterErrorProblem } from './errors.ts';

// ajv-formats is CommonJS whose typings describe an ES default export; requiring it sidesteps the
// NodeNext interop mismatch between the two.
const addFormats = createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv) => Ajv;

/** Annotation keywords adapters may use in their schemas; ajv ignores them at validation time. */
export const ANNOTATION_KEYWORDS = ['x-secret', 'x-label', 'x-order', 'x-example'] as const;

export function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    // `anyOf: [{required: ['a']}, {required: ['b']}]` is the idiom for "one of these fields".
    strictRequired: false,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['boolean', 'string', 'number', 'object'] });
  return ajv;
}

/** `/items/0/quantity` → `items[0].quantity`: the form people read in incidents and 400s. */
export function pointerToPath(pointer: string, child?: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let path = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path === '' ? segment : `.${segment}`;
  }
  return path;
}

export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): AdapterErrorProblem[] {
  const problems: AdapterErrorProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    let path: string;
    let message: string;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') {
      path = pointerToPath(error.instancePath, String(params.missingProperty));
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path = pointerToPath(error.instancePath, String(params.additionalProperty));
      message = 'is not allowed';
    } else {
      path = pointerToPath(error.instancePath);
      message = error.message ?? error.keyword;
      if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
        message += `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      }
    }
    if (path === '') path = '(root)';
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message });
  }
  return problems;
}

export function describeProblems(problems: readonly AdapterErrorProblem[]): string {
  return problems.map((p) => `${p.path} ${p.message}`).join('; ');
}
