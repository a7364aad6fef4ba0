// Read-only diagrams of deployed versions: plain (an older version), watched (active instances
// per element, incidents, a heatmap of completed work) and one instance (its path, where it is
// now, its variables and history). Watched views refresh while they are open.

import type NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { api, session, type HistoryEntry, type Incident, type InstanceDetail } from '../api.ts';
import { h, clear } from '../dom.ts';
import { createViewer } from '../editor.ts';
import { describeError, when } from '../format.ts';
import type { WatchData } from '../modules/watch/index.ts';

const enc = encodeURIComponent;
const REFRESH_MS = 2000;
/** Histories read per refresh for the heatmap; older instances keep their last counts. */
const HEATMAP_SAMPLE = 200;

export interface Page {
  el: HTMLElement;
  destroy(): void;
}

interface Watch {
  show(data: WatchData): void;
}

async function mountViewer(container: HTMLElement, xml: string): Promise<NavigatedViewer> {
  const viewer = createViewer(container);
  await viewer.importXML(xml);
  viewer.get<{ zoom(l: string, c?: string): void }>('canvas').zoom('fit-viewport', 'auto');
  return viewer;
}

function layout(title: Array<Node | string>, side: HTMLElement, canvas: HTMLElement, status: HTMLElement): HTMLElement {
  return h('div', { class: 'viewer-page' }, h('div', { class: 'viewer-head' }, h('h1', null, ...title), status), h('div', { class: 'viewer-body' }, canvas, side));
}

/** An older (or any) version, read-only. */
export function versionPage(key: string, version: number): Page {
  const canvas = h('div', { class: 'canvas canvas-readonly', 'aria-label': `Diagram of ${key} version ${version}` });
  const status = h('div', { class: 'status', role: 'status' });
  const side = h(
    'aside',
    { class: 'side' },
    h('p', null, h('span', { class: 'badge-readonly' }, 'Read-only'), ` Version ${version} of ${key}.`),
    h('p', null, h('a', { href: `#/process/${enc(key)}` }, 'All versions'), ' · ', h('a', { href: `#/watch/${enc(key)}/${version}` }, 'Watch this version')),
  );
  let viewer: NavigatedViewer | null = null;
  let gone = false;
  void (async () => {
    try {
      const xml = await api.processXml(key, version);
      if (gone) return;
      viewer = await mountViewer(canvas, xml);
    } catch (err) {
      clear(status, h('span', { class: 'status-error' }, describeError(err)));
    }
  })();
  return {
    el: layout([`${key} · version ${version}`], side, canvas, status),
    destroy() {
      gone = true;
      viewer?.destroy();
    },
  };
}

/** Counts per element for every instance of one version. */
export function watchPage(key: string, version: number): Page {
  const canvas = h('div', { class: 'canvas canvas-readonly', 'aria-label': `Instances of ${key} version ${version}` });
  const status = h('div', { class: 'status', role: 'status' });
  const summary = h('div', { class: 'watch-summary' });
  const incidentsEl = h('div', { class: 'watch-incidents' });
  const instancesEl = h('div', { class: 'watch-instances' });
  const startBtn = h('button', { type: 'button', class: 'btn btn-primary' }, 'Start instance');
  startBtn.hidden = !session.hasRole('admin', 'analyst', 'employee');
  const side = h(
    'aside',
    { class: 'side' },
    h('p', null, h('a', { href: `#/process/${enc(key)}` }, 'All versions'), ' · ', h('a', { href: `#/edit/${enc(key)}` }, 'Edit')),
    h('div', { class: 'legend' }, h('span', { class: 'k-badge k-badge-active' }, 'n'), ' active ', h('span', { class: 'k-badge k-badge-completed' }, 'n'), ' completed ', h('span', { class: 'legend-incident' }, 'incident')),
    startBtn,
    summary,
    incidentsEl,
    instancesEl,
  );
  let viewer: NavigatedViewer | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let gone = false;
  /** Elements each instance completed, and whether that instance was finished when read. */
  const completedByInstance = new Map<string, { ids: string[]; final: boolean }>();

  startBtn.addEventListener('click', async () => {
    startBtn.disabled = true;
    try {
      const started = await api.startInstance({ processKey: key, version });
      clear(status, h('span', { class: 'status-ok' }, 'Started instance '), h('a', { href: `#/instance/${enc(started.id)}` }, started.id));
      await refresh();
    } catch (err) {
      clear(status, h('span', { class: 'status-error' }, `Could not start: ${describeError(err)}`));
    } finally {
      startBtn.disabled = false;
    }
  });

  async function refresh(): Promise<void> {
    if (!viewer || gone) return;
    const instances = (await api.instances({ processKey: key })).filter((i) => i.version === version);
    const active = instances.filter((i) => i.state === 'active');
    const details = await Promise.all(active.map((i) => api.instance(i.id)));
    const activeCounts = new Map<string, number>();
    for (const d of details) for (const id of d.activeElements) activeCounts.set(id, (activeCounts.get(id) ?? 0) + 1);

    // Histories of finished instances never change: read each once.
    const recent = [...instances].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, HEATMAP_SAMPLE);
    await Promise.all(
      recent
        .filter((i) => !completedByInstance.get(i.id)?.final)
        .map(async (i) => {
          const history = await api.history(i.id);
          const ids = [...new Set(history.filter((e) => e.event === 'completed').map((e) => e.elementId))];
          completedByInstance.set(i.id, { ids, final: i.state !== 'active' });
        }),
    );
    const completed = new Map<string, number>();
    for (const { ids } of completedByInstance.values()) for (const id of ids) completed.set(id, (completed.get(id) ?? 0) + 1);

    const ids = new Set(instances.map((i) => i.id));
    const incidents = (await api.incidents({ state: 'open' })).filter((x) => ids.has(x.processInstanceId));
    if (gone) return;
    viewer.get<Watch>('karvonWatch').show({ active: activeCounts, completed, incidents });

    const byState = (s: string) => instances.filter((i) => i.state === s).length;
    clear(
      summary,
      h('dl', { class: 'counts' }, h('dt', null, 'Active'), h('dd', { 'data-count': 'active' }, String(byState('active'))), h('dt', null, 'Completed'), h('dd', { 'data-count': 'completed' }, String(byState('completed'))), h('dt', null, 'Incidents'), h('dd', { 'data-count': 'incidents' }, String(incidents.length))),
    );
    renderIncidents(incidentsEl, incidents, refresh);
    clear(
      instancesEl,
      h('h2', null, 'Recent instances'),
      recent.length === 0
        ? h('p', { class: 'muted' }, 'No instances of this version yet.')
        : h('ul', { class: 'instance-list' }, recent.slice(0, 20).map((i) => h('li', null, h('a', { href: `#/instance/${enc(i.id)}` }, i.businessKey ?? i.id.slice(0, 12)), ` ${i.state} · ${when(i.startedAt)}`))),
    );
  }

  const loop = async () => {
    try {
      await refresh();
    } catch (err) {
      clear(status, h('span', { class: 'status-error' }, describeError(err)));
    }
    if (!gone) timer = setTimeout(() => void loop(), REFRESH_MS);
  };

  void (async () => {
    try {
      const xml = await api.processXml(key, version);
      if (gone) return;
      viewer = await mountViewer(canvas, xml);
      await loop();
    } catch (err) {
      clear(status, h('span', { class: 'status-error' }, describeError(err)));
    }
  })();

  return {
    el: layout([`Watching ${key} · version ${version}`], side, canvas, status),
    destroy() {
      gone = true;
      if (timer) clearTimeout(timer);
      viewer?.destroy();
    },
  };
}

function renderIncidents(el: HTMLElement, incidents: Incident[], after: () => Promise<void>): void {
  const mayRetry = session.hasRole('admin', 'developer');
  clear(
    el,
    incidents.length === 0
      ? null
      : [
          h('h2', null, 'Incidents'),
          h(
            'ul',
            { class: 'incident-list' },
            incidents.map((x) => {
              const retry = h('button', { type: 'button', class: 'btn btn-small' }, 'Retry');
              retry.hidden = !mayRetry;
              retry.addEventListener('click', async () => {
                retry.disabled = true;
                try {
                  await api.resolveIncident(x.id);
                  await after();
                } catch (err) {
                  retry.replaceWith(h('span', { class: 'status-error' }, describeError(err)));
                }
              });
              return h('li', { class: 'incident' }, h('strong', null, x.elementId), ' ', h('span', null, x.message), ' ', retry);
            }),
          ),
        ],
  );
}

/** One instance: the path it took, where it is now, its variables and history. */
export function instancePage(id: string): Page {
  const canvas = h('div', { class: 'canvas canvas-readonly', 'aria-label': 'Instance diagram' });
  const status = h('div', { class: 'status', role: 'status' });
  const side = h('aside', { class: 'side' }, h('p', null, 'Loading…'));
  const title = h('span', null, `Instance ${id}`);
  let viewer: NavigatedViewer | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let gone = false;

  async function refresh(): Promise<InstanceDetail> {
    const [inst, history] = await Promise.all([api.instance(id), api.history(id)]);
    if (!viewer) {
      const xml = await api.processXml(inst.processKey, inst.version);
      if (gone) return inst;
      viewer = await mountViewer(canvas, xml);
    }
    const incidents = inst.incidents.length ? inst.incidents : (await api.incidents({ state: 'open', processInstanceId: id }));
    const path = new Set(history.map((e) => e.elementId));
    const active = new Map(inst.activeElements.map((a) => [a, 1] as [string, number]));
    viewer.get<Watch>('karvonWatch').show({ active, completed: new Map(), incidents, path });
    title.textContent = `${inst.processKey} v${inst.version} · ${inst.businessKey ?? inst.id}`;
    renderInstanceSide(side, inst, history, incidents, () => refresh().then(() => undefined));
    return inst;
  }

  const loop = async () => {
    try {
      const inst = await refresh();
      if (!gone && inst.state === 'active') timer = setTimeout(() => void loop(), REFRESH_MS);
    } catch (err) {
      clear(status, h('span', { class: 'status-error' }, describeError(err)));
    }
  };
  void loop();
  return {
    el: layout([title], side, canvas, status),
    destroy() {
      gone = true;
      if (timer) clearTimeout(timer);
      viewer?.destroy();
    },
  };
}

function renderInstanceSide(side: HTMLElement, inst: InstanceDetail, history: HistoryEntry[], incidents: Incident[], after: () => Promise<void>): void {
  const incidentsEl = h('div', null);
  renderIncidents(incidentsEl, incidents, after);
  const vars = Object.entries(inst.variables ?? {});
  clear(
    side,
    h('p', null, h('a', { href: `#/watch/${enc(inst.processKey)}/${inst.version}` }, `Watch ${inst.processKey} v${inst.version}`)),
    h(
      'dl',
      { class: 'counts' },
      h('dt', null, 'State'),
      h('dd', { 'data-field': 'state' }, inst.state),
      h('dt', null, 'Now at'),
      h('dd', { 'data-field': 'active' }, inst.activeElements.join(', ') || '—'),
      h('dt', null, 'Started'),
      h('dd', null, when(inst.startedAt)),
      h('dt', null, 'Ended'),
      h('dd', null, when(inst.endedAt)),
    ),
    incidentsEl,
    h('h2', null, 'Variables'),
    vars.length === 0
      ? h('p', { class: 'muted' }, 'No variables.')
      : h('table', { class: 'table vars' }, h('tbody', null, vars.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, h('code', null, JSON.stringify(v))))))),
    h('h2', null, 'History'),
    h('ol', { class: 'history' }, history.map((e) => h('li', null, h('span', { class: 'muted' }, when(e.at)), ` ${e.event} `, h('code', null, e.elementId), ` ${e.elementType.replace('bpmn:', '')}`))),
  );
}
