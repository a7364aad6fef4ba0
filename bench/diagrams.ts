// The two diagrams of the canonical flow: Karvon's (Zeebe vocabulary) and bpmn-engine's (service
// functions). They must stay the same flow, or the ratio compares different work, so both are
// reduced to their shape and compared before anything is measured.

import { readFileSync } from 'node:fs';
import { parseBpmnXml } from '../engine/model/xml.ts';
import { child, children, type ModdleElement } from '../engine/model/moddle.ts';

export const PROCESS_KEY = 'bench-order';
export const USER_TASK_ID = 'confirm';

export interface BenchDiagrams {
  karvon: string;
  peer: string;
  /** One line per element and flow, for the printed header. */
  shape: string[];
}

const here = (name: string) => new URL(name, import.meta.url);

export async function loadDiagrams(): Promise<BenchDiagrams> {
  const karvon = readFileSync(here('canonical.bpmn'), 'utf8');
  const peer = readFileSync(here('canonical.bpmn-engine.bpmn'), 'utf8');
  const a = await shapeOf('canonical.bpmn', karvon);
  const b = await shapeOf('canonical.bpmn-engine.bpmn', peer);
  if (a.join('\n') !== b.join('\n')) {
    const diff = [...a.filter((l) => !b.includes(l)).map((l) => `- ${l}`), ...b.filter((l) => !a.includes(l)).map((l) => `+ ${l}`)];
    throw new Error(`bench diagrams differ in shape (karvon -, bpmn-engine +):\n${diff.join('\n')}`);
  }
  return { karvon, peer, shape: a };
}

/** Elements with their types, flows with their ends, and which flows are conditional or default. */
async function shapeOf(name: string, xml: string): Promise<string[]> {
  const { definitions } = await parseBpmnXml(name, xml);
  const lines: string[] = [];
  for (const process of children(definitions, 'rootElements').filter((e) => e.$type === 'bpmn:Process')) {
    lines.push(`process ${process.id}`);
    const elements = children(process, 'flowElements');
    const defaults = new Set(elements.map((e) => child(e, 'default')?.id).filter((id): id is string => !!id));
    for (const el of elements) lines.push(describe(el, defaults));
  }
  return lines.sort();
}

function describe(el: ModdleElement, defaults: Set<string>): string {
  if (el.$type !== 'bpmn:SequenceFlow') return `${el.$type} ${el.id}`;
  const kind = child(el, 'conditionExpression') ? ' [condition]' : defaults.has(el.id ?? '') ? ' [default]' : '';
  return `flow ${el.id}: ${child(el, 'sourceRef')?.id} -> ${child(el, 'targetRef')?.id}${kind}`;
}
