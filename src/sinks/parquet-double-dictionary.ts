/**
 * A dictionary builder for DOUBLE column chunks: an open-addressing hash table keyed on the 64 bits of each value
 * (so −0 and 0, and NaN payloads, stay distinct), reused across chunks. Prices and quantities are tick-quantized,
 * so a row group holds a few thousand distinct values: indices bit-packed to ~12 bits are 5× smaller than PLAIN
 * doubles before compression, which is what makes zstd cheap.
 * @module
 */

const EMPTY = -1;

/**
 * Builds the dictionary of a chunk of doubles; gives up (returns −1) when the chunk has too many distinct values
 * for a dictionary to pay.
 *
 * @example
 * ```ts
 * const d = new DoubleDictionary(65_536);
 * const entries = d.build(new Float64Array([1.5, 2, 1.5]), 3, indices); // 2; indices = [0, 1, 0]
 * d.values.subarray(0, entries); // Float64Array [1.5, 2]
 * ```
 */
export class DoubleDictionary {
  /** The distinct values of the last chunk built, in first-seen order (first `entries` elements). */
  readonly values: Float64Array;
  private readonly ids: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly valueWords: Uint32Array;

  /** @param maxEntries - most distinct values a dictionary may hold (a power of two). */
  constructor(readonly maxEntries: number) {
    const size = maxEntries * 4;
    this.ids = new Int32Array(size);
    this.mask = size - 1;
    this.shift = Math.clz32(size - 1);
    this.values = new Float64Array(maxEntries);
    this.valueWords = new Uint32Array(this.values.buffer);
  }

  /**
   * Replaces `nums[0, count)` by their dictionary indices in `indices`; returns the number of entries, or −1 when
   * more than `maxEntries` values are distinct, or more than half of the first 8,192 are, or (for a shorter chunk)
   * more than half of all: mostly distinct values (computed features, say) are smaller and faster written PLAIN.
   */
  build(nums: Float64Array, count: number, indices: Int32Array): number {
    const ids = this.ids;
    ids.fill(EMPTY);
    const mask = this.mask;
    const shift = this.shift;
    const max = this.maxEntries;
    const words = new Uint32Array(nums.buffer, nums.byteOffset, count * 2);
    const vw = this.valueWords;
    let entries = 0;
    for (let i = 0; i < count; i++) {
      const lo = words[2 * i]!;
      const hi = words[2 * i + 1]!;
      let slot = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> shift;
      for (;;) {
        const id = ids[slot]!;
        if (id === EMPTY) {
          if (entries === max) return -1;
          ids[slot] = entries;
          vw[2 * entries] = lo;
          vw[2 * entries + 1] = hi;
          indices[i] = entries++;
          break;
        }
        if (vw[2 * id] === lo && vw[2 * id + 1] === hi) {
          indices[i] = id;
          break;
        }
        slot = (slot + 1) & mask;
      }
      if (i === 8191 && entries > 4096) return -1;
    }
    return entries * 2 > count ? -1 : entries;
  }
}
