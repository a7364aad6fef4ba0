// A small HTTP client for the load benches: node:http with keep-alive sockets, JSON in and out.
// Lighter than fetch on the client side, which matters when client and server share two CPUs.

import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface Reply<T> {
  status: number;
  body: T;
  headers: IncomingHttpHeaders;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets = 512) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  call<T = unknown>(method: string, path: string, token: string | null, body?: unknown): Promise<Reply<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if ((res.headers['content-type'] ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Like call, but a status of 300 or more is an error naming the request. */
  async ok<T = unknown>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
    const reply = await this.call<T>(method, path, token, body);
    if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  async login(username: string, password: string): Promise<string> {
    return (await this.ok<{ token: string }>('POST', '/api/auth/login', null, { username, password })).token;
  }

  close(): void {
    this.agent.destroy();
  }
}
