// form-js wrapper, loaded on demand (the viewer is large). The inbox owns the action buttons,
// so any submit/reset buttons in a schema are dropped: an employee always sees the same
// "Complete" and "Start" buttons in the same place.

import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import { Form } from '@bpmn-io/form-js-viewer';

export interface MountedForm {
  /** Validates; returns the data only when the form is valid, and focuses the first error. */
  submit(): { ok: true; data: Record<string, unknown> } | { ok: false; errorCount: number };
  setReadOnly(readOnly: boolean): void;
  destroy(): void;
}

type Component = { type?: string; components?: Component[]; [k: string]: unknown };

function withoutButtons(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Component;
  if (!Array.isArray(s.components)) return s;
  return {
    ...s,
    components: s.components.filter((c) => c?.type !== 'button').map((c) => withoutButtons(c) as Component),
  };
}

export async function mountForm(
  container: HTMLElement,
  schema: unknown,
  data: Record<string, unknown>,
  options: { readOnly?: boolean; onEnter?: () => void; onChange?: () => void } = {},
): Promise<MountedForm> {
  // form-js debounces text input by 300 ms by default; a quick "type, then Complete" would then
  // submit without the last keystrokes. Forms here are small, so every keystroke goes through.
  const formOptions = { container, properties: { readOnly: !!options.readOnly }, debounce: false };
  const form = new Form(formOptions as ConstructorParameters<typeof Form>[0]);
  await form.importSchema(withoutButtons(schema), data);
  if (options.onChange) form.on('changed', options.onChange);

  // Enter in a single-line input submits, as in any ordinary web form.
  container.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    if (e.key === 'Enter' && target instanceof HTMLInputElement && !['checkbox', 'radio'].includes(target.type) && options.onEnter) {
      e.preventDefault();
      options.onEnter();
    }
  });

  return {
    submit() {
      const { data: out, errors } = form.submit();
      const errorCount = Object.values(errors ?? {}).filter((list) => Array.isArray(list) && list.length).length;
      if (errorCount > 0) {
        // form-js renders the messages; wait for it, then take the employee to the first one.
        window.setTimeout(() => {
          const invalid = container.querySelector<HTMLElement>('[aria-invalid="true"], .fjs-has-errors input, .fjs-has-errors select, .fjs-has-errors textarea');
          invalid?.focus();
        }, 0);
        return { ok: false, errorCount };
      }
      return { ok: true, data: out as Record<string, unknown> };
    },
    setReadOnly(readOnly: boolean) {
      form.setProperty('readOnly', readOnly);
    },
    destroy() {
      form.destroy();
    },
  };
}
