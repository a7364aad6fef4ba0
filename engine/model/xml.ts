// Reads BPMN XML with bpmn-moddle and the Zeebe vocabulary. Document type declarations are
// refused before parsing: they are the door to external entities and entity-expansion bombs,
// and no BPMN tool writes them.

import { BpmnModdle } from 'bpmn-moddle';
import zeebe from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };
import { XmlError, type ErrorDetail } from '../errors.ts';
import { engineLimits } from '../limits.ts';
import type { ModdleElement } from './moddle.ts';
import { checkXmlShape, position } from './xml-shape.ts';

export interface ParsedXml {
  definitions: ModdleElement;
  /** Unknown elements or attributes bpmn-moddle skipped, with their line and column. */
  warnings: ErrorDetail[];
}

function detail(message: string): ErrorDetail {
  const m = /line: (\d+)\s+column: (\d+)/.exec(message);
  const first = message.split('\n')[0];
  const nested = /nested error: (.*)/.exec(message)?.[1];
  const text = nested ? `${first}: ${nested}` : first;
  if (!m) return { message: text };
  // bpmn-moddle counts lines from 0 and columns from 0.
  return { line: Number(m[1]) + 1, column: Number(m[2]) + 1, path: `${Number(m[1]) + 1}:${Number(m[2]) + 1}`, message: text };
}

export async function parseBpmnXml(name: string, xml: string): Promise<ParsedXml> {
  const { maxDiagramBytes } = engineLimits();
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > maxDiagramBytes) {
    throw new XmlError(`${name} is ${bytes} bytes, larger than the ${maxDiagramBytes} byte limit for diagrams`, [
      { message: `diagram of ${bytes} bytes; the limit is ${maxDiagramBytes} (KARVON_MAX_DIAGRAM_BYTES)` },
    ]);
  }
  const doctype = /<!DOCTYPE|<!ENTITY/i.exec(xml);
  if (doctype) {
    const at = position(xml, doctype.index);
    throw new XmlError(`${name}: document type declarations and entities are not allowed`, [
      { line: at.line, column: at.column, path: `${at.line}:${at.column}`, message: 'DOCTYPE/ENTITY declarations are refused (external entities, entity expansion)' },
    ]);
  }
  checkXmlShape(name, xml);
  const moddle = new BpmnModdle({ zeebe });
  try {
    const result = await moddle.fromXML(xml, 'bpmn:Definitions');
    const warnings = result.warnings.map((w: { message: string }) => detail(w.message));
    return { definitions: result.rootElement as unknown as ModdleElement, warnings };
  } catch (err) {
    const d = detail((err as Error).message);
    throw new XmlError(`${name} is not well-formed BPMN XML${d.line ? ` (line ${d.line}, column ${d.column})` : ''}: ${d.message}`, [d]);
  }
}

export async function toXml(element: ModdleElement): Promise<string> {
  const moddle = new BpmnModdle({ zeebe });
  const { xml } = await moddle.toXML(element as never, { format: true });
  return xml;
}
