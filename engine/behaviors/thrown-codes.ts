// Error and escalation codes. On a throw event the code may be FEEL (`errorCode="=reason"`),
// evaluated when the token reaches the event, as in Zeebe; a catch event matches a literal code,
// so an expression there is rejected at deploy.

import { expr } from '../feel.ts';
import type { ElementCompiler } from '../model/compile-context.ts';
import type { ElementInstance } from '../types.ts';
import type { Transition } from '../runtime/transition.ts';

const isFeel = (code: string | null): code is string => code !== null && code.trim().startsWith('=');

/** Checks that a thrown code's expression parses (the problem names the element). */
export function compileThrownCode(c: ElementCompiler, code: string | null, what: string): void {
  if (isFeel(code)) c.expr(code, what);
}

/** Rejects an expression where only a literal can match. */
export function requireLiteralCode(c: ElementCompiler, code: string | null, what: string): void {
  if (isFeel(code)) c.problem(`${what} '${code}' is an expression; a catch event matches a literal code (only throw events evaluate FEEL)`);
}

/**
 * The code to throw: the literal, or the expression's value (a string or number). An expression
 * that fails or gives something else opens an incident on the thrower and returns null.
 */
export function thrownCode(t: Transition, inst: ElementInstance, code: string | null, what: string): string | null {
  if (!isFeel(code)) return code ?? '';
  const r = t.evaluate(expr(code), inst, what);
  if (!r.ok) return null;
  if ((typeof r.value !== 'string' || r.value === '') && typeof r.value !== 'number') {
    t.incident(inst, 'EXTRACT_VALUE_ERROR', `${what} '${code}' must give a non-empty string, got ${JSON.stringify(r.value)}`);
    return null;
  }
  return String(r.value);
}
