// The OpenAPI document and the routes express actually serves must be the same set.

import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { TestServer } from './helpers.ts';

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; requestBody?: unknown; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe('server: OpenAPI document', () => {
  let server: TestServer;
  let doc: OpenApiDoc;

  before(async () => {
    server = await TestServer.start();
    const res = await server.call<OpenApiDoc>('GET', '/api/openapi.json');
    expect(res.status).to.equal(200);
    doc = res.body;
  });
  after(() => server.close());

  const documented = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));

  it('is OpenAPI 3.1 and needs no token', () => {
    expect(doc.openapi).to.equal('3.1.0');
  });

  it('documents every route registered in express', () => {
    const stack = (server.running.karvon.apiRouter as unknown as { stack: RouterLayer[] }).stack;
    const registered = stack
      .filter((layer) => layer.route)
      .flatMap((layer) =>
        Object.keys(layer.route!.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
      );
    expect(registered.length).to.be.greaterThan(20);
    expect(documented()).to.have.members(registered);
  });

  it('has a live route behind every documented operation', async () => {
    const missing: string[] = [];
    for (const op of documented()) {
      const [method, path] = op.split(' ') as [string, string];
      const res = await server.call<{ error?: { message: string } }>(method, path.replace(/\{[^}]+\}/g, 'x'));
      if (res.status === 404 && res.body.error?.message.startsWith('No route')) missing.push(op);
    }
    expect(missing).to.deep.equal([]);
  });

  it('documents the contract paths, logout and the event stream', () => {
    expect(documented()).to.include.members([
      'POST /api/auth/login',
      'POST /api/auth/logout',
      'GET /api/me',
      'POST /api/users',
      'GET /api/users',
      'POST /api/deployments',
      'GET /api/processes',
      'GET /api/processes/{key}',
      'GET /api/processes/{key}/xml',
      'POST /api/process-instances',
      'GET /api/process-instances',
      'GET /api/process-instances/{id}',
      'GET /api/process-instances/{id}/history',
      'POST /api/process-instances/{id}/cancel',
      'GET /api/tasks',
      'GET /api/tasks/{id}',
      'POST /api/tasks/{id}/claim',
      'POST /api/tasks/{id}/unclaim',
      'POST /api/tasks/{id}/assign',
      'POST /api/tasks/{id}/complete',
      'POST /api/jobs/activate',
      'POST /api/jobs/{id}/complete',
      'POST /api/jobs/{id}/fail',
      'POST /api/jobs/{id}/error',
      'GET /api/incidents',
      'POST /api/incidents/{id}/resolve',
      'GET /api/events',
      'POST /api/messages',
      'POST /api/signals',
      'GET /api/adapters',
      'GET /api/element-templates',
      'GET /api/crm/customers',
      'POST /api/crm/customers',
      'GET /api/crm/customers/{id}',
      'PATCH /api/crm/customers/{id}',
      'GET /api/crm/customers/{id}/card',
      'GET /api/crm/deals',
      'POST /api/crm/deals',
      'PATCH /api/crm/deals/{id}',
      'GET /api/erp/products',
      'POST /api/erp/products',
      'GET /api/erp/stock',
      'POST /api/erp/stock/adjust',
      'GET /api/erp/shipments',
      'GET /api/erp/shipments/{id}',
      'POST /api/integrations/bitrix24/{connection}/robot',
      'GET /health',
      'GET /metrics',
    ]);
    expect(Object.keys(doc.paths['/api/events']!.get!.responses)).to.include('200');
  });

  it('resolves every $ref and reuses the request schemas ajv validates', () => {
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const name = ref.slice('"#/components/schemas/'.length, -1);
      expect(doc.components.schemas, ref).to.have.property(name);
    }
    expect(doc.paths['/api/deployments']!.post!.requestBody).to.deep.equal({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/DeploymentRequest' } } },
    });
    expect(doc.components.schemas).to.include.keys('Error', 'Task', 'TaskDetail', 'InstanceDetail', 'User');
  });

  it('holds only valid JSON Schemas (2020-12), responses included', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    // The whole document as one schema resource, so "#/components/schemas/X" refs resolve in it.
    ajv.addSchema({ $id: 'https://karvon.test/openapi.json', ...doc });
    const base = 'https://karvon.test/openapi.json#';
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => ajv.getSchema(`${base}/components/schemas/${name}`), name).not.to.throw();
    }
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, { content?: Record<string, unknown> }>)) {
          for (const type of Object.keys(response.content ?? {})) {
            const pointer = `/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${status}/content/${type.replace(/\//g, '~1')}/schema`;
            expect(() => ajv.getSchema(base + pointer), `${method} ${path} ${status}`).not.to.throw();
          }
        }
      }
    }
  });
});
