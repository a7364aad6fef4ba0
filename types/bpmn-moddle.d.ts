// bpmn-moddle ships generated element types but no declaration for its entry class.
declare module 'bpmn-moddle' {
  export interface ParseResult {
    rootElement: unknown;
    warnings: Array<{ message: string }>;
    elementsById: Record<string, unknown>;
  }
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string): Promise<ParseResult>;
    toXML(element: unknown, options?: { format?: boolean }): Promise<{ xml: string }>;
    create(type: string, attrs?: Record<string, unknown>): unknown;
  }
}
