// The human half of the output: plain aligned text that reads the same in a terminal, a CI log
// and a pasted issue comment.

import type { BreakdownResult } from './breakdown.ts';
import type { KarvonResult } from './karvon.ts';
import type { LatencySummary } from './measure.ts';
import type { PeerResult } from './peer.ts';

/** Issue 2's targets for Karvon on the canonical flow. */
export const TARGETS = { throughputRatio: 20, cpuMsPerInstance: 0.5, waitingStateBytes: 2048 } as const;

export interface Report {
  environment: { node: string; cpus: number; cpuModel: string; loadAvg1m: { before: number; after: number }; runSeconds: number; benchPragma: string | null };
  shape: string[];
  n: number;
  concurrency: number;
  warmup: number;
  karvon: KarvonResult;
  breakdown: BreakdownResult | null;
  peers: PeerResult[];
}

const f = (v: number, digits = 0) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (v: number) => (v < 10 ? f(v, 3) : v < 100 ? f(v, 2) : f(v, 1));
const kb = (bytes: number) => `${f(bytes / 1024, 2)} KB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

function latencyTable(title: string, rows: Array<[string, LatencySummary]>): string[] {
  const widths = [22, 9, 9, 9, 9, 7];
  return [
    `  ${title}`,
    `    ${row(['', 'p50', 'p99', 'mean', 'max', 'count'], widths)}`,
    ...rows.map(([name, s]) => `    ${row([name, ms(s.p50), ms(s.p99), ms(s.mean), ms(s.max), f(s.count)], widths)}`),
  ];
}

function breakdownLines(b: BreakdownResult, k: KarvonResult): string[] {
  const us = (v: number) => `${f(v * 1000, 1)} µs`;
  const widths = [26, 8, 9, 7];
  const lines = [
    `Where Karvon's CPU goes — the engine's calls for one instance replayed by hand, one instance at a time (${f(b.instances)} instances)`,
    `    ${row(['', 'calls', 'ms/inst.', 'share'], widths)}`,
    ...b.parts.map((p) => `    ${row([p.name, f(p.callsPerInstance, 1), f(p.msPerInstance, 3), `${f((100 * p.msPerInstance) / b.totalMsPerInstance)} %`], widths)}`),
    `    ${row(['replayed total (CPU)', '', f(b.totalMsPerInstance, 3), ''], widths)}`,
    `    ${row(['full engine (CPU)', '', f(k.cpuMsPerInstance, 3), ''], widths)}${k.sequential ? `  (sequential: ${f(k.sequential.cpuMsPerInstance, 3)})` : ''}`,
    '  (one instance at a time, every write pays its own BEGIN/COMMIT, as in the sequential run; with',
    `  ${k.concurrency} callers in flight the store's group commit shares one COMMIT among many writes)`,
    `  the store's part by SQL statement (timed in a second replay):`,
    ...b.statements.slice(0, 14).map((st) => `    ${f(st.callsPerInstance, 1).padStart(5)} × ${f(st.msPerInstance * 1000, 1).padStart(6)} µs/inst.  ${st.sql}`),
    `  unit costs: one-row write committed alone ${us(b.unit.txPerRow)} vs ${us(b.unit.batchedPerRow)} when batched (the rest is the commit);`,
    `    waiting state JSON.stringify ${us(b.unit.stateStringify)}, JSON.parse ${us(b.unit.stateParse)};`,
    `    FEEL \`=amount > 1000\` ${us(b.unit.feelCondition)} per evaluation (parsed every time), \`=amount\` ${us(b.unit.feelCompiledPathVsInterpreter.path)} on the path fast path vs ${us(b.unit.feelCompiledPathVsInterpreter.interpreter)} interpreted`,
  ];
  return lines;
}

export function printReport(r: Report): void {
  const k = r.karvon;
  const env = r.environment;
  const out: string[] = [];
  out.push('Karvon bench: canonical flow');
  out.push('  start → job bench.fetch → exclusive gateway (=amount > 1000 | default) → job bench.ship → user task (sales) → end');
  out.push(`  node ${env.node}, ${env.cpus} × ${env.cpuModel.trim()}, load average ${f(env.loadAvg1m.before, 2)} → ${f(env.loadAvg1m.after, 2)}, run took ${f(env.runSeconds, 1)} s`);
  out.push(`  N = ${f(r.n)} instances per engine, ${r.concurrency} callers in flight, warm-up ${f(r.warmup)} instances (not measured)`);
  if (env.benchPragma) out.push(`  BENCH_PRAGMA = ${env.benchPragma}`);
  out.push('');

  out.push(`Karvon — embedded SQLite store, fresh file, journal ${k.journalMode}: every wait state is a committed transaction${k.ids === 'time-ordered' ? ' (time-ordered ids)' : ''}`);
  out.push(`  throughput              ${f(k.instancesPerSec)} instances/s end to end (${f(k.wallMs / 1000, 2)} s: start → waiting ${f(k.startPhase.wallMs / 1000, 2)} s, complete → ended ${f(k.completePhase.wallMs / 1000, 2)} s)`);
  out.push(`  CPU per instance        ${f(k.cpuMsPerInstance, 3)} ms (start phase ${f(k.startPhase.cpuMs / r.n, 3)}, complete phase ${f(k.completePhase.cpuMs / r.n, 3)})`);
  out.push(`  waiting state           avg ${f(k.waitingState.avgBytes)} B, max ${f(k.waitingState.maxBytes)} B (JSON of getInstanceState at the user task)`);
  out.push(`  heap per waiting inst.  ${f(k.heapBytesPerWaiting)} B (the state lives in SQLite; this is mostly the bench's own maps)`);
  out.push(`  database per instance   ${kb(k.dbBytesPerInstance)} (ended instances, with tasks and history)`);
  out.push(`  failed commands         ${f(k.failedCommands)}`);
  out.push(
    ...latencyTable(`latency (ms), ${r.concurrency} callers in flight`, [
      ['startInstance', k.latencyMs.start],
      ['completeJob (in-proc.)', k.latencyMs.completeJob],
      ['completeTask', k.latencyMs.completeTask],
      ['start → user task', k.latencyMs.startToWaiting],
    ]),
  );
  if (k.sequential) {
    const s = k.sequential;
    out.push(`  sequential, 1 caller    ${f(s.instancesPerSec)} instances/s, ${f(s.cpuMsPerInstance, 3)} ms CPU per instance (${f(s.n)} instances)`);
    out.push(
      ...latencyTable('latency (ms), 1 caller', [
        ['startInstance', s.latencyMs.start],
        ['completeJob (in-proc.)', s.latencyMs.completeJob],
        ['completeTask', s.latencyMs.completeTask],
        ['whole instance', s.instanceMs],
      ]),
    );
  }
  out.push('');

  if (r.breakdown) out.push(...breakdownLines(r.breakdown, k), '');

  for (const p of r.peers) {
    const how = p.source === 'shared-context' ? 'diagram parsed once, context shared' : 'diagram parsed per instance';
    out.push(`bpmn-engine 25 — in memory, nothing persisted, ${how}, ${p.batch} waiting at once`);
    out.push(`  throughput              ${f(p.instancesPerSec, 1)} instances/s end to end (${f(p.wallMs / 1000, 2)} s)`);
    out.push(`  CPU per instance        ${f(p.cpuMsPerInstance, 3)} ms`);
    out.push(`  heap per waiting inst.  ${kb(p.heapBytesPerWaiting)}`);
    out.push(`  getState() JSON         avg ${f(p.stateBytes.avg)} B, max ${f(p.stateBytes.max)} B (${p.stateBytes.sampled} sampled)`);
    out.push(`  start → user task       p50 ${ms(p.startToWaiting.p50)} ms, p99 ${ms(p.startToWaiting.p99)} ms`);
    out.push('');
  }

  const ref = r.peers[0];
  const widths = [26, 14, 14, 10, 16, 8];
  out.push('Summary against issue 2' + (ref ? ` (ratio against bpmn-engine, ${ref.source})` : ''));
  out.push(`  ${row(['', 'Karvon', 'bpmn-engine', 'ratio', 'target', ''], widths)}`);
  if (ref) {
    const ratio = k.instancesPerSec / ref.instancesPerSec;
    out.push(`  ${row(['instances/s', f(k.instancesPerSec), f(ref.instancesPerSec, 1), `${f(ratio, 1)}×`, `≥ ${TARGETS.throughputRatio}×`, verdict(ratio >= TARGETS.throughputRatio)], widths)}`);
    out.push(`  ${row(['CPU ms per instance', f(k.cpuMsPerInstance, 3), f(ref.cpuMsPerInstance, 3), `${f(ref.cpuMsPerInstance / k.cpuMsPerInstance, 1)}×`, `< ${TARGETS.cpuMsPerInstance} ms`, verdict(k.cpuMsPerInstance < TARGETS.cpuMsPerInstance)], widths)}`);
    out.push(`  ${row(['memory per waiting inst.', `${f(k.heapBytesPerWaiting)} B`, kb(ref.heapBytesPerWaiting), '', '', ''], widths)}`);
  } else {
    out.push(`  ${row(['instances/s', f(k.instancesPerSec), '—', '—', `≥ ${TARGETS.throughputRatio}×`, ''], widths)}`);
    out.push(`  ${row(['CPU ms per instance', f(k.cpuMsPerInstance, 3), '—', '', `< ${TARGETS.cpuMsPerInstance} ms`, verdict(k.cpuMsPerInstance < TARGETS.cpuMsPerInstance)], widths)}`);
  }
  out.push(`  ${row(['waiting state (max)', `${f(k.waitingState.maxBytes)} B`, ref ? `${f(ref.stateBytes.max)} B` : '—', '', '< 2,048 B', verdict(k.waitingState.maxBytes < TARGETS.waitingStateBytes)], widths)}`);
  if (env.loadAvg1m.before > env.cpus || env.loadAvg1m.after > env.cpus) {
    out.push(`  note: load average above ${env.cpus} (other work on this machine); wall-clock figures are pessimistic, CPU figures less so`);
  }
  console.log(out.join('\n'));
}
