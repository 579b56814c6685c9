/**
 * Parquet encoding of table records behind one interface. Columns are built as typed arrays from the table's
 * explicit schema ({@link parquetSchemaOf}: never inferred) and encoded by hyparquet-writer, zstd-compressed by
 * default, in bounded row groups. The streaming form emits the bytes of each row group as soon as it is full, so
 * memory stays bounded by one row group whatever the input size. Output is deterministic: the same rows give the
 * same bytes (fixed `created_by`, no time or version in the file).
 * @module
 */
import { ByteWriter, ParquetWriter as HyparquetWriter, type SchemaElement } from 'hyparquet-writer';
import { ScalplakeError } from '../core/errors.js';
import { type ColumnSpec, columnsOf, parquetSchemaOf, type TableSchema } from '../core/schema.js';
import { ensureZstd, zstdCompress } from './zstd.js';

/** The compression codecs the writer supports. */
export type ParquetCodec = 'ZSTD' | 'SNAPPY' | 'UNCOMPRESSED';

/** Rows per row group unless told otherwise (128 Ki). */
export const DEFAULT_ROW_GROUP_SIZE = 131_072;

/** The `created_by` written into every file: fixed, so that output bytes do not depend on the version. */
export const PARQUET_CREATED_BY = 'scalplake';

/** Options of the Parquet writer.
 *
 * @example
 * ```ts
 * await encodeParquet(AggTrade, rows, { rowGroupSize: 100_000, zstdLevel: 6 });
 * ```
 */
export interface ParquetWriteOptions {
  /** Page compression; default `ZSTD`. */
  readonly codec?: ParquetCodec;
  /** zstd level (1 fast … 19 small); default 3, as DuckDB. */
  readonly zstdLevel?: number;
  /** Rows per row group (the memory bound of the streaming writer); default {@link DEFAULT_ROW_GROUP_SIZE}. */
  readonly rowGroupSize?: number;
  /**
   * Write min/max/null-count statistics per column chunk (lets engines skip row groups); default `true`. Turning
   * them off makes encoding about a third faster.
   */
  readonly statistics?: boolean;
  /** Target uncompressed page size in bytes; default 1 MiB. */
  readonly pageSize?: number;
}

/**
 * An incremental Parquet encoder for the records of one table. Bytes come out in file order: the concatenation of
 * every array returned by {@link ParquetWriter.write} and the one returned by {@link ParquetWriter.finish} is the
 * file.
 *
 * @example
 * ```ts
 * const w = await createParquetWriter<Kline>(Kline);
 * await store.put(key, concatBytes([...w.write(rows), w.finish()]));
 * ```
 */
export interface ParquetWriter<T> {
  /** Rows accepted so far. */
  readonly rowCount: number;
  /** Bytes emitted so far. */
  readonly byteCount: number;
  /**
   * Adds rows; returns the bytes of the row groups this call completed (often none).
   *
   * @throws `SINK_WRITE` naming the column, the row and the value when a value does not fit the column type.
   */
  write(rows: readonly T[]): Uint8Array[];
  /** Encodes the last (partial) row group and the footer; returns the remaining bytes. The writer is then closed. */
  finish(): Uint8Array;
}

/**
 * Creates an incremental Parquet writer for a table schema (loading the zstd codec first when needed).
 *
 * @throws `INVALID_ARGUMENT` for a row-group size that is not a positive integer.
 * @example
 * ```ts
 * const w = await createParquetWriter<AggTrade>(AggTrade, { rowGroupSize: 100_000 });
 * const chunks = [...w.write(batch1), ...w.write(batch2), w.finish()];
 * ```
 */
export async function createParquetWriter<T>(schema: TableSchema, options: ParquetWriteOptions = {}): Promise<ParquetWriter<T>> {
  const codec = options.codec ?? 'ZSTD';
  if (codec === 'ZSTD') await ensureZstd();
  return new TableParquetWriter<T>(schema, options);
}

/**
 * Encodes rows into one Parquet file in memory.
 *
 * @throws `SINK_WRITE` when a value does not fit its column.
 * @example
 * ```ts
 * const bytes = await encodeParquet(Kline, klines);
 * await store.put('silver/klines/symbol=BTCUSDT/date=2024-01-01/part-0.parquet', bytes);
 * ```
 */
export async function encodeParquet<T>(schema: TableSchema, rows: readonly T[], options: ParquetWriteOptions = {}): Promise<Uint8Array> {
  const w = await createParquetWriter<T>(schema, options);
  const parts = w.write(rows);
  parts.push(w.finish());
  return concatBytes(parts);
}

/**
 * Encodes a stream of batches into a stream of Parquet bytes, one chunk per row group plus the footer, holding at
 * most one row group of rows at a time. Pass the result to `ObjectStore.put` to stream a file of any size.
 *
 * @throws `SINK_WRITE` when a value does not fit its column.
 * @example
 * ```ts
 * await store.put('exports/trades.parquet', parquetStream(AggTrade, batches));
 * ```
 */
export async function* parquetStream<T>(
  schema: TableSchema,
  batches: AsyncIterable<readonly T[]> | Iterable<readonly T[]>,
  options: ParquetWriteOptions = {},
): AsyncIterable<Uint8Array> {
  const w = await createParquetWriter<T>(schema, options);
  for await (const batch of batches) {
    for (const chunk of w.write(batch)) yield chunk;
  }
  yield w.finish();
}

/**
 * Joins byte arrays into one.
 *
 * @example
 * ```ts
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

const INTEGER_TYPES: ReadonlySet<string> = new Set(['int64', 'timestamp', 'int32']);

type Column = Float64Array | BigInt64Array | Int32Array | boolean[] | unknown[];
type Row = Record<string, unknown>;

const encoder = new TextEncoder();
/** Distinct strings cached per column chunk: symbols, intervals and sources repeat; beyond this, encode each. */
const STRING_CACHE_LIMIT = 4096;

class TableParquetWriter<T> implements ParquetWriter<T> {
  private readonly columns: readonly ColumnSpec[];
  private readonly bytes = new ByteWriter(1 << 16);
  private readonly hp: HyparquetWriter;
  private readonly groupSize: number;
  private readonly pageSize: number;
  private pending: T[] = [];
  private finished = false;
  rowCount = 0;
  byteCount = 0;

  constructor(schema: TableSchema, options: ParquetWriteOptions) {
    const groupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
    if (!Number.isSafeInteger(groupSize) || groupSize < 1) {
      throw new ScalplakeError('INVALID_ARGUMENT', `rowGroupSize ${JSON.stringify(groupSize)} is not a positive integer`, {
        context: { rowGroupSize: groupSize },
      });
    }
    this.groupSize = groupSize;
    this.pageSize = options.pageSize ?? 1 << 20;
    this.columns = columnsOf(schema);
    const codec = options.codec ?? 'ZSTD';
    const level = options.zstdLevel ?? 3;
    this.hp = new HyparquetWriter({
      writer: this.bytes,
      schema: parquetSchemaOf(schema) as SchemaElement[],
      codec,
      compressors: codec === 'ZSTD' ? { ZSTD: (input: Uint8Array) => zstdCompress(input, level) } : {},
      statistics: options.statistics ?? true,
      createdBy: PARQUET_CREATED_BY,
    });
  }

  write(rows: readonly T[]): Uint8Array[] {
    this.assertOpen();
    const out: Uint8Array[] = [];
    let i = 0;
    const n = rows.length;
    if (this.pending.length > 0) {
      const take = Math.min(this.groupSize - this.pending.length, n);
      for (; i < take; i++) this.pending.push(rows[i]!);
      if (this.pending.length === this.groupSize) {
        out.push(this.encodeGroup(this.pending, 0, this.groupSize));
        this.pending = [];
      }
    }
    while (n - i >= this.groupSize) {
      out.push(this.encodeGroup(rows, i, i + this.groupSize));
      i += this.groupSize;
    }
    for (; i < n; i++) this.pending.push(rows[i]!);
    this.rowCount += n;
    return out;
  }

  finish(): Uint8Array {
    this.assertOpen();
    const parts: Uint8Array[] = [];
    if (this.pending.length > 0) parts.push(this.encodeGroup(this.pending, 0, this.pending.length));
    this.pending = [];
    this.finished = true;
    this.hp.finish();
    parts.push(this.take());
    return concatBytes(parts);
  }

  private assertOpen(): void {
    if (this.finished) throw new ScalplakeError('SINK_WRITE', 'The Parquet writer is already finished', {});
  }

  private encodeGroup(rows: readonly T[], start: number, end: number): Uint8Array {
    const columnData = this.columns.map((c) => {
      const data = buildColumn(c, rows as unknown as readonly Row[], start, end);
      // Ids and times are (nearly) sorted: delta packing makes them several times smaller than dictionary or plain
      // encoding and skips hyparquet-writer's dictionary trial over BigInts, the costliest step measured.
      return INTEGER_TYPES.has(c.type) ? { name: c.name, data, encoding: 'DELTA_BINARY_PACKED' as const } : { name: c.name, data };
    });
    try {
      this.hp.write({ columnData: columnData as never, rowGroupSize: end - start, pageSize: this.pageSize });
    } catch (cause) {
      throw new ScalplakeError('SINK_WRITE', `Parquet encoding failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
    return this.take();
  }

  /** Moves the bytes encoded so far out of the byte writer (its `offset` keeps counting file positions). */
  private take(): Uint8Array {
    const out = new Uint8Array(this.bytes.buffer, 0, this.bytes.index).slice();
    this.bytes.index = 0;
    this.byteCount += out.byteLength;
    return out;
  }
}

/** Builds one column of rows[start, end) as the array type hyparquet-writer encodes fastest. */
function buildColumn(spec: ColumnSpec, rows: readonly Row[], start: number, end: number): Column {
  const n = end - start;
  const name = spec.name;
  switch (spec.type) {
    case 'double': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[start + i]![name];
        if (typeof v !== 'number') return buildNullable(spec, rows, start, end);
        out[i] = v;
      }
      return out;
    }
    case 'int64':
    case 'timestamp': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[start + i]![name];
        if (!Number.isSafeInteger(v)) return buildNullable(spec, rows, start, end);
        out[i] = BigInt(v as number);
      }
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[start + i]![name];
        if (typeof v !== 'number' || (v | 0) !== v) return buildNullable(spec, rows, start, end);
        out[i] = v;
      }
      return out;
    }
    case 'boolean': {
      const out = new Array<boolean>(n);
      for (let i = 0; i < n; i++) {
        const v = rows[start + i]![name];
        if (typeof v !== 'boolean') return buildNullable(spec, rows, start, end);
        out[i] = v;
      }
      return out;
    }
    case 'string': {
      const out = new Array<Uint8Array | null>(n);
      const cache = new Map<string, Uint8Array>();
      for (let i = 0; i < n; i++) {
        const v = rows[start + i]![name];
        if (typeof v !== 'string') {
          if (v === null || v === undefined) {
            if (!spec.nullable) throw badValue(spec, start + i, v);
            out[i] = null;
            continue;
          }
          throw badValue(spec, start + i, v);
        }
        let bytes = cache.get(v);
        if (bytes === undefined) {
          bytes = encoder.encode(v);
          if (cache.size < STRING_CACHE_LIMIT) cache.set(v, bytes);
        }
        out[i] = bytes;
      }
      return out;
    }
  }
}

/** The slow path of {@link buildColumn}: a plain array holding `null`s, with each value checked. */
function buildNullable(spec: ColumnSpec, rows: readonly Row[], start: number, end: number): unknown[] {
  const n = end - start;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = rows[start + i]![spec.name];
    if (v === null || v === undefined) {
      if (!spec.nullable) throw badValue(spec, start + i, v);
      out[i] = null;
      continue;
    }
    switch (spec.type) {
      case 'double':
        if (typeof v !== 'number') throw badValue(spec, start + i, v);
        out[i] = v;
        break;
      case 'int64':
      case 'timestamp':
        if (!Number.isSafeInteger(v)) throw badValue(spec, start + i, v);
        out[i] = BigInt(v as number);
        break;
      case 'int32':
        if (typeof v !== 'number' || (v | 0) !== v) throw badValue(spec, start + i, v);
        out[i] = v;
        break;
      case 'boolean':
        if (typeof v !== 'boolean') throw badValue(spec, start + i, v);
        out[i] = v;
        break;
      case 'string':
        if (typeof v !== 'string') throw badValue(spec, start + i, v);
        out[i] = v;
        break;
    }
  }
  return out;
}

function badValue(spec: ColumnSpec, row: number, value: unknown): ScalplakeError {
  const shown = typeof value === 'bigint' ? `${value}n` : value === undefined ? 'undefined' : JSON.stringify(value);
  return new ScalplakeError(
    'SINK_WRITE',
    `Column "${spec.name}" (${spec.type}${spec.nullable ? ', nullable' : ''}) cannot hold ${shown} (row ${row} of the row group)`,
    { context: { column: spec.name, type: spec.type, row, value } },
  );
}
