// Deploy-time check of a literal timer value, so a typo fails the deploy, not the instance.

import type { ElementCompiler } from '../model/compile-context.ts';
import { parseTimer } from '../timers.ts';
import { eventDefinition } from './events.ts';

export function compileTimer(c: ElementCompiler, allowCycle: boolean): void {
  const timer = c.timer(eventDefinition(c.el));
  if (!timer) return;
  if (timer.kind === 'cycle' && !allowCycle) c.problem('a timeCycle is only allowed on timer start events and non-interrupting boundary events');
  if (!timer.value.feel) {
    const parsed = parseTimer(timer.kind, timer.value.raw, 0);
    if (!parsed.ok) c.problem(`timer: ${parsed.message}`);
  }
  c.model.timer = timer;
}
