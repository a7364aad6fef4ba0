// Deployed processes and, per process, its versions: who deployed each and when, with links to
// view a version read-only, watch it, or edit the latest.

import { api } from '../api.ts';
import { h, clear } from '../dom.ts';
import { describeError, when } from '../format.ts';

const enc = encodeURIComponent;

export function processesPage(): HTMLElement {
  const body = h('div', null, h('p', null, 'Loading…'));
  void (async () => {
    try {
      const list = await api.processes();
      clear(
        body,
        list.length === 0
          ? h('p', null, 'No processes are deployed yet. Draw one in the modeler and deploy it.')
          : h(
              'table',
              { class: 'table' },
              h('thead', null, h('tr', null, h('th', null, 'Process'), h('th', null, 'Key'), h('th', null, 'Latest version'), h('th', null, ''))),
              h(
                'tbody',
                null,
                list.map((p) =>
                  h(
                    'tr',
                    null,
                    h('td', null, h('a', { href: `#/process/${enc(p.key)}` }, p.name ?? p.key)),
                    h('td', null, h('code', null, p.key)),
                    h('td', null, String(p.version)),
                    h('td', { class: 'actions' }, h('a', { href: `#/watch/${enc(p.key)}/${p.version}` }, 'Watch'), ' ', h('a', { href: `#/edit/${enc(p.key)}` }, 'Edit')),
                  ),
                ),
              ),
            ),
      );
    } catch (err) {
      clear(body, h('p', { class: 'status-error' }, describeError(err)));
    }
  })();
  return h('main', { class: 'page' }, h('h1', null, 'Processes'), body);
}

/** Two versions to compare: by default the one before the latest and the latest. */
function comparePicker(key: string, versions: number[]): HTMLElement {
  const picker = (name: string, label: string, selected: number) => {
    const select = h('select', { name, 'aria-label': label }, versions.map((v) => h('option', { value: String(v) }, `Version ${v}`))) as HTMLSelectElement;
    select.value = String(selected);
    return select;
  };
  const from = picker('from', 'Older version', versions[1]!);
  const to = picker('to', 'Newer version', versions[0]!);
  const form = h('form', { class: 'toolbar compare' }, h('span', null, 'Compare '), from, h('span', null, 'with'), to, h('button', { type: 'submit', class: 'btn btn-small' }, 'Compare versions'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    window.location.hash = `#/diff/${enc(key)}/${from.value}/${to.value}`;
  });
  return form;
}

export function versionsPage(key: string): HTMLElement {
  const heading = h('h1', null, key);
  const body = h('div', null, h('p', null, 'Loading…'));
  void (async () => {
    try {
      const p = await api.process(key);
      heading.textContent = p.name ? `${p.name}` : key;
      const versions = [...p.versions].sort((a, b) => b.version - a.version);
      clear(
        body,
        h('p', { class: 'muted' }, h('code', null, key), ` · latest version ${p.version} · `, h('a', { href: `#/edit/${enc(key)}` }, 'Edit the latest version')),
        versions.length > 1 ? comparePicker(key, versions.map((v) => v.version)) : null,
        h(
          'table',
          { class: 'table versions' },
          h('thead', null, h('tr', null, h('th', null, 'Version'), h('th', null, 'Deployed by'), h('th', null, 'Deployed at'), h('th', null, ''))),
          h(
            'tbody',
            null,
            versions.map((v) =>
              h(
                'tr',
                { 'data-version': String(v.version) },
                h('td', null, `Version ${v.version}`),
                h('td', null, v.deployedBy ?? '—'),
                h('td', null, when(v.deployedAt)),
                h('td', { class: 'actions' }, h('a', { href: `#/view/${enc(key)}/${v.version}` }, 'View'), ' ', h('a', { href: `#/watch/${enc(key)}/${v.version}` }, 'Watch')),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      clear(body, h('p', { class: 'status-error' }, describeError(err)));
    }
  })();
  return h('main', { class: 'page' }, h('p', null, h('a', { href: '#/processes' }, '← Processes')), heading, body);
}
