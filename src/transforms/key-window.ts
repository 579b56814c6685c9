/**
 * Bounded first-in-first-out sets of recently seen keys, the state of `dedupe`.
 * @module
 */

/**
 * A set of at most `capacity` keys, each a pair (`group`, `value`) of a small non-negative integer group (e.g. an
 * interned symbol; 0 when unused) and a number (e.g. an aggregate-trade id), that forgets the oldest key when a
 * new one would exceed the capacity. Open addressing with linear probing over typed arrays (no object or string
 * per key; several times faster than a `Set` of numbers above 2^31), backward-shift deletion, a ring buffer for the eviction order.
 *
 * Memory: about 44 bytes × capacity (a table of ≥ 2 × capacity slots of 16 bytes, a ring of 12 bytes per key).
 *
 * @example
 * ```ts
 * const w = new NumberKeyWindow(2);
 * w.add(0, 10); // true (new)
 * w.add(0, 10); // false (seen)
 * w.add(0, 11); w.add(0, 12); // 10 is forgotten
 * w.add(0, 10); // true
 * ```
 */
export class NumberKeyWindow {
  private readonly mask: number;
  /** Slot k holds its value at `2k` and its group + 1 at `2k + 1` (0: empty), so one probe touches one cache line. */
  private readonly table: Float64Array;
  private readonly ringValues: Float64Array;
  private readonly ringGroups: Int32Array;
  private head = 0;
  /** Keys held. */
  size = 0;

  /** @param capacity - The most keys remembered (≥ 1). */
  constructor(readonly capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.table = new Float64Array(slots * 2);
    this.ringValues = new Float64Array(capacity);
    this.ringGroups = new Int32Array(capacity);
  }

  /** Adds the key; returns `false` when it is already held (a duplicate), `true` when it was added. */
  add(group: number, value: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const tag = group + 1;
    const home = hashPair(group, value) & mask;
    let i = home;
    for (;;) {
      const t = table[2 * i + 1] as number;
      if (t === 0) break;
      if (t === tag && table[2 * i] === value) return false;
      i = (i + 1) & mask;
    }
    if (this.size === this.capacity) {
      const h = this.head;
      this.remove(this.ringGroups[h] as number, this.ringValues[h] as number);
      // The removal may have shifted entries: probe again for a free slot.
      i = home;
      while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
    } else {
      this.size++;
    }
    table[2 * i] = value;
    table[2 * i + 1] = tag;
    const h = this.head;
    this.ringValues[h] = value;
    this.ringGroups[h] = group;
    this.head = h + 1 === this.capacity ? 0 : h + 1;
    return true;
  }

  /** Calls `fn` with every held key, oldest first. */
  forEachOldestFirst(fn: (group: number, value: number) => void): void {
    const start = this.size < this.capacity ? 0 : this.head;
    for (let k = 0; k < this.size; k++) {
      const j = (start + k) % this.capacity;
      fn(this.ringGroups[j] as number, this.ringValues[j] as number);
    }
  }

  private remove(group: number, value: number): void {
    const table = this.table;
    const mask = this.mask;
    const tag = group + 1;
    let i = hashPair(group, value) & mask;
    for (;;) {
      const t = table[2 * i + 1] as number;
      if (t === 0) return;
      if (t === tag && table[2 * i] === value) break;
      i = (i + 1) & mask;
    }
    table[2 * i + 1] = 0;
    // Backward-shift deletion: move later entries of the probe run into the hole when their home slot allows it.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const t = table[2 * j + 1] as number;
      if (t === 0) return;
      const v = table[2 * j] as number;
      const home = hashPair(t - 1, v) & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      table[2 * i] = v;
      table[2 * i + 1] = t;
      table[2 * j + 1] = 0;
      i = j;
    }
  }
}

const TWO_32 = 4294967296;
const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** A 32-bit hash of (group, value): integers from their two 32-bit halves, other numbers from their bits. */
function hashPair(group: number, value: number): number {
  let lo: number;
  let hi: number;
  if (Number.isSafeInteger(value)) {
    hi = Math.floor(value / TWO_32);
    lo = value - hi * TWO_32;
  } else {
    scratch[0] = value;
    lo = scratchBits[0] as number;
    hi = (scratchBits[1] as number) ^ 0x7ff00000;
  }
  let h = Math.imul(lo ^ Math.imul(group, 0x27d4eb2d), 0x9e3779b1);
  h ^= Math.imul(hi + (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A set of at most `capacity` keys of any type (compared like `Set` does: by value for numbers and strings) that
 * forgets the oldest key when a new one would exceed the capacity.
 *
 * Memory: a `Set` and an array of `capacity` entries.
 *
 * @example
 * ```ts
 * const w = new ValueKeyWindow(100_000);
 * w.add('BTCUSDT\u00011m\u00011567969200000'); // true
 * ```
 */
export class ValueKeyWindow {
  private readonly seen = new Set<unknown>();
  private readonly ring: unknown[] = [];
  private head = 0;

  /** @param capacity - The most keys remembered (≥ 1). */
  constructor(readonly capacity: number) {}

  /** Adds the key; returns `false` when it is already held (a duplicate), `true` when it was added. */
  add(key: unknown): boolean {
    const seen = this.seen;
    if (seen.has(key)) return false;
    const ring = this.ring;
    if (ring.length < this.capacity) {
      ring.push(key);
    } else {
      const h = this.head;
      seen.delete(ring[h]);
      ring[h] = key;
      this.head = h + 1 === this.capacity ? 0 : h + 1;
    }
    seen.add(key);
    return true;
  }
}
