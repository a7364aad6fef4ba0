// Helpers shared by event behaviours: which event definition an event carries.

import type { ModdleElement } from '../model/moddle.ts';
import { children } from '../model/moddle.ts';

export function eventDefinition(el: ModdleElement): ModdleElement | undefined {
  return children(el, 'eventDefinitions')[0];
}

/** `none`, `error`, `terminate`, `timer`, `message`, ... for the first event definition. */
export function eventKind(el: ModdleElement): string {
  const defs = children(el, 'eventDefinitions');
  if (defs.length === 0) return 'none';
  if (defs.length > 1) return 'multiple';
  return defs[0].$type.replace(/^bpmn:/, '').replace(/EventDefinition$/, '').toLowerCase();
}
