// Overlays for watching a deployed version: active tokens per element, incidents in red with
// their message, and a heatmap of how many instances completed each element.

export interface WatchData {
  /** elementId → number of instances waiting there now. */
  active: Map<string, number>;
  /** elementId → number of instances that completed it (the heatmap). */
  completed: Map<string, number>;
  /** Open incidents; the element is marked red and the message shown beside it. */
  incidents: Array<{ elementId: string; message: string }>;
  /** Elements and flows one instance passed through (instance view). */
  path?: Set<string>;
}

interface Overlays {
  add(element: string, type: string, overlay: { position: Record<string, number>; html: HTMLElement }): string;
  remove(filter: { type: string }): void;
}
interface Canvas {
  addMarker(element: string, marker: string): void;
  removeMarker(element: string, marker: string): void;
}
interface ElementRegistry {
  get(id: string): { id: string; width?: number; height?: number; waypoints?: unknown } | undefined;
}

const TYPE = 'karvon-watch';

class Watch {
  static $inject = ['overlays', 'canvas', 'elementRegistry'];

  private markers: Array<[string, string]> = [];

  constructor(
    private readonly overlays: Overlays,
    private readonly canvas: Canvas,
    private readonly registry: ElementRegistry,
  ) {}

  show(data: WatchData): void {
    this.clear();
    const maxCompleted = Math.max(1, ...data.completed.values());
    for (const [id, count] of data.completed) {
      const el = this.registry.get(id);
      if (!el || el.waypoints || count === 0) continue;
      // Heat from pale yellow to deep orange, relative to the busiest element.
      const level = Math.ceil((count / maxCompleted) * 4);
      this.mark(id, `k-heat-${level}`);
      this.badge(id, 'k-badge k-badge-completed', String(count), `${count} completed`, { bottom: 12, right: 12 });
    }
    for (const [id, count] of data.active) {
      if (!this.registry.get(id)) continue;
      this.mark(id, 'k-active');
      this.badge(id, 'k-badge k-badge-active', String(count), `${count} active`, { bottom: 12, left: -12 });
    }
    for (const { elementId, message } of data.incidents) {
      if (!this.registry.get(elementId)) continue;
      this.mark(elementId, 'k-incident');
      const note = document.createElement('div');
      note.className = 'k-incident-note';
      note.textContent = message;
      note.title = message;
      this.overlays.add(elementId, TYPE, { position: { top: -34, left: 0 }, html: note });
    }
    for (const id of data.path ?? []) if (this.registry.get(id)) this.mark(id, 'k-path');
  }

  clear(): void {
    this.overlays.remove({ type: TYPE });
    for (const [id, m] of this.markers.splice(0)) this.canvas.removeMarker(id, m);
  }

  private mark(id: string, marker: string): void {
    this.canvas.addMarker(id, marker);
    this.markers.push([id, marker]);
  }

  private badge(id: string, cls: string, text: string, label: string, position: Record<string, number>): void {
    const el = document.createElement('div');
    el.className = cls;
    el.textContent = text;
    el.title = label;
    el.setAttribute('aria-label', label);
    el.dataset.element = id;
    this.overlays.add(id, TYPE, { position, html: el });
  }
}

export default {
  __init__: ['karvonWatch'],
  karvonWatch: ['type', Watch],
};
