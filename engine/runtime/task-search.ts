// The business data an inbox search finds a task by: the string and number values of its
// instance's process-scope variables, lower-cased and bounded. Stored on each task record so the
// stores can search it without reading instance state; refreshed while the task is open.

import type { Effect, InstanceState, Variables } from '../types.ts';
import { ROOT } from './transition.ts';

/** At most this many variable values are kept, in the order the variables were first set. */
export const SEARCH_MAX_VALUES = 20;
/** Each value is cut to this many characters: an order number or a name, not a document. */
export const SEARCH_MAX_VALUE_CHARS = 100;
/** The whole text never exceeds this. */
export const SEARCH_MAX_CHARS = 1000;
/** Variables whose names look like credentials are never copied into a searchable column. */
const SECRET_NAME = /pass(word|wd)?|secret|token|api[-_]?key|credential|private/i;

/** One value per line, so a search cannot match across two values. */
export function taskSearchText(variables: Variables | undefined): string {
  const values: string[] = [];
  let length = 0;
  for (const [name, value] of Object.entries(variables ?? {})) {
    if (values.length >= SEARCH_MAX_VALUES) break;
    if (SECRET_NAME.test(name)) continue;
    let text: string;
    if (typeof value === 'string') text = value.trim();
    else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
    else continue;
    if (text === '') continue;
    text = text.slice(0, SEARCH_MAX_VALUE_CHARS).toLowerCase();
    const room = SEARCH_MAX_CHARS - length - (values.length > 0 ? 1 : 0);
    if (room <= 0) break;
    values.push(text.slice(0, room));
    length += Math.min(text.length, room) + (values.length > 1 ? 1 : 0);
  }
  return values.join('\n');
}

/**
 * Gives every task created by this step its search text, and patches the instance's other open
 * tasks when the text changed (`before` is the text before the step, null if nothing was open).
 * The text is only worked out when a task takes it: most steps create no task and leave none
 * open (a job completing, the last task completing), and this runs on every step.
 */
export function addTaskSearch(state: InstanceState, effects: Effect[], before: string | null): void {
  let text: string | undefined;
  let created: Set<string> | undefined;
  for (const effect of effects) {
    if (effect.type !== 'task.put') continue;
    effect.task.searchText = text ??= taskSearchText(state.vars[ROOT]);
    (created ??= new Set()).add(effect.task.id);
  }
  if (before === null) return;
  const open = Object.keys(state.tasks).filter((id) => !created?.has(id));
  if (open.length === 0) return;
  text ??= taskSearchText(state.vars[ROOT]);
  if (before === text) return;
  for (const id of open) effects.push({ type: 'task.patch', id, patch: { searchText: text } });
}
