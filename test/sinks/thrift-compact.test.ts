import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { describe, expect, it } from 'vitest';
import { ParquetByteBuffer } from '../../src/sinks/parquet-byte-buffer.js';
import { THRIFT_TYPE, ThriftCompactWriter } from '../../src/sinks/thrift-compact.js';

/** Decodes with hyparquet's Thrift reader (an independent implementation): fields come back as field_<id>. */
function decode(bytes: Uint8Array): Record<string, unknown> {
  return deserializeTCompactProtocol({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 });
}

describe('ThriftCompactWriter', () => {
  it('writes i32, i64 (beyond 2^53 in zigzag form), booleans, binaries, lists and nested structs', () => {
    const buf = new ParquetByteBuffer(4);
    const t = new ThriftCompactWriter(buf);
    t.begin();
    t.i32(1, -2_147_483_648);
    t.i64(2, 2 ** 53 - 1);
    t.i64(3, -(2 ** 53) + 1);
    t.bool(4, true);
    t.bool(5, false);
    t.string(6, 'ünïcødé 😀');
    t.list(7, THRIFT_TYPE.I32, 20);
    for (let i = 0; i < 20; i++) t.elementI32(i - 10);
    t.list(8, THRIFT_TYPE.BINARY, 2);
    t.elementString('a');
    t.elementString('');
    t.struct(9);
    t.i16(1, 300);
    t.struct(2);
    t.end();
    t.end();
    t.i32(40, 7); // a field-id gap above 15 (long-form header)
    t.end();
    const got = decode(buf.view());
    expect(got.field_1).toBe(-2_147_483_648);
    expect(got.field_2).toBe(BigInt(2 ** 53 - 1));
    expect(got.field_3).toBe(BigInt(-(2 ** 53) + 1));
    expect(got.field_4).toBe(true);
    expect(got.field_5).toBe(false);
    expect(new TextDecoder().decode(got.field_6 as Uint8Array)).toBe('ünïcødé 😀');
    expect(got.field_7).toEqual(Array.from({ length: 20 }, (_, i) => i - 10));
    expect((got.field_8 as Uint8Array[]).map((b) => new TextDecoder().decode(b))).toEqual(['a', '']);
    expect(got.field_9).toEqual({ field_1: 300, field_2: {} });
    expect(got.field_40).toBe(7);
  });

  it('writes zigzag varints exactly for every magnitude up to 2^53', () => {
    for (const v of [0, -1, 1, 63, -64, 64, 2 ** 31, -(2 ** 31) - 1, 2 ** 52 + 1, -(2 ** 52) - 1, 2 ** 53 - 1, -(2 ** 53) + 1]) {
      const buf = new ParquetByteBuffer();
      const t = new ThriftCompactWriter(buf);
      t.begin();
      t.i64(1, v);
      t.end();
      expect(decode(buf.view()).field_1).toBe(BigInt(v));
    }
  });
});
