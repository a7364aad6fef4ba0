// Instances this browser started. The v1 instance list does not say who started an instance,
// so "my cases" also remembers what was started here; a server `startedBy` field wins when
// the API provides one.

const KEY = 'karvon.started';

function key(): string {
  try {
    const user = JSON.parse(localStorage.getItem('karvon.user') ?? 'null') as { username?: string } | null;
    return `${KEY}.${user?.username ?? ''}`;
  } catch {
    return KEY;
  }
}

export function startedHere(): Set<string> {
  try {
    const raw = JSON.parse(localStorage.getItem(key()) ?? '[]') as unknown;
    return new Set(Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export function rememberStarted(id: string): void {
  const ids = [id, ...startedHere()].slice(0, 500);
  localStorage.setItem(key(), JSON.stringify(ids));
}
