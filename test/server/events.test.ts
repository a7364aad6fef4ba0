// The live stream: task events reach the users who may see the task, and nobody else.

import { expect } from 'chai';
import { CAST, diagram, TestServer } from './helpers.ts';

interface Frame {
  event: string;
  data: { type: string; taskId?: string; processInstanceId?: string; task?: { elementId: string } };
}

/** Reads server-sent events from a fetch response, frame by frame. */
class EventReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string>): Promise<EventReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers, signal: abort.signal });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    return new EventReader(res.body!.getReader(), abort);
  }

  /** Frames in order until one matches; returns all of them, the match last. */
  async until(match: (f: Frame) => boolean): Promise<Frame[]> {
    const seen: Frame[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const raw = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(raw)?.[1];
        const data = /^data: (.*)$/m.exec(raw)?.[1];
        if (event && data) {
          const frame = { event, data: JSON.parse(data) as Frame['data'] };
          seen.push(frame);
          if (match(frame)) return seen;
        }
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) throw new Error(`stream ended; saw ${JSON.stringify(seen)}`);
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  close(): void {
    this.abort.abort();
  }
}

const TWO_GROUPS = diagram(
  'handover',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="sell" name="Sell">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:userTask id="pack" name="Pack">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="warehouse"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sell"/>
  <bpmn:sequenceFlow id="f2" sourceRef="sell" targetRef="pack"/>
  <bpmn:sequenceFlow id="f3" sourceRef="pack" targetRef="end"/>`,
);

describe('server: live events (SSE)', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers(CAST);
    const res = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'h.bpmn', content: TWO_GROUPS }] } });
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
