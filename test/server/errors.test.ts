// The one error shape, for every kind of failure a handler can raise.

import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { AdapterError } from '../../adapters/sdk/errors.ts';
import { ConflictError, DeploymentRejected } from '../../engine/errors.ts';
import { errorHandler } from '../../server/http/errors.ts';

describe('server: error mapping', () => {
  let server: Server;
  let url: string;
  const throwers: Record<string, () => unknown> = {
    conflict: () => new ConflictError('taken', [{ path: '/taskId', message: 'completed' }]),
    rejected: () => new DeploymentRejected('unsupported', [{ elementId: 'g1', elementType: 'bpmn:ComplexGateway', message: 'not executed' }]),
    adapterValidation: () => new AdapterError('validation', 'bad input', { problems: [{ path: 'items[0].quantity', message: 'must be > 0' }] }),
    adapterBusiness: () => new AdapterError('business', 'short', { code: 'INSUFFICIENT_STOCK' }),
    adapterTransient: () => new AdapterError('transient', 'contended'),
    plain: () => new Error('secret internals'),
  };

  before(async () => {
    const app = express();
    app.get('/:kind', (req) => {
      throw throwers[req.params.kind]!();
    });
    app.use(errorHandler(pino({ level: 'silent' })));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const get = async (kind: string) => {
    const res = await fetch(`${url}/${kind}`);
    return { status: res.status, body: (await res.json()) as { error: { code: string; message: string; details: unknown[] } } };
  };

  it('passes engine errors through with their status, code and details', async () => {
    expect(await get('conflict')).to.deep.equal({
      status: 409,
      body: { error: { code: 'CONFLICT', message: 'taken', details: [{ path: '/taskId', message: 'completed' }] } },
    });
    const rejected = await get('rejected');
    expect(rejected.status).to.equal(422);
    expect(rejected.body.error.details).to.deep.equal([{ elementId: 'g1', elementType: 'bpmn:ComplexGateway', message: 'not executed' }]);
  });

  it('maps adapter errors of the built-in CRM and ERP', async () => {
    expect(await get('adapterValidation')).to.deep.equal({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'bad input', details: [{ path: 'items[0].quantity', message: 'must be > 0' }] } },
    });
    expect((await get('adapterBusiness')).body.error.code).to.equal('INSUFFICIENT_STOCK');
    expect((await get('adapterTransient')).status).to.equal(503);
  });

  it('hides internal errors behind a 500 without their message', async () => {
    expect(await get('plain')).to.deep.equal({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'Internal server error.', details: [] } },
    });
  });
});
