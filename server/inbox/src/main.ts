// Entry point: the app shell (header, navigation, sign-out) around hash-routed pages.

import './styles.css';
import { api, session, type User } from './api.ts';
import { clear, h } from './dom.ts';
import { live } from './live.ts';
import { describeError, mountToasts } from './notify.ts';
import { currentPath, match, route, type Page } from './router.ts';
import { loginPage } from './pages/login.ts';
import { tasksPage } from './pages/tasks.ts';
import { taskPage } from './pages/task.ts';
import { startListPage, startFormPage } from './pages/start.ts';
import { casesPage, casePage } from './pages/cases.ts';
import { customerPage, customersPage } from './pages/crm.ts';
import { stockPage } from './pages/erp.ts';

route('/', 'inbox', tasksPage);
route('/tasks', 'inbox', tasksPage);
route('/tasks/:id', 'inbox', taskPage);
route('/start', 'start', startListPage);
route('/start/:key', 'start', startFormPage);
route('/cases', 'cases', casesPage);
route('/cases/:id', 'cases', casePage);
route('/customers', 'customers', customersPage);
route('/customers/:id', 'customers', customerPage);
route('/stock', 'stock', stockPage);

const app = document.getElementById('app')!;
let current: Page | null = null;
let renderSeq = 0;

function disposeCurrent(): void {
  try {
    current?.dispose?.();
  } catch (err) {
    console.error(err);
  }
  current = null;
}

function signOut(): void {
  // Revoke the token on the server too; the screen changes whether or not that succeeds.
  void api.logout().catch(() => undefined);
  disposeCurrent();
  live.stop();
  session.clear();
  showLogin();
}

function showLogin(): void {
  disposeCurrent();
  main = null;
  const page = loginPage(async (user) => {
    await showShell(user);
  });
  clear(app, page.el);
  document.title = 'Sign in · Karvon';
  page.el.querySelector<HTMLInputElement>('input')?.focus();
}

// `short` is what fits a phone's width; the accessible name stays the full label.
const NAV: Array<{ id: string; href: string; label: string; short?: string }> = [
  { id: 'inbox', href: '#/', label: 'Inbox' },
  { id: 'start', href: '#/start', label: 'Start a process', short: 'Start' },
  { id: 'cases', href: '#/cases', label: 'My cases', short: 'Cases' },
  { id: 'customers', href: '#/customers', label: 'Customers' },
  { id: 'stock', href: '#/stock', label: 'Stock' },
];

let main: HTMLElement | null = null;
let navLinks = new Map<string, HTMLAnchorElement>();

async function showShell(user: User): Promise<void> {
  navLinks = new Map();
  const liveDot = h('span', { class: 'live-dot', title: 'Connecting…' });
  const liveText = h('span', { class: 'visually-hidden' }, 'Connecting');
  main = h('main', { id: 'main', tabindex: '-1' });
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Karvon'),
    h(
      'nav',
      { class: 'mainnav', 'aria-label': 'Main' },
      h(
        'ul',
        null,
        NAV.map((n) => {
          const a = n.short
            ? h('a', { href: n.href, 'aria-label': n.label }, h('span', { class: 'nav-long' }, n.label), h('span', { class: 'nav-short', 'aria-hidden': 'true' }, n.short))
            : h('a', { href: n.href }, n.label);
          navLinks.set(n.id, a);
          return h('li', null, a);
        }),
      ),
    ),
    h(
      'div',
      { class: 'userbox' },
      h('span', { class: 'live' }, liveDot, liveText),
      h('span', { class: 'user-name', title: `${user.username} · ${user.groups.join(', ')}` }, user.displayName || user.username),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: signOut }, 'Sign out'),
    ),
  );
  const skip = h('a', { class: 'skip-link', href: '#main', onclick: (e: Event) => { e.preventDefault(); main?.focus(); } }, 'Skip to content');
  clear(app, skip, header, main);
  live.onStatus((s) => {
    liveDot.className = `live-dot live-${s}`;
    const text = s === 'live' ? 'Live updates on' : s === 'polling' ? 'Refreshing every few seconds' : 'Offline';
    liveDot.title = text;
    liveText.textContent = text;
  });
  live.start();
  await renderRoute();
}

async function renderRoute(): Promise<void> {
  if (!session.token) {
    showLogin();
    return;
  }
  if (!main) {
    const user = session.user;
    if (!user) return showLogin();
    return showShell(user);
  }
  const seq = ++renderSeq;
  const path = currentPath();
  const found = match(path);
  disposeCurrent();
  for (const [id, a] of navLinks) {
    if (found?.nav === id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) {
    clear(main, h('h1', null, 'Page not found'), h('p', null, h('a', { href: '#/' }, 'Back to the inbox')));
    return;
  }
  clear(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  let page: Page;
  try {
    page = await found.factory(found.params);
  } catch (err) {
    if (seq !== renderSeq || !main) return;
    clear(main, h('h1', null, 'Something went wrong'), h('p', { class: 'alert alert-error', role: 'alert' }, describeError(err)), h('p', null, h('a', { href: '#/' }, 'Back to the inbox')));
    return;
  }
  // The employee may have navigated on while this page was loading.
  if (seq !== renderSeq || !main) {
    page.dispose?.();
    return;
  }
  current = page;
  clear(main, page.el);
  page.mounted?.();
  document.title = `${page.title} · Karvon`;
  // Move focus to the new page's heading so screen readers and keyboard users start there.
  const heading = page.el.querySelector<HTMLElement>('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', () => void renderRoute());
session.onUnauthorized(() => {
  main = null;
  live.stop();
  showLogin();
});
mountToasts(document.body);

async function boot(): Promise<void> {
  if (!session.token) return showLogin();
  try {
    const user = await api.me();
    session.set(session.token!, user);
    await showShell(user);
  } catch {
    // Expired or revoked token (a 401 already cleared it), or the server is away.
    if (!session.token) return;
    const user = session.user;
    if (user) await showShell(user);
    else showLogin();
  }
}

void boot();
