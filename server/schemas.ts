// JSON Schemas shared by several routes. Request schemas are validated by ajv; response schemas
// document what the contract promises. Named ones appear once in the OpenAPI components.

import { named } from './http/openapi.ts';
import { ROLES } from './http/route.ts';

const nullableString = { type: ['string', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const variables = named('Variables', {
  type: 'object',
  description: 'Process variables: any JSON object.',
} as const);

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const user = named('User', {
  type: 'object',
  required: ['username', 'displayName', 'roles', 'groups'],
  properties: {
    username: { type: 'string' },
    displayName: { type: 'string' },
    roles: { type: 'array', items: { enum: ROLES } },
    groups: { type: 'array', items: { type: 'string' } },
  },
} as const);

export const processSummary = named('ProcessSummary', {
  type: 'object',
  required: ['key', 'version', 'name'],
  properties: {
    key: { type: 'string' },
    version: { type: 'integer' },
    name: nullableString,
  },
} as const);

export const processDetail = named('ProcessDetail', {
  type: 'object',
  required: ['key', 'version', 'name', 'versions'],
  properties: {
    key: { type: 'string' },
    version: { type: 'integer' },
    name: nullableString,
    versions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['version', 'deployedAt', 'deployedBy', 'deploymentId'],
        properties: {
          version: { type: 'integer' },
          deployedAt: dateTime,
          deployedBy: nullableString,
          deploymentId: { type: 'string' },
          versionTag: { type: 'string', description: "The process's zeebe:versionTag; absent when it has none. Call activities can bind to it." },
        },
      },
    },
  },
} as const);

export const deployment = named('Deployment', {
  type: 'object',
  required: ['deploymentId', 'processes'],
  properties: {
    deploymentId: { type: 'string' },
    processes: { type: 'array', items: processSummary },
  },
} as const);

const instanceState = { enum: ['active', 'completed', 'terminated', 'canceled'] } as const;

export const instanceSummary = named('InstanceSummary', {
  type: 'object',
  required: ['id', 'processKey', 'version', 'businessKey', 'state', 'startedAt', 'endedAt'],
  properties: {
    id: { type: 'string' },
    processKey: { type: 'string' },
    version: { type: 'integer' },
    businessKey: nullableString,
    startedBy: { ...nullableString, description: 'The user who started it, when a person did.' },
    state: instanceState,
    startedAt: dateTime,
    endedAt: nullableDateTime,
  },
} as const);

export const incident = named('Incident', {
  type: 'object',
  required: ['id', 'processInstanceId', 'elementId', 'type', 'message', 'createdAt'],
  properties: {
    id: { type: 'string' },
    processInstanceId: { type: 'string' },
    processKey: { type: 'string' },
    elementId: { type: 'string' },
    type: { type: 'string' },
    message: { type: 'string' },
    state: { enum: ['open', 'resolved'] },
    createdAt: dateTime,
    resolvedAt: nullableDateTime,
  },
} as const);

export const instanceDetail = named('InstanceDetail', {
  type: 'object',
  required: [...instanceSummary.required, 'variables', 'activeElements', 'incidents'],
  properties: {
    ...instanceSummary.properties,
    variables,
    activeElements: { type: 'array', items: { type: 'string' } },
    incidents: { type: 'array', items: incident },
  },
} as const);

export const historyEntry = named('HistoryEntry', {
  type: 'object',
  required: ['elementId', 'elementType', 'event', 'at'],
  properties: {
    elementId: { type: 'string' },
    elementType: { type: 'string' },
    event: { enum: ['activated', 'completed', 'terminated', 'taken'] },
    at: dateTime,
  },
} as const);

const taskProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  elementId: { type: 'string' },
  processInstanceId: { type: 'string' },
  processKey: { type: 'string' },
  processVersion: { type: 'integer' },
  businessKey: nullableString,
  state: { enum: ['open', 'completed', 'canceled'] },
  assignee: nullableString,
  candidateGroups: { type: 'array', items: { type: 'string' } },
  candidateUsers: { type: 'array', items: { type: 'string' } },
  dueDate: nullableString,
  followUpDate: nullableString,
  priority: { type: 'integer' },
  createdAt: dateTime,
  formKey: nullableString,
  completedAt: nullableDateTime,
  completedBy: nullableString,
} as const;

const taskRequired = [
  'id',
  'name',
  'elementId',
  'processInstanceId',
  'processKey',
  'assignee',
  'candidateGroups',
  'candidateUsers',
  'dueDate',
  'followUpDate',
  'priority',
  'createdAt',
  'formKey',
] as const;

export const task = named('Task', { type: 'object', required: taskRequired, properties: taskProperties } as const);

export const taskDetail = named('TaskDetail', {
  type: 'object',
  required: [...taskRequired, 'variables', 'form'],
  properties: {
    ...taskProperties,
    variables,
    form: { description: 'The form-js schema, or null when the task has no form.' },
  },
} as const);

export const activatedJob = named('ActivatedJob', {
  type: 'object',
  required: ['id', 'type', 'processInstanceId', 'elementId', 'variables', 'customHeaders', 'retries'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    processInstanceId: { type: 'string' },
    elementId: { type: 'string' },
    variables,
    customHeaders: { type: 'object', additionalProperties: { type: 'string' } },
    retries: { type: 'integer' },
  },
} as const);

export const empty = named('Empty', { type: 'object' } as const);

export function arrayOf<const S>(items: S) {
  return { type: 'array', items } as const;
}
