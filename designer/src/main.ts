// The designer shell: sign-in, the header, and hash routes to the pages.
//   #/                  the modeler (the draft, or a new diagram)
//   #/edit/{key}        the modeler with the latest version of a process
//   #/processes         deployed processes
//   #/process/{key}     versions of one process
//   #/view/{key}/{v}    one version, read-only
//   #/diff/{key}/{a}/{b} two versions side by side with what changed
//   #/watch/{key}/{v}   one version with live counts, incidents and heatmap
//   #/instance/{id}     one instance

import './styles.css';
import { api, session, type User } from './api.ts';
import { h, clear } from './dom.ts';
import { loginPage } from './pages/login.ts';

const app = document.getElementById('app')!;
let current: { destroy(): void } | null = null;

function header(user: User): HTMLElement {
  const route = window.location.hash;
  const link = (href: string, label: string, active: boolean) => h('a', { href, class: active ? 'nav-link active' : 'nav-link', 'aria-current': active ? 'page' : null }, label);
  return h(
    'header',
    { class: 'app-header' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Karvon ', h('span', { class: 'brand-sub' }, 'Designer')),
    h(
      'nav',
      { class: 'nav' },
      link('#/', 'Modeler', route === '' || route === '#/' || route.startsWith('#/edit/')),
      link('#/processes', 'Processes', /^#\/(processes|process|view|diff|watch|instance)/.test(route)),
      h('a', { href: '/', class: 'nav-link' }, 'Inbox'),
    ),
    h(
      'div',
      { class: 'user' },
      h('span', { class: 'user-name' }, user.displayName),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small',
          onclick: (async () => {
            await api.logout().catch(() => undefined);
            session.clear();
            void render();
          }) as EventListener,
        },
        'Sign out',
      ),
    ),
  );
}

async function page(route: string): Promise<{ el: HTMLElement; destroy(): void }> {
  const parts = route.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [head, a, b] = parts;
  const plain = (el: HTMLElement) => ({ el, destroy() {} });
  switch (head) {
    case '':
    case undefined:
      return (await import('./pages/modeler.ts')).modelerPage(null);
    case 'edit':
      return (await import('./pages/modeler.ts')).modelerPage(a ?? null);
    case 'processes':
      return plain((await import('./pages/processes.ts')).processesPage());
    case 'process':
      return plain((await import('./pages/processes.ts')).versionsPage(a ?? ''));
    case 'view':
      return (await import('./pages/watch.ts')).versionPage(a ?? '', Number(b));
    case 'diff':
      return (await import('./pages/diff.ts')).diffPage(a ?? '', Number(b), Number(parts[3]));
    case 'watch':
      return (await import('./pages/watch.ts')).watchPage(a ?? '', Number(b));
    case 'instance':
      return (await import('./pages/watch.ts')).instancePage(a ?? '');
    default:
      return plain(h('main', { class: 'page' }, h('h1', null, 'Not found'), h('p', null, h('a', { href: '#/' }, 'Back to the modeler'))));
  }
}

async function render(): Promise<void> {
  current?.destroy();
  current = null;
  const user = session.user;
  if (!session.token || !user) {
    clear(app, loginPage(() => void render()));
    return;
  }
  const p = await page(window.location.hash);
  current = p;
  clear(app, h('div', { class: 'shell' }, header(user), h('div', { class: 'shell-main' }, p.el)));
}

session.onUnauthorized(() => void render());
window.addEventListener('hashchange', () => void render());
void render();
