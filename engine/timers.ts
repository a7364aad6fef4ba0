// ISO 8601 timer values as BPMN uses them: a date (`2026-03-01T09:00:00Z`), a duration
// (`PT10M`, `P1DT2H`) and a repeating cycle (`R3/PT10M`, `R/PT1H`, `R2/2026-03-01T09:00:00Z/P1D`).
// Months and years are calendar arithmetic, so luxon does the adding.

import { DateTime, Duration } from 'luxon';

export type TimerKind = 'date' | 'duration' | 'cycle';

export interface TimerSchedule {
  /** First due time, epoch ms. */
  dueAt: number;
  /** For cycles: the interval to the next firing and how many firings remain after this one (null = forever). */
  repeat: { interval: string; remaining: number | null } | null;
}

export type TimerParse = { ok: true; schedule: TimerSchedule } | { ok: false; message: string };

function parseDate(text: string): number | null {
  const dt = DateTime.fromISO(text, { setZone: true });
  return dt.isValid ? dt.toMillis() : null;
}

function validDuration(text: string): boolean {
  const d = Duration.fromISO(text);
  return d.isValid && d.toMillis() > 0;
}

/** `from` plus an ISO 8601 duration, in calendar terms. */
export function addDuration(from: number, duration: string): number {
  return DateTime.fromMillis(from, { zone: 'utc' }).plus(Duration.fromISO(duration)).toMillis();
}

export function parseTimer(kind: TimerKind, value: string, now: number): TimerParse {
  const text = value.trim();
  if (kind === 'date') {
    const at = parseDate(text);
    return at === null ? { ok: false, message: `'${value}' is not an ISO 8601 date-time` } : { ok: true, schedule: { dueAt: at, repeat: null } };
  }
  if (kind === 'duration') {
    if (!validDuration(text)) return { ok: false, message: `'${value}' is not a positive ISO 8601 duration` };
    return { ok: true, schedule: { dueAt: addDuration(now, text), repeat: null } };
  }
  const parts = text.split('/');
  const m = /^R(\d*)$/.exec(parts[0] ?? '');
  if (!m || parts.length < 2 || parts.length > 3) return { ok: false, message: `'${value}' is not an ISO 8601 repeating interval like R3/PT10M` };
  const total = m[1] === '' ? null : Number(m[1]);
  if (total === 0) return { ok: false, message: `'${value}' repeats zero times` };
  const interval = parts[parts.length - 1];
  if (!validDuration(interval)) return { ok: false, message: `'${interval}' in '${value}' is not a positive ISO 8601 duration` };
  let dueAt = addDuration(now, interval);
  if (parts.length === 3) {
    const start = parseDate(parts[1]);
    if (start === null) return { ok: false, message: `'${parts[1]}' in '${value}' is not an ISO 8601 date-time` };
    dueAt = start;
  }
  return { ok: true, schedule: { dueAt, repeat: { interval, remaining: total === null ? null : total - 1 } } };
}
