// The employee inbox in real headless Chromium against the real server: sign in, a task offered
// to the group arrives by itself, claim, fill the form (validated first), complete, and the next
// step appears in the warehouse's inbox. Also: who-was-first messages, the start page, the case
// diagram, a phone-sized screen and keyboard-only use.

import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, Request, Route } from 'playwright-core';
import {
  Api,
  chromiumPath,
  createUsers,
  deployFixture,
  focused,
  focusedTaskRow,
  horizontalOverflow,
  openBrowser,
  pageErrors,
  screenshotsDir,
  signIn,
  SKIP_REASON,
  startServer,
  USERS,
  type BrowserSession,
  type RunningServer,
} from './harness.ts';

// Screenshots go to docs/screenshots only when asked (KARVON_SCREENSHOTS=1), so an ordinary
// `npm test` leaves the working tree clean; otherwise they land in the temp folder.
const shotsDir = process.env.KARVON_SCREENSHOTS === '1' ? screenshotsDir : path.join(os.tmpdir(), 'karvon-screenshots');

/** A customer card shaped like crm.getCustomerCard's output, and an ERP shipment. */
const customerCard = {
  customer: {
    id: 'C-1001',
    kind: 'company',
    name: 'Samarkand Textiles LLC',
    taxId: '305412889',
    phones: ['+998 66 233 45 10'],
    emails: ['orders@samtex.uz'],
    address: 'Samarkand, Registon ko‘chasi 12, 140100',
    segment: 'Wholesale',
    owner: 'aziz',
    createdAt: '2025-03-01T09:00:00Z',
    updatedAt: '2026-11-20T09:00:00Z',
  },
  contacts: [{ id: 'P-1', customerId: 'C-1001', name: 'Nodira Aliyeva', position: 'Purchasing manager', phones: ['+998 90 123 45 67'], emails: ['nodira@samtex.uz'] }],
  openDeals: [
    {
      id: 'D-77',
      customerId: 'C-1001',
      title: 'Winter cotton order',
      stage: 'proposal',
      lineItems: [],
      amount: 48200000,
      currency: 'UZS',
      owner: 'aziz',
      expectedCloseDate: '2026-12-20',
      createdAt: '2026-11-01T09:00:00Z',
      updatedAt: '2026-11-20T09:00:00Z',
      closedAt: null,
    },
  ],
  recentActivities: [{ id: 'A-1', customerId: 'C-1001', dealId: 'D-77', type: 'call', subject: 'Confirmed quantities', body: null, author: 'aziz', at: '2026-11-28T10:15:00Z' }],
  lifetimeRevenue: 315000000,
  currency: 'UZS',
};

const shipment = {
  id: 'SHP-000042',
  status: 'reserved',
  expectedDate: '2026-12-09',
  warehouseId: 'WH-TAS',
  lines: [
    { sku: 'COT-200', name: 'Cotton yarn 200 tex', quantity: 40, reserved: 40, unit: 'kg' },
    { sku: 'DYE-BLU', name: 'Reactive dye, blue', quantity: 5, reserved: 5, unit: 'kg' },
  ],
};

describe('inbox in the browser', function () {
  this.timeout(180_000);

  let server: RunningServer | null = null;
  let admin: Api;
  let dilnozaApi: Api;
  let azizApi: Api;
  const sessions: BrowserSession[] = [];

  async function browser(options?: { width?: number; height?: number }): Promise<BrowserSession> {
    const s = await openBrowser(options);
    sessions.push(s);
    return s;
  }

  async function startOrder(businessKey: string, variables: Record<string, unknown> = {}): Promise<string> {
    const created = await dilnozaApi.call<{ id: string }>('POST', '/api/process-instances', {
      processKey: 'inbox-handover',
      businessKey,
      variables: { customerName: 'Samarkand Textiles LLC', quantity: 40, ...variables },
    });
    return created.id;
  }

  async function openTaskOf(instanceId: string, api: Api): Promise<{ id: string }> {
    const tasks = await api.call<Array<{ id: string }>>('GET', `/api/tasks?processInstanceId=${instanceId}&state=open`);
    expect(tasks, 'one open task').to.have.length(1);
    return tasks[0]!;
  }

  /** Toasts come and go; documentation screenshots are taken without them. */
  async function shot(page: Page, name: string): Promise<void> {
    await page.evaluate(`document.querySelectorAll('.toast').forEach((t) => t.remove())`);
    await page.screenshot({ path: path.join(shotsDir, name), fullPage: true });
  }

  /** Tasks per inbox request (PAGE_SIZE in server/inbox/src/pages/tasks.ts). */
  const INBOX_PAGE_SIZE = 50;

  function taskRow(page: Page, businessKey: string) {
    return page.locator('.task-item', { hasText: `#${businessKey}` });
  }

  /** The task list once it shows the server's answer for the filters chosen (aria-busy). */
  function settledList(page: Page) {
    return page.locator('.task-list-wrap[aria-busy="false"]');
  }

  /** Settles once `count` GET requests for `pathname` have been answered in full. */
  function readsOf(page: Page, pathname: string, count: number): Promise<void> {
    return new Promise((resolve) => {
      let seen = 0;
      const onFinished = (req: Request) => {
        if (req.method() !== 'GET' || new URL(req.url()).pathname !== pathname || ++seen < count) return;
        page.off('requestfinished', onFinished);
        resolve();
      };
      page.on('requestfinished', onFinished);
    });
  }

  before(async function () {
    if (!chromiumPath()) {
      console.log(`      ${SKIP_REASON}`);
      this.skip();
    }
    mkdirSync(shotsDir, { recursive: true });
    server = await startServer();
    admin = await Api.login(server.url, 'admin', server.adminPassword);
    await createUsers(admin, Object.values(USERS));
    await deployFixture(admin, ['inbox-handover.bpmn', 'handover-start.form', 'review-order.form', 'pack-goods.form']);
    dilnozaApi = await Api.login(server.url, USERS.dilnoza.username, USERS.dilnoza.password);
    azizApi = await Api.login(server.url, USERS.aziz.username, USERS.aziz.password);
  });

  // Each test's browsers close with it: inboxes left open would re-read on every later test's
  // events and slow the rest of the file down.
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close();
  });

  after(async () => {
    await server?.stop();
  });

  it('hands a task from sales to the warehouse: arrives live, claim, validated form, complete', async () => {
    const url = server!.url;
    const aziz = await browser();
    const timur = await browser();
    await signIn(aziz.page, url, USERS.aziz);
    await signIn(timur.page, url, USERS.timur);
    await timur.page.getByText('Nothing to do right now').waitFor();

    // A colleague starts two orders; they reach Aziz's open inbox without a reload.
    const instanceId = await startOrder('SO-2001', { customerCard, shipment, items: [{ sku: 'COT-200', quantity: 40 }, { sku: 'DYE-BLU', quantity: 5 }] });
    // A full first page of later orders (the inbox reads PAGE_SIZE = 50 tasks at a time), so the
    // next order's task is not among the tasks the browser has loaded.
    const fillers: string[] = [];
    for (let i = 0; i < INBOX_PAGE_SIZE; i++) fillers.push(await startOrder(`FILL-${String(i).padStart(2, '0')}`));
    await startOrder('SO-2002', { customerName: 'Fergana Cotton', quantity: 12 });
    const row = taskRow(aziz.page, 'SO-2001');
    await row.waitFor();
    await row.getByText('Samarkand Textiles LLC').waitFor();
    expect(await row.textContent()).to.contain('offered to sales');
    await aziz.page.locator('.task-item').nth(INBOX_PAGE_SIZE - 1).waitFor();
    expect(await aziz.page.locator('.task-item').count()).to.equal(INBOX_PAGE_SIZE);
    expect(await taskRow(aziz.page, 'SO-2002').count(), 'SO-2002 is past the first page').to.equal(0);

    // Search by business data: the customer's name is in the process variables, not the task,
    // and the task is not loaded in the browser, so only the server's search can find it.
    await aziz.page.getByLabel('Search').fill('fergana');
    await taskRow(aziz.page, 'SO-2002').waitFor();
    await taskRow(aziz.page, 'SO-2001').waitFor({ state: 'detached' });
    expect(await aziz.page.locator('.task-item').count()).to.equal(1);
    await aziz.page.getByLabel('Search').fill('');
    await row.waitFor();
    // The rest of the walk-through expects a short inbox.
    for (const id of fillers) await admin.call('POST', `/api/process-instances/${id}/cancel`);
    await taskRow(aziz.page, 'SO-2002').waitFor();
    await taskRow(aziz.page, 'FILL-00').waitFor({ state: 'detached' });

    await row.getByRole('button', { name: 'Claim Review order' }).click();
    await row.getByText('Assigned to you').waitFor();
    await row.getByRole('button', { name: 'Unclaim Review order' }).waitFor();
    await shot(aziz.page, 'inbox.png');

    await row.getByRole('link', { name: 'Review order' }).click();
    const page = aziz.page;
    await page.getByRole('heading', { level: 1, name: 'Review order' }).waitFor();

    // What the process gathered, readable: the customer card and the shipment, not JSON.
    const card = page.locator('.customer-card');
    await card.getByText('Samarkand Textiles LLC').waitFor();
    await card.getByText('305412889').waitFor();
    await card.getByText('Nodira Aliyeva').waitFor();
    await card.getByText('Winter cotton order').waitFor();
    const ship = page.locator('.shipment');
    await ship.getByText('SHP-000042').waitFor();
    await ship.locator('.badge', { hasText: 'Reserved' }).waitFor();
    await ship.getByText('Cotton yarn 200 tex').waitFor();
    expect(await page.locator('.task-context').textContent()).not.to.match(/[{}"]/);

    // The form is pre-filled from the variables and validated before anything is sent.
    expect(await page.getByLabel(/^Customer/).inputValue()).to.equal('Samarkand Textiles LLC');
    expect(await page.getByLabel(/^Quantity to ship/).inputValue()).to.equal('40');
    await page.getByRole('button', { name: 'Complete task' }).click();
    await page.getByText('One field needs your attention.').waitFor();
    expect((await azizApi.call<{ state: string }>('GET', `/api/tasks/${(await openTaskOf(instanceId, azizApi)).id}`)).state).to.equal('open');

    await page.getByLabel(/^Note for the warehouse/).fill('Two pallets, keep dry.');
    await page.getByText('One field needs your attention.').waitFor({ state: 'detached' });
    await page.getByLabel(/^Approved for shipping/).check();
    await shot(page, 'task.png');
    // The toast shows for a few seconds from the completion on, and on a busy machine the inbox
    // can take about as long to load: look for both from the click on, not one after the other.
    const completedToast = page.getByText('"Review order" completed').waitFor();
    await page.getByRole('button', { name: 'Complete task' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();
    await completedToast;
    await taskRow(page, 'SO-2001').waitFor({ state: 'detached' });

    // The warehouse's inbox, open all along, receives the next step by itself.
    const next = taskRow(timur.page, 'SO-2001');
    await next.getByRole('link', { name: 'Pack goods' }).waitFor();
    expect(await next.textContent()).to.contain('offered to warehouse');

    const instance = await admin.call<{ variables: Record<string, unknown>; activeElements: string[] }>('GET', `/api/process-instances/${instanceId}`);
    expect(instance.activeElements).to.deep.equal(['pack']);
    expect(instance.variables).to.include({ warehouseNote: 'Two pallets, keep dry.', approved: true, quantity: 40 });

    expect(pageErrors(aziz.page), 'script errors in Aziz’s browser').to.deep.equal([]);
    expect(pageErrors(timur.page), 'script errors in Timur’s browser').to.deep.equal([]);
  });

  it('tells an employee who completed a task first', async () => {
    const dilnoza = await browser();
    await signIn(dilnoza.page, server!.url, USERS.dilnoza);
    const instanceId = await startOrder('SO-2101');
    const task = await openTaskOf(instanceId, azizApi);
    await dilnoza.page.goto(`${server!.url}/#/tasks/${task.id}`);
    await dilnoza.page.getByRole('heading', { level: 1, name: 'Review order' }).waitFor();
    await dilnoza.page.getByRole('button', { name: 'Claim to work on it' }).waitFor();

    // Aziz is quicker, from his own inbox.
    await azizApi.call('POST', `/api/tasks/${task.id}/claim`);
    await azizApi.call('POST', `/api/tasks/${task.id}/complete`, { variables: { warehouseNote: 'done by phone' } });

    await dilnoza.page.getByText(/This task was completed by aziz at \d{1,2}:\d{2}/).waitFor();
    expect(await dilnoza.page.getByRole('button', { name: 'Claim to work on it' }).count()).to.equal(0);
  });

  it('reports a task someone else claimed meanwhile (409) in plain words', async () => {
    const dilnoza = await browser();
    await signIn(dilnoza.page, server!.url, USERS.dilnoza);
    const instanceId = await startOrder('SO-2102');
    const task = await openTaskOf(instanceId, azizApi);
    // No live updates in this page, so the click itself meets the conflict. The event stream is
    // held unanswered rather than refused: a refused stream makes the inbox poll every few
    // seconds instead, and on a slow run a poll could show Aziz's claim before the click.
    await dilnoza.page.route('**/api/events**', () => new Promise<void>(() => undefined));
    // The page reads the task twice: to show it, and once more after loading (someone may have
    // acted meanwhile). Aziz claims after both, so the click itself is what meets the conflict.
    const twoReads = readsOf(dilnoza.page, `/api/tasks/${task.id}`, 2);
    await dilnoza.page.goto(`${server!.url}/#/tasks/${task.id}`);
    await dilnoza.page.getByRole('button', { name: 'Claim to work on it' }).waitFor();
    await twoReads;
    await azizApi.call('POST', `/api/tasks/${task.id}/claim`);
    await dilnoza.page.getByRole('button', { name: 'Claim to work on it' }).click();
    await dilnoza.page.getByText('This task was claimed by aziz. Only they can complete it now.').waitFor();
  });

  it('starts a process from its start form and shows the case on the diagram', async () => {
    const aziz = await browser();
    await signIn(aziz.page, server!.url, USERS.aziz);
    const page = aziz.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Start a process' }).click();
    await page.getByRole('heading', { level: 1, name: 'Start a process' }).waitFor();
    await page.getByRole('link', { name: 'Start Order handover' }).click();
    await page.getByRole('heading', { level: 1, name: 'Order handover' }).waitFor();

    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByText('2 fields need your attention.').waitFor();
    await page.getByLabel(/^Customer/).fill('Bukhara Silk');
    await page.getByLabel(/^Quantity/).fill('7');
    await page.getByLabel(/^Business key/).fill('SO-2201');
    await page.getByRole('button', { name: 'Start', exact: true }).click();

    await page.getByRole('heading', { level: 1, name: /Order handover/ }).waitFor();
    await page.getByText('Now at:').waitFor();
    expect(await page.locator('.diagram-card p').first().textContent()).to.equal('Now at: Review order');
    // bpmn-js drew the diagram and marked where the case is and the path it took.
    await page.locator('.diagram .djs-element.k-active[data-element-id="review"]').waitFor();
    await page.locator('.diagram .djs-element.k-done[data-element-id="start"]').waitFor();
    // A straight flow has an empty bounding box, so it counts as attached, never as visible.
    await page.locator('.diagram .djs-connection.k-done[data-element-id="f1"]').waitFor({ state: 'attached' });

    const [instance] = await azizApi.call<Array<{ id: string; businessKey: string }>>('GET', '/api/process-instances?businessKey=SO-2201');
    expect(instance, 'the started instance').to.exist;
    const detail = await azizApi.call<{ variables: Record<string, unknown> }>('GET', `/api/process-instances/${instance!.id}`);
    expect(detail.variables).to.include({ customerName: 'Bukhara Silk', quantity: 7 });

    // The case is listed under "My cases" because Aziz started it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My cases' }).click();
    await page.getByRole('row', { name: /SO-2201/ }).waitFor();
    expect(pageErrors(page)).to.deep.equal([]);
  });

  it('shows items short of stock, and the error behind them, as tables and sentences', async () => {
    const aziz = await browser();
    await signIn(aziz.page, server!.url, USERS.aziz);
    const instanceId = await startOrder('SO-2501', {
      error: {
        code: 'INSUFFICIENT_STOCK',
        message: 'Not enough stock in WH-TAS for 1 item',
        details: { warehouseId: 'WH-TAS', shortItems: [{ sku: 'RISHTON-LAGAN', requested: 20, available: 8, short: 12 }] },
      },
    });
    const task = await openTaskOf(instanceId, azizApi);
    await aziz.page.goto(`${server!.url}/#/tasks/${task.id}`);
    const short = aziz.page.locator('.short-items');
    await short.getByText('Not enough stock in WH-TAS for 1 item').waitFor();
    const cells = await short.locator('tbody tr').first().locator('td').allTextContents();
    expect(cells).to.deep.equal(['RISHTON-LAGAN', '20', '8', '12']);
    await aziz.page.locator('.problem').getByText('WH-TAS', { exact: true }).waitFor();
    expect(await aziz.page.getByText('Not enough stock in WH-TAS for 1 item').count(), 'message shown once').to.equal(1);
    expect(await aziz.page.locator('.task-context').textContent()).not.to.match(/[{}"]/);
  });

  it('keeps saved filters across visits', async () => {
    const aziz = await browser();
    const page = aziz.page;
    await signIn(page, server!.url, USERS.aziz);
    await startOrder('SO-2601', { customerName: 'Namangan Textile' });
    await taskRow(page, 'SO-2601').waitFor();
    await page.getByLabel('Search').fill('namangan');
    await page.getByLabel('Priority').selectOption('high');
    await page.getByText('Save filter', { exact: true }).click();
    await page.getByLabel('Save these filters as').fill('Namangan, urgent');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('button', { name: 'Namangan, urgent', exact: true, pressed: true }).waitFor();

    await page.getByRole('button', { name: 'Clear filters' }).click();
    expect(await page.getByLabel('Search').inputValue()).to.equal('');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Namangan, urgent', exact: true, pressed: false }).click();
    expect(await page.getByLabel('Search').inputValue()).to.equal('namangan');
    expect(await page.getByLabel('Priority').inputValue()).to.equal('high');
    await taskRow(page, 'SO-2601').waitFor();
    expect(await page.locator('.task-item').count()).to.equal(1);

    // Signing out revokes the token on the server, not only in this browser.
    const token = await page.evaluate<string | null>(`localStorage.getItem('karvon.token')`);
    // The sign-in page shows at once; the logout request may still be on its way then.
    const loggedOut = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/logout');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to your inbox' }).waitFor();
    expect(await page.evaluate<string | null>(`localStorage.getItem('karvon.token')`)).to.equal(null);
    expect((await loggedOut).ok(), 'logout answered').to.equal(true);
    const status = (await fetch(`${server!.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } })).status;
    expect(status).to.equal(401);
  });

  it('fits a 360 px wide phone screen', async () => {
    const phone = await browser({ width: 360, height: 740 });
    const page = phone.page;
    await signIn(page, server!.url, USERS.dilnoza);
    const instanceId = await startOrder('SO-2301', { customerCard, shipment });
    await taskRow(page, 'SO-2301').waitFor();
    expect(await horizontalOverflow(page), 'inbox overflow').to.equal(null);
    for (const name of ['Inbox', 'Start a process', 'My cases']) {
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).isVisible(), `${name} link visible`).to.equal(true);
    }
    await shot(page, 'inbox-phone.png');

    const task = await openTaskOf(instanceId, dilnozaApi);
    await page.goto(`${server!.url}/#/tasks/${task.id}`);
    await page.locator('.customer-card').waitFor();
    expect(await horizontalOverflow(page), 'task page overflow').to.equal(null);
    // On a phone the claim button is at the top, next to the notice.
    await page.locator('.banner-slot').getByRole('button', { name: 'Claim' }).click();
    await page.getByRole('button', { name: 'Complete task' }).waitFor();
    expect(await horizontalOverflow(page), 'task page overflow after claim').to.equal(null);
    await shot(page, 'task-phone.png');

    await page.goto(`${server!.url}/#/cases/${instanceId}`);
    await page.locator('.diagram .djs-element.k-active').first().waitFor();
    expect(await horizontalOverflow(page), 'case page overflow').to.equal(null);
    expect(pageErrors(page)).to.deep.equal([]);
  });

  it('works by keyboard alone: sign in, reach a task, claim, complete', async () => {
    const kb = await browser();
    const page = kb.page;
    const instanceId = await startOrder('SO-2401');
    await page.goto(`${server!.url}/`);
    // The username field has focus on arrival.
    await page.keyboard.type(USERS.aziz.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(USERS.aziz.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();

    // Each page moves focus to its heading, so screen readers and Tab start there.
    expect(await focused(page)).to.equal('H1 Inbox');

    // Tab forward until the claim button of this order has focus, then press it.
    const row = taskRow(page, 'SO-2401');
    await row.waitFor();
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await focused(page)) === 'BUTTON Claim Review order' && (await focusedTaskRow(page)).includes('#SO-2401');
    }
    expect(reached, 'claim button reachable by Tab').to.equal(true);
    await page.keyboard.press('Enter');
    await row.getByText('Assigned to you').waitFor();

    // Open the task from its link, by keyboard.
    await row.getByRole('link', { name: 'Review order' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Review order' }).waitFor();
    const note = page.getByLabel(/^Note for the warehouse/);
    await note.focus();
    await page.keyboard.type('Keyboard only');
    // Tab leaves the textarea and lands on the form's next stop, finally on Complete.
    let onComplete = false;
    for (let i = 0; i < 15 && !onComplete; i++) {
      await page.keyboard.press('Tab');
      onComplete = (await focused(page)) === 'BUTTON Complete task';
    }
    expect(onComplete, 'Complete reachable by Tab').to.equal(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();
    const instance = await admin.call<{ activeElements: string[] }>('GET', `/api/process-instances/${instanceId}`);
    expect(instance.activeElements).to.deep.equal(['pack']);
  });
  it('shows only the answer for the latest filters, whatever order the answers arrive in', async () => {
    await startOrder('SO-2701', { customerName: 'Termez Trading' });
    await startOrder('SO-2702', { customerName: 'Nukus Leather' });
    await startOrder('SO-2703', { customerName: 'Jizzakh Grain' });
    const s = await browser();
    const page = s.page;
    await signIn(page, server!.url, USERS.aziz);
    await page.locator('.live-dot.live-live').waitFor({ state: 'attached' });
    await taskRow(page, 'SO-2701').waitFor();
    await settledList(page).waitFor();
    const everything = await page.locator('.task-item').count();
    expect(everything, 'more tasks than the Termez order').to.be.greaterThan(1);

    // Searches for `held` wait at a gate the test opens; every other read passes at once.
    let held = '';
    const gates: Array<() => void> = [];
    const openGate = () => {
      held = '';
      for (const open of gates.splice(0)) open();
    };
    const ended = new Map<string, Promise<void>>();
    const searchEnded = (q: string) => ended.get(q) ?? Promise.reject(new Error(`no search for "${q}" was sent`));
    page.on('request', (req) => {
      const q = new URL(req.url()).searchParams.get('q');
      if (!q || ended.has(q)) return;
      // Cancelled by the page or answered: either way the answer can reach the page only now.
      ended.set(q, new Promise((resolve) => {
        const done = (r: Request) => r === req && resolve();
        page.on('requestfinished', done);
        page.on('requestfailed', done);
      }));
    });
    await page.route('**/api/tasks?**', async (route: Route) => {
      const q = new URL(route.request().url()).searchParams.get('q');
      if (q && q === held) await new Promise<void>((open) => gates.push(open));
      // The page may have cancelled the request while it waited.
      await route.continue().catch(() => undefined);
    });
    const search = page.getByLabel('Search');
    const sent = (q: string) => page.waitForRequest((req) => new URL(req.url()).searchParams.get('q') === q);

    // 1. While a search is on its way, the list does not pass off the unsearched tasks as its
    // answer (the saved-filter test once counted them right after a saved filter was applied).
    held = 'termez';
    let request = sent('termez');
    await search.fill('termez');
    await request;
    await page.locator('.task-list-wrap').getByText('Searching…').waitFor();
    expect(await page.locator('.task-item').count(), 'tasks shown while the search is on its way').to.equal(0);
    expect(await page.locator('.task-list-wrap').getAttribute('aria-busy')).to.equal('true');
    openGate();
    await settledList(page).waitFor();
    await taskRow(page, 'SO-2701').waitFor();
    expect(await page.locator('.task-item').count()).to.equal(1);

    // 2. Back to the filters the loaded list was read with, before the search for others
    // answered: that late answer (every SO-2… order) must not replace the list.
    held = 'so-2';
    request = sent('so-2');
    await search.fill('so-2');
    await request;
    await search.fill('termez');
    await settledList(page).waitFor();
    openGate();
    await searchEnded('so-2');
    await settledList(page).waitFor();
    expect(await search.inputValue()).to.equal('termez');
    expect(await page.locator('.task-item').count(), 'the list for "termez"').to.equal(1);

    // 3. A newer search answers first, the older one after it.
    held = 'so-27';
    request = sent('so-27');
    await search.fill('so-27');
    await request;
    await search.fill('');
    await settledList(page).waitFor();
    expect(await page.locator('.task-item').count(), 'the whole list').to.equal(everything);
    openGate();
    await searchEnded('so-27');
    await settledList(page).waitFor();
    expect(await page.locator('.task-item').count(), 'still the whole list').to.equal(everything);
    expect(pageErrors(page)).to.deep.equal([]);
  });

  it('reads the inbox a page at a time and searches on the server', async () => {
    // Last in this file: it leaves 55 open tasks behind.
    for (let i = 1; i <= 55; i++) await startOrder(`PG-${String(i).padStart(3, '0')}`, { customerName: 'Paging Test' });
    const s = await browser();
    const page = s.page;
    const listCalls: URL[] = [];
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname === '/api/tasks') listCalls.push(url);
    });
    await signIn(page, server!.url, USERS.aziz);
    const more = page.getByRole('button', { name: 'Load more tasks' });
    await more.waitFor();
    expect(await page.locator('.task-item').count(), 'the first page only').to.equal(50);
    expect(await taskRow(page, 'PG-055').count(), 'the newest order is not on the first page').to.equal(0);

    // The newest order is beyond the first page; the server's search finds it by business key.
    await page.getByLabel('Search').fill('pg-055');
    await taskRow(page, 'PG-055').waitFor();
    await page.locator('.task-item').nth(1).waitFor({ state: 'detached' });
    expect(await page.locator('.task-item').count()).to.equal(1);
    const searched = listCalls.find((u) => u.searchParams.get('q') === 'pg-055');
    expect(searched, 'the search went to the server').to.not.equal(undefined);
    expect(searched!.searchParams.get('limit')).to.equal('50');

    // Without a search, "Load more" follows the cursor until the list ends.
    await page.getByLabel('Search').fill('');
    await more.waitFor();
    await settledList(page).waitFor();

    // A re-read of the list while "Load more" is reading (here after a claim; live updates are
    // the same) waits for it: the page asked for is kept, and the claim shows too.
    let holdMore = true;
    let releaseMore = () => {};
    await page.route('**/api/tasks?**', async (route: Route) => {
      if (holdMore && new URL(route.request().url()).searchParams.has('after')) {
        holdMore = false;
        await new Promise<void>((open) => (releaseMore = open));
      }
      await route.continue().catch(() => undefined);
    });
    const firstPage = await page.locator('.task-item').count();
    const moreSent = page.waitForRequest((req) => new URL(req.url()).searchParams.has('after'));
    await more.click();
    await moreSent;
    const claimable = page.locator('.task-item').filter({ has: page.getByRole('button', { name: 'Claim Review order' }) }).first();
    const claimedId = await claimable.getAttribute('data-task');
    await claimable.getByRole('button', { name: 'Claim Review order' }).click();
    await page.getByText('You claimed "Review order"').first().waitFor();
    releaseMore();
    await page.locator('.task-item').nth(firstPage).waitFor();
    await page.locator(`.task-item[data-task="${claimedId}"]`).getByText('Assigned to you').waitFor();
    await settledList(page).waitFor();
    await page.unroute('**/api/tasks?**');

    // A page can come back empty: the list before it was exactly full.
    for (let i = 0; i < 10 && (await more.count()) > 0; i++) {
      await more.click();
      await settledList(page).waitFor();
    }
    expect(await more.count(), 'no button after the last page').to.equal(0);
    await taskRow(page, 'PG-055').waitFor();
    const open = await azizApi.call<Array<{ id: string }>>('GET', '/api/tasks?state=open');
    expect(await page.locator('.task-item').count(), 'every open task, each once').to.equal(open.length);
    expect(listCalls.filter((u) => u.searchParams.has('after')).length).to.be.greaterThan(0);
    for (const u of listCalls) expect(u.searchParams.get('limit'), `${u.search} is paged`).to.not.equal(null);
  });
});
