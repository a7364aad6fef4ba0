// An HTTP proxy on loopback that sits between Karvon and an ERP and misbehaves on command: it hangs,
// answers 500, answers with broken JSON or with data that violates the ERP's schema, or stops
// listening altogether (connection refused), and is healthy again when told. The soak runner and
// the fault tests put it in front of the Odoo fake; it knows nothing about Odoo except which
// answer to spoil in `schema` mode.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAULT_MODES = ['healthy', 'hang', 'error500', 'malformed', 'schema', 'down'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface FaultProxyStats {
  /** Requests passed to the ERP (including those whose answer was then spoiled). */
  forwarded: number;
  /** Requests held without an answer while hanging. */
  hung: number;
  error500: number;
  malformed: number;
  /** Answers rewritten to violate the schema. */
  schema: number;
  /** Connections refused while down (attempts seen by a closed port are not countable; see `downPeriods`). */
  downPeriods: number;
  /** Most requests in flight at once through the proxy, since the last `resetPeak`. */
  peakInFlight: number;
}

export interface FaultProxyOptions {
  /** Base URL of the real (or fake) ERP. */
  upstream: string;
  /**
   * In `error500` mode, the share of requests passed to the ERP before the 500 is returned: the
   * hard case where the ERP did the work and the answer was lost.
   */
  executeBeforeError?: () => boolean;
  /** Which answers `schema` mode spoils (default: Odoo partner reads, by dropping the city). */
  spoil?: (path: string, body: unknown) => unknown | undefined;
  /** Told of every request that reaches the proxy, with the mode that will answer it. */
  onRequest?: (path: string, mode: FaultMode) => void;
}

/** Drops the city from every partner an Odoo `res.partner.read` returns: the shipment's shipTo.city comes back empty. */
export function spoilOdooPartnerCity(path: string, body: unknown): unknown | undefined {
  if (!path.startsWith('/json/2/res.partner/read') || !Array.isArray(body)) return undefined;
  return body.map((row: unknown) => (row && typeof row === 'object' ? { ...row, city: false } : row));
}

export class FaultProxy {
  private mode: FaultMode = 'healthy';
  private server: http.Server | null = null;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<http.ServerResponse>();
  private inFlight = 0;
  readonly stats: FaultProxyStats = { forwarded: 0, hung: 0, error500: 0, malformed: 0, schema: 0, downPeriods: 0, peakInFlight: 0 };

  constructor(private readonly options: FaultProxyOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get current(): FaultMode {
    return this.mode;
  }

  /** Requests in flight through the proxy now (held ones included). */
  get active(): number {
    return this.inFlight;
  }

  async start(): Promise<this> {
    await this.listen();
    return this;
  }

  /**
   * Switches the fault. Leaving `hang` drops the held requests' connections (as a failing load
   * balancer would); entering `down` closes the port and every open connection.
   */
  async setMode(mode: FaultMode): Promise<void> {
    if (mode === this.mode) return;
    const previous = this.mode;
    this.mode = mode;
    if (previous === 'hang') this.releaseHeld();
    if (mode === 'down') {
      this.stats.downPeriods++;
      await this.unlisten();
    } else if (previous === 'down') {
      await this.listen();
    }
  }

  resetPeak(): void {
    this.stats.peakInFlight = this.inFlight;
  }

  async close(): Promise<void> {
    this.releaseHeld();
    await this.unlisten();
  }

  private async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The same port again after being down: the ERP comes back where Karvon expects it.
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async unlisten(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private releaseHeld(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.inFlight++;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.inFlight);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.inFlight--;
      this.held.delete(res);
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      this.options.onRequest?.(path, this.mode);
      switch (this.mode) {
        case 'hang':
          this.stats.hung++;
          this.held.add(res);
          return;
        case 'error500':
          this.stats.error500++;
          if (this.options.executeBeforeError?.()) {
            this.forward(req, path, body)
              .then(() => reply(res, 500, internalError()))
              .catch(() => res.socket?.destroy());
          } else reply(res, 500, internalError());
          return;
        case 'malformed':
          this.stats.malformed++;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"jsonrpc": "2.0", "result": [{"id": 7, "name": "WH/OUT/');
          return;
        default:
          this.forward(req, path, body)
            .then((answer) => {
              let text = answer.text;
              if (this.mode === 'schema' && answer.status < 400) {
                const spoiled = (this.options.spoil ?? spoilOdooPartnerCity)(path, safeJson(text));
                if (spoiled !== undefined) {
                  this.stats.schema++;
                  text = JSON.stringify(spoiled);
                }
              }
              reply(res, answer.status, text, answer.contentType);
            })
            .catch(() => res.socket?.destroy());
      }
    });
  }

  private forward(req: http.IncomingMessage, path: string, body: Buffer): Promise<{ status: number; text: string; contentType: string }> {
    this.stats.forwarded++;
    const target = new URL(path, this.options.upstream);
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    return new Promise((resolve, reject) => {
      const up = http.request(target, { method: req.method, headers, agent: false }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, text: Buffer.concat(parts).toString('utf8'), contentType: String(answer.headers['content-type'] ?? 'application/json') }));
        answer.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });
  }
}

function reply(res: http.ServerResponse, status: number, text: string, contentType = 'application/json'): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType });
  res.end(text);
}

function internalError(): string {
  return JSON.stringify({ name: 'werkzeug.exceptions.InternalServerError', message: 'Internal Server Error (injected)', arguments: [], context: {}, debug: '' });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
