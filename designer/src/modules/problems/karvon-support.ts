// Where Karvon runs more than the Zeebe level the designer declares (8.6, see
// execution-platform): Camunda's compatibility linter flags those elements as needing a newer
// Camunda, although Karvon's engine accepts them. Keep this list to what the engine executes
// (docs/bpmn-coverage.md), so the designer and a deploy never disagree.

export interface BusinessObject {
  $type: string;
  $parent?: BusinessObject;
  triggeredByEvent?: boolean;
  eventDefinitions?: { $type: string }[];
}

interface Report {
  id?: string;
  rule?: string;
}

/** Conditional boundary and intermediate catch events, and conditional starts of event sub-processes. */
export function executedByKarvon(bo: BusinessObject | undefined): boolean {
  const defs = bo?.eventDefinitions ?? [];
  if (!bo || defs.length !== 1 || defs[0].$type !== 'bpmn:ConditionalEventDefinition') return false;
  if (bo.$type === 'bpmn:BoundaryEvent' || bo.$type === 'bpmn:IntermediateCatchEvent') return true;
  return bo.$type === 'bpmn:StartEvent' && bo.$parent?.triggeredByEvent === true;
}

/** Drops the "needs a newer Camunda" reports about elements Karvon executes anyway. */
export function withoutKarvonExtensions<R extends Report>(reports: R[], lookup: (id: string) => BusinessObject | undefined): R[] {
  return reports.filter((r) => !(r.rule?.endsWith('element-type') && r.id && executedByKarvon(lookup(r.id))));
}
