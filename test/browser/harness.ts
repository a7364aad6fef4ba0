// Browser test harness: the real Karvon server (server/main.ts in a child process, on
// 127.0.0.1, an ephemeral port and a throwaway data dir) and Debian's Chromium driven by
// playwright-core. Nothing is mocked: the inbox talks to the same HTTP API users get.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildInbox } from '../../server/inbox/build.ts';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotsDir = path.join(projectRoot, 'docs/screenshots');
export const fixturesDir = path.join(projectRoot, 'test/browser/fixtures');

// ---------------------------------------------------------------------------------------------
// Chromium

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium, or null when it is not installed (the tests then skip and say why). */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

export const SKIP_REASON = 'Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH); browser tests skipped.';

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * One browser per person: a fresh --user-data-dir each, so sessions (tokens in localStorage)
 * never leak between the users of a test.
 */
export async function openBrowser(options: { width?: number; height?: number } = {}): Promise<BrowserSession> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(SKIP_REASON);
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'karvon-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    locale: 'en-GB',
    timezoneId: 'Asia/Tashkent',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  await throttleCpu(context, page);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    // A 403 or 409 answer is part of several scenarios; Chromium logs each as a console error.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text());
  });
  (page as Page & { karvonErrors?: string[] }).karvonErrors = errors;
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * KARVON_BROWSER_SLOWDOWN=4 runs the page's scripts four times slower (Chromium's own CPU
 * throttling), as on a loaded machine: it widens the windows in which live updates, answers and
 * re-renders can arrive in another order, so races show up in a few runs instead of one in fifty.
 */
async function throttleCpu(context: BrowserContext, page: Page): Promise<void> {
  const raw = process.env.KARVON_BROWSER_SLOWDOWN;
  if (!raw) return;
  const rate = Number(raw);
  if (!Number.isFinite(rate) || rate < 1) throw new Error(`KARVON_BROWSER_SLOWDOWN must be a number of at least 1 (got "${raw}")`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

/** Script errors and console errors the page reported; a clean run has none. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { karvonErrors?: string[] }).karvonErrors ?? [];
}

// ---------------------------------------------------------------------------------------------
// Server

export interface RunningServer {
  url: string;
  dataDir: string;
  adminPassword: string;
  /** Server output so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function ensureInboxBuilt(): Promise<void> {
  await buildInbox({ ifStale: true, quiet: true });
}

/**
 * Starts server/main.ts with PORT=0 and reads the address it prints. Choosing a free port here
 * and passing it on would race with other test servers on this machine, and the health check
 * could then answer from someone else's server.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  await ensureInboxBuilt();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'karvon-browser-data-'));
  const adminPassword = `admin-${Math.random().toString(36).slice(2)}-Pw1`;
  // The browser suite always runs on its own embedded store: under `npm run test:mongo` a
  // shared MONGODB_URL would mix its users and tasks with other suites' data.
  // NODE_ENV is dropped too: building the inbox with Vite inside this process sets it to
  // 'production', which would turn the server's demo mode off.
  const { MONGODB_URL: _ignored, NODE_ENV: _mode, ...parentEnv } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: projectRoot,
    env: {
      ...parentEnv,
      PORT: '0',
      KARVON_HOST: '127.0.0.1',
      KARVON_DATA_DIR: dataDir,
      KARVON_ADMIN_PASSWORD: adminPassword,
      KARVON_DEMO: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const url = await waitForUrl(child, () => output);
    const res = await fetch(`${url}/health`);
    if (!res.ok) throw new Error(`${url}/health answered ${res.status}:\n${output}`);
    // Only this server knows this admin password: proof that the tests talk to the right one.
    await Api.login(url, 'admin', adminPassword);
    return {
      url,
      dataDir,
      adminPassword,
      output: () => output,
      stop: () => stopChild(child).finally(() => rmSync(dataDir, { recursive: true, force: true })),
    };
  } catch (err) {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

async function waitForUrl(child: ChildProcess, output: () => string): Promise<string> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    // The slash after the port matters: output arrives in chunks, and a port cut in half
    // ("…:342" of "…:34279/") may well be another Karvon listening on this machine.
    const m = /running at (http:\/\/127\.0\.0\.1:\d+)\//.exec(output());
    if (m) return m[1]!;
    if (child.exitCode !== null) throw new Error(`Karvon exited with code ${child.exitCode} before it was up:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Karvon did not print its address within 45 s:\n${output()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------
// API helpers for test setup (the browser does the part under test)

export class Api {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  static async login(url: string, username: string, password: string): Promise<Api> {
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { token: string };
    return new Api(url, body.token);
  }

  async call<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export interface DemoUser {
  username: string;
  password: string;
  displayName: string;
  groups: string[];
}

export const USERS: Record<'aziz' | 'dilnoza' | 'timur', DemoUser> = {
  aziz: { username: 'aziz', password: 'aziz-Secret-1', displayName: 'Aziz Karimov', groups: ['sales'] },
  dilnoza: { username: 'dilnoza', password: 'dilnoza-Secret-1', displayName: 'Dilnoza Yusupova', groups: ['sales'] },
  timur: { username: 'timur', password: 'timur-Secret-1', displayName: 'Timur Rashidov', groups: ['warehouse'] },
};

export async function createUsers(admin: Api, users: DemoUser[]): Promise<void> {
  for (const u of users) {
    await admin.call('POST', '/api/users', { username: u.username, password: u.password, displayName: u.displayName, roles: ['employee'], groups: u.groups });
  }
}

export async function deployFixture(admin: Api, files: string[]): Promise<void> {
  const resources = files.map((name) => ({ name, content: readFileSync(path.join(fixturesDir, name), 'utf8') }));
  await admin.call('POST', '/api/deployments', { resources });
}

// ---------------------------------------------------------------------------------------------
// Page helpers

export async function signIn(page: Page, baseUrl: string, user: DemoUser): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();
}

// Code that runs inside the page is passed as a string: the project's type check has no DOM
// library (it is a Node code base), and a `lib: dom` reference would leak into all of it.

/** Widest element on the page beyond the viewport, or null when nothing scrolls sideways. */
export async function horizontalOverflow(page: Page): Promise<string | null> {
  return page.evaluate<string | null>(`(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width + 1) return null;
    let worst = null;
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && (!worst || r.right > worst.right)) worst = { el, right: r.right };
    }
    return worst
      ? worst.el.tagName.toLowerCase() + '.' + worst.el.className + ' reaches ' + Math.round(worst.right) + 'px of ' + width + 'px'
      : 'page is ' + document.documentElement.scrollWidth + 'px wide';
  })()`);
}

/** "TAG text" of the focused element, to follow keyboard focus. */
export function focused(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    const el = document.activeElement;
    return el ? el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent || '').trim() : '';
  })()`);
}

/** Business key shown in the task row that holds the focused element, if any. */
export function focusedTaskRow(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    const row = document.activeElement && document.activeElement.closest('.task-item');
    return row ? row.querySelector('.task-meta').textContent : '';
  })()`);
}
