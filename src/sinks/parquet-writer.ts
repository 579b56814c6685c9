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
import { ParquetEncoder, runSteps } from './parquet-encoder.js';
import { PQ, type RowGroupMeta } from './parquet-metadata.js';
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
  return (await encodeParquetFile(schema, n, fill, options)).bytes;
}

/**
 * The write options that decide a row group's bytes, as a string ({@link EncodedParquet.settings}): row groups of
 * an earlier file are only kept under equal settings.
 *
 * @example
 * ```ts
 * parquetSettings({}) === parquetSettings({ codec: 'ZSTD' }); // true: the defaults filled in
 * ```
 */
export function parquetSettings(options: ParquetWriteOptions): string {
  return JSON.stringify([
    options.codec ?? 'ZSTD',
    options.zstdLevel ?? DEFAULT_ZSTD_LEVEL,
    options.pageSize ?? 1 << 20,
    options.statistics ?? true,
    options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE,
  ]);
}

/** A file {@link encodeParquetFile} wrote, with what a later call needs to keep its full row groups. */
export interface EncodedParquet {
  /** The whole file. */
  readonly bytes: Uint8Array;
  /** Its row groups, in file order. */
  readonly rowGroups: readonly RowGroupMeta[];
  /** The file offset just past each row group. */
  readonly groupEnds: readonly number[];
  /** The options it was encoded with, as a string: row groups are only kept under the same ones. */
  readonly settings: string;
}

/**
 * {@link encodeParquetColumns}, returning the row-group layout too. With `previous`, a file this function wrote for
 * the first rows of the same columns (an append: rows `[0, previous rows)` are unchanged), its leading full row
 * groups are copied instead of encoded again (`fill` is then only asked for rows from `firstFilled` on, and the call
 * fails rather than ask for earlier ones), so that a partition that grows by appends (the live job's flush into
 * the current hour) costs the new rows, not the whole partition, per write. The bytes equal those of a whole encode.
 *
 * @throws `SINK_WRITE` when the encoder fails.
 * @example
 * ```ts
 * const first = await encodeParquetFile(AggTrade, packed.n, fill);
 * packer.append(packed, more, 0, more.n);
 * const second = await encodeParquetFile(AggTrade, packed.n, fill, {}, first); // encodes from the last partial row group on
 * ```
 */
export async function encodeParquetFile(
  schema: TableSchema,
  n: number,
  fill: (columns: GatheredColumn[], start: number, count: number) => void,
  options: ParquetWriteOptions = {},
  previous?: EncodedParquet,
  firstFilled = 0,
): Promise<EncodedParquet> {
  const codec = options.codec ?? 'ZSTD';
  if (codec === 'ZSTD') await ensureZstd();
  const w = new TableParquetWriter<unknown>(schema, options);
  const group = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  const settings = parquetSettings(options);
  const parts: Uint8Array[] = [];
  const groupEnds: number[] = [];
  let start = 0;
  if (previous !== undefined && previous.settings === settings) {
    // Keep the leading full row groups: the same rows in the same groups encode to the same bytes.
    let kept = 0;
    while (kept < previous.rowGroups.length && previous.rowGroups[kept]!.numRows === group && (kept + 1) * group <= n) kept++;
    if (kept > 0) {
      const end = previous.groupEnds[kept - 1]!;
      w.resume(previous.rowGroups.slice(0, kept), end);
      parts.push(previous.bytes.subarray(0, end));
      groupEnds.push(...previous.groupEnds.slice(0, kept));
      start = kept * group;
    }
  }
  if (start < firstFilled) {
    // The caller only holds rows from `firstFilled` on, counting on row groups of `previous` that could not be kept.
    throw new ScalplakeError('SINK_WRITE', `Cannot encode rows ${start}…${firstFilled - 1}: the earlier file's row groups holding them cannot be kept`, {
      context: { start, firstFilled },
    });
  }
  for (; start < n; start += group) {
    const count = Math.min(group, n - start);
    const from = start;
    // Column chunk by column chunk, letting the event loop run in between (a row group takes 40-100 ms).
    const steps = w.columnsInSteps(count, (cols, s, c) => fill(cols, from + s, c));
    for (;;) {
      const r = steps.next();
      if (r.done) {
        parts.push(r.value);
        break;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    groupEnds.push(w.offset);
  }
  parts.push(w.finish());
  return { bytes: concatBytes(parts), rowGroups: w.rowGroups, groupEnds, settings };
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

  /** One row group of at most the group size from columns, one column chunk per step (see {@link ParquetEncoder.encodeColumnsInSteps}). */
  *columnsInSteps(n: number, fill: (columns: GatheredColumn[], start: number, count: number) => void): Generator<void, Uint8Array> {
    this.assertOpen();
    if (this.pendingCount > 0) throw new ScalplakeError('SINK_WRITE', 'writeColumns cannot follow rows in the same row group', {});
    if (n > this.groupSize) throw new ScalplakeError('SINK_WRITE', `A row group holds at most ${this.groupSize} rows, not ${n}`, {});
    const bytes = yield* this.encoder.encodeColumnsInSteps(n, (cols) => fill(cols, 0, n));
    this.byteCount += bytes.byteLength;
    this.rowCount += n;
    return bytes;
  }

  /** The file offset of the next byte. */
  get offset(): number {
    return this.encoder.offset;
  }

  /** The row groups so far. */
  get rowGroups(): readonly RowGroupMeta[] {
    return [...this.encoder.groups];
  }

  /** Continues a file whose first `offset` bytes hold `groups` (see {@link ParquetEncoder.resume}). */
  resume(groups: readonly RowGroupMeta[], offset: number): void {
    this.encoder.resume(groups, offset);
    for (const g of groups) this.rowCount += g.numRows;
    this.byteCount = offset;
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
    const out: Uint8Array[] = [];
    for (let start = 0; start < n; start += this.groupSize) {
      const count = Math.min(this.groupSize, n - start);
      out.push(runSteps(this.columnsInSteps(count, (cols, s, c) => fill(cols, start + s, c))));
    }
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
