// Secrets: fields marked `"x-secret": true` in a configuration schema. The runtime collects their
// values once per connection and scrubs them from everything that leaves an operation.

import type { JsonSchema } from './descriptor.ts';

export const REDACTED = '[redacted]';

/** Dotted paths of the fields marked secret, e.g. `['auth.apiKey', 'webhookSecret']`. */
export function secretPaths(schema: JsonSchema, prefix = ''): string[] {
  const paths: string[] = [];
  const props = schema.properties ?? {};
  for (const [key, child] of Object.entries(props)) {
    if (typeof child === 'boolean') continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (child['x-secret'] === true) paths.push(path);
    else if (child.properties) paths.push(...secretPaths(child, path));
  }
  return paths;
}

/** The secret values present in a config (strings only; short ones would scrub ordinary words). */
export function secretValues(schema: JsonSchema, config: unknown): string[] {
  const values: string[] = [];
  for (const path of secretPaths(schema)) {
    let value: unknown = config;
    for (const key of path.split('.')) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    }
    if (typeof value === 'string' && value.length >= 4) values.push(value);
    else if (typeof value === 'number') values.push(String(value));
    // A secret map (e.g. the HTTP adapter's `secrets: {NAME: value}`): every string in it.
    else if (value !== null && typeof value === 'object') values.push(...Object.values(value).filter((v): v is string => typeof v === 'string' && v.length >= 4));
  }
  return values;
}

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key/i;

export interface Redactor {
  text(value: string): string;
  /** Deep copy with secret values replaced; `maskKeys` also masks secret-looking keys (for logs). */
  value<T>(value: T, options?: { maskKeys?: boolean }): T;
}

export function createRedactor(secrets: readonly string[]): Redactor {
  // Longest first, so a secret containing another is replaced whole.
  const sorted = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  const text = (value: string): string => {
    let out = value;
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  const deep = (value: unknown, depth: number, maskKeys: boolean): unknown => {
    if (typeof value === 'string') return text(value);
    if (value === null || typeof value !== 'object' || depth > 32) return value;
    if (Array.isArray(value)) return value.map((v) => deep(v, depth + 1, maskKeys));
    if (value instanceof Error) return text(value.message);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = maskKeys && SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : deep(v, depth + 1, maskKeys);
    }
    return out;
  };
  return { text, value: <T>(value: T, options?: { maskKeys?: boolean }) => deep(value, 0, options?.maskKeys ?? false) as T };
}
