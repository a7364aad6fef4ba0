// A Karvon engine node in its own process, forked with `--import tsx` and driven by request and
// reply over the IPC channel. The multi-node test (three-nodes.test.ts + node.ts) and the MongoDB
// bench (bench/mongo.ts + bench/mongo-node.ts) both run their nodes through this.
//
// The child sends {op:'ready', ...} once it can take requests, {op:'done', ref, ...} or
// {op:'error', ref, message} for each request, and anything else (events) unprompted.

import { fork, type ChildProcess } from 'node:child_process';

export type NodeMessage = Record<string, unknown> & { op: string };

export interface ForkedNodeOptions {
  /** Module the child runs. */
  file: string;
  /** Added to this process's environment. */
  env: Record<string, string>;
  /** Messages that are neither the ready signal nor a reply. */
  onMessage?: (message: NodeMessage) => void;
}

export class ForkedNode {
  private ref = 0;
  private readonly pending = new Map<number, { resolve: (m: NodeMessage) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<number | null>;
  private readonly ready: Promise<NodeMessage>;

  private constructor(
    readonly id: string,
    readonly child: ChildProcess,
    onMessage: (message: NodeMessage) => void,
  ) {
    let onReady: (m: NodeMessage) => void = () => {};
    this.ready = new Promise((resolve) => (onReady = resolve));
    child.on('message', (raw) => {
      const m = raw as NodeMessage & { ref?: number; message?: string };
      if (m.op === 'ready') return onReady(m);
      const waiter = m.ref === undefined ? undefined : this.pending.get(m.ref);
      if (m.op !== 'done' && m.op !== 'error') return onMessage(m);
      if (!waiter) return;
      this.pending.delete(m.ref as number);
      if (m.op === 'error') waiter.reject(new Error(`${id}: ${m.message}`));
      else waiter.resolve(m);
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        for (const w of this.pending.values()) w.reject(new Error(`${id} exited (${code})`));
        this.pending.clear();
        resolve(code);
      }),
    );
  }

  /** Forks the node and resolves with it and its ready message once it can take requests. */
  static async spawn(id: string, options: ForkedNodeOptions): Promise<{ node: ForkedNode; ready: NodeMessage }> {
    const child = fork(options.file, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const node = new ForkedNode(id, child, options.onMessage ?? (() => {}));
    const ready = await Promise.race([node.ready, node.exited.then((code) => Promise.reject(new Error(`${id} exited (${code}) before it was ready`)))]);
    return { node, ready };
  }

  request(message: Record<string, unknown>): Promise<NodeMessage> {
    const ref = ++this.ref;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
      this.child.send({ ...message, ref });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.request({ op: 'close' }).catch(() => {});
    await this.exited;
  }

  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}
