// Unsaved work is never lost: every edit writes the diagram to localStorage, the page restores
// it on reload, and leaving the page with changes that are neither deployed nor exported asks
// first. One draft per browser profile is enough: the designer edits one diagram at a time.

export const DRAFT_KEY = 'karvon.designer.draft';

export interface Draft {
  xml: string;
  /** Process key the draft was opened from, when it came from the server. */
  origin: string | null;
  savedAt: string;
  /** True while the draft has edits that were neither deployed nor exported. */
  dirty: boolean;
}

export function readDraft(): Draft | null {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    return raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    return null;
  }
}

export function discardDraft(): void {
  localStorage.removeItem(DRAFT_KEY);
}

interface Modeler {
  saveXML(options: { format: boolean }): Promise<{ xml?: string }>;
}

class Drafts {
  static $inject = ['eventBus', 'bpmnjs'];

  private dirty = false;
  origin: string | null = null;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    eventBus: { on(event: string, cb: () => void): void; fire(event: string, payload?: unknown): void },
    private readonly bpmnjs: Modeler,
  ) {
    eventBus.on('commandStack.changed', () => {
      this.dirty = true;
      this.saving = this.saving.then(() => this.save());
      eventBus.fire('karvon.draft.changed', { dirty: true });
    });
    const warn = (e: BeforeUnloadEvent) => {
      if (!this.dirty) return;
      e.preventDefault();
      // Older browsers need returnValue set to show the prompt.
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    eventBus.on('diagram.destroy', () => window.removeEventListener('beforeunload', warn));
  }

  isDirty(): boolean {
    return this.dirty;
  }

  /** After a deploy or an export: the work is safe elsewhere, so leaving needs no warning. */
  async markSaved(): Promise<void> {
    this.dirty = false;
    await this.save();
  }

  /** A freshly opened diagram: keep it as the draft but nothing is unsaved yet. */
  async opened(origin: string | null, dirty = false): Promise<void> {
    this.origin = origin;
    this.dirty = dirty;
    await this.save();
  }

  flush(): Promise<void> {
    return this.saving;
  }

  private async save(): Promise<void> {
    try {
      const { xml } = await this.bpmnjs.saveXML({ format: true });
      if (!xml) return;
      const draft: Draft = { xml, origin: this.origin, savedAt: new Date().toISOString(), dirty: this.dirty };
      localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch {
      // Quota exceeded or a diagram that cannot be serialised mid-import: the next edit retries.
    }
  }
}

export default {
  __init__: ['karvonDrafts'],
  karvonDrafts: ['type', Drafts],
};
