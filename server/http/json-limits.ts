// Shape limits on JSON that arrives over HTTP. JSON.parse copes with any depth, but much of what
// runs later does not: JSON.stringify in the stores, FEEL, and the inbox's renderers recurse, so
// a body nested 100 000 deep would fail as a stack overflow far from its cause. Variables are
// also bounded in size, since they are copied into every state an instance commits.

import { ValidationError } from '../../engine/errors.ts';

export interface VariableLimits {
  maxBytes: number;
  maxDepth: number;
}

/** Iterative: returns the JSON Pointer of the first value nested deeper than `maxDepth`, or null. */
export function tooDeep(root: unknown, maxDepth: number): string | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > maxDepth) return path === '' ? '/' : path;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      stack.push({ value: child, depth: depth + 1, path: `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}` });
    }
  }
  return null;
}

export function checkBodyDepth(body: unknown, maxDepth: number): void {
  const at = tooDeep(body, maxDepth);
  if (at !== null) {
    throw new ValidationError(`The request body is nested more than ${maxDepth} levels deep.`, [
      { path: `/body${at === '/' ? '' : at}`, message: `nested deeper than ${maxDepth} levels (KARVON_MAX_JSON_DEPTH)` },
    ]);
  }
}

/** Checks a body's `variables` (start, set variables, task and job completion, messages, signals) against the limits. */
export function checkVariables(body: unknown, limits: VariableLimits): void {
  if (body === null || typeof body !== 'object' || !('variables' in body)) return;
  const variables = (body as { variables: unknown }).variables;
  if (variables === null || typeof variables !== 'object') return;
  const at = tooDeep(variables, limits.maxDepth);
  if (at !== null) {
    throw new ValidationError(`The variables are nested more than ${limits.maxDepth} levels deep.`, [
      { path: `/body/variables${at === '/' ? '' : at}`, message: `nested deeper than ${limits.maxDepth} levels (KARVON_MAX_VARIABLES_DEPTH)` },
    ]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(variables), 'utf8');
  if (bytes > limits.maxBytes) {
    throw new ValidationError(`The variables are ${bytes} bytes as JSON; the limit is ${limits.maxBytes}.`, [
      { path: '/body/variables', message: `${bytes} bytes as JSON; the limit is ${limits.maxBytes} (KARVON_MAX_VARIABLES_BYTES)` },
    ]);
  }
}
