/** Randomness, injected (STYLE.md): `next()` is uniform in [0, 1). */
export interface Rng {
  next(): number;
}

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence, so a
 * simulated fleet replays exactly. Not for cryptography.
 */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * The pause before the next poll: `intervalMs` spread uniformly over
 * [1 - jitter, 1 + jitter] times itself (jitter in [0, 1]), so a fleet started
 * at once does not poll in step. The longest pause is `intervalMs * (1 + jitter)`.
 */
export function jitteredIntervalMs(intervalMs: number, jitter: number, rng: Rng): number {
  const j = Math.min(Math.max(jitter, 0), 1);
  return Math.round(intervalMs * (1 - j + 2 * j * rng.next()));
}

/**
 * The pause after the `failures`-th failure in a row (1-based): exponential
 * from `baseMs`, capped at `maxMs`, with full jitter (uniform in [0, cap)).
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number, rng: Rng): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(cap * rng.next());
}
