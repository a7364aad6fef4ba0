// The engine's test clock (KARVON_TEST_CLOCK=1): acceptance tests read it and move it, and a
// move answers only once timers, retry backoffs and message TTLs due by then have run.

import { ValidationError } from '../../engine/errors.ts';
import type { EngineFacade } from '../engine-facade.ts';

export interface ClockReading {
  now: string;
  epochMs: number;
}

export class ClockService {
  constructor(private readonly engine: EngineFacade) {}

  now(): ClockReading {
    return reading(this.engine.clock.now());
  }

  async move(to: { addMs?: number; pin?: string }): Promise<ClockReading> {
    if (to.pin !== undefined) {
      const pin = Date.parse(to.pin);
      if (Number.isNaN(pin)) throw new ValidationError('pin is not a date-time', [{ path: '/body/pin', message: 'is not an ISO 8601 date-time' }]);
      return reading(await this.engine.advanceClock({ pin }));
    }
    return reading(await this.engine.advanceClock({ addMs: to.addMs ?? 0 }));
  }
}

function reading(ms: number): ClockReading {
  return { now: new Date(ms).toISOString(), epochMs: ms };
}
