/**
 * Parquet's page headers and file footer (parquet-format `PageHeader`, `FileMetaData`, `RowGroup`, `ColumnChunk`,
 * `ColumnMetaData`, `Statistics`, `SchemaElement`) serialized with the Thrift compact protocol, for flat schemas.
 * Offsets and sizes are `number`s (bytes, safe integers).
 * @module
 */
import type { ParquetSchemaElement } from '../core/schema.js';
import type { ParquetByteBuffer } from './parquet-byte-buffer.js';
import { THRIFT_TYPE, ThriftCompactWriter } from './thrift-compact.js';

/** Parquet enum values (parquet.thrift). */
export const PQ = {
  /** Physical types. */
  type: { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 },
  /** Legacy converted types. */
  converted: { UTF8: 0, TIMESTAMP_MILLIS: 9 },
  /** Repetition types. */
  repetition: { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 },
  /** Value encodings. */
  encoding: { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, DELTA_BINARY_PACKED: 5, RLE_DICTIONARY: 8 },
  /** Compression codecs. */
  codec: { UNCOMPRESSED: 0, SNAPPY: 1, ZSTD: 6 },
  /** Page types. */
  page: { DATA_PAGE: 0, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 },
} as const;

/** What a DATA_PAGE_V2 header records. Sizes in bytes include the (uncompressed) definition levels. */
export interface DataPageV2Header {
  /** Levels + values before compression. */
  readonly uncompressedSize: number;
  /** Levels + values after compression (the bytes following the header). */
  readonly compressedSize: number;
  /** Values including nulls (= rows, for a flat column). */
  readonly numValues: number;
  /** Nulls in the page. */
  readonly numNulls: number;
  /** Rows in the page. */
  readonly numRows: number;
  /** Encoding of the values ({@link PQ}.encoding). */
  readonly encoding: number;
  /** Bytes of RLE definition levels. */
  readonly definitionLevelsLength: number;
  /** Whether the values section is compressed. */
  readonly compressed: boolean;
}

/**
 * Serializes a DATA_PAGE_V2 page header.
 *
 * @example
 * ```ts
 * writeDataPageV2Header(buf, { uncompressedSize: 80, compressedSize: 30, numValues: 10, numNulls: 0, numRows: 10,
 *   encoding: PQ.encoding.PLAIN, definitionLevelsLength: 0, compressed: true });
 * ```
 */
export function writeDataPageV2Header(out: ParquetByteBuffer, h: DataPageV2Header): void {
  const t = new ThriftCompactWriter(out);
  t.begin();
  t.i32(1, PQ.page.DATA_PAGE_V2);
  t.i32(2, h.uncompressedSize);
  t.i32(3, h.compressedSize);
  t.struct(8);
  t.i32(1, h.numValues);
  t.i32(2, h.numNulls);
  t.i32(3, h.numRows);
  t.i32(4, h.encoding);
  t.i32(5, h.definitionLevelsLength);
  t.i32(6, 0);
  if (!h.compressed) t.bool(7, false);
  t.end();
  t.end();
}

/**
 * Serializes a DICTIONARY_PAGE header (PLAIN-encoded dictionary).
 *
 * @example
 * ```ts
 * writeDictionaryPageHeader(buf, 120, 40, 3);
 * ```
 */
export function writeDictionaryPageHeader(out: ParquetByteBuffer, uncompressedSize: number, compressedSize: number, numValues: number): void {
  const t = new ThriftCompactWriter(out);
  t.begin();
  t.i32(1, PQ.page.DICTIONARY_PAGE);
  t.i32(2, uncompressedSize);
  t.i32(3, compressedSize);
  t.struct(7);
  t.i32(1, numValues);
  t.i32(2, PQ.encoding.PLAIN);
  t.end();
  t.end();
}

/** Min/max (PLAIN-encoded physical values) and null count of a column chunk. */
export interface ChunkStatistics {
  /** Nulls in the chunk. */
  readonly nullCount: number;
  /** The smallest non-null value, PLAIN-encoded without length prefix; absent when unknown. */
  readonly min?: Uint8Array;
  /** The largest non-null value, encoded as `min`. */
  readonly max?: Uint8Array;
}

/** The metadata of one column chunk. Offsets are absolute file positions in bytes. */
export interface ColumnChunkMeta {
  /** Physical type ({@link PQ}.type). */
  readonly type: number;
  /** Encodings used in the chunk (values, dictionary, levels). */
  readonly encodings: readonly number[];
  /** The column name (flat schema: the path has one element). */
  readonly name: string;
  /** Codec ({@link PQ}.codec). */
  readonly codec: number;
  /** Values including nulls. */
  readonly numValues: number;
  /** Bytes of all pages with headers, before compression. */
  readonly totalUncompressedSize: number;
  /** Bytes of all pages with headers, as stored. */
  readonly totalCompressedSize: number;
  /** Offset of the first data page. */
  readonly dataPageOffset: number;
  /** Offset of the dictionary page, if any. */
  readonly dictionaryPageOffset?: number;
  /** Statistics, if written. */
  readonly statistics?: ChunkStatistics;
  /** Data pages in the chunk (for encoding_stats). */
  readonly dataPages: number;
  /** Encoding of the data pages. */
  readonly dataEncoding: number;
}

/** The metadata of one row group. */
export interface RowGroupMeta {
  /** Its column chunks in schema order. */
  readonly columns: readonly ColumnChunkMeta[];
  /** Rows in the group. */
  readonly numRows: number;
  /** Offset of its first page. */
  readonly fileOffset: number;
}

/**
 * Serializes the FileMetaData footer (without the trailing length and magic).
 *
 * @example
 * ```ts
 * writeFileMetaData(buf, parquetSchemaOf(Kline), 1500, rowGroups, 'scalplake');
 * ```
 */
export function writeFileMetaData(
  out: ParquetByteBuffer,
  schema: readonly ParquetSchemaElement[],
  numRows: number,
  rowGroups: readonly RowGroupMeta[],
  createdBy: string,
): void {
  const t = new ThriftCompactWriter(out);
  t.begin();
  t.i32(1, 2);
  t.list(2, THRIFT_TYPE.STRUCT, schema.length);
  for (const el of schema) writeSchemaElement(t, el);
  t.i64(3, numRows);
  t.list(4, THRIFT_TYPE.STRUCT, rowGroups.length);
  for (let g = 0; g < rowGroups.length; g++) writeRowGroup(t, rowGroups[g]!, g);
  t.string(6, createdBy);
  const leaves = schema.length - 1;
  t.list(7, THRIFT_TYPE.STRUCT, leaves);
  for (let i = 0; i < leaves; i++) {
    t.begin(); // ColumnOrder union
    t.struct(1); // TYPE_ORDER: TypeDefinedOrder {}
    t.end();
    t.end();
  }
  t.end();
}

function writeSchemaElement(t: ThriftCompactWriter, el: ParquetSchemaElement): void {
  t.begin();
  if (el.type !== undefined) t.i32(1, PQ.type[el.type]);
  if (el.repetition_type !== undefined) t.i32(3, PQ.repetition[el.repetition_type]);
  t.string(4, el.name);
  if (el.num_children !== undefined) t.i32(5, el.num_children);
  if (el.converted_type !== undefined) t.i32(6, PQ.converted[el.converted_type]);
  const lt = el.logical_type;
  if (lt !== undefined) {
    t.struct(10); // LogicalType union
    if (lt.type === 'STRING') {
      t.struct(1);
      t.end();
    } else {
      t.struct(8); // TimestampType
      t.bool(1, lt.isAdjustedToUTC);
      t.struct(2); // TimeUnit union
      t.struct(1); // MILLIS
      t.end();
      t.end();
      t.end();
    }
    t.end();
  }
  t.end();
}

function writeRowGroup(t: ThriftCompactWriter, g: RowGroupMeta, ordinal: number): void {
  let uncompressed = 0;
  let compressed = 0;
  for (const c of g.columns) {
    uncompressed += c.totalUncompressedSize;
    compressed += c.totalCompressedSize;
  }
  t.begin();
  t.list(1, THRIFT_TYPE.STRUCT, g.columns.length);
  for (const c of g.columns) writeColumnChunk(t, c);
  t.i64(2, uncompressed);
  t.i64(3, g.numRows);
  t.i64(5, g.fileOffset);
  t.i64(6, compressed);
  if (ordinal < 32768) t.i16(7, ordinal);
  t.end();
}

function writeColumnChunk(t: ThriftCompactWriter, c: ColumnChunkMeta): void {
  const start = c.dictionaryPageOffset ?? c.dataPageOffset;
  t.begin();
  t.i64(2, start);
  t.struct(3);
  t.i32(1, c.type);
  t.list(2, THRIFT_TYPE.I32, c.encodings.length);
  for (const e of c.encodings) t.elementI32(e);
  t.list(3, THRIFT_TYPE.BINARY, 1);
  t.elementString(c.name);
  t.i32(4, c.codec);
  t.i64(5, c.numValues);
  t.i64(6, c.totalUncompressedSize);
  t.i64(7, c.totalCompressedSize);
  t.i64(9, c.dataPageOffset);
  if (c.dictionaryPageOffset !== undefined) t.i64(11, c.dictionaryPageOffset);
  const s = c.statistics;
  if (s !== undefined) {
    t.struct(12);
    t.i64(3, s.nullCount);
    if (s.max !== undefined && s.min !== undefined) {
      t.binary(5, s.max);
      t.binary(6, s.min);
    }
    t.end();
  }
  const dict = c.dictionaryPageOffset !== undefined;
  t.list(13, THRIFT_TYPE.STRUCT, dict ? 2 : 1);
  if (dict) writeEncodingStats(t, PQ.page.DICTIONARY_PAGE, PQ.encoding.PLAIN, 1);
  writeEncodingStats(t, PQ.page.DATA_PAGE_V2, c.dataEncoding, c.dataPages);
  t.end();
  t.end();
}

function writeEncodingStats(t: ThriftCompactWriter, pageType: number, encoding: number, count: number): void {
  t.begin();
  t.i32(1, pageType);
  t.i32(2, encoding);
  t.i32(3, count);
  t.end();
}
