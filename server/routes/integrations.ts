// Inbound calls from other systems that cannot send a Karvon bearer token: a Bitrix24 deal-stage
// robot (or ONCRMDEALUPDATE outbound webhook) starts the configured process for the deal.
//
// Answers, chosen for how Bitrix24 behaves (it retries a handler that answers with an error):
// - 401 without the connection's application token: an unauthenticated caller learns nothing.
// - 200 {status: "started"} or, when an instance with the business key `bitrix24:deal:<id>` is
//   still active, 200 {status: "already-running"} — a duplicate is not an error worth retrying.
// - 200 {status: "ignored"} when the deal is not in the configured stage (outbound webhooks fire
//   on every update, not only stage changes).
// - 404 for an unknown connection or one without a robot; 400 without a deal id; 502 when
//   Bitrix24 cannot be read — that one Bitrix24 may well retry.

import { isAdapterError } from '../../adapters/sdk/errors.ts';
import { applicationTokenMatches, loadDeal, parseRobotCall } from '../../adapters/bitrix24/robot.ts';
import { BITRIX24_ADAPTER_NAME } from '../../adapters/bitrix24/adapter.ts';
import type { Bitrix24Config } from '../../adapters/bitrix24/config.ts';
import type { ConnectionContext } from '../../adapters/sdk/descriptor.ts';
import { KarvonError, NotFoundError, ValidationError } from '../../engine/errors.ts';
import type { RouteModule } from '../context.ts';
import { UnauthenticatedError } from '../http/errors.ts';
import { named } from '../http/openapi.ts';
import { defineRoute, ok } from '../http/route.ts';

const connectionParams = {
  type: 'object',
  required: ['connection'],
  properties: { connection: { type: 'string', pattern: '^[a-z][a-z0-9_]*$', description: 'A Bitrix24 connection from KARVON_CONNECTIONS' } },
} as const;

// Loose on purpose: a call without the token must get 401 from the handler, not a 400 that
// tells an anonymous caller which fields we expect.
const robotRequest = named('Bitrix24RobotRequest', {
  type: 'object',
  description: 'What Bitrix24 posts (form-encoded): a robot sends document_id[0..2] ("crm", "CCrmDocumentDeal", "DEAL_<id>"), an outbound webhook event=ONCRMDEALUPDATE and data[FIELDS][ID]; both send auth[application_token] and auth[domain].',
  properties: {
    event: { type: 'string' },
    data: { type: 'object' },
    document_id: { type: ['array', 'object'] },
    auth: { type: 'object' },
  },
} as const);

const robotResult = named('Bitrix24RobotResult', {
  type: 'object',
  required: ['status', 'dealId'],
  properties: {
    status: { enum: ['started', 'already-running', 'ignored'] },
    dealId: { type: 'string' },
    businessKey: { type: 'string' },
    processInstanceId: { type: 'string' },
    reason: { type: 'string' },
  },
} as const);

class BadGatewayError extends KarvonError {
  constructor(message: string) {
    super(502, 'UPSTREAM_FAILED', message);
  }
}

export const integrationRoutes: RouteModule = ({ adapters, storedConnections, engine, services: { audit } }) => {
  // Bitrix24 may deliver the same robot call twice at once; within this node the check for a
  // running instance and the start happen one call per business key at a time.
  const inFlight = new Map<string, Promise<unknown>>();
  const oncePerKey = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    while (inFlight.has(key)) await inFlight.get(key)!.catch(() => undefined);
    const running = work();
    inFlight.set(key, running);
    try {
      return await running;
    } finally {
      inFlight.delete(key);
    }
  };

  return [
    defineRoute({
      operationId: 'bitrix24Robot',
      method: 'post',
      path: '/api/integrations/bitrix24/{connection}/robot',
      summary: 'Bitrix24 deal-stage robot or outbound webhook: start the configured process for the deal',
      description:
        'The one API route that takes no bearer token: Bitrix24 cannot send one. Instead the call must carry the ' +
        'connection\'s configured `applicationToken` as `auth[application_token]` (compared in constant time), else 401. ' +
        'The body is application/x-www-form-urlencoded, as Bitrix24 sends it. The deal, its customer and product rows are ' +
        'read through the connection, and the process named in the connection\'s `robot.processKey` starts with ' +
        '`customerId`, `dealId`, `items` and business key `bitrix24:deal:<id>`. While such an instance is active a repeated ' +
        'call starts nothing and answers 200 with status `already-running` (Bitrix24 retries calls that fail).',
      tags: ['integrations'],
      access: 'public',
      bodyType: 'form',
      params: connectionParams,
      body: robotRequest,
      responses: {
        200: { description: 'Started, already running, or ignored (deal not in the configured stage).', schema: robotResult },
        401: { description: 'No or wrong auth[application_token].' },
        404: { description: 'No Bitrix24 connection with a robot by this name.' },
        502: { description: 'Bitrix24 could not be read.' },
      },
      handler: async ({ params, body, log }) => {
        // A token or portal changed through the API on another node counts from this call on.
        await storedConnections?.refresh(params.connection);
        const bound = adapters?.connectionContext(params.connection) ?? null;
        const call = parseRobotCall(body);
        if (!bound || bound.connection.adapter.name !== BITRIX24_ADAPTER_NAME) {
          // The same answer for "no such connection" and "wrong token" would hide which names
          // exist, but an operator setting up the robot needs the 404; the token is still checked
          // before anything is read or started.
          throw new NotFoundError(`No Bitrix24 connection "${params.connection}".`);
        }
        const context = bound.context as unknown as ConnectionContext<Bitrix24Config>;
        const config = context.config;
        if (!applicationTokenMatches(config, call.applicationToken)) {
          throw new UnauthenticatedError('The call does not carry this connection\'s Bitrix24 application token.');
        }
        if (!config.robot) throw new NotFoundError(`Connection "${params.connection}" has no robot configured.`);
        if (call.dealId === null) {
          throw new ValidationError('No deal id in the call.', [{ path: '/body/document_id/2', message: 'expected DEAL_<id> (or data[FIELDS][ID])' }]);
        }
        const { processKey, stage } = config.robot;
        const dealId = call.dealId;
        const businessKey = `bitrix24:deal:${dealId}`;

        return oncePerKey(businessKey, async () => {
          const [running] = await engine.listInstances({ businessKey, state: 'active', limit: 1 });
          if (running) {
            log.info({ dealId, instanceId: running.id }, 'bitrix24 robot: already running');
            return ok({ status: 'already-running', dealId, businessKey, processInstanceId: running.id });
          }
          let deal;
          try {
            deal = await loadDeal(context, dealId);
          } catch (error) {
            if (isAdapterError(error)) throw new BadGatewayError(`Bitrix24 deal ${dealId} could not be read: ${error.message}`);
            throw error;
          }
          if (stage !== undefined && deal.stageId !== stage) {
            return ok({ status: 'ignored', dealId, reason: `the deal is in stage ${deal.stageId ?? 'unknown'}, not ${stage}` });
          }
          const started = await engine.startInstance(
            { processKey, businessKey, variables: { customerId: deal.customerId, dealId, items: deal.items } },
            { startedBy: `bitrix24:${params.connection}` },
          );
          log.info({ dealId, instanceId: started.id, domain: call.domain }, 'bitrix24 robot: started');
          await audit.record('instance.started', [started.id, processKey, businessKey], { version: started.version, via: 'bitrix24-robot' }, `bitrix24:${params.connection}`);
          return ok({ status: 'started', dealId, businessKey, processInstanceId: started.id });
        });
      },
    }),
  ];
};
