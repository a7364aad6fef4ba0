// The slice of bpmn-moddle's object model the compiler reads. moddle objects are dynamic;
// this keeps the unknown-ness in one place.

export interface ModdleElement {
  $type: string;
  id?: string;
  name?: string;
  $attrs?: Record<string, string>;
  $parent?: ModdleElement;
  [property: string]: unknown;
}

export function children(el: ModdleElement, property: string): ModdleElement[] {
  const value = el[property];
  return Array.isArray(value) ? (value as ModdleElement[]) : [];
}

export function child(el: ModdleElement, property: string): ModdleElement | undefined {
  const value = el[property];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as ModdleElement) : undefined;
}

export function str(el: ModdleElement, property: string): string | undefined {
  const value = el[property];
  return typeof value === 'string' ? value : undefined;
}
