// Read-only case diagram (bpmn-js NavigatedViewer), loaded on demand. Markers show where the
// case is now, the path it took, and elements blocked by an incident.

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer.js';

export interface Highlight {
  active: string[];
  done: string[];
  incidents: string[];
}

export interface MountedDiagram {
  highlight(h: Highlight): void;
  fit(): void;
  destroy(): void;
}

interface Canvas {
  addMarker(id: string, marker: string): void;
  removeMarker(id: string, marker: string): void;
  zoom(level: 'fit-viewport', center?: 'auto'): void;
}
interface Registry {
  get(id: string): unknown;
}

export async function mountDiagram(container: HTMLElement, xml: string): Promise<MountedDiagram> {
  const viewer = new NavigatedViewer({ container });
  await viewer.importXML(xml);
  const canvas = viewer.get<Canvas>('canvas');
  const registry = viewer.get<Registry>('elementRegistry');
  canvas.zoom('fit-viewport', 'auto');
  const applied: Array<[string, string]> = [];

  const fit = () => {
    try {
      canvas.zoom('fit-viewport', 'auto');
    } catch {
      // A hidden container has no size to fit into; the next resize fits it.
    }
  };
  const observer = new ResizeObserver(() => fit());
  observer.observe(container);

  return {
    highlight({ active, done, incidents }) {
      for (const [id, m] of applied.splice(0)) canvas.removeMarker(id, m);
      const mark = (id: string, m: string) => {
        if (!registry.get(id)) return;
        canvas.addMarker(id, m);
        applied.push([id, m]);
      };
      const activeSet = new Set(active);
      for (const id of new Set(done)) if (!activeSet.has(id)) mark(id, 'k-done');
      for (const id of activeSet) mark(id, 'k-active');
      for (const id of new Set(incidents)) mark(id, 'k-incident');
    },
    fit,
    destroy() {
      observer.disconnect();
      viewer.destroy();
    },
  };
}
