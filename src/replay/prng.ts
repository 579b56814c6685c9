/**
 * Deterministic hashing and pseudo-random numbers for the replay exchange: the same seed always yields the same
 * market and the same faults, on every machine.
 * @module
 */

/**
 * Mixes up to four 32-bit integers into one well-spread unsigned 32-bit hash (murmur3 finalizer steps).
 *
 * @example
 * ```ts
 * hash32(42, 0, 17) === hash32(42, 0, 17); // true
 * ```
 */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ d, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * {@link hash32} scaled to a float in [0, 1).
 *
 * @example
 * ```ts
 * const u = hash01(7, 1); // 0 ≤ u < 1
 * ```
 */
export function hash01(a: number, b = 0, c = 0, d = 0): number {
  return hash32(a, b, c, d) / 4294967296;
}

/**
 * A small seeded generator (mulberry32): `next()` returns floats in [0, 1).
 *
 * @example
 * ```ts
 * const rng = new Prng(42);
 * rng.next(); // always the same first value for seed 42
 * ```
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = hash32(seed) | 0;
  }

  /** The next float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * Formats an integer count of `10^-decimals` units as exact decimal text.
 *
 * @example
 * ```ts
 * formatScaled(420001, 1); // '42000.1'
 * formatScaled(5, 3);      // '0.005'
 * ```
 */
export function formatScaled(units: number, decimals: number): string {
  if (decimals === 0) return String(units);
  const neg = units < 0;
  const s = String(Math.abs(units)).padStart(decimals + 1, '0');
  const cut = s.length - decimals;
  return `${neg ? '-' : ''}${s.slice(0, cut)}.${s.slice(cut)}`;
}
