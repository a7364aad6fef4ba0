// Forms of the draft, by form id: saved from the form editor, kept in localStorage beside the
// diagram draft so a reload loses none of them, and deployed with the diagram that links them.

export const FORMS_KEY = 'karvon.designer.forms';

export type FormSchema = { id: string; components: unknown[]; [key: string]: unknown };

function readAll(): Record<string, FormSchema> {
  try {
    return (JSON.parse(localStorage.getItem(FORMS_KEY) ?? '{}') as Record<string, FormSchema>) ?? {};
  } catch {
    return {};
  }
}

export function draftForm(id: string): FormSchema | null {
  return readAll()[id] ?? null;
}

export function saveDraftForm(schema: FormSchema): void {
  localStorage.setItem(FORMS_KEY, JSON.stringify({ ...readAll(), [schema.id]: schema }));
}

/** The .form resources for the forms a diagram links that this browser edited. */
export function formResources(formIds: string[]): Array<{ name: string; content: string }> {
  const all = readAll();
  return [...new Set(formIds)].filter((id) => all[id]).map((id) => ({ name: `${id.replace(/[^\w.-]+/g, '_')}.form`, content: JSON.stringify(all[id], null, 2) }));
}

export function newFormSchema(): FormSchema {
  const id = `Form_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { type: 'default', id, components: [], schemaVersion: 16, exporter: { name: 'Karvon Designer', version: '0.1.0' } };
}
