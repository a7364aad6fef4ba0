// Inbox filter state: the one in use (kept for the browser tab) and named saved filters
// (kept in localStorage per user, so a shared computer does not mix people's filters).

export type Scope = 'all' | 'mine' | 'unassigned';
export type DueFilter = '' | 'overdue' | 'today' | 'week' | 'none';
export type PriorityFilter = '' | 'high' | 'medium' | 'low';

export interface TaskFilter {
  scope: Scope;
  process: string;
  due: DueFilter;
  priority: PriorityFilter;
  search: string;
}

export interface SavedFilter {
  name: string;
  filter: TaskFilter;
}

export const EMPTY_FILTER: TaskFilter = { scope: 'all', process: '', due: '', priority: '', search: '' };

function normalize(raw: unknown): TaskFilter {
  const f = (raw && typeof raw === 'object' ? raw : {}) as Partial<TaskFilter>;
  return {
    scope: f.scope === 'mine' || f.scope === 'unassigned' ? f.scope : 'all',
    process: typeof f.process === 'string' ? f.process : '',
    due: (['overdue', 'today', 'week', 'none'] as const).includes(f.due as never) ? (f.due as DueFilter) : '',
    priority: (['high', 'medium', 'low'] as const).includes(f.priority as never) ? (f.priority as PriorityFilter) : '',
    search: typeof f.search === 'string' ? f.search : '',
  };
}

export function loadCurrent(user: string): TaskFilter {
  try {
    return normalize(JSON.parse(sessionStorage.getItem(`karvon.filter.${user}`) ?? '{}'));
  } catch {
    return { ...EMPTY_FILTER };
  }
}

export function saveCurrent(user: string, f: TaskFilter): void {
  sessionStorage.setItem(`karvon.filter.${user}`, JSON.stringify(f));
}

export function loadSaved(user: string): SavedFilter[] {
  try {
    const raw = JSON.parse(localStorage.getItem(`karvon.savedFilters.${user}`) ?? '[]') as unknown;
    if (!Array.isArray(raw)) return [];
    return raw
      .filter((x): x is { name: string; filter: unknown } => !!x && typeof x === 'object' && typeof (x as SavedFilter).name === 'string')
      .map((x) => ({ name: x.name, filter: normalize(x.filter) }));
  } catch {
    return [];
  }
}

export function storeSaved(user: string, list: SavedFilter[]): void {
  localStorage.setItem(`karvon.savedFilters.${user}`, JSON.stringify(list));
}

export function sameFilter(a: TaskFilter, b: TaskFilter): boolean {
  return a.scope === b.scope && a.process === b.process && a.due === b.due && a.priority === b.priority && a.search.trim() === b.search.trim();
}
