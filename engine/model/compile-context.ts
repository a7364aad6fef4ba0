// What a behaviour's `compile` sees of one element: its moddle object, the model being built,
// helpers that read Zeebe extensions and FEEL, and a sink for problems. Each extension a
// behaviour reads is marked as used; whatever is left over is reported as not executed.

import { deployProblem, expr, shownExpression, type Expr } from '../feel.ts';
import type { ElementModel, Mapping, Problem } from './types.ts';
import { children, str, type ModdleElement } from './moddle.ts';

export type MutableElement = { -readonly [K in keyof ElementModel]: ElementModel[K] };

export class ElementCompiler {
  readonly el: ModdleElement;
  readonly model: MutableElement;
  private readonly used = new Set<ModdleElement>();
  private readonly sink: Problem[];
  private readonly errorCodes: ReadonlyMap<string, string | null>;

  constructor(el: ModdleElement, model: MutableElement, sink: Problem[], errorCodes: ReadonlyMap<string, string | null>) {
    this.el = el;
    this.model = model;
    this.sink = sink;
    this.errorCodes = errorCodes;
  }

  problem(message: string): void {
    this.sink.push({ elementId: this.model.id, elementType: this.model.type, message });
  }

  /** The first extension element of a Zeebe type such as `zeebe:TaskDefinition`. */
  extension(type: string): ModdleElement | undefined {
    const ext = this.extensions().find((e) => e.$type === type);
    if (ext) this.used.add(ext);
    return ext;
  }

  extensions(): ModdleElement[] {
    const container = this.el.extensionElements as ModdleElement | undefined;
    return container ? children(container, 'values') : [];
  }

  unusedExtensions(): ModdleElement[] {
    return this.extensions().filter((e) => !this.used.has(e));
  }

  markUsed(ext: ModdleElement): void {
    this.used.add(ext);
  }

  /** Reads an expression-or-literal attribute; reports a FEEL syntax error naming the field. */
  expr(raw: string | undefined, field: string): Expr | null {
    if (raw === undefined || raw === '') return null;
    const e = expr(raw);
    const problem = deployProblem(e);
    if (problem) this.problem(`${field}: FEEL expression '${shownExpression(raw)}' ${problem}`);
    return e;
  }

  mappings(): { inputs: Mapping[]; outputs: Mapping[] } {
    const io = this.extension('zeebe:IoMapping');
    if (!io) return { inputs: [], outputs: [] };
    const read = (property: string, kind: string): Mapping[] =>
      children(io, property).flatMap((m) => {
        const source = str(m, 'source');
        const target = str(m, 'target');
        if (!target) {
          this.problem(`zeebe:ioMapping ${kind} has no target`);
          return [];
        }
        if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(target)) {
          this.problem(`zeebe:ioMapping ${kind} target '${target}' is not a variable name or path`);
        }
        const e = this.expr(source ?? '=null', `zeebe:ioMapping ${kind} '${target}'`);
        return e ? [{ source: e, target }] : [];
      });
    return { inputs: read('inputParameters', 'input'), outputs: read('outputParameters', 'output') };
  }

  /** The error code of a referenced bpmn:Error; null when the reference has no code. */
  errorCode(errorRef: ModdleElement | undefined): string | null {
    if (!errorRef?.id) return null;
    return this.errorCodes.get(errorRef.id) ?? str(errorRef, 'errorCode') ?? null;
  }

  /** Reads a bpmn:timerEventDefinition: exactly one of timeDate, timeDuration, timeCycle. */
  timer(def: ModdleElement | undefined): { kind: 'date' | 'duration' | 'cycle'; value: Expr } | null {
    if (!def) return null;
    const found = (['timeDate', 'timeDuration', 'timeCycle'] as const).filter((k) => def[k]);
    if (found.length !== 1) {
      this.problem(found.length === 0 ? 'timer event has no timeDate, timeDuration or timeCycle' : 'timer event has more than one of timeDate, timeDuration and timeCycle');
      return null;
    }
    const body = str(def[found[0]] as ModdleElement, 'body')?.trim() ?? '';
    if (!body) {
      this.problem(`timer ${found[0]} is empty`);
      return null;
    }
    const kind = found[0] === 'timeDate' ? 'date' : found[0] === 'timeDuration' ? 'duration' : 'cycle';
    const value = this.expr(body, `timer ${found[0]}`);
    return value ? { kind, value } : null;
  }

  headers(): Record<string, string> {
    const ext = this.extension('zeebe:TaskHeaders');
    const out: Record<string, string> = {};
    if (!ext) return out;
    for (const h of children(ext, 'values')) {
      const key = str(h, 'key');
      if (key) out[key] = str(h, 'value') ?? '';
    }
    return out;
  }
}
