// Mapping between the port's records and stored documents: `id`/`key` become `_id`, the store's
// `_`-prefixed bookkeeping fields are dropped on the way out, and values MongoDB-compatible
// servers may refuse as keys travel as JSON text.

import type { Document } from 'mongodb';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { ValidationError } from '../../errors.ts';
import type { IncidentRecord, JobRecord, SubscriptionRecord, TaskRecord, TimerRecord } from '../../types.ts';
import type { DefinitionRecord, DeploymentRecord } from '../port.ts';

/** Every document this store writes is keyed by a string `_id`. */
export interface StoredDoc extends Document {
  _id: string;
}

/** A stored document with the store's bookkeeping fields removed and `_id` renamed. */
function strip(doc: Document, idField: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(doc)) {
    if (field === '_id') out[idField] = value;
    else if (!field.startsWith('_')) out[field] = value;
  }
  return out;
}

// The search text is stored as `_search`: top-level (FerretDB scans nested paths) and, like every
// underscore field, left out when a document is read back as a record.
export function taskToDoc(task: TaskRecord): StoredDoc {
  const { id, searchText, ...rest } = task;
  return { _id: id, ...rest, _noDue: task.dueDate === null ? 1 : 0, ...(searchText !== undefined ? { _search: searchText } : {}) };
}

export function taskFromDoc(doc: Document): TaskRecord {
  return strip(doc, 'id') as unknown as TaskRecord;
}

/** The `$set` for a task patch; a due-date change moves the task in the inbox order too. */
export function taskPatchToSet(patch: Partial<Omit<TaskRecord, 'id'>>): Document {
  const { searchText, ...fields } = patch;
  const set: Document = definedFields(fields);
  if ('dueDate' in set) set._noDue = set.dueDate === null ? 1 : 0;
  if (searchText !== undefined) set._search = searchText;
  return set;
}

// Header names come from diagrams and adapters ("x.tenant", "$schema"); FerretDB refuses keys
// with '.' or a leading '$', so the map is kept as JSON text.
export function jobToDoc(job: JobRecord): StoredDoc {
  const { key, customHeaders, ...rest } = job;
  return { _id: key, ...rest, customHeaders: JSON.stringify(customHeaders ?? {}) };
}

export function jobFromDoc(doc: Document): JobRecord {
  const job = strip(doc, 'key');
  job.customHeaders = typeof doc.customHeaders === 'string' ? JSON.parse(doc.customHeaders) : {};
  return job as unknown as JobRecord;
}

export function jobPatchToSet(patch: Partial<Omit<JobRecord, 'key'>>): Document {
  const set: Document = definedFields(patch);
  if (set.customHeaders !== undefined) set.customHeaders = JSON.stringify(set.customHeaders);
  return set;
}

export function incidentToDoc(incident: IncidentRecord): StoredDoc {
  const { id, ...rest } = incident;
  return { _id: id, ...rest };
}

export function incidentFromDoc(doc: Document): IncidentRecord {
  return strip(doc, 'id') as unknown as IncidentRecord;
}

export function subscriptionToDoc(subscription: SubscriptionRecord): StoredDoc {
  const { id, ...rest } = subscription;
  return { _id: id, ...rest };
}

export function subscriptionFromDoc(doc: Document): SubscriptionRecord {
  return strip(doc, 'id') as unknown as SubscriptionRecord;
}

export function timerToDoc(timer: TimerRecord): StoredDoc {
  const { id, ...rest } = timer;
  return { _id: id, ...rest };
}

export function timerFromDoc(doc: Document): TimerRecord {
  return strip(doc, 'id') as unknown as TimerRecord;
}

/** Documents written before version tags and process lists were recorded lack those fields. */
export function deploymentFromDoc(doc: Document): DeploymentRecord {
  const record = strip(doc, 'id') as unknown as DeploymentRecord;
  return { ...record, processes: record.processes ?? [] };
}

export function definitionToDoc(definition: DefinitionRecord): StoredDoc {
  const { id, ...rest } = definition;
  return { _id: id, ...rest };
}

export function definitionFromDoc(doc: Document): DefinitionRecord {
  const record = strip(doc, 'id') as unknown as DefinitionRecord;
  return { ...record, versionTag: record.versionTag ?? null };
}

/** A patch sets only the fields it names; `undefined` means "not part of the patch". */
export function definedFields(patch: object): Document {
  const set: Document = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value !== undefined) set[field] = value;
  }
  return set;
}

// --- Errors ------------------------------------------------------------------------------------

/**
 * MongoDB reports a unique-index violation as code 11000. FerretDB does too for inserts, but an
 * update that breaks a unique index comes back as code 1 with PostgreSQL's message.
 */
export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof MongoServerError)) return false;
  if (error.code === 11000 || error.code === 11001) return true;
  return /duplicate key/i.test(error.message);
}

/** The index fields a duplicate-key error names, when the server says (MongoDB does). */
export function duplicateKeyFields(error: unknown): string[] | null {
  const pattern = (error as { keyPattern?: unknown } | null)?.keyPattern;
  if (pattern && typeof pattern === 'object') return Object.keys(pattern);
  const first = error instanceof MongoBulkWriteError ? firstWriteError(error) : null;
  const nested = (first as { err?: { keyPattern?: unknown } } | null)?.err?.keyPattern;
  if (nested && typeof nested === 'object') return Object.keys(nested);
  return null;
}

function firstWriteError(error: MongoBulkWriteError): unknown {
  const errors = error.writeErrors;
  return Array.isArray(errors) ? errors[0] ?? null : errors;
}

// --- Names ---------------------------------------------------------------------------------------

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Collection and field names reach MongoDB as they are, so only plain identifiers pass. */
export function checkName(kind: string, name: string): void {
  if (!NAME.test(name)) {
    throw new ValidationError(`invalid ${kind} name "${name}": use letters, digits and underscores`, [
      { path: name, message: 'letters, digits and underscores only' },
    ]);
  }
}
