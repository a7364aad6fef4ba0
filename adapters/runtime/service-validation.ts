// Input checks for the built-in CRM and ERP services that the REST routes call: the same ajv
// setup as the adapter boundary, failing with the engine's ValidationError (400 with field paths).

import type { ErrorDetail } from '../../engine/errors.ts';
import { ValidationError } from '../../engine/errors.ts';
import { createAjv, formatAjvErrors } from '../sdk/ajv.ts';
import type { JsonSchema } from '../sdk/descriptor.ts';

const ajv = createAjv();

export type Checker<T> = (value: unknown) => T;

/** Compiles once; the returned function returns its argument typed, or throws ValidationError. */
export function checker<T>(schema: JsonSchema, what: string): Checker<T> {
  const validate = ajv.compile(schema);
  return (value: unknown): T => {
    if (validate(value)) return value as T;
    const details: ErrorDetail[] = formatAjvErrors(validate.errors).map((p) => ({ path: p.path, message: p.message }));
    throw new ValidationError(`Invalid ${what}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  };
}
