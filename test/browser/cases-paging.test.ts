// "My cases" in real headless Chromium against the real server: a user with more cases than one
// page sees the newest page first, and "Load more cases" follows the server's cursor to the rest.

import { expect } from 'chai';
import {
  Api,
  chromiumPath,
  createUsers,
  deployFixture,
  openBrowser,
  pageErrors,
  signIn,
  SKIP_REASON,
  startServer,
  USERS,
  type BrowserSession,
  type RunningServer,
} from './harness.ts';

/** Cases per request (PAGE_SIZE in server/inbox/src/pages/cases.ts). */
const CASES_PAGE_SIZE = 50;
const CASES = CASES_PAGE_SIZE + 5;

describe('"My cases" in the browser', function () {
  this.timeout(180_000);

  let server: RunningServer | null = null;
  let session: BrowserSession | null = null;
  let dilnozaApi: Api;

  before(async function () {
    if (!chromiumPath()) {
      console.log(`      ${SKIP_REASON}`);
      this.skip();
    }
    server = await startServer();
    const admin = await Api.login(server.url, 'admin', server.adminPassword);
    await createUsers(admin, Object.values(USERS));
    await deployFixture(admin, ['inbox-handover.bpmn', 'handover-start.form', 'review-order.form', 'pack-goods.form']);
    dilnozaApi = await Api.login(server.url, USERS.dilnoza.username, USERS.dilnoza.password);
    for (let i = 1; i <= CASES; i++) {
      await dilnozaApi.call('POST', '/api/process-instances', {
        processKey: 'inbox-handover',
        businessKey: `CS-${String(i).padStart(3, '0')}`,
        variables: { customerName: 'Paging Test', quantity: 1 },
      });
    }
  });

  after(async () => {
    await session?.close();
    await server?.stop();
  });

  it('shows the newest page first and brings the rest with "Load more cases"', async () => {
    // The server's own order decides which cases make the first page (starts in the same
    // millisecond are ordered by id).
    const newest = (await dilnozaApi.call<Array<{ businessKey: string }>>('GET', '/api/process-instances?startedBy=me&order=newest')).map((i) => i.businessKey);
    expect(newest).to.have.length(CASES);

    session = await openBrowser();
    const page = session.page;
    const listCalls: URL[] = [];
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname === '/api/process-instances') listCalls.push(url);
    });
    await signIn(page, server!.url, USERS.dilnoza);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My cases' }).click();
    await page.getByRole('heading', { level: 1, name: 'My cases' }).waitFor();
    const more = page.getByRole('button', { name: 'Load more cases' });
    await more.waitFor();

    const keys = () => page.locator('.cases-table tbody tr td[data-label="Business key"]').allTextContents();
    expect(await keys(), 'the first page only, newest first').to.deep.equal(newest.slice(0, CASES_PAGE_SIZE));
    // A live update may re-read the first page meanwhile; every read is bounded.
    expect(listCalls.length).to.be.greaterThan(0);
    for (const u of listCalls) {
      expect(u.searchParams.get('limit'), u.search).to.equal(String(CASES_PAGE_SIZE));
      expect(u.searchParams.get('order'), u.search).to.equal('newest');
      expect(u.searchParams.has('after'), u.search).to.equal(false);
    }

    await more.click();
    await more.waitFor({ state: 'detached' });
    expect(await keys(), 'every case, each once, in order').to.deep.equal(newest);
    const followUp = listCalls.find((u) => u.searchParams.has('after'));
    expect(followUp, 'the next page follows the cursor').to.not.equal(undefined);
    expect(followUp!.searchParams.get('limit')).to.equal(String(CASES_PAGE_SIZE));

    // A case from the second page still opens with its diagram.
    await page.getByRole('row', { name: new RegExp(newest[CASES - 1]!) }).getByRole('link').click();
    await page.getByRole('heading', { level: 2, name: 'Where the case is' }).waitFor();
    await page.locator('.diagram .djs-element.k-active[data-element-id="review"]').waitFor();
    expect(pageErrors(page)).to.deep.equal([]);
  });
});
