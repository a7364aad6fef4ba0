// The adapter catalogue: loaded adapters with their operations, and element templates for the
// designer and Camunda Modeler.

import type { RouteModule } from '../context.ts';
import { defineRoute, ok } from '../http/route.ts';
import { named } from '../http/openapi.ts';

const adapterInfo = named('Adapter', {
  type: 'object',
  required: ['name', 'version', 'title', 'operations'],
  properties: {
    name: { type: 'string', description: 'The connection name: the prefix of the task type (crm, erp).' },
    adapter: { type: 'string' },
    version: { type: 'string' },
    title: { type: 'string' },
    capability: { enum: ['crm', 'erp', null] },
    operations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'title', 'inputSchema', 'outputSchema', 'errors'],
        properties: {
          name: { type: 'string' },
          title: { type: 'string' },
          description: { type: 'string' },
          inputSchema: { type: 'object' },
          outputSchema: { type: 'object' },
          errors: { type: 'array', items: { type: 'string' }, description: 'Business error codes (BPMN error codes).' },
        },
      },
    },
  },
} as const);

const READERS = ['admin', 'analyst', 'developer'] as const;

export const adapterRoutes: RouteModule = ({ adapters }) => {
  if (!adapters) return [];
  return [
    defineRoute({
      operationId: 'listAdapters',
      method: 'get',
      path: '/api/adapters',
      summary: 'Loaded adapters and their operations',
      tags: ['adapters'],
      access: READERS,
      responses: { 200: { description: 'Adapters.', schema: { type: 'array', items: adapterInfo } } },
      handler: async () => ok(adapters.listAdapters()),
    }),
    defineRoute({
      operationId: 'listElementTemplates',
      method: 'get',
      path: '/api/element-templates',
      summary: 'Zeebe element templates, one per adapter operation',
      tags: ['adapters'],
      access: READERS,
      responses: {
        200: {
          description: 'Element templates (Zeebe element-template JSON schema).',
          schema: { type: 'array', items: { type: 'object' } },
        },
      },
      handler: async () => ok(adapters.elementTemplates()),
    }),
  ];
};
