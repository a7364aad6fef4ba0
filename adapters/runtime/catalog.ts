// What the server shows about adapters: the `GET /api/adapters` list and one Zeebe element
// template per operation for `GET /api/element-templates`, both derived from the descriptors only.

import type { JsonSchema, ObjectSchema } from '../sdk/descriptor.ts';
import type { Connection } from './connections.ts';

export interface AdapterOperationInfo {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  outputSchema: ObjectSchema;
  errors: string[];
  errorDescriptions: Record<string, string>;
  safeToRetry: boolean;
}

export interface AdapterInfo {
  /** The connection name: the prefix of the task type. */
  name: string;
  adapter: string;
  version: string;
  title: string;
  capability: 'crm' | 'erp' | null;
  operations: AdapterOperationInfo[];
}

export function listAdapters(connections: readonly Connection[]): AdapterInfo[] {
  return connections.map((c) => ({
    name: c.name,
    adapter: c.adapter.name,
    version: c.adapter.version,
    title: c.title === c.name ? c.adapter.title : `${c.title} (${c.adapter.title})`,
    capability: c.adapter.capability ?? null,
    operations: c.adapter.operations.map((op) => ({
      name: op.name,
      title: op.title,
      description: op.description,
      inputSchema: op.inputSchema,
      outputSchema: op.outputSchema,
      errors: Object.keys(op.errors),
      errorDescriptions: { ...op.errors },
      safeToRetry: op.safeToRetry,
    })),
  }));
}

export const ELEMENT_TEMPLATE_SCHEMA = 'https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json';

type TemplateBinding =
  | { type: 'zeebe:taskDefinition'; property: 'type' | 'retries' }
  | { type: 'zeebe:input'; name: string }
  | { type: 'zeebe:taskHeader'; key: string };

export interface TemplateProperty {
  id?: string;
  label?: string;
  description?: string;
  type: 'Hidden' | 'String' | 'Text' | 'Dropdown';
  value?: string;
  feel?: 'optional' | 'required';
  optional?: boolean;
  group?: string;
  choices?: { name: string; value: string }[];
  constraints?: { notEmpty?: boolean };
  binding: TemplateBinding;
}

export interface ElementTemplate {
  $schema: string;
  id: string;
  name: string;
  description: string;
  version: number;
  category: { id: string; name: string };
  appliesTo: string[];
  elementType: { value: string };
  groups: { id: string; label: string }[];
  properties: TemplateProperty[];
}

/** Element templates for every operation of every connection. */
export function elementTemplates(connections: readonly Connection[]): ElementTemplate[] {
  return connections.flatMap((c) => c.adapter.operations.map((op) => {
    const required = new Set(op.inputSchema.required ?? []);
    const inputs = Object.entries(op.inputSchema.properties ?? {}).map(([name, schema]) =>
      inputProperty(`${c.name}.${op.name}`, name, typeof schema === 'boolean' ? {} : schema, required.has(name)));
    return {
      $schema: ELEMENT_TEMPLATE_SCHEMA,
      id: `io.karvon.${c.name}.${op.name}`,
      name: `${c.title} · ${op.title}`,
      description: op.description,
      version: templateVersion(c.adapter.version),
      category: { id: `karvon-${c.name}`, name: c.title },
      appliesTo: ['bpmn:Task'],
      elementType: { value: 'bpmn:ServiceTask' },
      groups: [
        { id: 'input', label: 'Input' },
        { id: 'output', label: 'Output' },
        { id: 'errors', label: 'Errors and retries' },
      ],
      properties: [
        { type: 'Hidden', value: `${c.name}.${op.name}`, binding: { type: 'zeebe:taskDefinition', property: 'type' } },
        ...inputs,
        {
          id: 'resultVariable',
          label: 'Result variable',
          description: 'Stores the whole result under this name; leave empty to merge its fields into the process.',
          type: 'String',
          value: defaultResultVariable(op.name),
          group: 'output',
          binding: { type: 'zeebe:taskHeader', key: 'resultVariable' },
        },
        {
          id: 'retries',
          label: 'Retries',
          description: Object.keys(op.errors).length > 0
            ? `Technical failures are retried; business errors are thrown as BPMN errors: ${Object.keys(op.errors).join(', ')}`
            : 'Technical failures are retried this many times, then an incident is raised.',
          type: 'String',
          value: '3',
          group: 'errors',
          binding: { type: 'zeebe:taskDefinition', property: 'retries' },
        },
      ],
    } satisfies ElementTemplate;
  }));
}

function inputProperty(prefix: string, name: string, schema: JsonSchema, required: boolean): TemplateProperty {
  const base = {
    id: `${prefix}.${name}`,
    label: schema.title ?? humanize(name),
    ...(schema.description ? { description: schema.description } : {}),
    group: 'input',
    binding: { type: 'zeebe:input', name } as const,
    ...(required ? { constraints: { notEmpty: true } } : { optional: true }),
  };
  if (Array.isArray(schema.enum) && schema.enum.every((v): v is string => typeof v === 'string')) {
    return { ...base, type: 'Dropdown', choices: schema.enum.map((v) => ({ name: v, value: v })), ...(typeof schema.default === 'string' ? { value: schema.default } : { value: schema.enum[0] }) };
  }
  // Only strings can be typed as literals; numbers, booleans, objects and lists need FEEL.
  const isString = schema.type === 'string';
  return { ...base, type: isString ? 'String' : 'Text', feel: isString ? 'optional' : 'required' };
}

function humanize(name: string): string {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/Id$/, 'ID').replace(/ Id\b/, ' ID');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase().replace(/\bid\b/g, 'ID');
}

/** `getCustomerCard` → `customerCard`, `requestShipment` → `shipment`. */
function defaultResultVariable(operation: string): string {
  const stripped = operation.replace(/^(get|request|create|find|check|update|upsert|log)(?=[A-Z])/, '');
  return stripped.charAt(0).toLowerCase() + stripped.slice(1);
}

/** Template versions are integers; keep them ordered like the adapter's semver. */
function templateVersion(version: string): number {
  const [major, minor, patch] = version.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  return major * 10_000 + minor * 100 + patch;
}
