// Templates (`{{input.city}}`, `{{secrets.API_KEY}}`) and FEEL mappings. Secrets are substituted
// only into the outgoing request, at the last moment, and never into anything that is returned,
// logged or thrown.

import { evaluate } from '@bpmn-io/feelin';
import { validationError } from '../sdk/errors.ts';
import type { Json } from '../sdk/json.ts';

const PLACEHOLDER = /\{\{\s*(input|secrets)\.([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

export interface TemplateScope {
  input: Readonly<Record<string, unknown>>;
  secrets: Readonly<Record<string, string>>;
}

function lookup(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** Fills placeholders; `encode` URL-encodes each value (for URLs), headers take them as they are. */
export function fillTemplate(template: string, scope: TemplateScope, encode: boolean, where: string): string {
  return template.replace(PLACEHOLDER, (_match, root: 'input' | 'secrets', path: string) => {
    const value = root === 'secrets' ? scope.secrets[path] : lookup(scope.input, path);
    if (value === undefined || value === null) {
      // Name the placeholder, never a value.
      throw validationError(`${where}: {{${root}.${path}}} has no value`, [{ path: `${root}.${path}`, message: 'is not set' }]);
    }
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return encode ? encodeURIComponent(text) : text;
  });
}

/** The secret names a template uses, so a config can be checked at load time. */
export function secretNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].filter((m) => m[1] === 'secrets').map((m) => m[2]);
}

/** Evaluates FEEL (a leading `=` is optional) and returns plain JSON. */
export function feel(expression: string, context: Record<string, unknown>, where: string): Json {
  const text = expression.trim().replace(/^=/, '');
  let value: unknown;
  try {
    value = evaluate(text, context).value;
  } catch (error) {
    throw validationError(`${where}: FEEL expression failed: ${(error as Error).message}`);
  }
  // FEEL dates and durations serialise to their ISO text; functions and undefined drop out.
  return value === undefined ? null : (JSON.parse(JSON.stringify(value) ?? 'null') as Json);
}
