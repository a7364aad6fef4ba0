// The live stream: task events reach the users who may see the task, and nobody else.

import { expect } from 'chai';
import { CAST, HANDOVER, TestServer } from './helpers.ts';
import { EventReader } from './sse.ts';

describe('server: live events (SSE)', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers(CAST);
    const res = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'h.bpmn', content: HANDOVER }] } });
    expect(res.status).to.equal(201);
  });
  after(() => server.close());

  it('pushes a task to its group and keeps it from others', async () => {
    const aziz = await EventReader.open(`${server.url}/api/events`, { authorization: `Bearer ${await server.login('aziz')}` });
    // EventSource cannot send headers: the token may come in the query string instead.
    const timur = await EventReader.open(`${server.url}/api/events?access_token=${await server.login('timur')}`, {});
    try {
      await aziz.until((f) => f.event === 'ready');
      await timur.until((f) => f.event === 'ready');

      const started = await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'handover' } });
      const created = await aziz.until((f) => f.event === 'task.created');
      const sellEvent = created.at(-1)!;
      expect(sellEvent.data.processInstanceId).to.equal(started.body.id);
      expect(sellEvent.data.task?.elementId).to.equal('sell');

      await server.as('aziz', 'POST', `/api/tasks/${sellEvent.data.taskId}/complete`, { body: {} });
      // Events are written in order, so everything timur got before the warehouse task is what
      // the server sent him about the sales task: nothing.
      const timurFrames = await timur.until((f) => f.event === 'task.created');
      expect(timurFrames.filter((f) => f.event.startsWith('task.'))).to.have.length(1);
      expect(timurFrames.at(-1)!.data.task?.elementId).to.equal('pack');
      const completed = await aziz.until((f) => f.event === 'task.completed');
      expect(completed.at(-1)!.data.taskId).to.equal(sellEvent.data.taskId);
    } finally {
      aziz.close();
      timur.close();
    }
  });

  it('refuses the stream without a token', async () => {
    const res = await server.call('GET', '/api/events');
    expect(res.status).to.equal(401);
  });
});
