// Keeps diagram interchange that bpmn-js cannot show. Files from other tools may draw elements
// of a process no pool references, or an edge that names no element; bpmn-js skips those at
// import and its DI ordering rebuilds each plane from what is on the canvas when saving, so they
// would silently vanish from the export. They are invisible, hence never edited here: put them
// back, untouched, after the ordering ran.

interface DiElement {
  $type: string;
}
interface Plane {
  get(name: 'planeElement'): DiElement[];
}
interface Definitions {
  get(name: 'diagrams'): Array<{ plane?: Plane }>;
}
interface CanvasElement {
  di?: DiElement;
}

// BpmnDiOrdering listens at 2000 and replaces each plane's list; run after it.
const AFTER_DI_ORDERING = 1000;

class KeepUnrenderedDi {
  static $inject = ['eventBus', 'bpmnjs', 'elementRegistry'];

  private kept: Array<{ plane: Plane; di: DiElement }> = [];

  constructor(
    eventBus: { on(event: string, priority: number, cb: () => void): void },
    bpmnjs: { getDefinitions(): Definitions | undefined },
    elementRegistry: { getAll(): CanvasElement[] },
  ) {
    eventBus.on('import.done', AFTER_DI_ORDERING, () => {
      this.kept = [];
      const rendered = new Set(elementRegistry.getAll().map((e) => e.di).filter((d): d is DiElement => !!d));
      for (const diagram of bpmnjs.getDefinitions()?.get('diagrams') ?? []) {
        const plane = diagram.plane;
        if (!plane) continue;
        for (const di of plane.get('planeElement')) if (!rendered.has(di)) this.kept.push({ plane, di });
      }
    });
    eventBus.on('saveXML.start', AFTER_DI_ORDERING, () => {
      for (const { plane, di } of this.kept) {
        const list = plane.get('planeElement');
        if (!list.includes(di)) list.push(di);
      }
    });
  }
}

export default {
  __init__: ['karvonKeepUnrenderedDi'],
  karvonKeepUnrenderedDi: ['type', KeepUnrenderedDi],
};
