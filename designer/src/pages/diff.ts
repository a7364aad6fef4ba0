// Two versions of one process side by side, read-only: what the newer version added (green),
// removed (red, on the older diagram), changed (amber) and only moved (blue), marked on the
// diagrams and listed beside them. The diff is bpmn-js-differ's, over the two versions' models.
// Panning or zooming one diagram moves the other the same way.

import type NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diff } from 'bpmn-js-differ';
import { api } from '../api.ts';
import { h, clear } from '../dom.ts';
import { createViewer } from '../editor.ts';
import { describeError } from '../format.ts';

const enc = encodeURIComponent;

export type ChangeKind = 'added' | 'removed' | 'changed' | 'layout';

export interface Change {
  kind: ChangeKind;
  id: string;
  type: string;
  name: string | null;
  /** For `changed`: attribute → old and new value, as text. */
  attrs: Array<{ attr: string; from: string; to: string }>;
}

interface ModdleElement {
  id?: string;
  $type?: string;
  name?: string;
}

interface Canvas {
  addMarker(element: string, marker: string): void;
  zoom(level: string | number, center?: string): number;
  viewbox(box?: { x: number; y: number; width: number; height: number }): { x: number; y: number; width: number; height: number };
}
interface EventBus {
  on(event: string, cb: (e: { viewbox: { x: number; y: number; width: number; height: number } }) => void): void;
}
interface ElementRegistry {
  get(id: string): unknown;
}

const LABEL: Record<ChangeKind, string> = { added: 'Added', removed: 'Removed', changed: 'Changed', layout: 'Moved' };

function text(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'object') return (value as ModdleElement).$type ? `(${String((value as ModdleElement).$type).replace(/^\w+:/, '')})` : '(changed)';
  return String(value);
}

function shortType(type: string | undefined): string {
  return (type ?? '').replace(/^bpmn:/, '');
}

/** The changes from one model to the other, in a stable order: added, removed, changed, moved. */
export function changesBetween(older: object, newer: object): Change[] {
  const result = diff(older, newer) as {
    _added: Record<string, ModdleElement>;
    _removed: Record<string, ModdleElement>;
    _changed: Record<string, { model: ModdleElement; attrs: Record<string, { oldValue: unknown; newValue: unknown }> }>;
    _layoutChanged: Record<string, ModdleElement>;
  };
  const out: Change[] = [];
  const plain = (kind: ChangeKind, map: Record<string, ModdleElement>) => {
    for (const [id, el] of Object.entries(map)) out.push({ kind, id, type: shortType(el.$type), name: el.name ?? null, attrs: [] });
  };
  plain('added', result._added);
  plain('removed', result._removed);
  for (const [id, { model, attrs }] of Object.entries(result._changed)) {
    out.push({
      kind: 'changed',
      id,
      type: shortType(model.$type),
      name: model.name ?? null,
      // bpmn-js-differ 3.x hands jsondiffpatch's [old, new] pair to changed(model, key, newValue,
      // oldValue), so its `oldValue` is the newer version's value: read them the other way round.
      attrs: Object.entries(attrs).map(([attr, v]) => ({ attr, from: text(v.newValue), to: text(v.oldValue) })),
    });
  }
  for (const [id, el] of Object.entries(result._layoutChanged)) if (!result._changed[id]) out.push({ kind: 'layout', id, type: shortType(el.$type), name: el.name ?? null, attrs: [] });
  return out;
}

async function mount(container: HTMLElement, xml: string): Promise<NavigatedViewer> {
  const viewer = createViewer(container);
  await viewer.importXML(xml);
  viewer.get<Canvas>('canvas').zoom('fit-viewport', 'auto');
  return viewer;
}

function mark(viewer: NavigatedViewer, id: string, kind: ChangeKind): void {
  if (viewer.get<ElementRegistry>('elementRegistry').get(id)) viewer.get<Canvas>('canvas').addMarker(id, `diff-${kind}`);
}

/** Panning or zooming one diagram moves the other along. */
function linkViewboxes(a: NavigatedViewer, b: NavigatedViewer): void {
  let syncing = false;
  const follow = (from: NavigatedViewer, to: NavigatedViewer) => {
    from.get<EventBus>('eventBus').on('canvas.viewbox.changed', (e) => {
      if (syncing) return;
      syncing = true;
      try {
        const { x, y, width, height } = e.viewbox;
        to.get<Canvas>('canvas').viewbox({ x, y, width, height });
      } finally {
        syncing = false;
      }
    });
  };
  follow(a, b);
  follow(b, a);
}

function versionPicker(name: string, label: string, versions: number[], selected: number): HTMLSelectElement {
  const select = h('select', { name, 'aria-label': label }, versions.map((v) => h('option', { value: String(v) }, `Version ${v}`))) as HTMLSelectElement;
  select.value = String(selected);
  return select;
}

export function diffPage(key: string, from: number, to: number): { el: HTMLElement; destroy(): void } {
  const left = h('div', { class: 'canvas canvas-readonly diff-canvas', 'data-side': 'old', 'aria-label': `Version ${from}` });
  const right = h('div', { class: 'canvas canvas-readonly diff-canvas', 'data-side': 'new', 'aria-label': `Version ${to}` });
  const status = h('div', { class: 'status', role: 'status' }, 'Comparing…');
  const list = h('div', { class: 'diff-changes' });
  const pickers = h('form', { class: 'toolbar diff-pickers' });
  const side = h(
    'aside',
    { class: 'side' },
    h('p', null, h('a', { href: `#/process/${enc(key)}` }, 'All versions')),
    h('div', { class: 'legend' }, h('span', { class: 'diff-swatch diff-swatch-added' }), ' added ', h('span', { class: 'diff-swatch diff-swatch-removed' }), ' removed ', h('span', { class: 'diff-swatch diff-swatch-changed' }), ' changed ', h('span', { class: 'diff-swatch diff-swatch-layout' }), ' moved'),
    h('h2', null, 'Changes'),
    list,
  );
  const viewers: NavigatedViewer[] = [];
  let gone = false;

  void (async () => {
    try {
      const [p, oldXml, newXml] = await Promise.all([api.process(key), api.processXml(key, from), api.processXml(key, to)]);
      if (gone) return;
      const versions = p.versions.map((v) => v.version).sort((a, b) => b - a);
      const fromSel = versionPicker('from', 'Older version', versions, from);
      const toSel = versionPicker('to', 'Newer version', versions, to);
      clear(pickers, fromSel, h('span', null, '→'), toSel, h('button', { type: 'submit', class: 'btn btn-small' }, 'Compare'));
      pickers.addEventListener('submit', (e) => {
        e.preventDefault();
        window.location.hash = `#/diff/${enc(key)}/${fromSel.value}/${toSel.value}`;
      });
      const older = await mount(left, oldXml);
      const newer = await mount(right, newXml);
      viewers.push(older, newer);
      if (gone) return;
      const changes = changesBetween(older.getDefinitions(), newer.getDefinitions());
      for (const c of changes) {
        if (c.kind === 'removed') mark(older, c.id, c.kind);
        else if (c.kind === 'added') mark(newer, c.id, c.kind);
        else {
          mark(older, c.id, c.kind);
          mark(newer, c.id, c.kind);
        }
      }
      linkViewboxes(older, newer);
      const counts = (['added', 'removed', 'changed', 'layout'] as ChangeKind[]).map((k) => `${changes.filter((c) => c.kind === k).length} ${LABEL[k].toLowerCase()}`);
      clear(status, h('span', { class: 'status-ok' }, changes.length === 0 ? 'The versions are the same.' : counts.join(' · ')));
      clear(
        list,
        changes.length === 0
          ? h('p', { class: 'muted' }, 'No differences.')
          : h(
              'ul',
              { class: 'diff-list' },
              changes.map((c) =>
                h(
                  'li',
                  { class: `diff-item diff-item-${c.kind}`, 'data-kind': c.kind, 'data-element': c.id },
                  h('span', { class: 'diff-kind' }, LABEL[c.kind]),
                  ' ',
                  h('strong', null, c.name ?? c.id),
                  ' ',
                  h('span', { class: 'muted' }, `${c.type}${c.name ? ` · ${c.id}` : ''}`),
                  c.attrs.length ? h('ul', { class: 'diff-attrs' }, c.attrs.map((a) => h('li', null, h('code', null, a.attr), `: ${a.from} → ${a.to}`))) : null,
                ),
              ),
            ),
      );
    } catch (err) {
      clear(status, h('span', { class: 'status-error' }, describeError(err)));
    }
  })();

  const el = h(
    'div',
    { class: 'viewer-page diff-page' },
    h('div', { class: 'viewer-head' }, h('h1', null, `${key} · version ${from} → ${to}`), pickers, status),
    h(
      'div',
      { class: 'viewer-body' },
      h('div', { class: 'diff-pane' }, h('div', { class: 'diff-label' }, `Version ${from}`), left),
      h('div', { class: 'diff-pane' }, h('div', { class: 'diff-label' }, `Version ${to}`), right),
      side,
    ),
  );
  return {
    el,
    destroy() {
      gone = true;
      for (const v of viewers) v.destroy();
    },
  };
}
