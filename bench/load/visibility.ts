// Visibility lag: how soon after a command's HTTP response the inbox sees its effect. For each
// round an employee starts an instance, then completes its task; after each response the next
// GET /api/tasks must already show the change (read-your-writes: counted, expected zero
// misses), and the live stream (SSE) frame for the change is timed against the response.
// A negative delay means the frame arrived before the response did.

import { SseReader } from '../../server/bench/sse-reader.ts';
import { HttpClient } from './http-client.ts';
import { APPROVAL, APPROVAL_KEY } from './diagrams.ts';
import { ADMIN_PASSWORD, launchServer, newTarget, PASSWORD, type StoreKind } from './server.ts';
import { int, ms, percentiles, table, type Percentiles } from './stats.ts';

export interface VisibilityOptions {
  store: StoreKind;
  rounds: number;
}

export interface VisibilityResult {
  store: StoreKind;
  rounds: number;
  /** Next GET /api/tasks after the response that did not show the change yet. */
  readYourWritesMisses: { start: number; complete: number };
  /** Response → next GET /api/tasks answered (showing the change). */
  nextReadMs: { start: Percentiles; complete: Percentiles };
  /** Response → SSE frame of the change read by the client; negative: the frame came first. */
  sseDelayMs: { created: Percentiles; completed: Percentiles };
  sseBeforeResponse: { created: number; completed: number };
}

interface TaskFrame {
  processInstanceId?: string;
}

export async function runVisibility(options: VisibilityOptions): Promise<VisibilityResult> {
  const target = await newTarget(options.store);
  const server = await launchServer(target);
  const http = new HttpClient(server.url);
  let stream: SseReader | null = null;
  try {
    const admin = await http.login('admin', ADMIN_PASSWORD);
    await http.ok('POST', '/api/users', admin, { username: 'watcher', password: PASSWORD, roles: ['employee'], groups: ['sales'] });
    await http.ok('POST', '/api/deployments', admin, { resources: [{ name: 'approval.bpmn', content: APPROVAL }] });
    const token = await http.login('watcher', PASSWORD);
    stream = await SseReader.open(`${server.url}/api/events`, { authorization: `Bearer ${token}` });
    await stream.next((f) => f.event === 'ready');

    const misses = { start: 0, complete: 0 };
    const reads = { start: [] as number[], complete: [] as number[] };
    const sse = { created: [] as number[], completed: [] as number[] };
    let from = 0;
    for (let round = 0; round < options.rounds; round++) {
      const started = await http.call<{ id: string }>('POST', '/api/process-instances', token, { processKey: APPROVAL_KEY });
      const startedAt = performance.now();
      if (started.status !== 201) throw new Error(`start: ${started.status}`);
      const pi = started.body.id;
      const list = await http.ok<Array<{ id: string; processInstanceId: string }>>('GET', '/api/tasks', token);
      reads.start.push(performance.now() - startedAt);
      const task = list.find((t) => t.processInstanceId === pi);
      if (!task) misses.start++;
      const of = (type: string) => (f: { event: string; data: unknown }) => f.event === type && (f.data as TaskFrame).processInstanceId === pi;
      const created = await stream.next(of('task.created'), from);
      sse.created.push(created.frame.at - startedAt);

      const taskId = task?.id ?? (await http.ok<Array<{ id: string }>>('GET', `/api/tasks?processInstanceId=${pi}`, token))[0].id;
      await http.ok('POST', `/api/tasks/${taskId}/complete`, token, {});
      const completedAt = performance.now();
      const after = await http.ok<Array<{ id: string }>>('GET', '/api/tasks', token);
      reads.complete.push(performance.now() - completedAt);
      if (after.some((t) => t.id === taskId)) misses.complete++;
      const completed = await stream.next(of('task.completed'), created.index + 1);
      sse.completed.push(completed.frame.at - completedAt);
      from = completed.index + 1;
    }
    return {
      store: options.store,
      rounds: options.rounds,
      readYourWritesMisses: misses,
      nextReadMs: { start: percentiles(reads.start), complete: percentiles(reads.complete) },
      sseDelayMs: { created: percentiles(sse.created), completed: percentiles(sse.completed) },
      sseBeforeResponse: { created: sse.created.filter((d) => d < 0).length, completed: sse.completed.filter((d) => d < 0).length },
    };
  } finally {
    stream?.close();
    http.close();
    await server.close();
    await target.dispose();
  }
}

export function formatVisibility(r: VisibilityResult): string {
  const row = (name: string, p: Percentiles, extra: string) => [name, ms(p.p50), ms(p.p99), ms(p.max), extra];
  return [
    `Visibility lag on ${r.store === 'sqlite' ? 'the embedded store (SQLite)' : 'MongoDB'}: ${int(r.rounds)} rounds of start → task list → complete → task list, one employee with the live stream open`,
    table(
      ['after the response of', 'p50 ms', 'p99 ms', 'max ms', 'order'],
      [
        row('start: next GET /api/tasks', r.nextReadMs.start, `${r.readYourWritesMisses.start} missed the new task`),
        row('complete: next GET /api/tasks', r.nextReadMs.complete, `${r.readYourWritesMisses.complete} still showed it`),
        row('start: SSE task.created', r.sseDelayMs.created, `${r.sseBeforeResponse.created} arrived before the response`),
        row('complete: SSE task.completed', r.sseDelayMs.completed, `${r.sseBeforeResponse.completed} arrived before the response`),
      ],
    ),
    '  Read-your-writes: a command answers after its commit, so the next read sees it (misses must be 0).',
  ].join('\n');
}
