// The real server (`server/main.ts`) as a child process that the soak runner starts, SIGKILLs at
// random moments and starts again on the same store and port.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(import.meta.dirname, '../server/main.ts');
const READY = 'Karvon is running at';

export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** The last lines the server printed, for the report when it fails to start. */
  private readonly tail: string[] = [];

  constructor(private readonly env: Readonly<Record<string, string>>) {}

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the server and resolves once it listens (its banner is printed after `listen`). */
  async start(timeoutMs = 120_000): Promise<void> {
    if (this.child) throw new Error('the server is already running');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => fail(new Error(`the server did not start within ${timeoutMs} ms:\n${this.tail.join('\n')}`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        this.child = null;
        reject(error);
      };
      const read = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line.trim() === '') continue;
          this.tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
          if (this.tail.length > 40) this.tail.shift();
          if (!ready && line.includes(READY)) {
            ready = true;
            clearTimeout(timer);
            resolve();
          }
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = null;
        if (!ready) fail(new Error(`the server exited during start (${signal ?? code}):\n${this.tail.join('\n')}`));
      });
    });
  }

  /** SIGKILL: no shutdown hook runs, whatever was in flight is cut off. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /** SIGTERM, then SIGKILL if it has not stopped within `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    this.child = null;
  }

  lastLines(): string[] {
    return [...this.tail];
  }
}
