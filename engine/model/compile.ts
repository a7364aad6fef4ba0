// Deploy-time compilation: BPMN definitions → one immutable ProcessModel per executable process.
// Every problem is collected (element id, type, reason) before anything is rejected, so an analyst
// fixes a diagram in one round instead of one error at a time.

import { behaviorFor, behaviorKey } from '../behaviors/index.ts';
import { deployProblem, expr, shownExpression } from '../feel.ts';
import { ElementCompiler, type MutableElement } from './compile-context.ts';
import { checkCompensation, markCompensationHandler } from './compensation-checks.ts';
import { child, children, str, type ModdleElement } from './moddle.ts';
import type { ElementModel, FlowModel, Problem, ProcessModel } from './types.ts';
import type { ErrorDetail } from '../errors.ts';
import type { Json } from '../types.ts';

/** Namespaces that only carry presentation; attributes from them change nothing at run time. */
const PRESENTATION_NAMESPACES = new Set([
  'http://www.omg.org/spec/BPMN/non-normative/color/1.0',
  'http://bpmn.io/schema/bpmn/biocolor/1.0',
  'http://camunda.org/schema/modeler/1.0',
  'http://www.w3.org/2001/XMLSchema-instance',
]);

/** Extension elements that carry no behaviour Karvon would have to execute. */
const INERT_EXTENSIONS = new Set(['zeebe:Properties', 'zeebe:UserTask', 'zeebe:VersionTag']);

/** Artifacts and data elements with no run-time semantics. */
const ARTIFACTS = new Set([
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
  'bpmn:TextAnnotation',
  'bpmn:Association',
  'bpmn:Group',
]);

export interface CompiledProcess {
  key: string;
  name: string | null;
  model: Omit<ProcessModel, 'definitionId' | 'version'>;
}

export interface CompileResult {
  processes: CompiledProcess[];
  problems: Problem[];
}

export function compileDefinitions(definitions: ModdleElement, xmlWarnings: ErrorDetail[] = []): CompileResult {
  const problems: Problem[] = [];
  for (const w of xmlWarnings) {
    // Unknown attributes are judged per element below, where presentation namespaces are allowed.
    if (w.message.startsWith('unknown attribute')) continue;
    // Diagrams arrive as JSON strings, already decoded: the prolog's encoding means nothing here.
    if (w.message.startsWith('unsupported document encoding')) continue;
    const type = /<([^>]+)>/.exec(w.message)?.[1] ?? 'xml';
    problems.push({ elementId: '', elementType: type, message: w.line ? `${w.message} (line ${w.line}, column ${w.column})` : w.message });
  }
  const namespaces = namespaceMap(definitions);
  const errorCodes = new Map<string, string | null>();
  for (const root of children(definitions, 'rootElements')) {
    if (root.$type === 'bpmn:Error' && root.id) errorCodes.set(root.id, str(root, 'errorCode') ?? null);
  }
  const processes: CompiledProcess[] = [];
  const roots = children(definitions, 'rootElements').filter((r) => r.$type === 'bpmn:Process');
  for (const proc of roots) {
    if (proc.isExecutable === false) continue;
    const compiled = compileProcess(proc, problems, namespaces, errorCodes);
    if (compiled) processes.push(compiled);
  }
  if (processes.length === 0 && problems.length === 0) {
    problems.push({
      elementId: str(definitions, 'id') ?? '',
      elementType: 'bpmn:Definitions',
      message: roots.length ? 'no executable process: every bpmn:process has isExecutable="false"' : 'the diagram contains no bpmn:process',
    });
  }
  return { processes, problems };
}

function namespaceMap(definitions: ModdleElement): Map<string, string> {
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(definitions.$attrs ?? {})) {
    if (k.startsWith('xmlns:')) map.set(k.slice(6), v);
  }
  return map;
}

function compileProcess(
  proc: ModdleElement,
  problems: Problem[],
  namespaces: Map<string, string>,
  errorCodes: Map<string, string | null>,
): CompiledProcess | null {
  const key = proc.id ?? '';
  const before = problems.length;
  const elements = new Map<string, MutableElement>();
  const flows = new Map<string, FlowModel>();
  const incoming = new Map<string, string[]>();
  const outgoing = new Map<string, string[]>();
  const report = (elementId: string, elementType: string, message: string) => problems.push({ elementId, elementType, message });
  /** Start events already reported as not executable, by scope: they still count as a scope's start. */
  const rejectedStarts = new Map<string, number>();

  checkForeign(proc, namespaces, report);
  const embeddedForms = new Map<string, Json>();
  /** Ids of every embedded form, readable or not: a broken form's own problem says it all. */
  const declaredForms = new Set<string>();
  for (const ext of extensionValues(proc)) {
    if (ext.$type === 'zeebe:UserTaskForm') readEmbeddedForm(key, ext, embeddedForms, declaredForms, report);
    else if (!INERT_EXTENSIONS.has(ext.$type)) report(key, 'bpmn:Process', `extension <${ext.$type}> is not executed by Karvon`);
  }
  const formRefs: Array<{ id: string; type: string; formKey: string }> = [];

  const walk = (container: ModdleElement, scope: string) => {
    for (const el of children(container, 'flowElements')) {
      const id = el.id ?? '';
      if (el.$type === 'bpmn:SequenceFlow') {
        const source = child(el, 'sourceRef')?.id;
        const target = child(el, 'targetRef')?.id;
        if (!source) report(id, el.$type, 'sourceRef does not name an element of this process');
        if (!target) report(id, el.$type, 'targetRef does not name an element of this process');
        const condition = child(el, 'conditionExpression');
        const body = condition ? str(condition, 'body') : undefined;
        let cond = null;
        if (body !== undefined && body.trim() !== '') {
          cond = expr(body.trim().startsWith('=') ? body.trim() : `=${body.trim()}`);
          const problem = deployProblem(cond);
          if (problem) report(id, el.$type, `condition '${shownExpression(body.trim())}' ${problem}`);
        }
        checkForeign(el, namespaces, report);
        flows.set(id, { id, name: str(el, 'name') ?? null, source: source ?? '', target: target ?? '', condition: cond });
        if (source) (outgoing.get(source) ?? outgoing.set(source, []).get(source)!).push(id);
        if (target) (incoming.get(target) ?? incoming.set(target, []).get(target)!).push(id);
        continue;
      }
      if (ARTIFACTS.has(el.$type)) continue;
      const bkey = behaviorKey(el);
      const behavior = behaviorFor(bkey);
      if (!behavior) {
        report(id, el.$type, unsupportedReason(el, bkey));
        if (el.$type === 'bpmn:StartEvent') rejectedStarts.set(scope, (rejectedStarts.get(scope) ?? 0) + 1);
        continue;
      }
      const model: MutableElement = {
        id,
        type: el.$type,
        behavior: bkey,
        name: str(el, 'name') ?? null,
        scope,
        incoming: [],
        outgoing: [],
        defaultFlow: child(el, 'default')?.id ?? null,
        inputs: [],
        outputs: [],
        boundaries: [],
        startEvent: null,
        attachedTo: null,
        cancelActivity: true,
        errorCode: null,
        job: null,
        userTask: null,
        script: null,
        message: null,
        timer: null,
        conditional: null,
        multiInstance: null,
        call: null,
        link: null,
        resultVariable: null,
      };
      elements.set(id, model);
      checkForeign(el, namespaces, report);
      checkCommon(el, report);
      const formKey = extensionValues(el).find((e) => e.$type === 'zeebe:FormDefinition');
      const formKeyValue = formKey ? str(formKey, 'formKey') : undefined;
      if (formKeyValue?.startsWith(EMBEDDED_FORM_PREFIX)) formRefs.push({ id, type: el.$type, formKey: formKeyValue });
      const c = new ElementCompiler(el, model, problems, errorCodes);
      behavior.compile?.(c);
      markCompensationHandler(el, model);
      compileMultiInstance(c, bkey);
      for (const ext of c.unusedExtensions()) {
        if (INERT_EXTENSIONS.has(ext.$type)) continue;
        const known = ext.$type.startsWith('zeebe:');
        report(id, el.$type, known ? `<${ext.$type}> is not executed by Karvon on ${el.$type}` : `vendor extension <${ext.$type}> is not executed by Karvon`);
      }
      if (el.$type === 'bpmn:SubProcess') walk(el, id);
    }
  };
  walk(proc, key);

  for (const [id, el] of elements) {
    el.incoming = incoming.get(id) ?? [];
    el.outgoing = outgoing.get(id) ?? [];
    if (el.defaultFlow && !el.outgoing.includes(el.defaultFlow)) report(id, el.type, `default flow '${el.defaultFlow}' is not an outgoing flow of this element`);
    if (el.defaultFlow && flows.get(el.defaultFlow)?.condition) report(el.defaultFlow, 'bpmn:SequenceFlow', 'default flow must not have a condition');
    if (el.attachedTo) {
      const host = elements.get(el.attachedTo);
      if (!host) report(id, el.type, `attachedToRef '${el.attachedTo}' is not an activity of this process`);
      else (host.boundaries as string[]).push(id);
    }
  }
  for (const el of elements.values()) {
    for (const message of behaviorFor(el.behavior)?.validate?.(el, flows, elements) ?? []) report(el.id, el.type, message);
  }
  checkCompensation(elements, report);
  for (const flow of flows.values()) {
    const s = elements.get(flow.source);
    const t = elements.get(flow.target);
    if (s && t && s.scope !== t.scope) report(flow.id, 'bpmn:SequenceFlow', `connects '${s.id}' and '${t.id}', which are in different scopes`);
    if (flow.target && !t && !problems.some((p) => p.elementId === flow.target)) report(flow.id, 'bpmn:SequenceFlow', `targetRef '${flow.target}' is not an executable element`);
  }

  const scopes = new Set<string>([key, ...[...elements.values()].filter((e) => e.type === 'bpmn:SubProcess').map((e) => e.id)]);
  let processStart = '';
  for (const scope of scopes) {
    const inScope = [...elements.values()].filter((e) => e.scope === scope);
    const starts = inScope.filter((e) => e.behavior === 'bpmn:StartEvent/none');
    const scopeEl = elements.get(scope);
    const where = scopeEl ? `sub-process '${scope}'` : `process '${key}'`;
    if (scopeEl?.behavior === 'bpmn:SubProcess/event') {
      const eventStarts = inScope.filter((e) => e.type === 'bpmn:StartEvent');
      const found = eventStarts.length + (rejectedStarts.get(scope) ?? 0);
      // A start event rejected above counts as found: its own problem says all there is to say.
      if (found !== 1) report(scope, scopeEl.type, `event sub-process '${scope}' needs exactly one start event, found ${found}`);
      else if (eventStarts[0]?.behavior === 'bpmn:StartEvent/none') report(eventStarts[0].id, eventStarts[0].type, 'the start event of an event sub-process needs a message, timer, signal, error or escalation definition');
      else if (eventStarts[0]) scopeEl.startEvent = eventStarts[0].id;
      if (scopeEl.incoming.length || scopeEl.outgoing.length) report(scope, scopeEl.type, 'an event sub-process must not have sequence flows in or out');
      continue;
    }
    if (scopeEl) {
      const onlyRejected = starts.length === 0 && rejectedStarts.has(scope);
      if (starts.length !== 1 && !onlyRejected) report(scope, scopeEl.type, starts.length === 0 ? `${where} has no none start event` : `${where} has ${starts.length} none start events; exactly one is supported`);
      else if (starts[0]) scopeEl.startEvent = starts[0].id;
      const other = inScope.filter((e) => e.type === 'bpmn:StartEvent' && e.behavior !== 'bpmn:StartEvent/none');
      for (const o of other) report(o.id, o.type, 'a start event of an embedded sub-process must be a none start event');
      continue;
    }
    const anyStart = inScope.some((e) => e.type === 'bpmn:StartEvent');
    if (!anyStart && !rejectedStarts.has(key)) report(key, 'bpmn:Process', `${where} has no start event`);
    if (starts.length > 1) report(key, 'bpmn:Process', `${where} has ${starts.length} none start events; at most one is supported`);
    processStart = starts[0]?.id ?? '';
  }
  for (const el of elements.values()) {
    if (el.compensation?.isHandler) continue; // outside the flow; checked by checkCompensation
    const startLike =
      el.behavior.startsWith('bpmn:StartEvent') || el.behavior.startsWith('bpmn:BoundaryEvent') || el.behavior === 'bpmn:SubProcess/event' || el.behavior === 'bpmn:IntermediateCatchEvent/link';
    if (!startLike && el.incoming.length === 0) report(el.id, el.type, 'has no incoming sequence flow and is not a start or boundary event');
    if (startLike && el.incoming.length > 0) report(el.id, el.type, 'a start or boundary event must not have incoming sequence flows');
  }

  pairLinks(elements, report);
  for (const ref of formRefs) {
    const formId = ref.formKey.slice(EMBEDDED_FORM_PREFIX.length);
    if (!declaredForms.has(formId)) report(ref.id, ref.type, `formKey '${ref.formKey}' names no <zeebe:userTaskForm id="${formId}"> of process '${key}'`);
  }

  if (problems.length > before) return null;
  const frozen = new Map<string, ElementModel>();
  for (const [id, el] of elements) frozen.set(id, Object.freeze({ ...el, incoming: [...el.incoming], outgoing: [...el.outgoing], boundaries: [...el.boundaries] }));
  return {
    key,
    name: str(proc, 'name') ?? null,
    model: {
      key,
      name: str(proc, 'name') ?? null,
      versionTag: processVersionTag(proc),
      embeddedForms,
      elements: frozen,
      flows,
      startEvent: processStart,
      timerStarts: [...frozen.values()].filter((e) => e.behavior === 'bpmn:StartEvent/timer' && e.scope === key).map((e) => e.id),
      eventSubProcesses: eventSubProcessesByScope(frozen),
      reachableFrom: inclusiveReach(frozen, flows),
    },
  };
}

const ACTIVITIES = new Set(['bpmn:Task', 'bpmn:ManualTask', 'bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask', 'bpmn:ScriptTask', 'bpmn:UserTask', 'bpmn:ReceiveTask', 'bpmn:SubProcess', 'bpmn:CallActivity']);

/** Reads bpmn:multiInstanceLoopCharacteristics with its zeebe:loopCharacteristics. */
function compileMultiInstance(c: ElementCompiler, key: string): void {
  const loop = child(c.el, 'loopCharacteristics');
  if (!loop || loop.$type !== 'bpmn:MultiInstanceLoopCharacteristics') return;
  if (!ACTIVITIES.has(key)) {
    c.problem('multi-instance is only allowed on activities');
    return;
  }
  const zeebeLoop = extensionValues(loop).find((e) => e.$type === 'zeebe:LoopCharacteristics');
  const inputCollection = zeebeLoop ? str(zeebeLoop, 'inputCollection') : undefined;
  if (!inputCollection) {
    c.problem('multi-instance needs zeebe:loopCharacteristics inputCollection (a FEEL list)');
    return;
  }
  const outputCollection = (zeebeLoop && str(zeebeLoop, 'outputCollection')) || null;
  const outputElement = zeebeLoop ? str(zeebeLoop, 'outputElement') : undefined;
  if (outputCollection && !outputElement) c.problem('zeebe:loopCharacteristics outputCollection needs an outputElement');
  const condition = child(loop, 'completionCondition');
  const conditionBody = condition ? str(condition, 'body')?.trim() : undefined;
  c.model.multiInstance = {
    sequential: loop.isSequential === true,
    inputCollection: c.expr(inputCollection, 'zeebe:loopCharacteristics inputCollection')!,
    inputElement: (zeebeLoop && str(zeebeLoop, 'inputElement')) || null,
    outputCollection,
    outputElement: c.expr(outputElement, 'zeebe:loopCharacteristics outputElement'),
    completionCondition: conditionBody ? c.expr(conditionBody.startsWith('=') ? conditionBody : `=${conditionBody}`, 'completionCondition') : null,
  };
}

/** Each link throw jumps to exactly one link catch of the same name in the same scope. */
function pairLinks(elements: Map<string, MutableElement>, report: (id: string, type: string, message: string) => void): void {
  const catches = [...elements.values()].filter((e) => e.behavior === 'bpmn:IntermediateCatchEvent/link' && e.link);
  for (const el of elements.values()) {
    if (el.behavior !== 'bpmn:IntermediateThrowEvent/link' || !el.link) continue;
    const targets = catches.filter((c) => c.scope === el.scope && c.link!.name === el.link!.name);
    if (targets.length === 1) el.link = { name: el.link.name, target: targets[0].id };
    else report(el.id, el.type, targets.length === 0 ? `no link catch event named '${el.link.name}' in the same scope` : `${targets.length} link catch events are named '${el.link.name}' in this scope; exactly one may be`);
  }
}

function eventSubProcessesByScope(elements: ReadonlyMap<string, ElementModel>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const el of elements.values()) {
    if (el.behavior !== 'bpmn:SubProcess/event') continue;
    (out.get(el.scope) ?? out.set(el.scope, []).get(el.scope)!).push(el.id);
  }
  return out;
}

/** `<zeebe:versionTag value="…"/>` on the process: the tag a call activity can bind to. */
function processVersionTag(proc: ModdleElement): string | null {
  const tag = extensionValues(proc).find((e) => e.$type === 'zeebe:VersionTag');
  return (tag && str(tag, 'value')?.trim()) || null;
}

/** The formKey prefix by which Camunda 8.0-8.2 modelers link a task to a form embedded in the diagram. */
export const EMBEDDED_FORM_PREFIX = 'camunda-forms:bpmn:';

/** Reads one <zeebe:userTaskForm>: its id and the form-js JSON it carries as text. */
function readEmbeddedForm(
  processKey: string,
  ext: ModdleElement,
  forms: Map<string, Json>,
  declared: Set<string>,
  report: (id: string, type: string, message: string) => void,
): void {
  const formId = str(ext, 'id') ?? '';
  const where = `embedded form '${formId}' of process '${processKey}'`;
  if (!formId) return void report(processKey, 'zeebe:UserTaskForm', `an embedded form of process '${processKey}' has no id`);
  if (declared.has(formId)) return void report(processKey, 'zeebe:UserTaskForm', `${where} is declared twice`);
  declared.add(formId);
  let schema: unknown;
  try {
    schema = JSON.parse(str(ext, 'body') ?? '');
  } catch (err) {
    return void report(processKey, 'zeebe:UserTaskForm', `${where} is not JSON: ${(err as Error).message}`);
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return void report(processKey, 'zeebe:UserTaskForm', `${where} is not a form-js schema object`);
  forms.set(formId, schema as Json);
}

function extensionValues(el: ModdleElement): ModdleElement[] {
  const container = el.extensionElements as ModdleElement | undefined;
  return container ? children(container, 'values') : [];
}

function checkCommon(el: ModdleElement, report: (id: string, type: string, message: string) => void): void {
  const id = el.id ?? '';
  const loop = child(el, 'loopCharacteristics');
  if (loop?.$type === 'bpmn:StandardLoopCharacteristics') report(id, el.$type, 'standard loops are not executed by Karvon; use multi-instance or a gateway loop');
  if (children(el, 'dataInputAssociations').length || children(el, 'dataOutputAssociations').length) {
    report(id, el.$type, 'data associations are not executed; map data with zeebe:ioMapping');
  }
  if (child(el, 'ioSpecification')) report(id, el.$type, 'bpmn:ioSpecification is not executed; map data with zeebe:ioMapping');
}

function checkForeign(el: ModdleElement, namespaces: Map<string, string>, report: (id: string, type: string, message: string) => void): void {
  for (const attr of Object.keys(el.$attrs ?? {})) {
    if (attr.startsWith('xmlns')) continue;
    const prefix = attr.includes(':') ? attr.split(':')[0] : '';
    const uri = namespaces.get(prefix);
    if (uri && PRESENTATION_NAMESPACES.has(uri)) continue;
    report(el.id ?? '', el.$type, `attribute '${attr}' is not executed by Karvon`);
  }
}

function unsupportedReason(el: ModdleElement, key: string): string {
  const defs = children(el, 'eventDefinitions');
  if (defs.length > 1) return 'events with several event definitions are not executed by Karvon';
  if (key === 'bpmn:StartEvent/compensate') {
    return 'compensation event sub-processes are not executed: Camunda 8 does not support them either; throw compensation from an error event sub-process instead';
  }
  if (key.includes('/')) {
    const kind = key.split('/')[1];
    return `${kind} ${el.$type.replace('bpmn:', '')} is not executed by Karvon yet`;
  }
  return `${el.$type} is not executed by Karvon`;
}

/** For each incoming flow of an inclusive join: every element whose token may still reach it. */
function inclusiveReach(elements: ReadonlyMap<string, ElementModel>, flows: ReadonlyMap<string, FlowModel>): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const el of elements.values()) {
    if (el.behavior !== 'bpmn:InclusiveGateway' || el.incoming.length < 2) continue;
    for (const flowId of el.incoming) {
      const seen = new Set<string>();
      const queue = [flows.get(flowId)!.source];
      while (queue.length) {
        const id = queue.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        const node = elements.get(id);
        if (!node) continue;
        for (const inc of node.incoming) queue.push(flows.get(inc)!.source);
        if (node.attachedTo) queue.push(node.attachedTo);
      }
      result.set(flowId, seen);
    }
  }
  return result;
}
