// Reads server-sent events from a fetch response, frame by frame (events and access tests).

import { expect } from 'chai';

export interface Frame {
  event: string;
  data: { type: string; taskId?: string; processInstanceId?: string; task?: { elementId: string } };
}

/** Reads server-sent events from a fetch response, frame by frame. */
export class EventReader {
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
