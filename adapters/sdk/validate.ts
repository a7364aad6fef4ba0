// Descriptor validation on load: every problem collected, each naming the adapter and the offending
// path, so a broken plug-in fails at start-up with one readable list instead of at the first call.

import type { Ajv } from 'ajv';
import { createAjv, formatAjvErrors } from './ajv.ts';
import type { AdapterDescriptor } from './descriptor.ts';
import type { AdapterErrorProblem } from './errors.ts';

export class AdapterDescriptorError extends Error {
  readonly adapter: string;
  readonly problems: AdapterErrorProblem[];
  constructor(adapter: string, problems: AdapterErrorProblem[]) {
    super(`Adapter "${adapter}" is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'AdapterDescriptorError';
    this.adapter = adapter;
    this.problems = problems;
  }
}

const objectSchemaShape = {
  type: 'object',
  required: ['type'],
  properties: { type: { const: 'object' } },
} as const;

/** The serialisable part of a descriptor; functions are checked separately. */
const descriptorSchema = {
  type: 'object',
  required: ['name', 'version', 'title', 'configSchema', 'operations'],
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9]*([-_][a-z0-9]+)*$' },
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$' },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    capability: { enum: ['crm', 'erp'] },
    configSchema: objectSchemaShape,
    operations: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'errors', 'safeToRetry'],
        properties: {
          name: { type: 'string', pattern: '^[a-z][A-Za-z0-9]*$' },
          title: { type: 'string', minLength: 1 },
          description: { type: 'string', minLength: 1 },
          inputSchema: objectSchemaShape,
          outputSchema: objectSchemaShape,
          errors: {
            type: 'object',
            propertyNames: { pattern: '^[A-Z][A-Z0-9_]*$' },
            additionalProperties: { type: 'string', minLength: 1 },
          },
          safeToRetry: { type: 'boolean' },
          timeoutMs: { type: 'integer', minimum: 1 },
        },
      },
    },
  },
} as const;

let shared: { ajv: Ajv; check: ReturnType<Ajv['compile']> } | undefined;

function checker() {
  if (!shared) {
    const ajv = createAjv();
    shared = { ajv, check: ajv.compile(descriptorSchema) };
  }
  return shared;
}

function withoutFunctions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutFunctions);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'function') out[k] = withoutFunctions(v);
  return out;
}

/** Returns the descriptor typed, or throws AdapterDescriptorError listing every problem. */
export function validateAdapterDescriptor(candidate: unknown): AdapterDescriptor {
  const record = (candidate ?? {}) as Record<string, unknown>;
  const name = typeof record.name === 'string' && record.name !== '' ? record.name : '(unnamed)';
  if (candidate === null || typeof candidate !== 'object') {
    throw new AdapterDescriptorError(name, [{ path: '(root)', message: 'must be an object' }]);
  }
  const { ajv, check } = checker();
  const problems: AdapterErrorProblem[] = [];
  if (!check(withoutFunctions(candidate))) problems.push(...formatAjvErrors(check.errors));

  for (const hook of ['testConnection', 'describeFields'] as const) {
    if (record[hook] !== undefined && typeof record[hook] !== 'function') {
      problems.push({ path: hook, message: 'must be a function' });
    }
  }
  if (record.configSchema && typeof record.configSchema === 'object') {
    compileProblems(ajv, record.configSchema, 'configSchema', problems);
  }
  const operations = Array.isArray(record.operations) ? (record.operations as unknown[]) : [];
  const names = new Map<string, number>();
  operations.forEach((op, index) => {
    if (op === null || typeof op !== 'object') return;
    const operation = op as Record<string, unknown>;
    const base = `operations[${index}]`;
    if (typeof operation.handler !== 'function') problems.push({ path: `${base}.handler`, message: 'must be a function' });
    if (typeof operation.name === 'string') {
      const first = names.get(operation.name);
      if (first !== undefined) {
        problems.push({ path: `${base}.name`, message: `duplicates operations[${first}].name "${operation.name}"` });
      } else names.set(operation.name, index);
    }
    for (const key of ['inputSchema', 'outputSchema'] as const) {
      if (operation[key] && typeof operation[key] === 'object') compileProblems(ajv, operation[key], `${base}.${key}`, problems);
    }
  });
  if (problems.length > 0) throw new AdapterDescriptorError(name, problems);
  return candidate as AdapterDescriptor;
}

function compileProblems(ajv: Ajv, schema: unknown, path: string, problems: AdapterErrorProblem[]): void {
  try {
    ajv.compile(schema as object);
  } catch (error) {
    problems.push({ path, message: `is not a valid JSON Schema: ${(error as Error).message}` });
  }
}
