/**
 * Parquet's RLE / bit-packing hybrid encoding of small unsigned integers (definition levels, dictionary indices):
 * runs of 8 or more equal values become RLE runs, the rest bit-packed groups of 8 (LSB first).
 * @module
 */
import type { ParquetByteBuffer } from './parquet-byte-buffer.js';

/** Shortest run written as an RLE run. */
const MIN_RUN = 8;

/**
 * Appends `values[start, end)` (each below 2^bitWidth, bitWidth 1…32) with the RLE / bit-packing hybrid encoding,
 * without a length prefix; returns the bytes written.
 *
 * @example
 * ```ts
 * writeRleHybrid(buf, new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1, 0]), 0, 9, 1);
 * ```
 */
export function writeRleHybrid(
  out: ParquetByteBuffer,
  values: Uint8Array | Int32Array,
  start: number,
  end: number,
  bitWidth: number,
): number {
  const before = out.length;
  let literalStart = start;
  let i = start;
  while (i < end) {
    const v = values[i]!;
    let j = i + 1;
    while (j < end && values[j] === v) j++;
    let run = j - i;
    if (run >= MIN_RUN) {
      // Bit-packed groups hold multiples of 8 values: top the pending literals up from this run first.
      if (i > literalStart) {
        const pad = (8 - ((i - literalStart) & 7)) & 7;
        i += pad;
        run -= pad;
        writeBitPacked(out, values, literalStart, i, bitWidth);
      }
      if (run > 0) writeRun(out, v, run, bitWidth);
      i = j;
      literalStart = j;
    } else {
      i = j;
    }
  }
  if (literalStart < end) writeBitPacked(out, values, literalStart, end, bitWidth);
  return out.length - before;
}

/** Appends one RLE run of `count` copies of `value`. */
export function writeRun(out: ParquetByteBuffer, value: number, count: number, bitWidth: number): void {
  out.varint(count * 2);
  const bytes = (bitWidth + 7) >>> 3;
  for (let b = 0; b < bytes; b++) out.u8((value >>> (8 * b)) & 0xff);
}

/** Appends values[start, end) as bit-packed groups of 8 (the last group padded with zeros). */
function writeBitPacked(out: ParquetByteBuffer, values: Uint8Array | Int32Array, start: number, end: number, bitWidth: number): void {
  const groups = Math.ceil((end - start) / 8);
  out.varint(groups * 2 + 1);
  const total = groups * 8;
  out.ensure(groups * bitWidth);
  const bytes = out.bytes;
  let pos = out.length;
  if (bitWidth <= 24) {
    // At most 7 pending bits plus 24 new ones: the accumulator fits 32-bit integer operations.
    let acc = 0;
    let bits = 0;
    for (let k = 0; k < total; k++) {
      const idx = start + k;
      acc |= (idx < end ? values[idx]! : 0) << bits;
      bits += bitWidth;
      while (bits >= 8) {
        bytes[pos++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
  } else {
    let acc = 0; // pending bits, as a number below 2^40
    let bits = 0;
    for (let k = 0; k < total; k++) {
      const idx = start + k;
      const v = idx < end ? values[idx]! >>> 0 : 0;
      acc += v * 2 ** bits;
      bits += bitWidth;
      while (bits >= 8) {
        bytes[pos++] = acc % 256;
        acc = Math.floor(acc / 256);
        bits -= 8;
      }
    }
  }
  out.length = pos;
}
