// Process metadata the pages share: display names, and what a diagram says about its start
// event and element names. Diagrams are immutable per version, so they are cached for good.

import { api, type ProcessSummary } from './api.ts';

let listPromise: Promise<ProcessSummary[]> | null = null;
let listAt = 0;
const xmlCache = new Map<string, Promise<string>>();

export function processList(force = false): Promise<ProcessSummary[]> {
  // Deployments are rare; a minute-old list is fine for naming things.
  if (!listPromise || force || Date.now() - listAt > 60_000) {
    listAt = Date.now();
    listPromise = api.processes().catch((err) => {
      listPromise = null;
      throw err;
    });
  }
  return listPromise;
}

export async function processNames(): Promise<Map<string, string>> {
  try {
    const list = await processList();
    return new Map(list.map((p) => [p.key, p.name || p.key]));
  } catch {
    return new Map();
  }
}

export function processXml(key: string, version?: number): Promise<string> {
  const cacheKey = `${key}@${version ?? 'latest'}`;
  let p = xmlCache.get(cacheKey);
  if (!p) {
    p = api.processXml(key, version).catch((err) => {
      xmlCache.delete(cacheKey);
      throw err;
    });
    // "latest" moves with deployments; only pinned versions are cached for good.
    if (version !== undefined) xmlCache.set(cacheKey, p);
  }
  return p;
}

const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const ZEEBE = 'http://camunda.org/schema/zeebe/1.0';

export interface StartInfo {
  /** A none start event exists, so a person can start the process. */
  manual: boolean;
  /** How other start events trigger it, for processes a person cannot start. */
  triggers: string[];
  formId: string | null;
  formKey: string | null;
  /** A form embedded in the diagram (zeebe:userTaskForm, Camunda 8.0-8.2 style). */
  embeddedForm: unknown | null;
  documentation: string | null;
}

export interface DiagramInfo {
  names: Map<string, string>;
  types: Map<string, string>;
  start: StartInfo;
}

export function readDiagram(xml: string, processKey: string): DiagramInfo {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const names = new Map<string, string>();
  const types = new Map<string, string>();
  for (const el of Array.from(doc.getElementsByTagNameNS(BPMN, '*'))) {
    const id = el.getAttribute('id');
    if (!id) continue;
    types.set(id, el.localName);
    const name = el.getAttribute('name');
    if (name) names.set(id, name.replace(/\s+/g, ' ').trim());
  }
  const processes = Array.from(doc.getElementsByTagNameNS(BPMN, 'process'));
  const process = processes.find((p) => p.getAttribute('id') === processKey) ?? processes[0] ?? null;
  const start: StartInfo = { manual: false, triggers: [], formId: null, formKey: null, embeddedForm: null, documentation: null };
  if (process) {
    const doc0 = childrenNS(process, BPMN, 'documentation')[0];
    start.documentation = doc0?.textContent?.trim() || null;
    for (const se of childrenNS(process, BPMN, 'startEvent')) {
      const defs = Array.from(se.children).filter((c) => c.namespaceURI === BPMN && c.localName.endsWith('EventDefinition'));
      if (defs.length === 0) {
        start.manual = true;
        const fd = se.getElementsByTagNameNS(ZEEBE, 'formDefinition')[0];
        if (fd) {
          start.formId = fd.getAttribute('formId');
          start.formKey = fd.getAttribute('formKey');
        }
      } else {
        for (const d of defs) start.triggers.push(d.localName.replace('EventDefinition', ''));
      }
    }
    if (start.formKey?.startsWith('camunda-forms:bpmn:')) {
      const formRef = start.formKey.slice('camunda-forms:bpmn:'.length);
      const embedded = Array.from(process.getElementsByTagNameNS(ZEEBE, 'userTaskForm')).find((f) => f.getAttribute('id') === formRef);
      if (embedded?.textContent) {
        try {
          start.embeddedForm = JSON.parse(embedded.textContent);
        } catch {
          start.embeddedForm = null;
        }
      }
    }
  }
  return { names, types, start };
}

function childrenNS(parent: Element, ns: string, local: string): Element[] {
  return Array.from(parent.children).filter((c) => c.namespaceURI === ns && c.localName === local);
}
