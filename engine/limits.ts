// Bounds on what a diagram may ask of the engine: its size and shape as XML, the length of its
// FEEL, the ranges it may iterate over, the time one evaluation may take, and how many parallel
// multi-instance items one step may start. They are process-wide because the parser and the FEEL
// evaluator are reached from deep inside pure code (compile, step) that has no context to carry
// them; the server sets them once at start (server/bootstrap.ts).

export interface EngineLimits {
  /** Largest diagram (UTF-8 bytes) the deployer reads. */
  maxDiagramBytes: number;
  /** Deepest element nesting in a diagram; beyond it recursive readers would run out of stack. */
  maxXmlDepth: number;
  /** Longest attribute value in a diagram, in characters. */
  maxXmlAttributeLength: number;
  /** Longest FEEL expression, in characters. */
  maxFeelLength: number;
  /** Largest literal range (`1..n`) a FEEL expression may iterate over; checked at deploy. */
  maxFeelRange: number;
  /** Wall-clock budget of one evaluation of an iterating or regex FEEL expression, in ms. */
  feelBudgetMs: number;
  /** Most items a parallel multi-instance starts at once; more is an incident on the body. */
  maxParallelMultiInstance: number;
  /**
   * Largest serialized size of one instance's variables, all scopes together (UTF-8 bytes of
   * every name and its JSON value). The whole state is rewritten on every command and kept in one
   * MongoDB document (16 MB at most), so this stays well below that.
   */
  maxInstanceVariablesBytes: number;
}

export const DEFAULT_ENGINE_LIMITS: Readonly<EngineLimits> = Object.freeze({
  maxDiagramBytes: 8 * 1024 * 1024,
  maxXmlDepth: 100,
  maxXmlAttributeLength: 64 * 1024,
  maxFeelLength: 10_000,
  maxFeelRange: 100_000,
  feelBudgetMs: 200,
  maxParallelMultiInstance: 1000,
  maxInstanceVariablesBytes: 1024 * 1024,
});

let current: EngineLimits = { ...DEFAULT_ENGINE_LIMITS };

export function engineLimits(): Readonly<EngineLimits> {
  return current;
}

/** Replaces the limits (unset fields take their defaults); returns the ones in force before. */
export function setEngineLimits(limits: Partial<EngineLimits>): EngineLimits {
  const before = current;
  current = { ...DEFAULT_ENGINE_LIMITS, ...limits };
  return before;
}
