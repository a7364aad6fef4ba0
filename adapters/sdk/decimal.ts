// Exact decimals as integers of a fixed scale (milli-units for quantities, minor units for money).
// Arithmetic happens on the integers only; floats appear only at the JSON boundary.

export class DecimalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecimalError';
  }
}

/**
 * `2.5` at scale 3 → 2500. Rejects values with more decimals than the scale allows instead of
 * rounding them silently, and values too large to stay exact.
 */
export function toScaled(value: number, scale: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new DecimalError(`${String(value)} is not a finite number`);
  const factor = 10 ** scale;
  const scaled = Math.round(value * factor);
  if (!Number.isSafeInteger(scaled)) throw new DecimalError(`${value} is too large`);
  // Compare in the decimal domain: 0.1 * 1000 is 100.00000000000001, which must count as exact.
  if (Math.abs(scaled / factor - value) > Number.EPSILON * Math.max(1, Math.abs(value)) * 4) {
    throw new DecimalError(`${value} has more than ${scale} decimal places`);
  }
  return scaled;
}

export function fromScaled(scaled: number, scale: number): number {
  return scaled / 10 ** scale;
}

export const QTY_SCALE = 3;
export const MONEY_SCALE = 2;

export const toMilli = (value: number): number => toScaled(value, QTY_SCALE);
export const fromMilli = (milli: number): number => fromScaled(milli, QTY_SCALE);
export const toMinor = (value: number): number => toScaled(value, MONEY_SCALE);
export const fromMinor = (minor: number): number => fromScaled(minor, MONEY_SCALE);

/** quantity (milli) × unit price (minor) → amount (minor), rounded half away from zero once. */
export function lineAmountMinor(quantityMilli: number, priceMinor: number): number {
  const product = BigInt(quantityMilli) * BigInt(priceMinor);
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const rounded = (abs + 500n) / 1000n;
  return Number(negative ? -rounded : rounded);
}
