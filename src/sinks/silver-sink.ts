/**
 * The silver sink: routes rows to Hive partitions, and upserts each partition as one Parquet file
 * (`part-0.parquet`) switched atomically, so a reader never sees a half-written or a doubled partition.
 * @module
 */
import { ScalplakeError, isScalplakeError, throwIfAborted } from '../core/errors.js';
import { columnsOf } from '../core/schema.js';
import type { Batch, Sink, SinkReport, StageContext } from '../core/stage.js';
import { assertSymbol } from '../core/symbol.js';
import { type TableDef, type TableName, type TableRows, TABLES } from '../core/tables.js';
import { DAY_MS, HOUR_MS, utcDate } from '../core/time.js';
import { type PartitionRef, silverFileKey } from '../lake/layout.js';
import type { ObjectStore } from './object-store.js';
import { readParquet, readParquetPacked } from './parquet-reader.js';
import { compileRowPacker, type PackedRows } from './row-packer.js';
import type { GatheredColumn } from './parquet-gather.js';
import { type EncodedParquet, encodeParquet, encodeParquetFile, type ParquetWriteOptions, parquetSettings } from './parquet-writer.js';

/** Rows buffered across all partitions before the oldest partitions are flushed, unless told otherwise. */
export const DEFAULT_MAX_BUFFERED_ROWS = 200_000;

/** A partition the input has moved past is written early once it holds this many rows (or is two partitions behind). */
const PASSED_FLUSH_MIN_ROWS = 4096;

/** Columns ignored when deciding whether a re-imported row changed: they describe the import, not the data. */
export const LINEAGE_COLUMNS: readonly string[] = ['ingested_at', 'source'];

/** Options of {@link silverSink}.
 *
 * @example
 * ```ts
 * silverSink(store, 'agg_trades', { maxBufferedRows: 500_000, rowGroupSize: 65_536 });
 * ```
 */
export interface SilverSinkOptions extends ParquetWriteOptions {
  /**
   * Bound on rows held in memory across partitions (default {@link DEFAULT_MAX_BUFFERED_ROWS}). When a batch takes
   * the total above it, partitions are flushed oldest first (by when their first buffered row arrived) until at most
   * half the bound remains. A partition flushed twice in one run is merged with its own earlier file.
   */
  readonly maxBufferedRows?: number;
}

type Row = Record<string, unknown>;

interface Bucket {
  readonly ref: PartitionRef;
  readonly symbol: string;
  readonly slot: number;
  readonly key: string;
  /** The buffered rows, packed into columns (see row-packer.ts). */
  readonly packed: PackedRows;
  readonly firstSeq: number;
}

/** What a sink keeps of the partition it wrote last (see {@link lastWritten}). */
interface LastWrite {
  readonly key: string;
  readonly schema: TableDef['schema'];
  readonly encoded: EncodedParquet;
  /** The rows of the file's last row group, which starts at row `base`. */
  readonly tail: PackedRows;
  readonly base: number;
}

/**
 * The partition written last per store and table: its file and the rows of its last row group, all an in-order
 * append needs to encode only what follows them (the live job's flush into the current hour, every minute), used
 * after checking the file still holds exactly those bytes. One row group per table in memory, not the hour; per
 * table, because the live job flushes every table in turn.
 */
const lastWritten = new WeakMap<ObjectStore, Map<string, LastWrite>>();

/** What merging new rows into a partition did. */
interface MergeResult {
  readonly rows: Row[];
  readonly inserted: number;
  readonly replaced: number;
  readonly unchanged: number;
  readonly duplicates: number;
}

/**
 * Creates the sink that writes a silver table. Rows are routed by symbol and by the UTC day (and hour, for
 * `agg_trades`) of the table's time column, buffered, and at flush merged by the table key with what the partition
 * already holds: a new row replaces an existing one only when a column other than `ingested_at`/`source` differs
 * (re-importing identical data keeps the first `ingested_at`), duplicates within the new rows collapse to the last
 * one. The result is sorted by time then key, encoded (zstd Parquet), and `put` atomically, unless the bytes equal
 * the existing file's. Re-running a job on the same input leaves every byte of the table unchanged.
 *
 * Counters: `rowsOut` += rows accepted (inserted, replaced or unchanged), `duplicates` += rows collapsed within the
 * buffered input. The report's `rowsWritten` counts inserted + replaced rows, `unchanged` the rows the partition
 * already held identically, `filesWritten` the partition files actually rewritten. One `flush` event per file.
 *
 * @throws `INVALID_SYMBOL` for a row whose symbol is not `[A-Z0-9]{2,30}`; `SINK_WRITE` for a row without a valid
 *   time, a value that does not fit its column, or a failed write (naming the partition key, with the store error as
 *   cause); `PARQUET_READ` when the existing partition file cannot be read; `ABORTED` when the run is aborted.
 * @example
 * ```ts
 * const sink = silverSink(localStore('./lake'), 'klines');
 * const report = await sink.write(source.read(ctx), ctx);
 * report.filesWritten; // ['silver/klines/symbol=BTCUSDT/date=2024-01-01/part-0.parquet', …]
 * ```
 */
export function silverSink<N extends TableName>(store: ObjectStore, table: N, options: SilverSinkOptions = {}): Sink<TableRows[N]> {
  const def = TABLES[table];
  if (!def) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Table ${JSON.stringify(table)} is not a silver table`, { context: { table } });
  }
  const maxBuffered = options.maxBufferedRows ?? DEFAULT_MAX_BUFFERED_ROWS;
  if (!Number.isSafeInteger(maxBuffered) || maxBuffered < 1) {
    throw new ScalplakeError('INVALID_ARGUMENT', `maxBufferedRows ${JSON.stringify(maxBuffered)} is not a positive integer`, {
      context: { maxBufferedRows: maxBuffered },
    });
  }
  return {
    kind: 'sink',
    name: `silver(${table})`,
    write: (input, ctx) =>
      writePartitions(store, def, (ref) => silverFileKey(table, ref), options, maxBuffered, input as AsyncIterable<Batch<Row>>, ctx),
  };
}

/** A table outside the silver registry (e.g. gold), described like a {@link TableDef}. */
export interface PartitionedTable {
  /** The table name, used in messages and events. */
  readonly name: string;
  /** The zod schema of one row. */
  readonly schema: TableDef['schema'];
  /** Columns that identify a row. */
  readonly key: readonly string[];
  /** The event-time column that partitions and orders rows. */
  readonly timeColumn: string;
  /** `day` (`symbol=/date=`) or `hour` (`symbol=/date=/hour=`). */
  readonly partitionBy: 'day' | 'hour';
  /** The key prefix of the table, e.g. `gold/features_1m/`. */
  readonly prefix: string;
}

/**
 * The partition-upsert sink of {@link silverSink} for a table outside the silver registry, such as the gold
 * features table: same merge, ordering, atomic switch and idempotence.
 *
 * @throws As {@link silverSink}.
 * @example
 * ```ts
 * const sink = partitionedSink(store, { name: 'features_1m', schema: GoldFeatures, key: ['symbol', 'open_time'],
 *   timeColumn: 'open_time', partitionBy: 'day', prefix: 'gold/features_1m/' });
 * ```
 */
export function partitionedSink<T>(store: ObjectStore, table: PartitionedTable, options: SilverSinkOptions = {}): PartitionedSink<T> {
  const maxBuffered = options.maxBufferedRows ?? DEFAULT_MAX_BUFFERED_ROWS;
  const fileKey = (ref: PartitionRef): string => {
    const base = `${table.prefix}symbol=${assertSymbol(ref.symbol)}/date=${ref.date}/`;
    return ref.hour === undefined ? `${base}part-0.parquet` : `${base}hour=${String(ref.hour).padStart(2, '0')}/part-0.parquet`;
  };
  const def = table as unknown as TableDef;
  return {
    kind: 'sink',
    name: `${table.prefix.split('/')[0]}(${table.name})`,
    write: (input, ctx) => writePartitions(store, def, fileKey, options, maxBuffered, input as AsyncIterable<Batch<Row>>, ctx),
    writeColumns: (input, ctx) => writePartitions(store, def, fileKey, options, maxBuffered, input, ctx),
  };
}

/**
 * A {@link partitionedSink}: a sink of rows that also takes rows already packed into columns.
 *
 * @example
 * ```ts
 * const sink = partitionedSink(store, { name: 'features_1m', schema, key: ['symbol', 'open_time'], timeColumn: 'open_time', partitionBy: 'day', prefix: 'gold/features_1m/' });
 * await sink.writeColumns(buildGoldColumns(sources, { symbol: 'BTCUSDT' }), createStageContext());
 * ```
 */
export interface PartitionedSink<T> extends Sink<T> {
  /**
   * Writes blocks of rows held as columns, index-aligned with `columnsOf(table.schema)` (as {@link compileRowPacker}
   * packs them): a producer that computes columns (the gold engine) skips building row objects. Same partitioning,
   * upsert and report as {@link Sink.write}.
   */
  writeColumns(input: AsyncIterable<PackedRows>, ctx: StageContext): Promise<SinkReport>;
}

async function writePartitions(
  store: ObjectStore,
  def: TableDef,
  fileKey: (ref: PartitionRef) => string,
  options: SilverSinkOptions,
  maxBuffered: number,
  input: AsyncIterable<Batch<Row> | PackedRows>,
  ctx: StageContext,
): Promise<SinkReport> {
  const table = def.name;
  const timeColumn = def.timeColumn;
  const unit = def.partitionBy === 'hour' ? HOUR_MS : DAY_MS;
  const merge = merger(def);
  const specs = columnsOf(def.schema);
  const packer = compileRowPacker(specs);
  // Packed rows are in final order with unique keys when the key's numeric column strictly increases (the time
  // column being part of the key or non-decreasing) and the other key columns are constant.
  const keyCols = def.key.filter((c) => c !== 'symbol');
  const primaryName = keyCols.length === 1 ? keyCols[0]! : keyCols.includes(def.timeColumn) ? def.timeColumn : undefined;
  const primaryIdx = specs.findIndex((c) => c.name === primaryName);
  const timeIdx = specs.findIndex((c) => c.name === def.timeColumn);
  const otherIdx = keyCols.filter((c) => c !== primaryName).map((c) => specs.findIndex((s) => s.name === c));
  const inKeyOrder = (p: PackedRows): boolean => {
    if (primaryIdx < 0 || p.n === 0) return false;
    const primary = p.cols[primaryIdx];
    const time = p.cols[timeIdx];
    if (!(primary instanceof Float64Array) || !(time instanceof Float64Array)) return false;
    for (let i = 1; i < p.n; i++) {
      if (!(primary[i]! > primary[i - 1]!) || time[i]! < time[i - 1]!) return false;
    }
    for (const k of otherIdx) {
      const col = p.cols[k]!;
      for (let i = 1; i < p.n; i++) if (col[i] !== col[0]) return false;
    }
    return true;
  };
  /** Whether `fresh` (in key order) goes wholly after `existing`: `existing` in key order, the same constant key columns, its last key and time before `fresh`'s first. */
  const appendsAfter = (existing: PackedRows, fresh: PackedRows): boolean => {
    if (existing.n === 0 || fresh.n === 0 || !inKeyOrder(existing)) return false;
    const last = existing.n - 1;
    const ep = existing.cols[primaryIdx] as Float64Array;
    const et = existing.cols[timeIdx] as Float64Array;
    if (!(ep[last]! < (fresh.cols[primaryIdx] as Float64Array)[0]!) || et[last]! > (fresh.cols[timeIdx] as Float64Array)[0]!) return false;
    for (const k of otherIdx) if (existing.cols[k]![0] !== fresh.cols[k]![0]) return false;
    return true;
  };
  const buckets = new Map<string, Bucket>();
  const knownSymbols = new Set<string>();
  const files = new Set<string>();
  let buffered = 0;
  let seq = 0;
  let rowsWritten = 0;
  let unchanged = 0;
  let lastSymbol: unknown;
  let lastSlot = Number.NaN;
  let lastBucket: Bucket | undefined;

  const flush = async (b: Bucket): Promise<void> => {
    const existingBytes = await store.get(b.key);
    let written = lastWritten.get(store);
    if (written === undefined) lastWritten.set(store, (written = new Map()));
    const cached = written.get(table);
    written.delete(table); // set again below once a write succeeds: never trusted across a failure
    if (existingBytes === undefined && inKeyOrder(b.packed)) {
      // A new partition fed in key order (the usual bulk import): encode straight from the packed columns.
      return writePacked(b, b.packed, b.packed.n);
    }
    if (existingBytes !== undefined && inKeyOrder(b.packed)) {
      // New rows that all come after the partition's (a live flush into the current hour, the next day of a
      // daily import): append them to its columns and encode, without an object per row on either side. The
      // partition's columns come from the last write when the file is still exactly what it wrote (the live job's
      // flush every minute), else from decoding the file.
      const reusable =
        cached !== undefined &&
        cached.key === b.key &&
        cached.schema === def.schema &&
        cached.encoded.settings === parquetSettings(options) &&
        sameBytes(cached.encoded.bytes, existingBytes);
      if (reusable) {
        // The file's full row groups are kept as they are: a flush costs its new rows, not the hour.
        if (appendsAfter(cached.tail, b.packed)) {
          packer.append(cached.tail, b.packed, 0, b.packed.n);
          return writePacked(b, cached.tail, b.packed.n, cached.encoded, cached.base);
        }
      } else {
        const existing = await readParquetPacked(existingBytes, def.schema, { source: b.key });
        if (appendsAfter(existing, b.packed)) {
          packer.append(existing, b.packed, 0, b.packed.n);
          return writePacked(b, existing, b.packed.n);
        }
      }
    }
    const existing = existingBytes === undefined ? [] : await readParquet<Row>(existingBytes, def.schema, { source: b.key });
    const result = merge(existing, packer.unpack(b.packed) as Row[]);
    rowsWritten += result.inserted + result.replaced;
    unchanged += result.unchanged;
    ctx.counters.rowsOut += result.inserted + result.replaced + result.unchanged;
    ctx.counters.duplicates += result.duplicates;
    // Nothing new: the file already holds exactly these rows.
    if (result.inserted + result.replaced === 0) return;
    const bytes = await encodeParquet(def.schema, result.rows, options);
    if (existingBytes !== undefined && sameBytes(bytes, existingBytes)) return;
    await put(b.key, bytes);
    files.add(b.key);
    ctx.events.emit('flush', { table, files: [b.key], rows: result.rows.length });
  };
  /**
   * Encodes bucket `b`'s whole partition and writes it: `packed` holds its rows from row `base` on, in key order
   * (the rows before `base` are in the full row groups of `previous`, which are kept); `added` of them are new. Only
   * the partition the input is in (the live job's current hour) is kept for a later append: one a time-ordered
   * import has moved past will not be written again.
   */
  const writePacked = async (b: Bucket, packed: PackedRows, added: number, previous?: EncodedParquet, base = 0): Promise<void> => {
    const key = b.key;
    const fill = (cols: GatheredColumn[], start: number, count: number) => packer.fill(packed, start - base, count, cols);
    const n = base + packed.n;
    const encoded = await encodeParquetFile(def.schema, n, fill, options, previous, base);
    rowsWritten += added;
    ctx.counters.rowsOut += added;
    await put(key, encoded.bytes);
    if (b === lastBucket) {
      // Keep the rows of the last row group: the next append re-encodes it when it is partial (and reads its last key).
      const groups = encoded.rowGroups;
      const lastStart = n - (groups.length > 0 ? groups[groups.length - 1]!.numRows : 0);
      const tail = packer.create(n - lastStart);
      packer.append(tail, packed, lastStart - base, n - lastStart);
      lastWritten.get(store)?.set(table, { key, schema: def.schema, encoded, tail, base: lastStart });
    }
    files.add(key);
    ctx.events.emit('flush', { table, files: [key], rows: n });
  };
  const put = async (key: string, bytes: Uint8Array): Promise<void> => {
    try {
      await store.put(key, bytes);
    } catch (cause) {
      if (isScalplakeError(cause, 'ABORTED')) throw cause;
      throw new ScalplakeError('SINK_WRITE', `Cannot write partition ${JSON.stringify(key)} of ${table} to ${store.url}: ${(cause as Error)?.message ?? String(cause)}`, {
        context: { table, key, store: store.url },
        cause,
      });
    }
  };

  const badTime = (t: unknown, i: number, source: string | undefined): never => {
    throw new ScalplakeError('SINK_WRITE', `Row ${i} of a batch for ${table} has ${timeColumn} ${JSON.stringify(t)}, not UTC epoch milliseconds`, {
      context: { table, column: timeColumn, value: t, row: i, ...(source !== undefined ? { source } : {}) },
    });
  };
  /** The bucket of (symbol, slot), created on first use; the last one is cached (input is mostly in order). */
  const bucketFor = (symbol: unknown, slot: number): Bucket => {
    if (symbol === lastSymbol && slot === lastSlot && lastBucket !== undefined) return lastBucket;
    if (typeof symbol !== 'string' || !knownSymbols.has(symbol)) {
      assertSymbol(symbol as string, `silver(${table})`);
      knownSymbols.add(symbol as string);
    }
    const id = `${symbol as string}|${slot}`;
    let found = buckets.get(id);
    if (found === undefined) {
      const at = slot * unit;
      const ref: PartitionRef =
        unit === HOUR_MS ? { symbol: symbol as string, date: utcDate(at), hour: Math.floor(at / HOUR_MS) % 24 } : { symbol: symbol as string, date: utcDate(at) };
      found = { ref, symbol: symbol as string, slot, key: fileKey(ref), packed: packer.create(), firstSeq: seq++ };
      buckets.set(id, found);
    }
    lastSymbol = symbol;
    lastSlot = slot;
    lastBucket = found;
    return found;
  };
  const timeIndex = specs.findIndex((c) => c.name === timeColumn);
  const symbolIndex = specs.findIndex((c) => c.name === 'symbol');

  for await (const batch of input) {
    throwIfAborted(ctx.signal);
    if (!Array.isArray(batch)) {
      // Columns built by the producer (see PartitionedSink.writeColumns): runs of one partition are copied whole.
      const block = batch as PackedRows;
      const times = block.cols[timeIndex];
      const symbols = block.cols[symbolIndex];
      if (!(times instanceof Float64Array) || !Array.isArray(symbols)) {
        throw new ScalplakeError('SINK_WRITE', `A column block for ${table} does not have the table's columns`, { context: { table } });
      }
      let i = 0;
      while (i < block.n) {
        const t = times[i]!;
        if (!Number.isSafeInteger(t) || t < 0) badTime(t, i, undefined);
        const slot = Math.floor(t / unit);
        const symbol = symbols[i];
        let j = i + 1;
        while (j < block.n && symbols[j] === symbol && times[j]! >= slot * unit && times[j]! < (slot + 1) * unit && Number.isSafeInteger(times[j]!)) j++;
        packer.append(bucketFor(symbol, slot).packed, block, i, j - i);
        i = j;
      }
      buffered += block.n;
    } else {
      const rows = batch as Batch<Row>;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const t = row[timeColumn];
        if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) badTime(t, i, rows.origin?.source);
        packer.push(bucketFor(row.symbol, Math.floor((t as number) / unit)).packed, row);
      }
      buffered += rows.length;
    }
    // Input in time order (bulk files, REST pages) has moved past these partitions: they are complete, so write them
    // now rather than keep their rows in memory. A late row for one of them later is merged with the file.
    if (lastBucket !== undefined) {
      for (const [id, b] of buckets) {
        if (b.symbol !== lastSymbol || b === lastBucket) continue;
        const behind = lastSlot - b.slot;
        if (behind >= 2 || (behind === 1 && b.packed.n >= PASSED_FLUSH_MIN_ROWS)) {
          throwIfAborted(ctx.signal);
          await flush(b);
          buffered -= b.packed.n;
          buckets.delete(id);
        }
      }
    }
    if (buffered > maxBuffered) {
      const oldestFirst = [...buckets.entries()].sort((x, y) => x[1].firstSeq - y[1].firstSeq);
      for (const [id, b] of oldestFirst) {
        if (buffered <= maxBuffered / 2) break;
        throwIfAborted(ctx.signal);
        await flush(b);
        buffered -= b.packed.n;
        buckets.delete(id);
        if (lastBucket === b) lastBucket = undefined;
      }
    }
  }
  const rest = [...buckets.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  for (const b of rest) {
    throwIfAborted(ctx.signal);
    await flush(b);
  }
  return { rowsWritten, filesWritten: [...files].sort(), unchanged };
}

/** Builds the merge of one table: key extraction, change detection and ordering, decided once per table. */
function merger(def: TableDef): (existing: Row[], fresh: readonly Row[]) => MergeResult {
  // Within a partition the symbol is constant: key on the other key columns.
  const keyColumns = def.key.filter((c) => c !== 'symbol');
  const single = keyColumns.length === 1 ? keyColumns[0]! : undefined;
  const keyOf = (r: Row): unknown => {
    if (single !== undefined) return r[single];
    let k = '';
    for (const c of keyColumns) k += `${String(r[c])}\u0001`;
    return k;
  };
  const compared = columnsOf(def.schema)
    .map((c) => c.name)
    .filter((n) => !LINEAGE_COLUMNS.includes(n));
  const differs = (a: Row, b: Row): boolean => {
    for (const c of compared) if (a[c] !== b[c]) return true;
    return false;
  };
  const order = [def.timeColumn, ...keyColumns.filter((c) => c !== def.timeColumn)];
  const compare = (a: Row, b: Row): number => {
    for (const c of order) {
      const x = a[c] as number | string;
      const y = b[c] as number | string;
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };

  // The column whose strict increase proves the keys unique (the single key, or the time column when it is part of
  // a composite key whose other columns are constant in the batch): sorted input then skips the hash maps.
  const primary = single ?? (keyColumns.includes(def.timeColumn) ? def.timeColumn : undefined);
  const others = keyColumns.filter((c) => c !== primary);
  const uniqueAscending = (rows: readonly Row[]): boolean => {
    if (primary === undefined) return false;
    const first = rows[0];
    if (first === undefined) return true;
    let last = first[primary] as number;
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i]!;
      const v = r[primary] as number;
      if (!(v > last)) return false;
      for (const c of others) if (r[c] !== first[c]) return false;
      last = v;
    }
    return true;
  };

  return (existing, fresh) => {
    if (existing.length === 0 && uniqueAscending(fresh)) {
      // A new partition fed in key order (the usual bulk import): nothing to collapse, merge or sort.
      const rows = fresh.slice();
      let sorted = true;
      for (let i = 1; i < rows.length && sorted; i++) sorted = compare(rows[i - 1]!, rows[i]!) <= 0;
      if (!sorted) rows.sort(compare);
      return { rows, inserted: rows.length, replaced: 0, unchanged: 0, duplicates: 0 };
    }
    // 1. Collapse duplicates within the new rows: the last one wins.
    const latest: Row[] = [];
    const seen = new Map<unknown, number>();
    let duplicates = 0;
    for (const r of fresh) {
      const k = keyOf(r);
      const at = seen.get(k);
      if (at === undefined) {
        seen.set(k, latest.length);
        latest.push(r);
      } else {
        latest[at] = r;
        duplicates++;
      }
    }
    // 2. Upsert into the existing rows.
    const rows = existing;
    const index = new Map<unknown, number>();
    for (let i = 0; i < rows.length; i++) index.set(keyOf(rows[i]!), i);
    let inserted = 0;
    let replaced = 0;
    let unchanged = 0;
    for (const r of latest) {
      const at = index.get(keyOf(r));
      if (at === undefined) {
        rows.push(r);
        inserted++;
      } else if (differs(rows[at]!, r)) {
        rows[at] = r;
        replaced++;
      } else {
        unchanged++;
      }
    }
    // 3. Order by time, then key (skip the sort when already in order: the usual case).
    let sorted = true;
    for (let i = 1; i < rows.length; i++) {
      if (compare(rows[i - 1]!, rows[i]!) > 0) {
        sorted = false;
        break;
      }
    }
    if (!sorted) rows.sort(compare);
    return { rows, inserted, replaced, unchanged, duplicates };
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
