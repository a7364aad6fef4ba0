// FEEL through @bpmn-io/feelin, the interpreter form-js uses, so engine and forms agree.
// Expressions are checked once at deploy; a plain variable path skips the interpreter because
// input/output mappings are mostly `=customer.address`, and re-parsing those on every step costs
// more than the rest of the step together.

import { evaluate as feelinEvaluate, parseExpression, unaryTest as feelinUnaryTest } from '@bpmn-io/feelin';
import { needsBudget, withinBudget } from './feel-budget.ts';
import { engineLimits } from './limits.ts';
import type { Json, Variables } from './types.ts';

// Iterating or backtracking expressions run under the evaluation budget (feel-budget.ts).
const evaluate: typeof feelinEvaluate = (text, context) =>
  needsBudget(text) ? withinBudget(() => feelinEvaluate(text, context), engineLimits().feelBudgetMs) : feelinEvaluate(text, context);
const unaryTest: typeof feelinUnaryTest = (text, context) =>
  needsBudget(text) ? withinBudget(() => feelinUnaryTest(text, context), engineLimits().feelBudgetMs) : feelinUnaryTest(text, context);

export interface Expr {
  /** As written in the diagram, e.g. `=amount > 1000` or `sales`. */
  raw: string;
  /** FEEL when the value starts with `=`; otherwise a literal string. */
  feel: boolean;
  /** The FEEL source without the leading `=`. */
  text: string;
  /** Set when the FEEL source is a plain path like `a.b.c`. */
  path?: string[];
  /** Set for `path op literal` comparisons, answered without the interpreter when types agree. */
  compare?: { path: string[]; op: CompareOp; literal: number | string | boolean };
}

type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
const COMPARE = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*(!=|<=|>=|=|<|>)\s*(-?\d+(?:\.\d+)?|"[^"\\]*"|true|false)\s*$/;

function literalOf(text: string): number | string | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text.startsWith('"')) return text.slice(1, -1);
  return Number(text);
}

/** Same answer as FEEL for operands of one type (numbers, strings, booleans); undefined otherwise. */
function fastCompare(c: NonNullable<Expr['compare']>, context: Variables): boolean | undefined {
  if (!Object.hasOwn(context, c.path[0])) return undefined;
  const v = walk(context, c.path);
  if (typeof v !== typeof c.literal || v === null) return undefined;
  if (typeof v === 'boolean' && c.op !== '=' && c.op !== '!=') return undefined;
  const a = v as number | string;
  const b = c.literal as number | string;
  switch (c.op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
  }
}

export type EvalResult = { ok: true; value: Json } | { ok: false; message: string };

const PATH = /^\s*([A-Za-z_][A-Za-z0-9_]*)(\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*\s*$/;
const RESERVED = new Set(['true', 'false', 'null', 'not', 'and', 'or', 'for', 'if', 'some', 'every', 'in', 'return', 'then', 'else', 'satisfies', 'instance', 'of', 'between', 'function', 'external']);

export function expr(raw: string): Expr {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('=')) return { raw, feel: false, text: raw };
  const text = trimmed.slice(1);
  const e: Expr = { raw, feel: true, text };
  if (PATH.test(text)) {
    const path = text.split('.').map((p) => p.trim());
    if (!RESERVED.has(path[0])) e.path = path;
  }
  const m = COMPARE.exec(text);
  if (m) {
    const path = m[1].split('.').map((p) => p.trim());
    if (!RESERVED.has(path[0])) e.compare = { path, op: m[2] as CompareOp, literal: literalOf(m[3]) };
  }
  return e;
}

/** Returns a message describing the first syntax error, or null when the FEEL parses. */
export function syntaxError(e: Expr): string | null {
  if (!e.feel || e.path) return null;
  if (e.text.trim() === '') return 'empty expression';
  let problem: string | null = null;
  try {
    const tree = parseExpression(e.text, {}, undefined);
    tree.iterate({
      enter(node) {
        if (problem) return false;
        if (node.type.isError) {
          problem = `syntax error at position ${node.from + 1}: ${node.from === node.to ? 'incomplete expression' : `unexpected '${e.text.slice(node.from, node.to)}'`}`;
          return false;
        }
        return undefined;
      },
    });
  } catch (err) {
    problem = (err as Error).message;
  }
  return problem;
}

/** An expression shortened for messages, so a 10 000-character one does not fill the response. */
export function shownExpression(raw: string, max = 80): string {
  return raw.length <= max ? raw : `${raw.slice(0, max)}… (${raw.length} characters)`;
}

const LITERAL_RANGE = /^[[(\]]?\s*(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)\s*[\])[]?$/;

/**
 * What the deployer refuses in an expression, as the end of a sentence starting with the
 * expression ("… is longer than …", "… does not parse (…)"); null when it is fine. The length
 * is checked before parsing so that a megabyte of FEEL is never handed to the parser.
 */
export function deployProblem(e: Expr): string | null {
  if (!e.feel) return null;
  const { maxFeelLength, maxFeelRange } = engineLimits();
  if (e.text.length > maxFeelLength) {
    return `is ${e.text.length} characters long; the limit is ${maxFeelLength} (KARVON_MAX_FEEL_LENGTH)`;
  }
  const syntax = syntaxError(e);
  if (syntax) return `does not parse (${syntax})`;
  if (e.path || !e.text.includes('..')) return null;
  // Literal ranges multiply when nested, and a for-expression materialises every item.
  let items = 1;
  const ranges: string[] = [];
  parseExpression(e.text, {}, undefined).iterate({
    enter(node) {
      if (node.type.name !== 'IterationContext') return undefined;
      const text = e.text.slice(node.from, node.to);
      const m = LITERAL_RANGE.exec(text.trim());
      if (m) {
        items *= Math.abs(Number(m[2]) - Number(m[1])) + 1;
        ranges.push(text.trim());
      }
      return undefined;
    },
  });
  if (items > maxFeelRange) {
    return `iterates over ${ranges.join(' × ')} (${items} items); the limit is ${maxFeelRange} (KARVON_MAX_FEEL_RANGE)`;
  }
  return null;
}

export function evaluateExpr(e: Expr, context: Variables): EvalResult {
  if (!e.feel) return { ok: true, value: e.raw };
  // A name that is not a variable may be a FEEL built-in (`now`, `abs`): leave it to FEEL.
  if (e.path && Object.hasOwn(context, e.path[0])) return { ok: true, value: walk(context, e.path) };
  if (e.compare) {
    const fast = fastCompare(e.compare, context);
    if (fast !== undefined) return { ok: true, value: fast };
  }
  try {
    const { value } = evaluate(e.text, context);
    return toJson(value);
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** Evaluates a condition; a non-boolean result (null included) is reported with FEEL's warnings. */
export function evaluateCondition(e: Expr, context: Variables): { ok: true; value: boolean } | { ok: false; message: string } {
  let value: unknown;
  let warnings: string[] = [];
  const fast = e.compare ? fastCompare(e.compare, context) : undefined;
  if (fast !== undefined) value = fast;
  else if (e.path && Object.hasOwn(context, e.path[0])) value = walk(context, e.path);
  else {
    try {
      const r = evaluate(e.text, context);
      value = r.value;
      warnings = r.warnings.map((w) => w.message);
    } catch (err) {
      return { ok: false, message: `failed to evaluate: ${(err as Error).message}` };
    }
  }
  if (typeof value === 'boolean') return { ok: true, value };
  const shown = value === undefined || value === null ? 'null' : JSON.stringify(toJson(value).ok ? (toJson(value) as { value: Json }).value : String(value));
  return { ok: false, message: `returned ${shown}, not a boolean${warnings.length ? ` (${[...new Set(warnings)].join('; ')})` : ''}` };
}

/** Evaluates a FEEL unary test (`> 10`, `"a","b"`) against an input value. */
export function evaluateUnaryTest(test: string, input: Json, context: Variables): EvalResult {
  try {
    const { value } = unaryTest(test, { ...context, '?': input });
    return toJson(value);
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

function walk(context: Variables, path: string[]): Json {
  let current: Json | undefined = context[path[0]];
  for (let i = 1; i < path.length; i++) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return null;
    current = (current as Record<string, Json>)[path[i]];
  }
  return current === undefined ? null : current;
}

interface Temporal {
  toISO(): string | null;
}

function isTemporal(v: object): v is Temporal {
  return typeof (v as Partial<Temporal>).toISO === 'function';
}

/** Converts a FEEL value into JSON: dates and durations become ISO 8601 strings. */
function toJson(value: unknown, depth = 0): EvalResult {
  if (depth > 64) return { ok: false, message: 'result nests deeper than 64 levels' };
  if (value === undefined || value === null) return { ok: true, value: null };
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { ok: true, value } : { ok: false, message: `result is not a finite number (${value})` };
  }
  if (typeof value === 'string' || typeof value === 'boolean') return { ok: true, value };
  if (typeof value === 'function') return { ok: false, message: 'result is a function, not a value' };
  if (typeof value === 'object') {
    if (isTemporal(value)) return { ok: true, value: value.toISO() };
    if (Array.isArray(value)) {
      const out: Json[] = [];
      for (const item of value) {
        const r = toJson(item, depth + 1);
        if (!r.ok) return r;
        out.push(r.value);
      }
      return { ok: true, value: out };
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = toJson(v, depth + 1);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: false, message: `unsupported result type ${typeof value}` };
}

export function describe(e: Expr): string {
  return e.raw.trim();
}
