// The bpmn-io add-ons ship JavaScript without declarations. Each is used through bpmn-js's
// injector (`modeler.get(name)`), so a module object is all the type system needs to know.

type DiagramModule = Record<string, unknown>;

declare module 'bpmn-js-properties-panel' {
  export const BpmnPropertiesPanelModule: DiagramModule;
  export const BpmnPropertiesProviderModule: DiagramModule;
  export const ZeebePropertiesProviderModule: DiagramModule;
}
declare module 'bpmn-js-element-templates' {
  export const CloudElementTemplatesPropertiesProviderModule: DiagramModule;
  export function CloudElementTemplatesLinterPlugin(templates: unknown[]): LintPlugin;
}
declare module '@bpmn-io/element-template-chooser' {
  const module: DiagramModule;
  export default module;
}
declare module 'diagram-js-minimap' {
  const module: DiagramModule;
  export default module;
}
declare module 'camunda-bpmn-js-behaviors/lib/camunda-cloud' {
  const module: DiagramModule;
  export default module;
}
declare module 'zeebe-bpmn-moddle/resources/zeebe.json' {
  const schema: Record<string, unknown>;
  export default schema;
}
declare module 'modeler-moddle/resources/modeler.json' {
  const schema: Record<string, unknown>;
  export default schema;
}
declare module '@camunda/linting/modeler' {
  const module: DiagramModule;
  export default module;
}

interface LintPlugin {
  config: { extends?: string | string[]; rules?: Record<string, unknown> };
  resolver?: unknown;
}

declare module '@camunda/linting' {
  export interface LintReport {
    id: string;
    message: string;
    category: 'error' | 'warn' | 'info' | 'rule-error';
    rule: string;
    path?: Array<string | number>;
    data?: Record<string, unknown>;
  }
  export class Linter {
    constructor(options?: { modeler?: 'desktop' | 'web'; type?: 'cloud' | 'platform'; plugins?: LintPlugin[] });
    lint(contents: string | object): Promise<LintReport[]>;
  }
}
declare module 'bpmnlint/lib/resolver/static-resolver' {
  export default class StaticResolver {
    constructor(cache: Record<string, unknown>);
  }
}
declare module 'bpmnlint/config/recommended' {
  const config: { rules: Record<string, string> };
  export default config;
}
declare module 'bpmnlint/rules/*' {
  const rule: unknown;
  export default rule;
}
declare module 'bpmn-js-differ' {
  export function diff(older: object, newer: object): unknown;
}
