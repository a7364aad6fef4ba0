// The bound on one instance's variables, all scopes together. Its size is the UTF-8 bytes of
// every variable's name and JSON value; the state keeps it as a running total (`varBytes`) that
// each write adjusts by what it changed, so a command never re-measures variables it left alone.

import { KarvonError } from '../errors.ts';
import type { InstanceState, Json, Variables } from '../types.ts';

export function entryBytes(name: string, value: Json | undefined): number {
  if (value === undefined) return 0;
  return Buffer.byteLength(name, 'utf8') + Buffer.byteLength(JSON.stringify(value), 'utf8');
}

export function scopeBytes(vars: Variables | undefined): number {
  let n = 0;
  if (vars) for (const name in vars) n += entryBytes(name, vars[name]);
  return n;
}

/** Measures every scope; for a state that has no running total yet, and for tests. */
export function instanceVariableBytes(state: Pick<InstanceState, 'vars'>): number {
  let n = 0;
  for (const key in state.vars) n += scopeBytes(state.vars[key]);
  return n;
}

export function overLimitMessage(instanceId: string, bytes: number, limit: number): string {
  return `the variables of process instance ${instanceId} would be ${bytes} bytes; the limit is ${limit} bytes (KARVON_MAX_INSTANCE_VARIABLES_BYTES)`;
}

/** A request that would grow an instance's variables past the bound; nothing was changed. */
export class InstanceVariablesTooLarge extends KarvonError {
  constructor(instanceId: string, bytes: number, limit: number) {
    super(422, 'INSTANCE_VARIABLES_TOO_LARGE', overLimitMessage(instanceId, bytes, limit), [
      { path: '/body/variables', message: `${bytes} bytes for the instance after this request; the limit is ${limit}` },
    ]);
  }
}
