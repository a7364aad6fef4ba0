// Deployments, process definitions and their forms.

import type { RouteModule } from '../context.ts';
import { defineRoute, ok } from '../http/route.ts';
import { named } from '../http/openapi.ts';
import { arrayOf, deployment, processDetail, processSummary } from '../schemas.ts';

const deploymentRequest = named('DeploymentRequest', {
  type: 'object',
  required: ['resources'],
  properties: {
    resources: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['name', 'content'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 255, description: 'File name: x.bpmn, x.form.' },
          content: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const);

const keyParams = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 255 } },
} as const;

const DEPLOYERS = ['admin', 'analyst'] as const;

export const processRoutes: RouteModule = ({ services: { processes } }) => [
  defineRoute({
    operationId: 'deploy',
    method: 'post',
    path: '/api/deployments',
    summary: 'Deploy BPMN diagrams and forms',
    description: 'An identical deployment answers 200 with the existing versions instead of 201.',
    tags: ['processes'],
    access: DEPLOYERS,
    body: deploymentRequest,
    bodyLimit: 'deployment',
    responses: {
      201: { description: 'Deployed: new versions.', schema: deployment },
      200: { description: 'Nothing changed: the existing versions.', schema: deployment },
      400: { description: 'Malformed XML (details carry line and column) or invalid input.' },
      422: { description: 'Elements Karvon does not execute; details list every one.' },
    },
    handler: async ({ user, body }) => {
      const { created, ...result } = await processes.deploy(user!, body.resources);
      return { status: created ? 201 : 200, body: result };
    },
  }),
  defineRoute({
    operationId: 'listProcesses',
    method: 'get',
    path: '/api/processes',
    summary: 'Latest version of each process',
    tags: ['processes'],
    access: 'authenticated',
    responses: { 200: { description: 'Processes.', schema: arrayOf(processSummary) } },
    handler: async () => ok(await processes.list()),
  }),
  defineRoute({
    operationId: 'getProcess',
    method: 'get',
    path: '/api/processes/{key}',
    summary: 'A process with all its versions',
    tags: ['processes'],
    access: 'authenticated',
    params: keyParams,
    responses: {
      200: { description: 'The process.', schema: processDetail },
      404: { description: 'No such process.' },
    },
    handler: async ({ params }) => ok(await processes.get(params.key)),
  }),
  defineRoute({
    operationId: 'getProcessXml',
    method: 'get',
    path: '/api/processes/{key}/xml',
    summary: 'The BPMN diagram of a process version (latest by default)',
    tags: ['processes'],
    access: 'authenticated',
    params: keyParams,
    query: {
      type: 'object',
      properties: { version: { type: 'integer', minimum: 1 } },
    },
    responses: {
      200: { description: 'BPMN 2.0 XML.', contentType: 'application/xml', schema: { type: 'string' } },
      404: { description: 'No such process or version.' },
    },
    handler: async ({ params, query }) => ({
      body: await processes.xml(params.key, query.version),
      contentType: 'application/xml',
    }),
  }),
  defineRoute({
    operationId: 'getForm',
    method: 'get',
    path: '/api/forms/{id}',
    summary: 'A deployed form-js schema, by form id or form key',
    description:
      'A form embedded in a diagram (form key `camunda-forms:bpmn:<id>`) is only unique within its diagram: name the process with `processKey` (and `version`, latest by default).',
    tags: ['processes'],
    access: 'authenticated',
    params: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1, maxLength: 255 } },
    },
    query: {
      type: 'object',
      properties: { processKey: { type: 'string', minLength: 1, maxLength: 255 }, version: { type: 'integer', minimum: 1 } },
    },
    responses: {
      200: { description: 'The form-js schema.', schema: { type: 'object' } },
      404: { description: 'No such form.' },
    },
    handler: async ({ params, query }) => ok(await processes.form(params.id, query.processKey ? { processKey: query.processKey, version: query.version } : undefined)),
  }),
];
