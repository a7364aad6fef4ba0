// The adapter descriptor: what an adapter declares about itself (n8n-style: a typed description
// plus a function per operation). The runtime reads only this; it never imports adapter internals.

import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { JsonObject } from './json.ts';

export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/**
 * A JSON Schema (draft-07 vocabulary, as ajv and the element-template tooling read it), plus
 * `x-…` annotations such as `"x-secret": true` at any depth.
 */
export interface JsonSchema {
  readonly $schema?: string;
  readonly $id?: string;
  readonly $ref?: string;
  readonly $comment?: string;
  readonly title?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
  readonly readOnly?: boolean;
  readonly writeOnly?: boolean;
  readonly deprecated?: boolean;
  readonly type?: JsonSchemaType | readonly JsonSchemaType[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly properties?: { readonly [key: string]: JsonSchema | boolean };
  readonly required?: readonly string[];
  readonly additionalProperties?: JsonSchema | boolean;
  readonly patternProperties?: { readonly [pattern: string]: JsonSchema | boolean };
  readonly propertyNames?: JsonSchema | boolean;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly dependencies?: { readonly [key: string]: JsonSchema | boolean | readonly string[] };
  readonly items?: JsonSchema | boolean | readonly (JsonSchema | boolean)[];
  readonly additionalItems?: JsonSchema | boolean;
  readonly contains?: JsonSchema | boolean;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
  readonly allOf?: readonly (JsonSchema | boolean)[];
  readonly anyOf?: readonly (JsonSchema | boolean)[];
  readonly oneOf?: readonly (JsonSchema | boolean)[];
  readonly not?: JsonSchema | boolean;
  readonly if?: JsonSchema | boolean;
  readonly then?: JsonSchema | boolean;
  readonly else?: JsonSchema | boolean;
  readonly definitions?: { readonly [name: string]: JsonSchema | boolean };
  readonly $defs?: { readonly [name: string]: JsonSchema | boolean };
  readonly [annotation: `x-${string}`]: unknown;
}

/** Operation inputs and outputs are always JSON objects: they become process variables. */
export type ObjectSchema = JsonSchema & { readonly type: 'object' };

/** Input/output types inferred from a schema written `as const` (or through defineOperation). */
export type SchemaType<S extends JSONSchema> = FromSchema<S>;

export type LogFields = Readonly<Record<string, unknown>>;

/** The runtime hands adapters a logger that has already been told which values are secret. */
export interface AdapterLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface ProcessRef {
  instanceId: string;
  processKey: string;
  elementId: string;
}

export interface ConnectionContext<Config = JsonObject> {
  /** The connection's configuration, validated against the adapter's configSchema. */
  readonly config: Readonly<Config>;
  /** The connection name from configuration (`crm`, `erp`, `crm_eu`, ...). */
  readonly connection: string;
  readonly logger: AdapterLogger;
  readonly signal: AbortSignal;
  now(): number;
}

export interface OperationContext<Config = JsonObject> extends ConnectionContext<Config> {
  readonly operation: string;
  /**
   * Stable across every retry of the same task activation. A create that may have happened
   * (unknown outcome) must look its document up by this key before creating it again.
   */
  readonly idempotencyKey: string;
  /** 1 on the first try. */
  readonly attempt: number;
  /** The BPMN element that called the operation; null when called outside a process. */
  readonly process: ProcessRef | null;
}

/** The erased shape the runtime works with; `defineOperation` builds it from typed code. */
export interface OperationDescriptor<Config = JsonObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: ObjectSchema;
  readonly outputSchema: ObjectSchema;
  /** Declared business error codes and what each means to the process designer. */
  readonly errors: Readonly<Record<string, string>>;
  /** True when repeating the call cannot duplicate an effect (reads, keyed upserts). */
  readonly safeToRetry: boolean;
  /** Overrides the connection's timeout for this operation. */
  readonly timeoutMs?: number;
  readonly handler: (input: unknown, context: OperationContext<Config>) => Promise<unknown>;
}

export interface OperationDefinition<Input, Output, Config> {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  outputSchema: ObjectSchema;
  errors?: Readonly<Record<string, string>>;
  safeToRetry: boolean;
  timeoutMs?: number;
  handler: (input: Input, context: OperationContext<Config>) => Promise<Output>;
}

/** A field list per target record type, e.g. `{ partner: ['name', 'vat', 'street', ...] }`. */
export type TargetFields = Readonly<Record<string, readonly string[]>>;

export interface AdapterDescriptor {
  /** Adapter name, e.g. `karvon-crm`, `bitrix24`; connections refer to it. */
  readonly name: string;
  readonly version: string;
  readonly title: string;
  readonly description?: string;
  /** Which standard capability contract the adapter implements, if any. */
  readonly capability?: 'crm' | 'erp';
  /** Connection configuration; secret fields carry `"x-secret": true`. */
  readonly configSchema: ObjectSchema;
  readonly operations: readonly OperationDescriptor[];
  /** Optional connection check (credentials, reachability). */
  testConnection?(context: ConnectionContext): Promise<void>;
  /** Optional: the fields the target system declares now, for the mapping drift check. */
  describeFields?(context: ConnectionContext): Promise<TargetFields>;
}

export interface AdapterDefinition<Config> {
  name: string;
  version: string;
  title: string;
  description?: string;
  capability?: 'crm' | 'erp';
  configSchema: ObjectSchema;
  operations: readonly OperationDescriptor<Config>[];
  testConnection?(context: ConnectionContext<Config>): Promise<void>;
  describeFields?(context: ConnectionContext<Config>): Promise<TargetFields>;
}

/**
 * Builds an operation from typed code. Write the schemas `as const satisfies ObjectSchema` and
 * derive the types with `SchemaType<typeof inputSchema>` (or hand-write them): inferring through
 * this call's generics instead is too deep for the type checker on real schemas. The runtime
 * validates input and output against the same schemas with ajv, which is what makes the erasure of
 * `Input` to `unknown` below sound.
 */
export function defineOperation<Input, Output, Config = JsonObject>(
  definition: OperationDefinition<Input, Output, Config>,
): OperationDescriptor<Config> {
  const { handler, errors, ...rest } = definition;
  return {
    ...rest,
    errors: errors ?? {},
    handler: (input, context) => handler(input as Input, context),
  };
}

/**
 * Builds an adapter descriptor. Config is erased to JSON for the runtime; it validates each
 * connection's config against `configSchema` before any handler sees it.
 */
export function defineAdapter<Config = JsonObject>(definition: AdapterDefinition<Config>): AdapterDescriptor {
  const asTyped = <T extends ConnectionContext>(context: T): T & ConnectionContext<Config> =>
    context as T & ConnectionContext<Config>;
  const { testConnection, describeFields, ...rest } = definition;
  return {
    ...rest,
    operations: definition.operations.map(
      (op): OperationDescriptor => ({ ...op, handler: (input, context) => op.handler(input, asTyped(context)) }),
    ),
    ...(testConnection ? { testConnection: (context: ConnectionContext) => testConnection(asTyped(context)) } : {}),
    ...(describeFields ? { describeFields: (context: ConnectionContext) => describeFields(asTyped(context)) } : {}),
  };
}
