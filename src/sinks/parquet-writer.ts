/**
 * Parquet encoding of table records behind one interface. Columns are built as typed arrays from the table's
 * explicit schema (`parquetSchemaOf`: never inferred) and encoded by scalplake's own flat-schema encoder
 * (`ParquetEncoder`: no BigInt per value, delta-packed integers, dictionary-coded strings and doubles), zstd-compressed
 * by default, in bounded row groups. The streaming form emits the bytes of each row group as soon as it is full, so
 * memory stays bounded by one row group whatever the input size. Output is deterministic: the same rows give the
 * same bytes (fixed `created_by`, no time or version in the file).
 * @module
 */
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { ScalplakeError } from '../core/errors.js';
import type { GatheredColumn } from './parquet-gather.js';
import type { TableSchema } from '../core/schema.js';
import { ParquetEncoder } from './parquet-encoder.js';
import { PQ } from './parquet-metadata.js';
import { ensureZstd, zstdCompress } from './zstd.js';

/** The compression codecs the writer supports. */
export type ParquetCodec = 'ZSTD' | 'SNAPPY' | 'UNCOMPRESSED';

/** Rows per row group unless told otherwise (128 Ki). */
export const DEFAULT_ROW_GROUP_SIZE = 131_072;

/**
 * The zstd level used unless told otherwise: 1, zstd's fastest. Our pages are already compact (delta-packed ids and
 * times, dictionary-coded strings and doubles), so higher levels cost far more time than they save bytes: on 2 M
 * aggTrades level 3 took 1.5–2× the compression time of level 1 for a 2% smaller file.
 *
 * @example
 * ```ts
 * await encodeParquet(AggTrade, rows, { zstdLevel: DEFAULT_ZSTD_LEVEL + 2 }); // trade speed for size
 * ```
 */
export const DEFAULT_ZSTD_LEVEL = 1;

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
  /** zstd level (1 fast … 19 small); default {@link DEFAULT_ZSTD_LEVEL}. */
  readonly zstdLevel?: number;
  /** Rows per row group (the memory bound of the streaming writer); default {@link DEFAULT_ROW_GROUP_SIZE}. */
  readonly rowGroupSize?: number;
  /** Write min/max/null-count statistics per column chunk (lets engines skip row groups); default `true`. */
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
 * @throws `INVALID_ARGUMENT` for a row-group or page size that is not a positive integer.
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
 * Encodes `n` rows that are already held in columns into one Parquet file in memory: `fill(columns, start, count)`
 * writes rows `[start, start + count)` into the gathered columns of each row group.
 *
 * @throws `SINK_WRITE` when the encoder fails.
 * @example
 * ```ts
 * const bytes = await encodeParquetColumns(AggTrade, packed.n, (cols, start, count) => packer.fill(packed, start, count, cols));
 * ```
 */
export async function encodeParquetColumns(
  schema: TableSchema,
  n: number,
  fill: (columns: GatheredColumn[], start: number, count: number) => void,
  options: ParquetWriteOptions = {},
): Promise<Uint8Array> {
  const codec = options.codec ?? 'ZSTD';
  if (codec === 'ZSTD') await ensureZstd();
  const w = new TableParquetWriter<unknown>(schema, options);
  const group = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  const parts: Uint8Array[] = [];
  for (let start = 0; start < n; start += group) {
    // One row group at a time, letting the event loop run between them: a live ingest flushing a big partition
    // keeps receiving frames instead of blocking for the whole file.
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const count = Math.min(group, n - start);
    for (const part of w.writeColumns(count, (cols, s, c) => fill(cols, start + s, c))) parts.push(part);
  }
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

class TableParquetWriter<T> implements ParquetWriter<T> {
  private readonly encoder: ParquetEncoder;
  private readonly groupSize: number;
  /** Rows of the row group being filled: the first `pendingCount` entries (the array is reused). */
  private pending: T[] = [];
  private pendingCount = 0;
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
    const pageSize = options.pageSize ?? 1 << 20;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new ScalplakeError('INVALID_ARGUMENT', `pageSize ${JSON.stringify(pageSize)} is not a positive integer`, {
        context: { pageSize },
      });
    }
    this.groupSize = groupSize;
    const codec = options.codec ?? 'ZSTD';
    const level = options.zstdLevel ?? DEFAULT_ZSTD_LEVEL;
    const compress =
      codec === 'ZSTD' ? (page: Uint8Array) => zstdCompress(page, level) : codec === 'SNAPPY' ? snappyCompress : undefined;
    this.encoder = new ParquetEncoder(schema, {
      ...(compress === undefined ? {} : { compress }),
      codec: PQ.codec[codec],
      statistics: options.statistics ?? true,
      pageSize,
      createdBy: PARQUET_CREATED_BY,
    });
  }

  write(rows: readonly T[]): Uint8Array[] {
    this.assertOpen();
    const out: Uint8Array[] = [];
    let i = 0;
    const n = rows.length;
    const size = this.groupSize;
    if (this.pendingCount > 0) {
      const take = Math.min(size - this.pendingCount, n);
      this.hold(rows, 0, take);
      i = take;
      if (this.pendingCount === size) out.push(this.flushPending());
    }
    while (n - i >= size) {
      out.push(this.encodeGroup(rows, i, i + size));
      i += size;
    }
    this.hold(rows, i, n);
    this.rowCount += n;
    return out;
  }

  finish(): Uint8Array {
    this.assertOpen();
    const parts: Uint8Array[] = [];
    if (this.pendingCount > 0) parts.push(this.flushPending());
    this.pending = [];
    this.finished = true;
    parts.push(this.encoder.finish());
    const out = concatBytes(parts);
    this.byteCount += parts[parts.length - 1]!.byteLength;
    return out;
  }

  /** Encodes `n` rows held in columns, filled per row group by `fill(columns, start, count)`. */
  writeColumns(n: number, fill: (columns: GatheredColumn[], start: number, count: number) => void): Uint8Array[] {
    this.assertOpen();
    if (this.pendingCount > 0) throw new ScalplakeError('SINK_WRITE', 'writeColumns cannot follow rows in the same row group', {});
    const out: Uint8Array[] = [];
    for (let start = 0; start < n; start += this.groupSize) {
      const count = Math.min(this.groupSize, n - start);
      const bytes = this.encoder.encodeColumns(count, (cols) => fill(cols, start, count));
      this.byteCount += bytes.byteLength;
      out.push(bytes);
    }
    this.rowCount += n;
    return out;
  }

  private hold(rows: readonly T[], from: number, to: number): void {
    const pending = this.pending;
    let k = this.pendingCount;
    for (let i = from; i < to; i++) pending[k++] = rows[i]!;
    this.pendingCount = k;
  }

  private flushPending(): Uint8Array {
    const bytes = this.encodeGroup(this.pending, 0, this.pendingCount);
    this.pendingCount = 0;
    return bytes;
  }

  private assertOpen(): void {
    if (this.finished) throw new ScalplakeError('SINK_WRITE', 'The Parquet writer is already finished', {});
  }

  private encodeGroup(rows: readonly T[], start: number, end: number): Uint8Array {
    const bytes = this.encoder.encodeRowGroup(rows, start, end);
    this.byteCount += bytes.byteLength;
    return bytes;
  }
}
