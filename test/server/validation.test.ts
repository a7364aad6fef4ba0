import { expect } from 'chai';
import { TestServer } from './helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; details: { path?: string; message: string }[] };
}

describe('server: input validation and error shape', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start({ bodyLimit: 2048, deployBodyLimit: 8192 });
    await server.createUsers([{ username: 'anna', roles: ['analyst'] }]);
  });
  after(() => server.close());

  const paths = (body: ErrorBody) => body.error.details.map((d) => d.path);

  it('names the field path of a wrong type', async () => {
    const res = await server.as<ErrorBody>('anna', 'POST', '/api/process-instances', {
      body: { processKey: 'p', variables: [1, 2] },
    });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    expect(paths(res.body)).to.deep.equal(['/body/variables']);
    expect(res.body.error.message).to.include('/body/variables');
  });

  it('names every missing field, all at once', async () => {
    const res = await server.as<ErrorBody>('admin', 'POST', '/api/users', { body: { roles: ['nobody'] } });
    expect(res.status).to.equal(400);
    expect(paths(res.body)).to.have.members(['/body/username', '/body/password', '/body/roles/0']);
  });

  it('names nested array items', async () => {
    const res = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', {
      body: { resources: [{ name: 'a.bpmn', content: '<x/>' }, { name: 'b.bpmn' }] },
    });
    expect(res.status).to.equal(400);
    expect(paths(res.body)).to.deep.equal(['/body/resources/1/content']);
  });

  it('validates query strings with their path', async () => {
    const res = await server.as<ErrorBody>('anna', 'GET', '/api/process-instances?state=sleeping');
    expect(res.status).to.equal(400);
    expect(paths(res.body)).to.deep.equal(['/query/state']);
    const version = await server.as<ErrorBody>('anna', 'GET', '/api/processes/p/xml?version=latest');
    expect(version.status).to.equal(400);
    expect(paths(version.body)).to.deep.equal(['/query/version']);
  });

  it('treats empty query parameters as absent', async () => {
    const res = await server.as('anna', 'GET', '/api/process-instances?processKey=&state=&businessKey=');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal([]);
  });

  it('treats a missing body as an empty object, so required fields are named', async () => {
    const res = await server.call<ErrorBody>('POST', '/api/auth/login');
    expect(res.status).to.equal(400);
    expect(paths(res.body)).to.have.members(['/body/username', '/body/password']);
  });

  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`rejects the key ${key} anywhere in a body`, async () => {
      const raw = `{"processKey":"p","variables":{"order":{"lines":[{"${key}":{"isAdmin":true}}]}}}`;
      const res = await server.as<ErrorBody>('anna', 'POST', '/api/process-instances', { raw });
      expect(res.status).to.equal(400);
      expect(paths(res.body)).to.deep.equal([`/body/variables/order/lines/0/${key}`]);
    });
  }

  it('rejects malformed JSON with 400', async () => {
    const res = await server.as<ErrorBody>('anna', 'POST', '/api/process-instances', { raw: '{"processKey": ' });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('VALIDATION_FAILED');
  });

  it('accepts only JSON bodies (415 otherwise)', async () => {
    const res = await server.as<ErrorBody>('anna', 'POST', '/api/process-instances', {
      raw: 'processKey=p',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).to.equal(415);
    expect(res.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
  });

  it('limits body size: small for commands, larger for deployments', async () => {
    const big = 'x'.repeat(4000);
    const start = await server.as<ErrorBody>('anna', 'POST', '/api/process-instances', {
      body: { processKey: 'p', variables: { big } },
    });
    expect(start.status).to.equal(413);
    expect(start.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    // The same size is accepted by deployments (it then fails on content, not size).
    const deploy = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', {
      body: { resources: [{ name: 'a.bpmn', content: `<x>${big}</x>` }] },
    });
    expect(deploy.status).not.to.equal(413);
    const tooBig = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', {
      body: { resources: [{ name: 'a.bpmn', content: big.repeat(3) }] },
    });
    expect(tooBig.status).to.equal(413);
  });

  it('answers unknown /api routes with 404 in the error shape', async () => {
    for (const [method, path] of [['GET', '/api/nothing-here'], ['DELETE', '/api/tasks'], ['GET', '/api']]) {
      const res = await server.as<ErrorBody>('anna', method!, path!);
      expect(res.status, path).to.equal(404);
      expect(res.body.error.code).to.equal('NOT_FOUND');
      expect(res.body.error.details).to.deep.equal([]);
    }
  });

  it('answers 404 in the error shape for missing resources', async () => {
    const res = await server.as<ErrorBody>('anna', 'GET', '/api/processes/none');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('NOT_FOUND');
  });

  it('serves a clear 503 while a web app is not built', async () => {
    const inbox = await server.call('GET', '/');
    expect(inbox.status).to.equal(503);
    expect(inbox.text).to.match(/inbox web app is not built/);
    const designer = await server.call('GET', '/designer/');
    expect(designer.status).to.equal(503);
    expect(designer.text).to.match(/designer web app is not built/);
  });
});
