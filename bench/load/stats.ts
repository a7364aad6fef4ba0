// Percentiles and plain-text tables for the load benches.

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentiles over every sample (no buckets): each figure was actually observed. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const at = (p: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]);
  return { count: n, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: n === 0 ? 0 : sorted[n - 1] };
}

export function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function int(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

export function bytes(v: number): string {
  if (Math.abs(v) >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} MB`;
  if (Math.abs(v) >= 1024) return `${(v / 1024).toFixed(1)} KB`;
  return `${Math.round(v)} B`;
}

/** A table with a header row; numbers right-aligned, text left-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[-\d.,]+( ?[%×a-zA-Z/]*)?$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    '  ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
