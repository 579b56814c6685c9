import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { describe, expect, it } from 'vitest';
import { ParquetByteBuffer } from '../../src/sinks/parquet-byte-buffer.js';
import { writeRleHybrid, writeRun } from '../../src/sinks/parquet-rle.js';

/** Decodes with hyparquet's reader (an independent implementation). */
function decode(bytes: Uint8Array, width: number, count: number): number[] {
  const out = new Int32Array(count);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  readRleBitPackedHybrid(reader, width, out, bytes.byteLength);
  return [...out];
}

describe('writeRleHybrid', () => {
  const cases: [string, number[], number][] = [
    ['a long run', Array(1000).fill(1), 1],
    ['alternating bits', Array.from({ length: 37 }, (_, i) => i % 2), 1],
    ['literals then a run (padding taken from the run)', [1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 1],
    ['a run shorter than 8 after 8 literals', [0, 1, 2, 3, 4, 5, 6, 7, 3, 3, 3], 3],
    ['wide dictionary indices', Array.from({ length: 300 }, (_, i) => (i * 7919) % 65536), 16],
    ['a single value', [1], 1],
  ];
  for (const [name, values, width] of cases) {
    it(`round-trips ${name} through hyparquet's decoder`, () => {
      const buf = new ParquetByteBuffer(16);
      const src = width <= 8 ? Uint8Array.from(values) : Int32Array.from(values);
      const n = writeRleHybrid(buf, src, 0, values.length, width);
      expect(n).toBe(buf.length);
      expect(decode(buf.view(), width, values.length)).toEqual(values);
    });
  }

  it('bit-packs values wider than 24 bits (LSB first)', () => {
    // Eight 32-bit values: the group is their little-endian words.
    const buf = new ParquetByteBuffer();
    writeRleHybrid(buf, Int32Array.from([0x12345678, 1, 2, 3, 4, 5, 6, 0x7fffffff]), 0, 8, 32);
    const words = [0x12345678, 1, 2, 3, 4, 5, 6, 0x7fffffff].flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]);
    expect([...buf.view()]).toEqual([0x03, ...words]);
    // 25-bit values: read back bit by bit (hyparquet's unpacker mis-reads widths above 24).
    const values = Array.from({ length: 20 }, (_, i) => 2 ** 25 - 1 - i * 3);
    const b25 = new ParquetByteBuffer();
    writeRleHybrid(b25, Int32Array.from(values), 0, 20, 25);
    const bytes = b25.view();
    expect(bytes[0]).toBe((3 << 1) | 1); // three groups of 8
    const bit = (pos: number) => (bytes[1 + (pos >> 3)]! >> (pos & 7)) & 1;
    const back = values.map((_, i) => {
      let v = 0;
      for (let k = 0; k < 25; k++) v += bit(i * 25 + k) * 2 ** k;
      return v;
    });
    expect(back).toEqual(values);
    expect(bytes.length).toBe(1 + 3 * 25);
  });

  it('encodes a range of the input only', () => {
    const buf = new ParquetByteBuffer();
    const src = Uint8Array.from([9, 9, 1, 2, 3, 9]);
    writeRleHybrid(buf, src, 2, 5, 2);
    expect(decode(buf.view(), 2, 3)).toEqual([1, 2, 3]);
  });

  it('writes a run as a varint header and the value in ceil(width / 8) bytes', () => {
    const buf = new ParquetByteBuffer();
    writeRun(buf, 0x1234, 200, 13);
    expect([...buf.view()]).toEqual([0x90, 0x03, 0x34, 0x12]);
  });
});
