// Live updates: server-sent events from GET /api/events when the server offers them, polling
// otherwise. Pages only learn "something changed" and re-read what they show, so a missed or
// duplicated event can never leave a stale screen behind for long.

import { session } from './api.ts';

export interface LiveEvent {
  type: string;
  taskId?: string;
  processInstanceId?: string;
  data?: unknown;
}

type Listener = (event: LiveEvent) => void;

const POLL_MS = 5000;
/** Even with a live stream, pages re-read now and then: a proxy can drop events silently. */
const SAFETY_MS = 30_000;
const listeners = new Set<Listener>();
let source: EventSource | null = null;
let pollTimer: number | null = null;
let safetyTimer: number | null = null;
let sseFailures = 0;
let status: 'off' | 'live' | 'polling' = 'off';
const statusListeners = new Set<(s: typeof status) => void>();

function emit(event: LiveEvent): void {
  for (const l of listeners) {
    try {
      l(event);
    } catch (err) {
      console.error('live listener failed', err);
    }
  }
}

function setStatus(next: typeof status): void {
  if (status === next) return;
  status = next;
  for (const l of statusListeners) l(next);
}

function startPolling(): void {
  if (pollTimer !== null) return;
  setStatus('polling');
  pollTimer = window.setInterval(() => emit({ type: 'poll' }), POLL_MS);
}

function stopPolling(): void {
  if (pollTimer !== null) window.clearInterval(pollTimer);
  pollTimer = null;
}

function connect(): void {
  const token = session.token;
  if (!token || typeof EventSource === 'undefined') {
    startPolling();
    return;
  }
  const es = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  source = es;
  es.onopen = () => {
    sseFailures = 0;
    stopPolling();
    setStatus('live');
    // Whatever happened while disconnected is unknown: let every page refresh once.
    emit({ type: 'reconnected' });
  };
  es.onmessage = (msg) => emit(parse('message', msg.data));
  // The server names each event after the engine event (see server/services/events.ts).
  for (const type of ['task.created', 'task.updated', 'task.completed', 'task.canceled', 'instance.updated', 'instance.ended', 'incident.created', 'incident.resolved']) {
    es.addEventListener(type, (msg) => emit(parse(type, (msg as MessageEvent<string>).data)));
  }
  es.onerror = () => {
    // EventSource retries by itself; after a few failures (no endpoint, proxy that buffers)
    // we stop hammering it and poll instead.
    sseFailures += 1;
    startPolling();
    if (sseFailures >= 3 || es.readyState === EventSource.CLOSED) {
      es.close();
      if (source === es) source = null;
    }
  };
}

function parse(type: string, data: string): LiveEvent {
  try {
    const parsed = JSON.parse(data) as Record<string, unknown>;
    return {
      type: typeof parsed.type === 'string' ? parsed.type : type,
      taskId: str(parsed.taskId) ?? str((parsed.task as Record<string, unknown> | undefined)?.id) ?? (type.startsWith('task') ? str(parsed.id) : undefined),
      processInstanceId: str(parsed.processInstanceId) ?? str(parsed.instanceId) ?? str((parsed.task as Record<string, unknown> | undefined)?.processInstanceId),
      data: parsed,
    };
  } catch {
    return { type };
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export const live = {
  start(): void {
    if (safetyTimer === null) {
      safetyTimer = window.setInterval(() => {
        if (status === 'live') emit({ type: 'tick' });
      }, SAFETY_MS);
    }
    if (source || pollTimer !== null) return;
    connect();
  },
  stop(): void {
    if (safetyTimer !== null) window.clearInterval(safetyTimer);
    safetyTimer = null;
    source?.close();
    source = null;
    stopPolling();
    sseFailures = 0;
    setStatus('off');
  },
  /** Returns the unsubscribe function; pages call it when they are left. */
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  onStatus(listener: (s: 'off' | 'live' | 'polling') => void): () => void {
    statusListeners.add(listener);
    listener(status);
    return () => statusListeners.delete(listener);
  },
};

export { debounce } from './debounce.ts';
