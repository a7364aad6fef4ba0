// Two nodes on one database (one SQLite file, or with MONGODB_URL one MongoDB database): the
// live stream of either node carries what a command on the other did, to the users who may see
// it, and the node that ran the command sends each event once.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freshDatabaseName } from '../engine/backends.ts';
import { CAST, HANDOVER, TestServer } from './helpers.ts';
import { EventReader, type Frame } from './sse.ts';

const taskFrames = (frames: Frame[], event: string, taskId: string): Frame[] =>
  frames.filter((f) => f.event === event && f.data.taskId === taskId);

describe('server: live events across nodes (change feed)', function () {
  // Frames from the other node come with its next poll; a loaded machine may take a while.
  this.timeout(30_000);
  let dataDir: string;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const readers: EventReader[] = [];

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'karvon-feed-test-'));
    const shared = {
      dataDir,
      feedPollMs: 50,
      ...(process.env.MONGODB_URL?.trim() ? { mongodbDb: freshDatabaseName('karvon_feed') } : {}),
    };
    nodeA = await TestServer.start({ ...shared, nodeId: 'node-a' });
    nodeB = await TestServer.start({ ...shared, nodeId: 'node-b' });
    await nodeA.createUsers(CAST);
    const res = await nodeA.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'h.bpmn', content: HANDOVER }] } });
    expect(res.status).to.equal(201);
  });
  after(async () => {
    for (const reader of readers) reader.close();
    await nodeB?.close();
    await nodeA?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function connect(node: TestServer, username: string): Promise<EventReader> {
    const reader = await EventReader.open(`${node.url}/api/events`, { authorization: `Bearer ${await node.login(username)}` });
    readers.push(reader);
    await reader.until((f) => f.event === 'ready');
    return reader;
  }

  it('shows a task created and completed on node A to its group on node B, and to nobody else', async () => {
    const azizOnB = await connect(nodeB, 'aziz');
    const timurOnB = await connect(nodeB, 'timur');
    const azizOnA = await connect(nodeA, 'aziz');

    const started = await nodeA.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'handover' } });
    expect(started.status).to.equal(201);
    const created = (await azizOnB.until((f) => f.event === 'task.created')).at(-1)!;
    expect(created.data.processInstanceId).to.equal(started.body.id);
    expect(created.data.task?.elementId).to.equal('sell');
    const sellId = created.data.taskId!;

    const done = await nodeA.as('aziz', 'POST', `/api/tasks/${sellId}/complete`, { body: {} });
    expect(done.status).to.equal(200);
    const completed = await azizOnB.until((f) => f.event === 'task.completed');
    expect(completed.at(-1)!.data.taskId).to.equal(sellId);

    // The feed is read in order, so all timur got before the warehouse task is what node B sent
    // him about the sales task: nothing.
    const timurFrames = await timurOnB.until((f) => f.event === 'task.created');
    expect(timurFrames.filter((f) => f.event.startsWith('task.'))).to.have.length(1);
    expect(timurFrames.at(-1)!.data.task?.elementId).to.equal('pack');

    // A command on node B, which node A learns of only through the feed: once node A has shown
    // it, it has read past its own entries for the sales task and must not have repeated them.
    const second = await nodeB.as<{ id: string }>('dilnoza', 'POST', '/api/process-instances', { body: { processKey: 'handover' } });
    expect(second.status).to.equal(201);
    const onA = await azizOnA.until((f) => f.event === 'task.created' && f.data.processInstanceId === second.body.id);
    expect(taskFrames(onA, 'task.created', sellId)).to.have.length(1);
    expect(taskFrames(onA, 'task.completed', sellId)).to.have.length(1);
    // Node B does not repeat the sales task's frames either when its poll re-reads the window.
    const onB = await azizOnB.until((f) => f.event === 'task.created' && f.data.processInstanceId === second.body.id);
    expect(taskFrames(onB, 'task.created', sellId)).to.have.length(0);
  });
});
