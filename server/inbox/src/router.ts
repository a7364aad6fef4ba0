// Hash routes (#/tasks/42): the server serves one static index.html at `/`, and a reload or a
// shared link lands on the right page without any server-side route table.

export interface Page {
  el: HTMLElement;
  title: string;
  /** Called once the page is in the document (viewers need a sized container). */
  mounted?: () => void;
  /** Called when the page is left: unsubscribe live updates, destroy viewers. */
  dispose?: () => void;
}

export type PageFactory = (params: Record<string, string>) => Page | Promise<Page>;

interface Route {
  pattern: RegExp;
  names: string[];
  factory: PageFactory;
  nav: string;
}

const routes: Route[] = [];

export function route(path: string, nav: string, factory: PageFactory): void {
  const names: string[] = [];
  const pattern = new RegExp(
    '^' +
      path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      }) +
      '$',
  );
  routes.push({ pattern, names, factory, nav });
}

export function currentPath(): string {
  const hash = window.location.hash.replace(/^#/, '');
  return hash.split('?')[0] || '/';
}

export function navigate(path: string): void {
  if (currentPath() === path) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = path;
}

export function match(path: string): { factory: PageFactory; params: Record<string, string>; nav: string } | null {
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { factory: r.factory, params, nav: r.nav };
  }
  return null;
}
