// Deploying: parse and compile every resource, reject with every problem at once, version each
// process whose XML changed, and keep forms deployed alongside so user tasks can link them.

import { createHash } from 'node:crypto';
import { DeploymentRejected, ValidationError, XmlError, type ErrorDetail } from './errors.ts';
import { compileDefinitions, type CompiledProcess } from './model/compile.ts';
import { parseTimer } from './timers.ts';
import { parseBpmnXml } from './model/xml.ts';
import type { ProcessModel } from './model/types.ts';
import type { DefinitionRecord, DeploymentResource, DocCollection, Store } from './store/port.ts';
import type { IdGenerator } from './ports.ts';
import type { Json, TimerRecord } from './types.ts';

export interface DeployedProcess {
  key: string;
  version: number;
  name: string | null;
}

export interface DeployResult {
  deploymentId: string;
  /** False when nothing changed and existing versions were returned. */
  created: boolean;
  processes: DeployedProcess[];
}

/** A process about to be deployed, as a deploy check sees it. */
export interface DeployCandidate {
  /** Resource (file) name it came from. */
  resource: string;
  key: string;
  model: CompiledProcess['model'];
}

/**
 * Extra validation a host adds to deploys (the server: the adapter mapping's drift check). Each
 * returned detail rejects the deployment with 422 alongside the engine's own problems; the engine
 * knows nothing about what is checked.
 */
export type DeployCheck = (processes: readonly DeployCandidate[]) => Promise<ErrorDetail[]>;

export interface FormDoc {
  id: string;
  rev: number;
  formId: string;
  version: number;
  schema: Json;
  deploymentId: string;
  [field: string]: unknown;
}

export const FORMS = { name: 'forms', indexes: ['formId'] };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function hashResources(resources: DeploymentResource[]): string {
  const sorted = [...resources].sort((a, b) => a.name.localeCompare(b.name));
  return sha256(sorted.map((r) => `${r.name}\u0000${r.content}`).join('\u0001'));
}

export class Deployer {
  private readonly models = new Map<string, Promise<ProcessModel>>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly forms: DocCollection<FormDoc>;

  constructor(
    private readonly store: Store,
    private readonly ids: IdGenerator,
    private readonly now: () => number,
    private readonly check?: DeployCheck,
  ) {
    this.forms = store.collection<FormDoc>(FORMS);
  }

  /** Deploys serially inside this process, so two deploys never claim the same version. */
  deploy(resources: DeploymentResource[], deployedBy: string | null): Promise<DeployResult> {
    const run = this.queue.then(() => this.deployNow(resources, deployedBy));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async deployNow(resources: DeploymentResource[], deployedBy: string | null): Promise<DeployResult> {
    if (resources.length === 0) throw new ValidationError('a deployment needs at least one resource', [{ path: '/body/resources', message: 'must not be empty' }]);
    const names = new Set<string>();
    resources.forEach((r, i) => {
      if (!/\.(bpmn|bpmn20\.xml|form)$/i.test(r.name)) {
        throw new ValidationError(`resource '${r.name}' is neither a .bpmn diagram nor a .form`, [{ path: `/body/resources/${i}/name`, message: 'must end with .bpmn or .form' }]);
      }
      if (names.has(r.name)) throw new ValidationError(`resource name '${r.name}' appears twice`, [{ path: `/body/resources/${i}/name`, message: 'duplicate name' }]);
      names.add(r.name);
    });

    const hash = hashResources(resources);

    const xmlErrors: ErrorDetail[] = [];
    const problems: ErrorDetail[] = [];
    const forms = new Map<string, Json>();
    const compiled: Array<{ resource: DeploymentResource; key: string; name: string | null; hash: string; model: CompiledProcess['model'] }> = [];
    const formRefs: Array<{ resource: string; elementId: string; formId: string }> = [];

    for (const [i, r] of resources.entries()) {
      if (r.name.toLowerCase().endsWith('.form')) {
        const form = parseForm(r, i, problems);
        if (form) forms.set(form.id, form.schema);
        continue;
      }
      try {
        const parsed = await parseBpmnXml(r.name, r.content);
        const result = compileDefinitions(parsed.definitions, parsed.warnings);
        for (const p of result.problems) problems.push({ path: r.name, elementId: p.elementId, elementType: p.elementType, message: p.message });
        for (const p of result.processes) {
          compiled.push({ resource: r, key: p.key, name: p.name, hash: sha256(r.content), model: p.model });
          for (const el of p.model.elements.values()) {
            if (el.userTask?.formId) formRefs.push({ resource: r.name, elementId: el.id, formId: el.userTask.formId });
          }
        }
      } catch (err) {
        if (err instanceof XmlError) xmlErrors.push(...err.details.map((d) => ({ ...d, path: `${r.name}${d.path ? `:${d.path}` : ''}` })));
        else throw err;
      }
    }
    if (xmlErrors.length) throw new XmlError(`not well-formed BPMN XML: ${xmlErrors[0].message}`, xmlErrors);

    const seen = new Map<string, string>();
    for (const c of compiled) {
      const other = seen.get(c.key);
      if (other) problems.push({ path: c.resource.name, elementId: c.key, elementType: 'bpmn:Process', message: `process id '${c.key}' is also defined in ${other}` });
      seen.set(c.key, c.resource.name);
    }
    for (const ref of formRefs) {
      if (forms.has(ref.formId)) continue;
      if ((await this.forms.count({ where: { formId: ref.formId } })) > 0) continue;
      problems.push({ path: ref.resource, elementId: ref.elementId, elementType: 'bpmn:UserTask', message: `form '${ref.formId}' is not deployed; deploy its .form file with the diagram` });
    }
    // Only for diagrams that compiled cleanly: a host check has nothing useful to say about the rest.
    if (problems.length === 0 && this.check && compiled.length > 0) {
      problems.push(...(await this.check(compiled.map((c) => ({ resource: c.resource.name, key: c.key, model: c.model })))));
    }
    if (problems.length) {
      throw new DeploymentRejected(`deployment rejected: ${problems.length} problem${problems.length > 1 ? 's' : ''}: ${problems[0].elementId ? `${problems[0].elementId}: ` : ''}${problems[0].message}`, problems);
    }

    const deploymentId = this.ids.next();
    const deployedAt = new Date(this.now()).toISOString();
    const definitions: DefinitionRecord[] = [];
    const result: DeployedProcess[] = [];
    for (const c of compiled) {
      const latest = await this.store.findDefinition(c.key);
      if (latest && latest.hash === c.hash) {
        result.push({ key: latest.key, version: latest.version, name: latest.name });
        continue;
      }
      const version = (latest?.version ?? 0) + 1;
      definitions.push({
        id: `${c.key}:${version}:${deploymentId}`,
        key: c.key,
        version,
        name: c.name,
        deploymentId,
        resourceName: c.resource.name,
        hash: c.hash,
        deployedAt,
        deployedBy,
        versionTag: c.model.versionTag,
      });
      result.push({ key: c.key, version, name: c.name });
    }
    let formsChanged = false;
    for (const [formId, schema] of forms) {
      const latest = (await this.forms.find({ where: { formId }, orderBy: 'version', desc: true, limit: 1 }))[0];
      if (latest && JSON.stringify(latest.schema) === JSON.stringify(schema)) continue;
      formsChanged = true;
      await this.forms.insert({ id: `${formId}:${(latest?.version ?? 0) + 1}`, formId, version: (latest?.version ?? 0) + 1, schema, deploymentId });
    }
    if (definitions.length === 0 && !formsChanged) {
      return { deploymentId: compiled.length ? (await this.store.findDefinition(compiled[0].key))!.deploymentId : deploymentId, created: false, processes: result };
    }
    const processes = result.map((p) => ({ key: p.key, version: p.version }));
    await this.store.saveDeployment({ id: deploymentId, hash, resources, deployedAt, deployedBy, processes }, definitions);
    for (const def of definitions) {
      const c = compiled.find((x) => x.key === def.key)!;
      await this.store.replaceStartTimers(def.key, this.startTimers(def, c.model));
    }
    return { deploymentId, created: true, processes: result };
  }

  /** Schedules of a new version's timer start events; they replace the previous version's. */
  private startTimers(def: DefinitionRecord, model: CompiledProcess['model']): TimerRecord[] {
    const now = this.now();
    return model.timerStarts.flatMap((id) => {
      const timer = model.elements.get(id)!.timer!;
      const parsed = parseTimer(timer.kind, timer.value.raw, now);
      if (!parsed.ok) return [];
      return [{ id: `${def.id}:${id}`, processInstanceId: null, processKey: def.key, definitionId: def.id, elementId: id, elementInstance: null, dueAt: parsed.schedule.dueAt, repeat: parsed.schedule.repeat }];
    });
  }

  /** The executable model of a stored definition, compiled once per process lifetime. */
  model(definitionId: string): Promise<ProcessModel> {
    let m = this.models.get(definitionId);
    if (!m) {
      m = this.load(definitionId);
      this.models.set(definitionId, m);
      m.catch(() => this.models.delete(definitionId));
    }
    return m;
  }

  private async load(definitionId: string): Promise<ProcessModel> {
    const def = await this.store.getDefinition(definitionId);
    if (!def) throw new Error(`definition ${definitionId} is missing from the store`);
    const xml = await this.xml(def);
    const parsed = await parseBpmnXml(def.resourceName, xml);
    const { processes, problems } = compileDefinitions(parsed.definitions, parsed.warnings);
    const p = processes.find((x) => x.key === def.key);
    if (!p) throw new Error(`definition ${definitionId} no longer compiles: ${problems.map((x) => x.message).join('; ')}`);
    return Object.freeze({ ...p.model, definitionId: def.id, version: def.version });
  }

  async xml(def: DefinitionRecord): Promise<string> {
    const deployment = await this.store.getDeployment(def.deploymentId);
    const resource = deployment?.resources.find((r) => r.name === def.resourceName);
    if (!resource) throw new Error(`resource ${def.resourceName} of deployment ${def.deploymentId} is missing`);
    return resource.content;
  }

  async form(formKey: string | null): Promise<Json | null> {
    if (!formKey) return null;
    const formId = formKey.startsWith('form:') ? formKey.slice(5) : formKey;
    const latest = (await this.forms.find({ where: { formId }, orderBy: 'version', desc: true, limit: 1 }))[0];
    return latest ? latest.schema : null;
  }
}

function parseForm(r: DeploymentResource, index: number, problems: ErrorDetail[]): { id: string; schema: Json } | null {
  let schema: unknown;
  try {
    schema = JSON.parse(r.content);
  } catch (err) {
    problems.push({ path: `/body/resources/${index}/content`, message: `${r.name} is not JSON: ${(err as Error).message}` });
    return null;
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
    problems.push({ path: `/body/resources/${index}/content`, message: `${r.name} is not a form-js schema object` });
    return null;
  }
  const s = schema as Record<string, Json>;
  if (typeof s.id !== 'string' || !s.id) {
    problems.push({ path: `/body/resources/${index}/content`, message: `${r.name} has no "id"; form-js forms are linked by it (zeebe:formDefinition formId)` });
    return null;
  }
  if (!Array.isArray(s.components)) {
    problems.push({ path: `/body/resources/${index}/content`, message: `${r.name} has no "components" array` });
    return null;
  }
  return { id: s.id, schema: s };
}
