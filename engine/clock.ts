// Clocks and id generators: the two inputs that make a run reproducible when injected.

import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator } from './ports.ts';

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(at: number, fn: () => void): () => void {
    // setTimeout caps at 2^31-1 ms; far-away wake-ups re-arm themselves.
    const MAX = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = () => {
      const delay = at - Date.now();
      handle = setTimeout(delay > MAX ? arm : fn, Math.min(Math.max(0, delay), MAX));
      handle.unref();
    };
    arm();
    return () => clearTimeout(handle);
  }
}

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to; due callbacks run in time order as it passes them. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private pending: Scheduled[] = [];

  constructor(start: number | string = '2026-01-01T00:00:00.000Z') {
    this.current = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): number {
    return this.current;
  }

  schedule(at: number, fn: () => void): () => void {
    const entry = { at, seq: this.seq++, fn };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((e) => e !== entry);
    };
  }

  /** Moves to `target` (never backwards), running every callback due on the way. */
  moveTo(target: number): void {
    for (;;) {
      const due = this.pending.filter((e) => e.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.pending = this.pending.filter((e) => e !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = Math.max(this.current, target);
  }

  advance(ms: number): void {
    this.moveTo(this.current + ms);
  }
}

export class RandomIds implements IdGenerator {
  next(): string {
    return randomUUID();
  }
}

/** Predictable ids for tests: `prefix-1`, `prefix-2`, ... */
export class SequentialIds implements IdGenerator {
  private n = 0;
  constructor(private readonly prefix = 'id') {}
  next(): string {
    return `${this.prefix}-${++this.n}`;
  }
}
