// The bits both fake servers share: listen on 127.0.0.1 with an ephemeral port, read JSON bodies,
// answer JSON, and a way to drop the connection without an answer.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  raw: string;
}

export type Reply = { status: number; body: unknown; headers?: Record<string, string> } | 'reset';

export interface StartedFake {
  url: string;
  close(): Promise<void>;
}

export async function startFake(handle: (request: FakeRequest) => Reply | Promise<Reply>): Promise<StartedFake> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        body = undefined;
      }
      Promise.resolve()
        .then(() => handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, raw }))
        .then((reply) => {
          if (reply === 'reset') {
            // The request was received and executed; the client never hears back.
            req.socket.resetAndDestroy();
            return;
          }
          const text = JSON.stringify(reply.body);
          res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
          res.end(text);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'INTERNAL_SERVER_ERROR', error_description: String(error) }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
