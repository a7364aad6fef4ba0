// A minimal reader of server-sent events over fetch, for the visibility benchmark and its test:
// frames in arrival order, each stamped with when it was read.

export interface SseFrame {
  event: string;
  data: unknown;
  /** performance.now() when the frame was parsed. */
  at: number;
}

export class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private readonly frames: SseFrame[] = [];
  private waiters: Array<() => void> = [];
  private ended: Error | null = null;

  private constructor(private readonly abort: AbortController) {}

  /** Opens the stream and starts reading in the background; rejects unless the answer is 200. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers, signal: abort.signal });
    if (res.status !== 200 || !res.body) throw new Error(`GET ${url}: ${res.status}`);
    const reader = new SseReader(abort);
    void reader.pump(res.body.getReader());
    return reader;
  }

  /** The first frame from index `from` on that matches, waiting for it; with its index. */
  async next(match: (f: SseFrame) => boolean, from = 0): Promise<{ frame: SseFrame; index: number }> {
    for (;;) {
      for (let i = from; i < this.frames.length; i++) {
        if (match(this.frames[i])) return { frame: this.frames[i], index: i };
      }
      from = this.frames.length;
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.buffer += this.decoder.decode(value, { stream: true });
        this.parse();
      }
      this.ended = new Error('event stream ended');
    } catch (error) {
      this.ended = error instanceof Error ? error : new Error(String(error));
    }
    this.wake();
  }

  private parse(): void {
    let end: number;
    let added = false;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(raw)?.[1];
      const data = /^data: (.*)$/m.exec(raw)?.[1];
      if (event && data !== undefined) {
        this.frames.push({ event, data: JSON.parse(data) as unknown, at: performance.now() });
        added = true;
      }
    }
    if (added) this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
