// A seeded random source, so a soak run's kill moments, workload mix and faults, the property
// test's processes and paths, and the hostile-input fuzz's requests repeat for a seed.

/** mulberry32: small, fast, and good enough to pick moments and mixes. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
