import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
import { describe, expect, it } from 'vitest';
import { ParquetByteBuffer } from '../../src/sinks/parquet-byte-buffer.js';
import { DELTA_MAX_RANGE, writeDeltaBinaryPacked } from '../../src/sinks/parquet-delta.js';

/** Decodes INT64 DELTA_BINARY_PACKED with hyparquet's reader (an independent implementation). */
function decode(bytes: Uint8Array, count: number): number[] {
  const out = new BigInt64Array(count);
  deltaBinaryUnpack({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }, count, out);
  return [...out].map(Number);
}

function roundTrip(values: number[]): number[] {
  const buf = new ParquetByteBuffer(8);
  writeDeltaBinaryPacked(buf, Float64Array.from(values), 0, values.length);
  return decode(buf.view(), values.length);
}

describe('writeDeltaBinaryPacked', () => {
  it('encodes consecutive ids above 2^32 (constant blocks)', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => 5_000_000_000 + i);
    expect(roundTrip(ids)).toEqual(ids);
  });

  it('encodes nearly sorted times with repeats, partial blocks and partial miniblocks', () => {
    let t = 1_704_067_200_000;
    for (const n of [1, 2, 31, 33, 128, 129, 200, 257]) {
      const times = Array.from({ length: n }, (_, i) => (t += (i * 7919) % 3 === 0 ? 0 : (i * 31) % 40));
      expect(roundTrip(times)).toEqual(times);
    }
  });

  it('encodes negative values, descending runs and deltas wider than 32 bits', () => {
    const values = [-(2 ** 50), 2 ** 50, -5, -6, -7, 0, 2 ** 51 - 2 ** 50, -(2 ** 49), ...Array.from({ length: 70 }, (_, i) => -(i + 1) * 2 ** 33)];
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(DELTA_MAX_RANGE);
    expect(roundTrip(values)).toEqual(values);
  });

  it('encodes an empty range as a header only', () => {
    const buf = new ParquetByteBuffer();
    writeDeltaBinaryPacked(buf, new Float64Array(0), 0, 0);
    expect([...buf.view()]).toEqual([0x80, 0x01, 0x04, 0x00, 0x00]);
  });

  it('encodes a range of the input only', () => {
    const buf = new ParquetByteBuffer();
    writeDeltaBinaryPacked(buf, Float64Array.from([1, 2, 100, 90, 80, 7]), 2, 5);
    expect(decode(buf.view(), 3)).toEqual([100, 90, 80]);
  });
});
