/**
 * The lake facade: one object that knows the medallion layout of a store and hands out its writers and readers.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ScalplakeError } from '../core/errors.js';
import { columnIndex, columnsOf, sqlDdlOf } from '../core/schema.js';
import type { Batch, Sink } from '../core/stage.js';
import { assertSymbol } from '../core/symbol.js';
import { type QuarantineRow, type TableName, type TableRows, TABLES } from '../core/tables.js';
import { DAY_MS, HOUR_MS, requireUtcMillis } from '../core/time.js';
import { type BronzeFileInfo, type BronzeRecord, bronzeWriter, putBronzeFile } from '../sinks/bronze-writer.js';
import type { JsonlWriter } from '../sinks/jsonl-writer.js';
import { localStore } from '../sinks/local-store.js';
import type { ObjectStore } from '../sinks/object-store.js';
import { readParquetBatches, readParquetColumns } from '../sinks/parquet-reader.js';
import { compileRowPacker, type PackedRows, type RowPacker } from '../sinks/row-packer.js';
import { quarantineWriter } from '../sinks/quarantine-writer.js';
import { type SilverSinkOptions, silverSink } from '../sinks/silver-sink.js';
import { LAYERS, PART_FILE, type PartitionRef, parsePartitionKey, silverPrefix, stateKey } from './layout.js';

/** A silver partition found in the lake.
 *
 * @example
 * ```ts
 * for (const p of await lake.partitions('agg_trades', 'BTCUSDT')) console.log(p.date, p.hour, p.key);
 * ```
 */
export interface PartitionInfo extends PartitionRef {
  /** The table. */
  readonly table: TableName;
  /** The key of the partition's data file. */
  readonly key: string;
  /** Size of the data file in bytes. */
  readonly size: number;
  /** Start of the partition's time range (UTC ms, inclusive). */
  readonly start: number;
  /** End of the partition's time range (UTC ms, exclusive). */
  readonly end: number;
}

/** A time range `[from, to)`: UTC ms or a UTC date string (`2024-01-01`, `2024-01-01 13:00:00`). */
export interface TimeRange {
  /** Inclusive start; unbounded when absent. */
  readonly from?: number | string;
  /** Exclusive end; unbounded when absent. */
  readonly to?: number | string;
}

/** Atomic JSON documents under `_state/` (watermarks, table metadata, run log). */
export interface LakeState {
  /** Reads a document; `undefined` when it does not exist. Throws `STORE_IO` when it is not JSON. */
  get<T = unknown>(name: string): Promise<T | undefined>;
  /** Writes a document atomically (pretty-printed JSON). */
  put(name: string, value: unknown): Promise<void>;
}

/** Options of {@link openLake}. */
export interface LakeOptions {
  /** The run id in bronze and quarantine object names; default: UTC time + random suffix, fixed per lake. */
  readonly runId?: string;
}

/** A lake: the medallion layout over an object store.
 *
 * @example
 * ```ts
 * const lake = openLake('./lake');
 * const parts = await lake.partitions('klines', 'BTCUSDT');
 * await lake.state.put('watermarks/klines', { BTCUSDT: parts.at(-1)?.end });
 * ```
 */
export interface Lake {
  /** The store under the lake. */
  readonly store: ObjectStore;
  /** The run id used in bronze and quarantine object names. */
  readonly runId: string;
  /** The sink that upserts a silver table (see {@link silverSink}). */
  silver<N extends TableName>(table: N, options?: SilverSinkOptions): Sink<TableRows[N]>;
  /** A writer of the quarantine of a table (gzip JSON lines, append-only). */
  quarantine(table: string, options?: { readonly maxBufferedRows?: number }): JsonlWriter<QuarantineRow>;
  /** A writer of bronze payloads (gzip JSON lines, append-only). */
  bronze(options?: { readonly maxBufferedRows?: number }): JsonlWriter<BronzeRecord>;
  /** Copies a bulk file into `bronze/<source>/<path>` as-is with its `.sha256` sidecar. */
  bronzeFile(source: string, path: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<BronzeFileInfo>;
  /** Reads one symbol of a silver table, partitions in time order, rows sorted, only rows within `[from, to)`. */
  readSilver<N extends TableName>(table: N, symbol: string, range?: TimeRange): AsyncIterable<Batch<TableRows[N]>>;
  /**
   * {@link Lake.readSilver} as columns: the same rows in the same order, as `PackedRows` index-aligned with
   * `columnsOf(TABLES[table].schema)`, without a record per row (what the gold job reads; the builders accept both).
   */
  readSilverColumns(table: TableName, symbol: string, range?: TimeRange): AsyncIterable<PackedRows>;
  /** Lists the partitions of a silver table (optionally one symbol), in symbol then time order. */
  partitions(table: TableName, symbol?: string): Promise<PartitionInfo[]>;
  /** JSON documents under `_state/`. */
  readonly state: LakeState;
  /** The SQL that exposes a silver table to DuckDB (a view) or Athena (an external table). */
  ddl(table: TableName, dialect: 'duckdb' | 'athena'): string;
}

/**
 * Opens a lake on a local folder or on any object store.
 *
 * @throws `INVALID_ARGUMENT` (from the methods) for unknown tables, unsafe names or bad times; `INVALID_SYMBOL`;
 *   `STORE_IO`, `SINK_WRITE`, `PARQUET_READ` from the writers and readers.
 * @example
 * ```ts
 * const lake = openLake('./lake');
 * await pipeline('klines').from(src).to(lake.silver('klines')).run().done;
 * for await (const batch of lake.readSilver('klines', 'BTCUSDT', { from: '2024-01-01', to: '2024-01-02' })) { … }
 * console.log(lake.ddl('klines', 'duckdb'));
 * ```
 */
export function openLake(pathOrStore: string | ObjectStore, options: LakeOptions = {}): Lake {
  const store = typeof pathOrStore === 'string' ? localStore(pathOrStore) : pathOrStore;
  const runId = options.runId ?? defaultRunId();

  const partitions = async (table: TableName, symbol?: string): Promise<PartitionInfo[]> => {
    const unit = TABLES[table].partitionBy === 'hour' ? HOUR_MS : DAY_MS;
    const out: PartitionInfo[] = [];
    for (const o of await store.list(silverPrefix(table, symbol))) {
      const p = parsePartitionKey(o.key);
      if (!p || p.file !== PART_FILE || p.table !== table || p.layer !== LAYERS.silver) continue;
      if ((unit === HOUR_MS) !== (p.hour !== undefined)) continue;
      const start = Date.parse(`${p.date}T00:00:00Z`) + (p.hour ?? 0) * HOUR_MS;
      const ref = p.hour === undefined ? { symbol: p.symbol, date: p.date } : { symbol: p.symbol, date: p.date, hour: p.hour };
      out.push({ table, ...ref, key: o.key, size: o.size, start, end: start + unit });
    }
    out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.start - b.start));
    return out;
  };

  /** Partition files read ahead of the one being decoded: file reads overlap with decoding instead of alternating. */
  const READ_AHEAD = 4;

  /** The files of one symbol's partitions that overlap `[from, to)`, read ahead, with whether each lies wholly inside. */
  async function* silverFiles(table: TableName, symbol: string, range: TimeRange) {
    assertSymbol(symbol);
    const from = range.from === undefined ? Number.NEGATIVE_INFINITY : requireUtcMillis(range.from, 'from');
    const to = range.to === undefined ? Number.POSITIVE_INFINITY : requireUtcMillis(range.to, 'to');
    const parts = (await partitions(table, symbol)).filter((p) => p.end > from && p.start < to);
    const ahead: Promise<Uint8Array | undefined>[] = [];
    let next = 0;
    for (const p of parts) {
      while (next < parts.length && ahead.length < READ_AHEAD) {
        const read = store.get(parts[next++]!.key);
        read.catch(() => {}); // awaited in turn below, where its error surfaces; not an unhandled rejection meanwhile
        ahead.push(read);
      }
      const bytes = await ahead.shift()!;
      if (bytes === undefined) continue; // deleted since the listing
      yield { bytes, key: p.key, whole: p.start >= from && p.end <= to, from, to };
    }
  }

  async function* readSilver<N extends TableName>(table: N, symbol: string, range: TimeRange = {}): AsyncIterable<Batch<TableRows[N]>> {
    const def = TABLES[table];
    const timeColumn = def.timeColumn;
    for await (const { bytes, key, whole, from, to } of silverFiles(table, symbol, range)) {
      for await (const batch of readParquetBatches<TableRows[N]>(bytes, def.schema, { source: key })) {
        if (whole) {
          if (batch.length > 0) yield batch;
          continue;
        }
        const kept: TableRows[N][] = [];
        for (const row of batch) {
          const t = (row as unknown as Record<string, number>)[timeColumn]!;
          if (t >= from && t < to) kept.push(row);
        }
        if (kept.length > 0) yield kept;
      }
    }
  }

  async function* readSilverColumns(table: TableName, symbol: string, range: TimeRange = {}): AsyncIterable<PackedRows> {
    const def = TABLES[table];
    const packer = compileRowPacker(columnsOf(def.schema));
    const time = columnIndex(def.schema, def.timeColumn);
    for await (const { bytes, key, whole, from, to } of silverFiles(table, symbol, range)) {
      for await (const batch of readParquetColumns(bytes, def.schema, { source: key })) {
        const kept = whole ? batch : rowsWhere(packer, batch, batch.cols[time] as Float64Array, from, to);
        if (kept.n > 0) yield kept;
      }
    }
  }

  const state: LakeState = {
    async get<T>(name: string): Promise<T | undefined> {
      const key = stateKey(name);
      const bytes = await store.get(key);
      if (bytes === undefined) return undefined;
      try {
        return JSON.parse(new TextDecoder().decode(bytes)) as T;
      } catch (cause) {
        throw new ScalplakeError('STORE_IO', `State document ${JSON.stringify(key)} in ${store.url} is not JSON`, { context: { key }, cause });
      }
    },
    async put(name: string, value: unknown): Promise<void> {
      await store.put(stateKey(name), `${JSON.stringify(value, null, 2)}\n`);
    },
  };

  return {
    store,
    runId,
    silver: (table, opts) => silverSink(store, table, opts),
    quarantine: (table, opts) => quarantineWriter(store, table, { runId, ...opts }),
    bronze: (opts) => bronzeWriter(store, { runId, ...opts }),
    bronzeFile: (source, path, body) => putBronzeFile(store, source, path, body),
    readSilver,
    readSilverColumns,
    partitions,
    state,
    ddl(table, dialect) {
      const def = TABLES[table];
      if (!def) throw new ScalplakeError('INVALID_ARGUMENT', `Table ${JSON.stringify(table)} is not a silver table`, { context: { table } });
      const prefix = `${LAYERS.silver}/${table}`;
      const location = store.localPath ? store.localPath(prefix) : `${store.url.replace(/\/+$/, '')}/${prefix}`;
      const partitionColumns = def.partitionBy === 'hour' ? ['symbol', 'date', 'hour'] : ['symbol', 'date'];
      return sqlDdlOf(def.schema, { dialect, table, location, partitionColumns });
    },
  };
}

/** The rows of `p` whose time `t[i]` is in `[from, to)` (`p` itself when all are), in order: each run copied by `append`. */
function rowsWhere(packer: RowPacker, p: PackedRows, t: Float64Array, from: number, to: number): PackedRows {
  const out = packer.create();
  const inside = (i: number) => t[i]! >= from && t[i]! < to;
  for (let i = 0; i < p.n; ) {
    while (i < p.n && !inside(i)) i++;
    const start = i;
    while (i < p.n && inside(i)) i++;
    if (i > start) packer.append(out, p, start, i - start);
  }
  return out.n === p.n ? p : out;
}

function defaultRunId(): string {
  const iso = new Date().toISOString(); // 2024-01-01T13:05:09.123Z
  const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return `${compact}-${randomBytes(3).toString('hex')}`;
}
