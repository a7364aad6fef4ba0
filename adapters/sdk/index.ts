// The adapter SDK: everything an adapter package imports, and nothing else from Karvon.
export * from './json.ts';
export * from './errors.ts';
export * from './descriptor.ts';
export { createAjv, formatAjvErrors, pointerToPath, describeProblems, ANNOTATION_KEYWORDS } from './ajv.ts';
export { secretPaths, secretValues, createRedactor, REDACTED, type Redactor } from './secrets.ts';
export { validateAdapterDescriptor, AdapterDescriptorError } from './validate.ts';
export * from './decimal.ts';
export { idFromKey } from './keys.ts';
