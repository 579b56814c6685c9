/**
 * DELTA_BINARY_PACKED encoding of integers held as JavaScript numbers (blocks of 128 values, 4 miniblocks of 32),
 * computed in exact double arithmetic without BigInt. Callers guarantee that every value is a safe integer and
 * that max − min ≤ {@link DELTA_MAX_RANGE}, so every delta and every adjusted delta is exact.
 * @module
 */
import type { ParquetByteBuffer } from './parquet-byte-buffer.js';

const BLOCK = 128;
const MINIBLOCKS = 4;
const PER_MINIBLOCK = 32;
const TWO_32 = 4294967296;

/** The widest value range (max − min) the encoder accepts: adjusted deltas stay below 2^53. */
export const DELTA_MAX_RANGE = 2 ** 51;

const deltas = new Float64Array(BLOCK);
const widths = new Uint8Array(MINIBLOCKS);
const words = new Uint32Array(64);
const wordBytes = new Uint8Array(words.buffer);

/**
 * Appends `values[start, end)` DELTA_BINARY_PACKED.
 *
 * @example
 * ```ts
 * writeDeltaBinaryPacked(buf, new Float64Array([3_000_000_000, 3_000_000_001]), 0, 2);
 * ```
 */
export function writeDeltaBinaryPacked(out: ParquetByteBuffer, values: Float64Array, start: number, end: number): void {
  const count = end - start;
  out.varint(BLOCK);
  out.varint(MINIBLOCKS);
  out.varint(count);
  out.zigzag(count > 0 ? values[start]! : 0);
  let i = start + 1;
  while (i < end) {
    const n = Math.min(BLOCK, end - i);
    let prev = values[i - 1]!;
    let minDelta = Infinity;
    let maxDelta = -Infinity;
    for (let k = 0; k < n; k++) {
      const v = values[i + k]!;
      const d = v - prev;
      deltas[k] = d;
      if (d < minDelta) minDelta = d;
      if (d > maxDelta) maxDelta = d;
      prev = v;
    }
    out.zigzag(minDelta);
    out.ensure(MINIBLOCKS);
    const b = out.bytes;
    const at = out.length;
    if (minDelta === maxDelta) {
      // Constant step (consecutive ids, a constant column): four zero-width miniblocks, no payload.
      b[at] = 0;
      b[at + 1] = 0;
      b[at + 2] = 0;
      b[at + 3] = 0;
      out.length = at + 4;
      i += n;
      continue;
    }
    const used = Math.ceil(n / PER_MINIBLOCK);
    for (let m = 0; m < MINIBLOCKS; m++) {
      let max = 0;
      if (m < used) {
        const a = m * PER_MINIBLOCK;
        const e = Math.min(a + PER_MINIBLOCK, n);
        for (let k = a; k < e; k++) {
          const adj = deltas[k]! - minDelta;
          deltas[k] = adj;
          if (adj > max) max = adj;
        }
      }
      const w = bitWidthOf(max);
      widths[m] = w;
      b[at + m] = w;
    }
    out.length = at + 4;
    for (let m = 0; m < used; m++) {
      const w = widths[m]!;
      if (w === 0) continue;
      const a = m * PER_MINIBLOCK;
      packMiniblock(out, a, Math.min(a + PER_MINIBLOCK, n) - a, w);
    }
    i += n;
  }
}

/** Bits needed for a non-negative integer below 2^53. */
function bitWidthOf(v: number): number {
  if (v < TWO_32) return 32 - Math.clz32(v);
  return 64 - Math.clz32(Math.floor(v / TWO_32));
}

/** Packs `count` adjusted deltas from `deltas[a…]` into 32 slots of `w` bits (w words), LSB first. */
function packMiniblock(out: ParquetByteBuffer, a: number, count: number, w: number): void {
  words.fill(0, 0, w);
  let bit = 0;
  if (w <= 32) {
    for (let k = 0; k < count; k++) {
      const v = deltas[a + k]!;
      const wi = bit >>> 5;
      const sh = bit & 31;
      words[wi]! |= v << sh;
      if (sh + w > 32) words[wi + 1]! |= v >>> (32 - sh);
      bit += w;
    }
  } else {
    const hw = w - 32;
    for (let k = 0; k < count; k++) {
      const v = deltas[a + k]!;
      const lo = v % TWO_32;
      const hi = Math.floor(v / TWO_32);
      let wi = bit >>> 5;
      const sh = bit & 31;
      words[wi]! |= lo << sh;
      if (sh > 0) words[wi + 1]! |= lo >>> (32 - sh);
      wi++;
      words[wi]! |= hi << sh;
      if (sh + hw > 32) words[wi + 1]! |= hi >>> (32 - sh);
      bit += w;
    }
  }
  const len = w * 4;
  out.ensure(len);
  const b = out.bytes;
  let p = out.length;
  for (let j = 0; j < len; j++) b[p++] = wordBytes[j]!;
  out.length = p;
}
