// Lints the diagram while it is edited and holds the list of problems the page shows: bpmnlint's
// recommended rules, Camunda 8 compatibility and element-template constraints (via
// @camunda/linting), plus what the engine rejected at the last deploy. Both kinds are drawn on the
// canvas by @camunda/linting's annotations, so a deploy error looks exactly like a lint problem.

import { Linter, type LintReport } from '@camunda/linting';
import { CloudElementTemplatesLinterPlugin } from 'bpmn-js-element-templates';
import type { ErrorDetail } from '../../api.ts';
import { recommendedPlugin } from './recommended-plugin.ts';
import { withoutKarvonExtensions, type BusinessObject } from './karvon-support.ts';

export interface Problem extends LintReport {
  /** `lint` while editing; `engine` for what the server refused at deploy. */
  source: 'lint' | 'engine';
}

interface EventBus {
  on(event: string | string[], cb: (e: unknown) => void): void;
  fire(event: string, payload?: unknown): void;
}
interface Linting {
  setErrors(reports: LintReport[]): void;
  showError(report: LintReport): void;
  activate(): void;
}
interface ElementTemplates {
  getAll(): unknown[];
}

const DEBOUNCE_MS = 250;

export default class Problems {
  static $inject = ['eventBus', 'bpmnjs', 'linting', 'injector'];

  private lintProblems: Problem[] = [];
  private engineProblems: Problem[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly eventBus: EventBus,
    private readonly bpmnjs: { getDefinitions(): object | undefined },
    private readonly linting: Linting,
    private readonly injector: { get<T>(name: string, strict?: boolean): T | null },
  ) {
    linting.activate();
    eventBus.on('import.done', () => {
      this.engineProblems = [];
      this.schedule(0);
    });
    eventBus.on(['elements.changed', 'elementTemplates.changed'], () => this.schedule(DEBOUNCE_MS));
  }

  /** Current problems, errors first. */
  all(): Problem[] {
    const rank = (p: Problem) => (p.category === 'error' || p.category === 'rule-error' ? 0 : p.category === 'warn' ? 1 : 2);
    return [...this.engineProblems, ...this.lintProblems].sort((a, b) => rank(a) - rank(b));
  }

  errors(): Problem[] {
    return this.all().filter((p) => p.category === 'error' || p.category === 'rule-error');
  }

  /** Lints now (cancelling a pending run) and resolves once the list is up to date. */
  async lintNow(): Promise<Problem[]> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.running.then(() => this.run());
    await this.running;
    return this.all();
  }

  /** The engine's 422 details, shown like lint problems until the next import or deploy. */
  setEngineErrors(details: ErrorDetail[], fallbackMessage: string): void {
    const rootId = this.rootId();
    const list = details.length ? details : [{ message: fallbackMessage }];
    this.engineProblems = list.map((d) => ({
      id: d.elementId ?? d.path ?? rootId,
      message: d.message ?? fallbackMessage,
      category: 'error',
      rule: 'karvon/deploy',
      source: 'engine',
    }));
    this.publish();
  }

  clearEngineErrors(): void {
    this.engineProblems = [];
    this.publish();
  }

  /** Selects the element and opens the properties panel entry the problem is about. */
  show(problem: Problem): void {
    this.linting.showError(problem);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.running.then(() => this.run());
    }, ms);
  }

  private async run(): Promise<void> {
    const definitions = this.bpmnjs.getDefinitions();
    if (!definitions) return;
    const templates = this.injector.get<ElementTemplates>('elementTemplates', false)?.getAll() ?? [];
    const linter = new Linter({ modeler: 'web', type: 'cloud', plugins: [recommendedPlugin, CloudElementTemplatesLinterPlugin(templates)] });
    try {
      const reports = withoutKarvonExtensions(await linter.lint(definitions), (id) => this.businessObject(id));
      this.lintProblems = reports.map((r) => ({ ...r, source: 'lint' }));
    } catch (err) {
      // A broken rule must not take the editor down; say so in the list instead.
      this.lintProblems = [{ id: this.rootId(), message: `The checker failed: ${err instanceof Error ? err.message : String(err)}`, category: 'warn', rule: 'karvon/linter', source: 'lint' }];
    }
    this.publish();
  }

  private publish(): void {
    const all = this.all();
    this.linting.setErrors(all);
    this.eventBus.fire('karvon.problems.changed', { problems: all });
  }

  private businessObject(id: string): BusinessObject | undefined {
    const registry = this.injector.get<{ get(id: string): { businessObject?: BusinessObject } | undefined }>('elementRegistry', false);
    return registry?.get(id)?.businessObject;
  }

  private rootId(): string {
    const canvas = this.injector.get<{ getRootElement(): { id: string } }>('canvas');
    try {
      return canvas?.getRootElement().id ?? '';
    } catch {
      return '';
    }
  }
}
