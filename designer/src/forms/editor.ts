// The form editor dialog (form-js): opens a schema, and hands the edited schema back on save.
// Loaded on demand: the modeler pays for form-js only when a form is edited.

import '@bpmn-io/form-js-editor/dist/assets/form-js-editor.css';
import '@bpmn-io/form-js-editor/dist/assets/properties-panel.css';
import { FormEditor } from '@bpmn-io/form-js-editor';
import { h } from '../dom.ts';
import type { FormSchema } from './store.ts';

export async function editForm(title: string, schema: FormSchema): Promise<FormSchema | null> {
  const container = h('div', { class: 'form-editor-canvas' });
  const saveBtn = h('button', { type: 'button', class: 'btn btn-primary' }, 'Save form');
  const cancelBtn = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const dialog = h(
    'dialog',
    { class: 'form-dialog', 'aria-label': title },
    h('div', { class: 'form-dialog-head' }, h('h2', null, title), h('code', { class: 'muted' }, schema.id), h('span', { class: 'toolbar' }, cancelBtn, saveBtn)),
    container,
  ) as HTMLDialogElement;
  document.body.appendChild(dialog);
  dialog.showModal();
  const editor = new FormEditor({ container });
  (window as unknown as { karvonFormEditor?: FormEditor }).karvonFormEditor = editor;
  try {
    await editor.importSchema(schema);
  } catch (err) {
    editor.destroy();
    dialog.remove();
    throw err;
  }
  return new Promise((resolve) => {
    const close = (result: FormSchema | null) => {
      if (result) result = { ...result, id: schema.id };
      editor.destroy();
      delete (window as unknown as { karvonFormEditor?: FormEditor }).karvonFormEditor;
      dialog.close();
      dialog.remove();
      resolve(result);
    };
    saveBtn.addEventListener('click', () => close(editor.saveSchema() as FormSchema));
    cancelBtn.addEventListener('click', () => close(null));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(null);
    });
  });
}
