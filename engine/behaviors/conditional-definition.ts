// Deploy-time reading of a bpmn:conditionalEventDefinition: its FEEL condition and the optional
// zeebe:conditionalFilter (variableNames, variableEvents). Without variableNames the condition is
// re-evaluated when a variable it reads changes; those names are taken from the FEEL syntax tree.

import { parseExpression } from '@bpmn-io/feelin';
import type { ElementCompiler } from '../model/compile-context.ts';
import { child, children, str, type ModdleElement } from '../model/moddle.ts';
import type { ConditionDefinition } from '../model/types.ts';
import { eventDefinition } from './events.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EVENTS = new Set(['create', 'update']);

export function compileConditional(c: ElementCompiler): void {
  const def = eventDefinition(c.el);
  const conditionEl = def ? child(def, 'condition') : undefined;
  const body = conditionEl ? str(conditionEl, 'body')?.trim() : undefined;
  if (!def || !body) {
    c.problem('conditional event has no condition');
    return;
  }
  if (!body.startsWith('=')) {
    c.problem(`condition '${body}' must be a FEEL expression starting with '=': a static condition never changes, so the event could never fire`);
    return;
  }
  const condition = c.expr(body, 'condition');
  if (!condition) return;
  let variableNames: string[] | null = null;
  let variableEvents: ConditionDefinition['variableEvents'] = [];
  const container = def.extensionElements as ModdleElement | undefined;
  for (const ext of container ? children(container, 'values') : []) {
    if (ext.$type !== 'zeebe:ConditionalFilter') {
      c.problem(`<${ext.$type}> in the conditional event definition is not executed by Karvon`);
      continue;
    }
    variableNames = readNames(c, str(ext, 'variableNames'));
    variableEvents = readEvents(c, str(ext, 'variableEvents'));
  }
  c.model.conditional = { condition, variableNames: variableNames ?? referencedVariables(condition.text), variableEvents };
}

function readNames(c: ElementCompiler, raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const names = raw.split(',').map((n) => n.trim());
  for (const n of names) {
    if (n === '') c.problem(`zeebe:conditionalFilter variableNames '${raw}' has an empty entry`);
    else if (n.startsWith('=')) c.problem(`zeebe:conditionalFilter variableNames must be static names, not expressions: '${n}'`);
    else if (!NAME.test(n)) c.problem(`zeebe:conditionalFilter variableNames: '${n}' is not a variable name`);
  }
  return names.filter((n) => n !== '');
}

function readEvents(c: ElementCompiler, raw: string | undefined): ConditionDefinition['variableEvents'] {
  if (raw === undefined || raw.trim() === '') return [];
  const out: Array<'create' | 'update'> = [];
  for (const e of raw.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
    if (EVENTS.has(e)) out.push(e as 'create' | 'update');
    else c.problem(`zeebe:conditionalFilter variableEvents: '${e}' is not one of create, update`);
  }
  return out;
}

/**
 * The top-level variables a FEEL expression reads: every name it uses except the property names
 * after a dot (`order.total` reads `order`). Names of built-in functions and of iteration
 * variables are included too; they cost an extra evaluation at most, never a missed one.
 */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  const tree = parseExpression(text, {}, undefined);
  tree.iterate({
    enter(node) {
      if (node.type.name !== 'VariableName') return;
      const parent = node.node.parent;
      if (parent?.type.name === 'PathExpression' && parent.firstChild && parent.firstChild.from !== node.from) return;
      names.add(text.slice(node.from, node.to).trim());
    },
  });
  return [...names];
}
