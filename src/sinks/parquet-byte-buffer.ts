/**
 * A growable little-endian byte buffer for the Parquet encoder: raw bytes, fixed-width integers and ULEB128 /
 * zigzag varints of JavaScript numbers (exact for every safe integer, without BigInt).
 * @module
 */

/**
 * A growable byte buffer; {@link ParquetByteBuffer.length} bytes of {@link ParquetByteBuffer.bytes} are in use.
 *
 * @example
 * ```ts
 * const b = new ParquetByteBuffer();
 * b.varint(300);
 * b.view(); // Uint8Array [0xac, 0x02]
 * ```
 */
export class ParquetByteBuffer {
  /** The backing store; only the first `length` bytes are meaningful. Replaced when the buffer grows. */
  bytes: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Forgets the content (keeps the capacity). */
  reset(): void {
    this.length = 0;
  }

  /** The bytes written so far, as a view valid until the next write. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  copy(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  /** Appends one byte (0…255). */
  u8(v: number): void {
    if (this.length >= this.bytes.length) this.ensure(1);
    this.bytes[this.length++] = v;
  }

  /** Appends an unsigned 32-bit integer, little-endian. */
  u32(v: number): void {
    this.ensure(4);
    const b = this.bytes;
    const i = this.length;
    b[i] = v & 0xff;
    b[i + 1] = (v >>> 8) & 0xff;
    b[i + 2] = (v >>> 16) & 0xff;
    b[i + 3] = (v >>> 24) & 0xff;
    this.length = i + 4;
  }

  /** Appends bytes. */
  raw(src: Uint8Array): void {
    this.ensure(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
  }

  /** Appends a ULEB128 varint of a non-negative integer up to 2^53 (exact). */
  varint(v: number): void {
    this.ensure(8);
    const b = this.bytes;
    let i = this.length;
    while (v >= 0x80) {
      b[i++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[i++] = v;
    this.length = i;
  }

  /**
   * Appends a zigzag varint of a safe integer (Thrift i32/i64, DELTA_BINARY_PACKED header values), exact even
   * where the zigzag value itself is above 2^53.
   */
  zigzag(v: number): void {
    // zigzag(n) = 2n for n ≥ 0, 2|n| − 1 for n < 0. Write its low 7 bits, then the rest (= ⌊m/64⌋) as a varint,
    // where m = n or |n| − 1: every intermediate stays a safe integer.
    const neg = v < 0;
    const m = neg ? -v - 1 : v;
    const low = (m % 64) * 2 + (neg ? 1 : 0);
    const rest = Math.floor(m / 64);
    if (rest === 0) {
      this.u8(low);
    } else {
      this.u8(low | 0x80);
      this.varint(rest);
    }
  }
}
