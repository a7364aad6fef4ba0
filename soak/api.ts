// The soak runner's HTTP client: one bearer token per demo user, signed in again after a restart
// when needed, and distinct errors for "the server is not there" (killed, restarting) and "the
// server is too busy and did nothing" (429 from admission control).

export class ServerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerUnavailable';
  }
}

/** 429 from admission control: the server is overloaded and did nothing; come back later. */
export class ServerBusy extends ServerUnavailable {
  constructor(message: string) {
    super(message);
    this.name = 'ServerBusy';
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  text: string;
}

export class Api {
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly passwords: Readonly<Record<string, string>>,
    private readonly timeoutMs = 30_000,
  ) {}

  async call<T = unknown>(user: string, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    let token = this.tokens.get(user) ?? (await this.login(user));
    let res = await this.send<T>(method, path, body, token);
    if (res.status === 401) {
      token = await this.login(user);
      res = await this.send<T>(method, path, body, token);
    }
    return res;
  }

  /** As `call`, but anything other than `expected` is an error naming the request and the answer. */
  async expect<T = unknown>(expected: number | number[], user: string, method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(user, method, path, body);
    const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
    if (!ok) throw new Error(`${method} ${path} as ${user}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
    return res.body;
  }

  /**
   * This client for work that must not give up when the server is merely busy (seeding, the
   * audit): a 429 means nothing was done, so it is retried a second later, up to 60 times.
   */
  patient(): Pick<Api, 'expect'> {
    const expect = async <T = unknown>(expected: number | number[], user: string, method: string, path: string, body?: unknown): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.expect<T>(expected, user, method, path, body);
        } catch (error) {
          if (!(error instanceof ServerBusy) || attempt >= 60) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    };
    return { expect };
  }

  private async login(user: string): Promise<string> {
    const password = this.passwords[user];
    if (password === undefined) throw new Error(`no password for ${user}`);
    const res = await this.send<{ token: string }>('POST', '/api/auth/login', { username: user, password }, null);
    if (res.status !== 200) throw new Error(`login of ${user}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    this.tokens.set(user, res.body.token);
    return res.body.token;
  }

  private async send<T>(method: string, path: string, body: unknown, token: string | null): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (error) {
      throw new ServerUnavailable(`${method} ${path}: ${(error as Error).message}`);
    }
    if (res.status === 429) throw new ServerBusy(`${method} ${path}: ${text.slice(0, 200)}`);
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text };
  }
}
