/**
 * A minimal Thrift compact-protocol writer: just enough to serialize Parquet's PageHeader and FileMetaData
 * structs (i32/i64 as zigzag varints of safe integers, booleans in the field header, binaries, lists, structs).
 * Field ids must be written in increasing order within a struct.
 * @module
 */
import type { ParquetByteBuffer } from './parquet-byte-buffer.js';

/** Thrift compact-protocol type ids. */
export const THRIFT_TYPE = {
  STOP: 0,
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;

const utf8 = new TextEncoder();

/**
 * Writes Thrift compact-protocol structs into a {@link ParquetByteBuffer}. Open the outermost struct with
 * {@link ThriftCompactWriter.begin}, nested ones with {@link ThriftCompactWriter.struct} (a field) or
 * {@link ThriftCompactWriter.begin} (a list element), and close each with {@link ThriftCompactWriter.end}.
 *
 * @example
 * ```ts
 * const buf = new ParquetByteBuffer();
 * const t = new ThriftCompactWriter(buf);
 * t.begin();
 * t.i32(1, 2); // field 1: version 2
 * t.end();
 * ```
 */
export class ThriftCompactWriter {
  private lastField = 0;
  private readonly stack: number[] = [];

  constructor(readonly out: ParquetByteBuffer) {}

  /** Opens a struct that is the root or a list element (no field header). */
  begin(): void {
    this.stack.push(this.lastField);
    this.lastField = 0;
  }

  /** Closes the current struct (writes STOP). */
  end(): void {
    this.out.u8(THRIFT_TYPE.STOP);
    this.lastField = this.stack.pop() ?? 0;
  }

  /** Opens a struct-valued field. */
  struct(field: number): void {
    this.header(field, THRIFT_TYPE.STRUCT);
    this.begin();
  }

  /** Writes an i32 field (also used for enums). */
  i32(field: number, v: number): void {
    this.header(field, THRIFT_TYPE.I32);
    this.out.zigzag(v);
  }

  /** Writes an i16 field. */
  i16(field: number, v: number): void {
    this.header(field, THRIFT_TYPE.I16);
    this.out.zigzag(v);
  }

  /** Writes an i64 field from a safe integer. */
  i64(field: number, v: number): void {
    this.header(field, THRIFT_TYPE.I64);
    this.out.zigzag(v);
  }

  /** Writes a boolean field. */
  bool(field: number, v: boolean): void {
    this.header(field, v ? THRIFT_TYPE.TRUE : THRIFT_TYPE.FALSE);
  }

  /** Writes a binary field. */
  binary(field: number, v: Uint8Array): void {
    this.header(field, THRIFT_TYPE.BINARY);
    this.out.varint(v.length);
    this.out.raw(v);
  }

  /** Writes a string field (UTF-8). */
  string(field: number, v: string): void {
    this.binary(field, utf8.encode(v));
  }

  /** Opens a list field of `size` elements of `elementType`; write the elements next (no end marker). */
  list(field: number, elementType: number, size: number): void {
    this.header(field, THRIFT_TYPE.LIST);
    if (size < 15) {
      this.out.u8((size << 4) | elementType);
    } else {
      this.out.u8(0xf0 | elementType);
      this.out.varint(size);
    }
  }

  /** Writes an i32 list element. */
  elementI32(v: number): void {
    this.out.zigzag(v);
  }

  /** Writes a string list element. */
  elementString(v: string): void {
    const b = utf8.encode(v);
    this.out.varint(b.length);
    this.out.raw(b);
  }

  private header(field: number, type: number): void {
    const delta = field - this.lastField;
    if (delta > 0 && delta <= 15) {
      this.out.u8((delta << 4) | type);
    } else {
      this.out.u8(type);
      this.out.zigzag(field);
    }
    this.lastField = field;
  }
}
