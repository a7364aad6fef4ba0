// The audit trail, for admins. Read-only by design: no route creates, changes or deletes an
// entry; services append them as a side effect of the actions they record.

import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { defineRoute, ok } from '../http/route.ts';
import { AUDIT_ACTIONS } from '../services/audit.ts';

const auditEntry = named('AuditEntry', {
  type: 'object',
  required: ['id', 'at', 'actor', 'action', 'targets', 'requestId', 'details'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    actor: { type: ['string', 'null'], description: 'Who acted: a username, the name tried on a failed sign-in, or null (startup seeding).' },
    action: { type: 'string', description: `One of: ${AUDIT_ACTIONS.join(', ')}.` },
    targets: { type: 'array', items: { type: 'string' }, description: 'Ids of the records acted on.' },
    requestId: { type: ['string', 'null'], description: 'The X-Request-Id of the request that did it.' },
    details: { type: 'object', description: 'Small facts (assignee, versions, variable names); never passwords, tokens or secrets.' },
  },
} as const);

const auditPage = named('AuditPage', {
  type: 'object',
  required: ['entries', 'nextCursor'],
  properties: {
    entries: { type: 'array', items: auditEntry },
    nextCursor: { type: ['string', 'null'], description: 'Pass as `cursor` for older entries; null on the last page.' },
  },
} as const);

export const auditRoutes: RouteModule = ({ services: { audit } }) => [
  defineRoute({
    operationId: 'listAuditEntries',
    method: 'get',
    path: '/api/audit',
    summary: 'Who did what and when: the audit trail, newest first',
    description:
      'Filters combine: `actor` (username), `action`, `target` (an id among the entry\'s targets), `from` (inclusive) and ' +
      '`to` (exclusive) date-times. Pages hold `limit` entries (default 100); follow `nextCursor`. Entries cannot be ' +
      'changed or deleted through the API.',
    tags: ['operations'],
    access: ['admin'],
    query: {
      type: 'object',
      properties: {
        actor: { type: 'string', minLength: 1, maxLength: 255 },
        action: { type: 'string', minLength: 1, maxLength: 100 },
        target: { type: 'string', minLength: 1, maxLength: 255 },
        from: { type: 'string', format: 'date-time' },
        to: { type: 'string', format: 'date-time' },
        limit: { type: 'integer', minimum: 1, maximum: 1000 },
        cursor: { type: 'string', minLength: 1, maxLength: 500 },
      },
    },
    responses: { 200: { description: 'A page of entries.', schema: auditPage } },
    handler: async ({ query }) => ok(await audit.query(query)),
  }),
];
