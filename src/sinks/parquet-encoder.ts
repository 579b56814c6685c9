/**
 * scalplake's own Parquet encoder for flat table schemas (no nesting, no repetition): one row group at a time,
 * column by column, straight from the records into typed arrays and pages, without BigInt per value.
 *
 * Encodings: INT64 and timestamps DELTA_BINARY_PACKED (PLAIN when the chunk's value range exceeds 2^51), INT32,
 * DOUBLE and BOOLEAN PLAIN, strings RLE_DICTIONARY with a PLAIN dictionary page (PLAIN when the chunk's
 * dictionary would pass the page size or 65,536 entries). Nullable columns carry RLE definition levels. Pages are
 * DATA_PAGE_V2, about `pageSize` bytes of values each, compressed one by one. Every column chunk gets min/max and
 * null-count statistics (min/max omitted for an all-null chunk, a double chunk holding NaN and strings over 1 KiB).
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import { type ColumnSpec, columnsOf, type ParquetSchemaElement, parquetSchemaOf, type TableSchema } from '../core/schema.js';
import { ParquetByteBuffer } from './parquet-byte-buffer.js';
import { DoubleDictionary } from './parquet-double-dictionary.js';
import { DELTA_MAX_RANGE, writeDeltaBinaryPacked } from './parquet-delta.js';
import { badValue, compileGatherer, type GatheredColumn, type Gatherer, gatheredColumn } from './parquet-gather.js';
import {
  type ChunkStatistics,
  type ColumnChunkMeta,
  PQ,
  type RowGroupMeta,
  writeDataPageV2Header,
  writeDictionaryPageHeader,
  writeFileMetaData,
} from './parquet-metadata.js';
import { writeRleHybrid, writeRun } from './parquet-rle.js';

/** Options of a {@link ParquetEncoder}. */
export interface ParquetEncoderOptions {
  /** Compresses one page; absent for UNCOMPRESSED. */
  readonly compress?: (page: Uint8Array) => Uint8Array;
  /** The codec id written into the metadata ({@link PQ}.codec). */
  readonly codec: number;
  /** Whether to write min/max/null-count statistics per column chunk. */
  readonly statistics: boolean;
  /** Target bytes of (uncompressed) values per page. */
  readonly pageSize: number;
  /** The footer's `created_by`. */
  readonly createdBy: string;
}

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1
const MAX_DICTIONARY_ENTRIES = 1 << 16;
const MAX_STAT_BYTES = 1024;
const TWO_32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

/**
 * Runs a stepwise encoding to its end at once, returning its result (the synchronous callers of the `…InSteps` methods).
 *
 * @example
 * ```ts
 * const bytes = runSteps(encoder.encodeColumnsInSteps(n, fill));
 * ```
 */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Encodes row groups and the footer of one Parquet file. Bytes come out in file order: the concatenation of every
 * array returned by {@link ParquetEncoder.encodeRowGroup} and the one returned by {@link ParquetEncoder.finish}
 * is the file. The same rows always give the same bytes.
 *
 * @throws `SINK_WRITE` from `encodeRowGroup`, naming the column, row and value, when a value does not fit its column.
 * @example
 * ```ts
 * const enc = new ParquetEncoder(Kline, { codec: PQ.codec.UNCOMPRESSED, statistics: true, pageSize: 1 << 20, createdBy: 'scalplake' });
 * const file = concatBytes([enc.encodeRowGroup(klines, 0, klines.length), enc.finish()]);
 * ```
 */
export class ParquetEncoder {
  /** Bytes emitted so far (the file offset of the next byte). */
  offset = 0;
  /** Rows encoded so far. */
  rows = 0;
  private readonly columns: readonly ColumnSpec[];
  private readonly schema: readonly ParquetSchemaElement[];
  private readonly rowGroups: RowGroupMeta[] = [];
  private readonly out = new ParquetByteBuffer(1 << 20);
  private readonly page = new ParquetByteBuffer(1 << 16);
  private readonly levels = new ParquetByteBuffer(1 << 12);
  private readonly gather: Gatherer;
  private readonly gathered: GatheredColumn[];
  private ints = new Int32Array(0);
  private doubleDictionary: DoubleDictionary | undefined;
  private readonly word = new Int32Array(2);
  private readonly wordBytes = new Uint8Array(this.word.buffer);
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);
  // Per-column-chunk accumulators.
  private uncompressed = 0;
  private compressed = 0;
  private pages = 0;

  /** The row groups encoded so far (kept ones included), in file order. */
  get groups(): readonly RowGroupMeta[] {
    return this.rowGroups;
  }

  /**
   * Continues a file whose first `offset` bytes (the magic and the row groups `groups` describe) were already
   * emitted, by this encoder's configuration: the next row group starts at `offset` and the footer lists them all.
   * Must be called before anything is encoded.
   */
  resume(groups: readonly RowGroupMeta[], offset: number): void {
    if (this.offset !== 0 || this.rowGroups.length > 0) {
      throw new ScalplakeError('SINK_WRITE', 'A Parquet encoder can only resume a file before it encodes anything', {});
    }
    this.rowGroups.push(...groups);
    for (const g of groups) this.rows += g.numRows;
    this.offset = offset;
  }

  constructor(
    table: TableSchema,
    private readonly options: ParquetEncoderOptions,
  ) {
    if (!LITTLE_ENDIAN) throw new ScalplakeError('SINK_WRITE', 'The Parquet encoder needs a little-endian platform', {});
    this.columns = columnsOf(table);
    this.schema = parquetSchemaOf(table);
    this.gather = compileGatherer(this.columns);
    this.gathered = this.columns.map(gatheredColumn);
  }

  /**
   * Encodes `rows[start, end)` as one row group (preceded by the file magic if nothing was emitted yet).
   *
   * @throws `SINK_WRITE` naming the column, the row and the value when a value does not fit its column.
   */
  encodeRowGroup(rows: readonly unknown[], start: number, end: number): Uint8Array {
    const n = end - start;
    this.gather(rows, start, n, this.gathered, this.rows);
    return this.encodeGathered(n);
  }

  /**
   * Encodes `n` rows that `fill` writes straight into the gathered columns (for callers that already hold columns,
   * such as the silver sink's packed buffers), as one row group.
   */
  encodeColumns(n: number, fill: (columns: GatheredColumn[], n: number) => void): Uint8Array {
    return runSteps(this.encodeColumnsInSteps(n, fill));
  }

  /**
   * {@link ParquetEncoder.encodeColumns} one column chunk per step: the caller may let other work run between steps
   * (a live ingest keeps receiving frames while a row group is encoded). The generator's return value is the bytes.
   */
  *encodeColumnsInSteps(n: number, fill: (columns: GatheredColumn[], n: number) => void): Generator<void, Uint8Array> {
    for (const g of this.gathered) g.ensure(n);
    fill(this.gathered, n);
    for (const g of this.gathered) this.checkFilled(g, n);
    yield;
    return yield* this.encodeGatheredInSteps(n);
  }

  /**
   * Checks what a caller filled in, as the gatherer checks records: columns built by a producer (the gold engine's
   * blocks) bypass every row check, and a value its column cannot hold would otherwise be written silently wrong
   * (an INT32 wrapped, a fraction or NaN in an INT64 scrambling the delta-packed page).
   */
  private checkFilled(g: GatheredColumn, n: number): void {
    const spec = g.spec;
    if (g.values > n || (!spec.nullable && g.values !== n)) {
      throw new ScalplakeError('SINK_WRITE', `Column "${spec.name}" (${spec.type}) was filled with ${g.values} values for ${n} rows`, {
        context: { column: spec.name, values: g.values, rows: n },
      });
    }
    const t = spec.type;
    if (t === 'double' || t === 'string') return;
    const nums = g.nums;
    let bad = -1;
    if (t === 'int32') {
      for (let i = 0; i < g.values; i++) if ((nums[i]! | 0) !== nums[i]) { bad = i; break; }
    } else if (t === 'boolean') {
      for (let i = 0; i < g.values; i++) if (nums[i] !== 0 && nums[i] !== 1) { bad = i; break; }
    } else {
      for (let i = 0; i < g.values; i++) if (!Number.isSafeInteger(nums[i])) { bad = i; break; }
    }
    if (bad >= 0) throw badValue(spec, this.rows + rowOfValue(g, n, bad), nums[bad]);
  }

  private encodeGathered(n: number): Uint8Array {
    return runSteps(this.encodeGatheredInSteps(n));
  }

  private *encodeGatheredInSteps(n: number): Generator<void, Uint8Array> {
    if (this.ints.length < n) this.ints = new Int32Array(n);
    const out = this.out;
    out.reset();
    if (this.offset === 0) out.raw(MAGIC);
    const fileOffset = this.offset + out.length;
    const metas: ColumnChunkMeta[] = [];
    for (let k = 0; k < this.gathered.length; k++) {
      if (k > 0) yield;
      metas.push(this.encodeColumn(this.gathered[k]!, n));
    }
    this.rowGroups.push({ columns: metas, numRows: n, fileOffset });
    this.rows += n;
    const bytes = out.copy();
    this.offset += bytes.length;
    if (out.bytes.length > 1 << 24) this.out.bytes = new Uint8Array(1 << 20); // do not pin a huge buffer
    return bytes;
  }

  /** Encodes the footer (and the magic, for a file without row groups); returns the remaining bytes. */
  finish(): Uint8Array {
    const out = this.out;
    out.reset();
    if (this.offset === 0) out.raw(MAGIC);
    const start = out.length;
    writeFileMetaData(out, this.schema, this.rows, this.rowGroups, this.options.createdBy);
    out.u32(out.length - start);
    out.raw(MAGIC);
    const bytes = out.copy();
    this.offset += bytes.length;
    return bytes;
  }

  private encodeColumn(g: GatheredColumn, n: number): ColumnChunkMeta {
    this.uncompressed = 0;
    this.compressed = 0;
    this.pages = 0;
    switch (g.spec.type) {
      case 'int64':
      case 'timestamp':
        return this.encodeInt64(g, n);
      case 'int32':
        return this.encodeInt32(g, n);
      case 'double':
        return this.encodeDouble(g, n);
      case 'boolean':
        return this.encodeBoolean(g, n);
      case 'string':
        return this.encodeString(g, n);
    }
  }

  private encodeInt64(g: GatheredColumn, n: number): ColumnChunkMeta {
    const delta = g.values === 0 || g.max - g.min <= DELTA_MAX_RANGE;
    const encoding = delta ? PQ.encoding.DELTA_BINARY_PACKED : PQ.encoding.PLAIN;
    const dataPageOffset = this.position();
    const perPage = Math.max(1, Math.floor(this.options.pageSize / 8));
    let v0 = 0;
    for (let r0 = 0; r0 < n; r0 += perPage) {
      const r1 = Math.min(n, r0 + perPage);
      const nulls = nullsIn(g, n, r0, r1);
      const v1 = v0 + (r1 - r0 - nulls);
      this.page.reset();
      if (delta) writeDeltaBinaryPacked(this.page, g.nums, v0, v1);
      else this.plainInt64(g.nums, v0, v1);
      this.emitDataPage(g, r0, r1, nulls, encoding);
      v0 = v1;
    }
    const stats = this.stats(g, n, () => [this.int64Bytes(g.min), this.int64Bytes(g.max)]);
    return this.meta(g.spec, PQ.type.INT64, encoding, n, dataPageOffset, undefined, stats);
  }

  private encodeInt32(g: GatheredColumn, n: number): ColumnChunkMeta {
    const ints = this.ints;
    const nums = g.nums;
    for (let i = 0; i < g.values; i++) ints[i] = nums[i]!;
    const dataPageOffset = this.position();
    const perPage = Math.max(1, Math.floor(this.options.pageSize / 4));
    let v0 = 0;
    for (let r0 = 0; r0 < n; r0 += perPage) {
      const r1 = Math.min(n, r0 + perPage);
      const nulls = nullsIn(g, n, r0, r1);
      const v1 = v0 + (r1 - r0 - nulls);
      this.page.reset();
      this.page.raw(new Uint8Array(ints.buffer, ints.byteOffset + v0 * 4, (v1 - v0) * 4));
      this.emitDataPage(g, r0, r1, nulls, PQ.encoding.PLAIN);
      v0 = v1;
    }
    const stats = this.stats(g, n, () => [int32Bytes(g.min), int32Bytes(g.max)]);
    return this.meta(g.spec, PQ.type.INT32, PQ.encoding.PLAIN, n, dataPageOffset, undefined, stats);
  }

  private encodeDouble(g: GatheredColumn, n: number): ColumnChunkMeta {
    // Parquet's rule for floating-point bounds: a zero minimum is written −0, a zero maximum +0, NaN never. A chunk
    // holding a NaN gets no bounds at all (as DuckDB's own writer does): DuckDB orders NaN above every number, so
    // with NaN-free bounds it skips the chunk for `x > max` or `x = 'nan'` and silently drops the NaN rows.
    const stats = this.stats(g, n, () =>
      hasNaN(g.nums, g.values) ? undefined : [this.doubleBytes(g.min === 0 ? -0 : g.min), this.doubleBytes(g.max === 0 ? 0 : g.max)],
    );
    const entries = this.doubleEntries(g.nums, g.values);
    if (entries > 0) {
      const dict = this.doubleDictionary!;
      const dictionaryPageOffset = this.position();
      this.page.reset();
      this.page.raw(new Uint8Array(dict.values.buffer, dict.values.byteOffset, entries * 8));
      this.emitDictionaryPage(entries);
      const dataPageOffset = this.writeIndexPages(g, n, entries);
      return this.meta(g.spec, PQ.type.DOUBLE, PQ.encoding.RLE_DICTIONARY, n, dataPageOffset, dictionaryPageOffset, stats);
    }
    const dataPageOffset = this.position();
    const perPage = Math.max(1, Math.floor(this.options.pageSize / 8));
    let v0 = 0;
    for (let r0 = 0; r0 < n; r0 += perPage) {
      const r1 = Math.min(n, r0 + perPage);
      const nulls = nullsIn(g, n, r0, r1);
      const v1 = v0 + (r1 - r0 - nulls);
      this.page.reset();
      this.page.raw(new Uint8Array(g.nums.buffer, g.nums.byteOffset + v0 * 8, (v1 - v0) * 8));
      this.emitDataPage(g, r0, r1, nulls, PQ.encoding.PLAIN);
      v0 = v1;
    }
    return this.meta(g.spec, PQ.type.DOUBLE, PQ.encoding.PLAIN, n, dataPageOffset, undefined, stats);
  }

  /** Dictionary-codes the chunk's doubles into `ints`; returns the entries, or 0 when PLAIN is the better choice. */
  private doubleEntries(nums: Float64Array, values: number): number {
    if (values < 64) return 0;
    const maxEntries = Math.min(MAX_DICTIONARY_ENTRIES, 2 ** Math.floor(Math.log2(Math.max(8, this.options.pageSize / 8))));
    if (this.doubleDictionary === undefined || this.doubleDictionary.maxEntries !== maxEntries) {
      this.doubleDictionary = new DoubleDictionary(maxEntries);
    }
    return Math.max(0, this.doubleDictionary.build(nums, values, this.ints));
  }

  /** Writes the RLE_DICTIONARY data pages of the indices in `ints`; returns the offset of the first. */
  private writeIndexPages(g: GatheredColumn, n: number, entries: number): number {
    const bitWidth = Math.max(1, 32 - Math.clz32(entries - 1));
    const dataPageOffset = this.position();
    const perPage = Math.max(8, Math.floor((this.options.pageSize * 8) / bitWidth));
    let v0 = 0;
    for (let r0 = 0; r0 < n; r0 += perPage) {
      const r1 = Math.min(n, r0 + perPage);
      const nulls = nullsIn(g, n, r0, r1);
      const v1 = v0 + (r1 - r0 - nulls);
      this.page.reset();
      this.page.u8(bitWidth);
      writeRleHybrid(this.page, this.ints, v0, v1, bitWidth);
      this.emitDataPage(g, r0, r1, nulls, PQ.encoding.RLE_DICTIONARY);
      v0 = v1;
    }
    return dataPageOffset;
  }

  private encodeBoolean(g: GatheredColumn, n: number): ColumnChunkMeta {
    const nums = g.nums;
    const dataPageOffset = this.position();
    const perPage = Math.max(8, Math.floor(this.options.pageSize * 8));
    let v0 = 0;
    for (let r0 = 0; r0 < n; r0 += perPage) {
      const r1 = Math.min(n, r0 + perPage);
      const nulls = nullsIn(g, n, r0, r1);
      const v1 = v0 + (r1 - r0 - nulls);
      const page = this.page;
      page.reset();
      const len = (v1 - v0 + 7) >>> 3;
      page.ensure(len);
      const b = page.bytes;
      b.fill(0, 0, len);
      for (let i = v0; i < v1; i++) if (nums[i] === 1) b[(i - v0) >>> 3]! |= 1 << ((i - v0) & 7);
      page.length = len;
      this.emitDataPage(g, r0, r1, nulls, PQ.encoding.PLAIN);
      v0 = v1;
    }
    const stats = this.stats(g, n, () => [new Uint8Array([g.min]), new Uint8Array([g.max])]);
    return this.meta(g.spec, PQ.type.BOOLEAN, PQ.encoding.PLAIN, n, dataPageOffset, undefined, stats);
  }

  private encodeString(g: GatheredColumn, n: number): ColumnChunkMeta {
    const entries: string[] = [];
    const count = indexStrings(g.strs, g.values, this.ints, entries, this.options.pageSize);
    if (count <= 0) return this.encodePlainString(g, n); // too many distinct strings, or none (all null)

    // Dictionary page: the distinct strings PLAIN, in first-seen order.
    const dictionaryPageOffset = this.position();
    this.page.reset();
    let min = entries[0]!;
    let max = min;
    for (const e of entries) {
      writePlainString(this.page, e);
      if (compareUtf8(e, min) < 0) min = e;
      if (compareUtf8(e, max) > 0) max = e;
    }
    this.emitDictionaryPage(entries.length);

    const dataPageOffset = this.writeIndexPages(g, n, entries.length);
    const stats = this.stats(g, n, () => stringBounds(min, max));
    return this.meta(g.spec, PQ.type.BYTE_ARRAY, PQ.encoding.RLE_DICTIONARY, n, dataPageOffset, dictionaryPageOffset, stats);
  }

  /** The fallback for high-cardinality (or all-null) string chunks: PLAIN pages of about `pageSize` bytes. */
  private encodePlainString(g: GatheredColumn, n: number): ColumnChunkMeta {
    // Start the chunk over: nothing of it was emitted yet.
    this.uncompressed = 0;
    this.compressed = 0;
    this.pages = 0;
    const strs = g.strs;
    const defs = g.defs;
    const values = g.values;
    let min: string | undefined;
    let max: string | undefined;
    for (let i = 0; i < values; i++) {
      const v = strs[i]!;
      if (min === undefined || compareUtf8(v, min) < 0) min = v;
      if (max === undefined || compareUtf8(v, max) > 0) max = v;
    }
    const dataPageOffset = this.position();
    const pageSize = this.options.pageSize;
    const nullable = values < n;
    let r0 = 0;
    let v = 0;
    do {
      this.page.reset();
      let r1 = r0;
      let nulls = 0;
      while (r1 < n && this.page.length < pageSize) {
        if (nullable && defs[r1] === 0) nulls++;
        else writePlainString(this.page, strs[v++]!);
        r1++;
      }
      this.emitDataPage(g, r0, r1, nulls, PQ.encoding.PLAIN);
      r0 = r1;
    } while (r0 < n);
    const stats = this.stats(g, n, () => (min === undefined || max === undefined ? undefined : stringBounds(min, max)));
    return this.meta(g.spec, PQ.type.BYTE_ARRAY, PQ.encoding.PLAIN, n, dataPageOffset, undefined, stats);
  }

  /** The absolute file position of the next byte written to `out`. */
  private position(): number {
    return this.offset + this.out.length;
  }

  /** Compresses `page` and appends it with its DATA_PAGE_V2 header and the definition levels of rows [r0, r1). */
  private emitDataPage(g: GatheredColumn, r0: number, r1: number, nulls: number, encoding: number): void {
    const count = r1 - r0;
    const levels = this.levels;
    levels.reset();
    if (g.spec.nullable) {
      if (nulls === 0) writeRun(levels, 1, count, 1);
      else if (nulls === count) writeRun(levels, 0, count, 1);
      else writeRleHybrid(levels, g.defs, r0, r1, 1);
    }
    const raw = this.page.view();
    const compress = this.options.compress;
    const packed = compress === undefined ? raw : compress(raw);
    const out = this.out;
    const headerStart = out.length;
    writeDataPageV2Header(out, {
      uncompressedSize: levels.length + raw.length,
      compressedSize: levels.length + packed.length,
      numValues: count,
      numNulls: nulls,
      numRows: count,
      encoding,
      definitionLevelsLength: levels.length,
      compressed: compress !== undefined,
    });
    const header = out.length - headerStart;
    out.raw(levels.view());
    out.raw(packed);
    this.uncompressed += header + levels.length + raw.length;
    this.compressed += header + levels.length + packed.length;
    this.pages++;
  }

  private emitDictionaryPage(entries: number): void {
    const raw = this.page.view();
    const compress = this.options.compress;
    const packed = compress === undefined ? raw : compress(raw);
    const out = this.out;
    const headerStart = out.length;
    writeDictionaryPageHeader(out, raw.length, packed.length, entries);
    const header = out.length - headerStart;
    out.raw(packed);
    this.uncompressed += header + raw.length;
    this.compressed += header + packed.length;
  }

  private stats(
    g: GatheredColumn,
    n: number,
    bounds: () => readonly [Uint8Array, Uint8Array] | undefined,
  ): ChunkStatistics | undefined {
    if (!this.options.statistics) return undefined;
    const nullCount = n - g.values;
    if (g.values === 0 || (g.spec.type !== 'string' && g.min > g.max)) return { nullCount };
    const b = bounds();
    return b === undefined ? { nullCount } : { nullCount, min: b[0], max: b[1] };
  }

  private meta(
    spec: ColumnSpec,
    type: number,
    dataEncoding: number,
    n: number,
    dataPageOffset: number,
    dictionaryPageOffset: number | undefined,
    statistics: ChunkStatistics | undefined,
  ): ColumnChunkMeta {
    const encodings: number[] = dictionaryPageOffset === undefined ? [dataEncoding] : [PQ.encoding.PLAIN, dataEncoding];
    if (spec.nullable) encodings.push(PQ.encoding.RLE);
    const base = {
      type,
      encodings,
      name: spec.name,
      codec: this.options.codec,
      numValues: n,
      totalUncompressedSize: this.uncompressed,
      totalCompressedSize: this.compressed,
      dataPageOffset,
      dataPages: this.pages,
      dataEncoding,
    };
    const withDict = dictionaryPageOffset === undefined ? base : { ...base, dictionaryPageOffset };
    return statistics === undefined ? withDict : { ...withDict, statistics };
  }

  /** Appends nums[v0, v1) as PLAIN little-endian INT64. */
  private plainInt64(nums: Float64Array, v0: number, v1: number): void {
    const page = this.page;
    page.ensure((v1 - v0) * 8);
    const b = page.bytes;
    let p = page.length;
    for (let i = v0; i < v1; i++) {
      const v = nums[i]!;
      const lo = v >>> 0;
      const hi = Math.floor(v / TWO_32) | 0;
      b[p] = lo & 0xff;
      b[p + 1] = (lo >>> 8) & 0xff;
      b[p + 2] = (lo >>> 16) & 0xff;
      b[p + 3] = lo >>> 24;
      b[p + 4] = hi & 0xff;
      b[p + 5] = (hi >>> 8) & 0xff;
      b[p + 6] = (hi >>> 16) & 0xff;
      b[p + 7] = (hi >>> 24) & 0xff;
      p += 8;
    }
    page.length = p;
  }

  private int64Bytes(v: number): Uint8Array {
    this.word[0] = v >>> 0;
    this.word[1] = Math.floor(v / TWO_32) | 0;
    return this.wordBytes.slice();
  }

  private doubleBytes(v: number): Uint8Array {
    this.f64[0] = v;
    return this.f64Bytes.slice();
  }
}

function int32Bytes(v: number): Uint8Array {
  return new Uint8Array(new Int32Array([v]).buffer);
}

/** UTF-8 bounds of a string chunk, or `undefined` when either is too long to be worth storing. */
function stringBounds(min: string, max: string): readonly [Uint8Array, Uint8Array] | undefined {
  const a = utf8.encode(min);
  const b = utf8.encode(max);
  return a.length > MAX_STAT_BYTES || b.length > MAX_STAT_BYTES ? undefined : [a, b];
}

/** Appends a PLAIN BYTE_ARRAY: a 4-byte little-endian length, then the UTF-8 bytes. */
function writePlainString(out: ParquetByteBuffer, s: string): void {
  out.ensure(s.length * 3 + 4);
  const at = out.length;
  const { written } = utf8.encodeInto(s, out.bytes.subarray(at + 4));
  const b = out.bytes;
  b[at] = written & 0xff;
  b[at + 1] = (written >>> 8) & 0xff;
  b[at + 2] = (written >>> 16) & 0xff;
  b[at + 3] = written >>> 24;
  out.length = at + 4 + written;
}

/**
 * Compares two strings in the order of their UTF-8 bytes (Parquet's unsigned byte order), which differs from
 * JavaScript's UTF-16 order where a surrogate pair meets a code unit at or above U+E000.
 *
 * @example
 * ```ts
 * compareUtf8('\uFFFD', '😀') < 0; // true (UTF-16 order says otherwise)
 * ```
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(c: number): number {
  if (c < 0xd800) return c;
  return c < 0xe000 ? c + 0x2000 : c - 0x800;
}

/**
 * Dictionary-codes strs[0, count) into `idx`, collecting the distinct strings in first-seen order into `entries`;
 * returns their number, or −1 when there are more than {@link MAX_DICTIONARY_ENTRIES} or their PLAIN size passes
 * `maxBytes`. (A loop with nothing after it but a return of locals: see parquet-gather.ts on OSR deopts.)
 */
function indexStrings(strs: readonly string[], count: number, idx: Int32Array, entries: string[], maxBytes: number): number {
  const dict = new Map<string, number>();
  let size = 0;
  let chars = 0;
  let last: string | undefined;
  let lastId = 0;
  for (let i = 0; i < count; i++) {
    const v = strs[i]!;
    if (v === last) {
      idx[i] = lastId;
      continue;
    }
    let id = dict.get(v);
    if (id === undefined) {
      if (size >= MAX_DICTIONARY_ENTRIES || chars > maxBytes) return -1;
      id = size++;
      dict.set(v, id);
      entries.push(v);
      chars += v.length + 4;
    }
    idx[i] = id;
    last = v;
    lastId = id;
  }
  return size;
}

/** The row (in the row group) of the `v`-th non-null value of a gathered column. */
function rowOfValue(g: GatheredColumn, n: number, v: number): number {
  if (g.values === n) return v;
  let seen = -1;
  for (let i = 0; i < n; i++) if (g.defs[i] === 1 && ++seen === v) return i;
  return v;
}

/** Whether nums[0, count) holds a NaN. */
function hasNaN(nums: Float64Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (Number.isNaN(nums[i])) return true;
  return false;
}

/** Nulls among rows [r0, r1) of a gathered column of `n` rows. */
function nullsIn(g: GatheredColumn, n: number, r0: number, r1: number): number {
  if (g.values === n) return 0;
  if (g.values === 0) return r1 - r0;
  const defs = g.defs;
  let nulls = 0;
  for (let i = r0; i < r1; i++) nulls += 1 - defs[i]!;
  return nulls;
}
