// The canonical ship-goods scenario in the inbox, on the demo data `npm start` seeds: the start
// form, then each of the three outcomes as the employee sees it — the confirmed shipment with
// the CRM customer card, the items short of stock for the warehouse, and the incomplete address
// for sales that, once fixed, ships on retry.

import { expect } from 'chai';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { Api, chromiumPath, openBrowser, pageErrors, projectRoot, screenshotsDir, SKIP_REASON, startServer, type BrowserSession, type DemoUser, type RunningServer } from './harness.ts';

const shotsDir = process.env.KARVON_SCREENSHOTS === '1' ? screenshotsDir : path.join(os.tmpdir(), 'karvon-screenshots');
const DEMO_PASSWORD = 'karvon-demo';
const demo = (username: string): DemoUser => ({ username, password: DEMO_PASSWORD, displayName: username, groups: [] });

describe('ship goods in the inbox (demo data)', function () {
  this.timeout(180_000);

  let server: RunningServer | null = null;
  let admin: Api;
  let dilnozaApi: Api;
  const sessions: BrowserSession[] = [];

  before(async function () {
    if (!chromiumPath()) {
      console.log(`      ${SKIP_REASON}`);
      this.skip();
    }
    if (!existsSync(path.join(projectRoot, 'processes/ship-goods.bpmn'))) {
      console.log('      processes/ship-goods.bpmn is not there yet; ship-goods browser tests skipped.');
      this.skip();
    }
    mkdirSync(shotsDir, { recursive: true });
    server = await startServer({ KARVON_DEMO: '1' });
    admin = await Api.login(server.url, 'admin', server.adminPassword);
    try {
      dilnozaApi = await Api.login(server.url, 'dilnoza', DEMO_PASSWORD);
    } catch (err) {
      await new Promise((r) => setTimeout(r, 1000));
      const users = await admin.call('GET', '/api/users').catch((e: Error) => e.message);
      throw new Error(`${(err as Error).message}\nusers: ${JSON.stringify(users)}\nserver output:\n${server.output()}`);
    }
  });

  after(async () => {
    for (const s of sessions.splice(0)) await s.close();
    await server?.stop();
  });

  async function signedIn(username: string): Promise<Page> {
    const s = await openBrowser();
    sessions.push(s);
    const page = s.page;
    await page.goto(`${server!.url}/`);
    await page.getByLabel('Username').fill(demo(username).username);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.evaluate(`document.querySelectorAll('.toast').forEach((t) => t.remove())`);
    await page.screenshot({ path: path.join(shotsDir, name), fullPage: true });
  }

  async function shipGoods(businessKey: string, customerId: string, dealId: string, items: Array<{ sku: string; quantity: number }>): Promise<string> {
    const created = await dilnozaApi.call<{ id: string }>('POST', '/api/process-instances', {
      processKey: 'ship-goods',
      businessKey,
      variables: { customerId, dealId, items },
    });
    return created.id;
  }

  async function openTask(page: Page, taskName: string, businessKeyPart: string): Promise<void> {
    const row = page.locator('.task-item', { hasText: businessKeyPart }).filter({ hasText: taskName });
    // Service tasks run first; on a busy machine the user task can take a few seconds to come.
    await row.getByRole('link', { name: taskName }).click({ timeout: 30_000 });
    await page.getByRole('heading', { level: 1, name: taskName }).waitFor();
  }

  async function instance(id: string) {
    return admin.call<{ state: string; activeElements: string[]; variables: Record<string, unknown> }>('GET', `/api/process-instances/${id}`);
  }

  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const v = await probe();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('starts from the start form and confirms a reserved shipment with the customer card', async () => {
    const page = await signedIn('aziz');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Start a process' }).click();
    await page.getByRole('link', { name: 'Start Ship goods' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ship goods' }).waitFor();
    await page.getByLabel(/^Customer ID/).fill('cus_ipak_yoli');
    await page.getByLabel(/^Deal ID/).fill('deal_ipak_yoli_yarn');
    await page.getByLabel(/^SKU/).fill('PAXTA-IP-30');
    await page.getByLabel(/^Quantity/).fill('120');
    await page.getByLabel(/^Business key/).fill('SO-3101');
    await page.getByRole('button', { name: 'Start', exact: true }).click();

    // The case is visible once its first task reaches the sales group; the page opens it then.
    await page.getByText('Now at:').waitFor();
    await page.locator('.diagram .djs-element.k-active[data-element-id="Task_ShipmentConfirmed"]').waitFor();
    await page.locator('.diagram .djs-element.k-done[data-element-id="Task_RequestShipment"]').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await openTask(page, 'Shipment confirmed', '#SO-3101');

    const card = page.locator('.customer-card');
    await card.getByText("Ipak Yo'li Savdo MChJ").waitFor();
    await card.getByText('305123456').waitFor();
    await card.getByText('Dilnoza Karimova').waitFor();
    await card.getByText('Cotton yarn and calico, spring order').waitFor();
    const shipment = page.locator('.shipment');
    await shipment.getByText(/^SH-\d+/).waitFor();
    await shipment.locator('.badge', { hasText: 'Reserved' }).waitFor();
    await shipment.getByText('Paxta ipi 30/1 (cotton yarn)').waitFor();
    expect(await shipment.locator('tbody tr').first().locator('td').allTextContents()).to.deep.equal(['PAXTA-IP-30', 'Paxta ipi 30/1 (cotton yarn)', '120 kg', '120 kg']);
    await page.locator('.deal').locator('.badge', { hasText: 'Won' }).waitFor();
    expect(await page.locator('.task-context').textContent()).not.to.match(/[{}"]/);

    await page.getByRole('button', { name: 'Claim to work on it' }).click();
    await page.getByLabel(/^Comment/).fill('Customer informed, truck on Friday.');
    await shot(page, 'ship-goods-confirmed.png');
    await page.getByRole('button', { name: 'Complete task' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();

    const [started] = await admin.call<Array<{ id: string }>>('GET', '/api/process-instances?businessKey=SO-3101');
    const done = await until('the case to end', async () => {
      const i = await instance(started!.id);
      return i.state === 'completed' ? i : null;
    });
    expect(done.variables.confirmationComment).to.equal('Customer informed, truck on Friday.');
    expect(pageErrors(page)).to.deep.equal([]);
  });

  it('shows the warehouse exactly which items are short, and lets them cancel', async () => {
    const id = await shipGoods('SO-3102', 'cus_registon_savdo', 'deal_registon_ceramics', [{ sku: 'RISHTON-LAGAN', quantity: 20 }]);
    const page = await signedIn('timur');
    await openTask(page, 'Resolve stock shortage', '#SO-3102');

    const short = page.locator('.short-items');
    await short.getByText(/Not enough stock/).first().waitFor();
    expect(await short.locator('tbody tr').first().locator('td').allTextContents()).to.deep.equal(['RISHTON-LAGAN', '20', '8', '12']);
    await page.locator('.customer-card').getByText('Registon Savdo Uyi').waitFor();
    await shot(page, 'ship-goods-short-stock.png');

    await page.getByRole('button', { name: 'Claim to work on it' }).click();
    await page.getByLabel('Cancel the shipment').check();
    await page.getByRole('button', { name: 'Complete task' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();
    const ended = await until('the case to end', async () => {
      const i = await instance(id);
      return i.state !== 'active' ? i : null;
    });
    expect(ended.variables.decision).to.equal('cancel');

    // The Stock page shows the same numbers the ERP refused the shipment with.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stock' }).click();
    const row = page.getByRole('row', { name: /RISHTON-LAGAN/ });
    await row.waitFor();
    expect((await row.locator('td').allTextContents()).slice(3, 6)).to.deep.equal(['8 pcs', '0 pcs', '8 pcs']);
    expect(pageErrors(page)).to.deep.equal([]);
  });

  it('asks sales to complete an address the ERP cannot use, then ships on retry', async () => {
    const id = await shipGoods('SO-3103', 'cus_fargona_baraka', 'deal_fargona_oil', [{ sku: 'PAXTA-YOGI-5L', quantity: 10 }]);
    const page = await signedIn('aziz');
    await openTask(page, 'Complete customer address', '#SO-3103');

    const problem = page.locator('.problem');
    await problem.getByText(/Farg'ona Baraka Trade/).first().waitFor();
    await problem.getByText('Address', { exact: true }).first().waitFor();
    await shot(page, 'ship-goods-address.png');

    // The employee corrects the address in the CRM from the task, comes back and completes it.
    await problem.getByRole('link', { name: "Correct Farg'ona Baraka Trade in the CRM" }).click();
    await page.getByRole('heading', { level: 1, name: "Farg'ona Baraka Trade" }).waitFor();
    await page.getByLabel('Address', { exact: true }).fill("Farg'ona viloyati, Marg'ilon sh., Mustaqillik ko'chasi 21, 151100");
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved. Processes that read this customer from now on get the new data.').waitFor();
    const stored = await dilnozaApi.call<{ address: string }>('GET', '/api/crm/customers/cus_fargona_baraka');
    expect(stored.address).to.equal("Farg'ona viloyati, Marg'ilon sh., Mustaqillik ko'chasi 21, 151100");
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Complete customer address' }).waitFor();
    await page.getByRole('button', { name: 'Claim to work on it' }).click();
    await page.getByLabel(/The address is complete in the CRM/).check();
    await page.getByRole('button', { name: 'Complete task' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }).waitFor();

    // The retry ships; the confirmation shows the shipment and keeps the earlier failure folded away.
    await openTask(page, 'Shipment confirmed', '#SO-3103').catch(async (err: Error) => {
      const now = (await instance(id)) as unknown as Record<string, unknown>;
      const vars = now.variables as Record<string, unknown>;
      const detail = { state: now.state, activeElements: now.activeElements, incidents: now.incidents, variables: Object.keys(vars), shipment: vars.shipment, error: vars.error };
      throw new Error(`${err.message}\ninstance now: ${JSON.stringify(detail).slice(0, 3000)}`);
    });
    await page.locator('.shipment').locator('.badge', { hasText: 'Reserved' }).waitFor();
    await page.locator('.shipment').getByText(/Marg'ilon/).first().waitFor();
    await page.locator('details.earlier summary', { hasText: 'An earlier attempt failed' }).waitFor();
    expect(await page.locator('.task-context .gathered > .problem').count(), 'no current problem panel').to.equal(0);
    expect((await instance(id)).activeElements).to.deep.equal(['Task_ShipmentConfirmed']);
  });
});
