/**
 * Reads Parquet bytes back into records of a table type (hyparquet + zstd): INT64 and timestamps become `number`
 * (UTC epoch ms), nulls `null`, fields in the schema's column order. Used by partition upserts and `readSilver`.
 * @module
 */
import { type FileMetaData, parquetMetadata, parquetRead } from 'hyparquet';
import { ScalplakeError } from '../core/errors.js';
import { type ColumnSpec, type ColumnType, columnsOf, type TableSchema } from '../core/schema.js';
import type { Batch } from '../core/stage.js';
import { compileRowPacker, type PackedRows } from './row-packer.js';
import { ensureZstd, zstdDecompress } from './zstd.js';

/** Options of the Parquet reader. */
export interface ParquetReadOptions {
  /** The file name or object key, for error messages. */
  readonly source?: string;
  /**
   * Most records per yielded batch (default 4096): a row group (up to 131,072 rows) is decoded at once, as columns,
   * and its records are built one slice at a time, so that they are still in the CPU cache when the consumer reads
   * them and die young (a whole row group of 86-column book rows would be ~100 MB of objects).
   */
  readonly batchRows?: number;
}

const PHYSICAL: Readonly<Record<ColumnType, string>> = {
  timestamp: 'INT64',
  int64: 'INT64',
  int32: 'INT32',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'BYTE_ARRAY',
};

const PARSERS = {
  timestampFromMilliseconds: (ms: bigint) => Number(ms),
  timestampFromMicroseconds: (us: bigint) => Number(us / 1000n),
  timestampFromNanoseconds: (ns: bigint) => Number(ns / 1_000_000n),
};

/**
 * Reads a whole Parquet file into records.
 *
 * @throws `PARQUET_READ` naming the source when the bytes are not Parquet, a required column is missing or has
 *   another physical type, or a page cannot be decoded.
 * @example
 * ```ts
 * const rows = await readParquet<Kline>(await store.get(key), Kline, { source: key });
 * ```
 */
export async function readParquet<T>(bytes: Uint8Array, schema: TableSchema, options: ParquetReadOptions = {}): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of readParquetBatches<T>(bytes, schema, options)) {
    for (let i = 0; i < batch.length; i++) out.push(batch[i]!);
  }
  return out;
}

/**
 * Reads a Parquet file one row group at a time, yielding its records in batches of at most `batchRows`.
 *
 * @throws `PARQUET_READ` naming the source, as {@link readParquet}.
 * @example
 * ```ts
 * for await (const batch of readParquetBatches<AggTrade>(bytes, AggTrade)) console.log(batch.length);
 * ```
 */
export async function* readParquetBatches<T>(
  bytes: Uint8Array,
  schema: TableSchema,
  options: ParquetReadOptions = {},
): AsyncIterable<Batch<T>> {
  const batchRows = Math.max(1, options.batchRows ?? 4096);
  const specs = columnsOf(schema);
  for await (const { columns, n } of rowGroups(bytes, specs, options.source ?? '<bytes>')) {
    for (let start = 0; start < n; start += batchRows) yield buildRows<T>(specs, columns, start, Math.min(n, start + batchRows));
  }
}

/**
 * Reads a whole Parquet file into {@link PackedRows} (the sink's columnar buffer: numbers in `Float64Array`s with
 * null masks, booleans as 1/0, strings in arrays), index-aligned with `columnsOf(schema)`, without an object per row.
 * A null in a column the table requires (where {@link readParquet} gives `null`) is `NaN`.
 *
 * @throws `PARQUET_READ` naming the source, as {@link readParquet}.
 * @example
 * ```ts
 * const packed = await readParquetPacked(await store.get(key), AggTrade, { source: key });
 * console.log(packed.n);
 * ```
 */
export async function readParquetPacked(bytes: Uint8Array, schema: TableSchema, options: ParquetReadOptions = {}): Promise<PackedRows> {
  const specs = columnsOf(schema);
  const packer = compileRowPacker(specs);
  const out = packer.create(0);
  for await (const { columns, n } of rowGroups(bytes, specs, options.source ?? '<bytes>')) {
    const group = packGroup(specs, columns, n);
    packer.append(out, group, 0, n);
  }
  return out;
}

/**
 * Reads a Parquet file one row group at a time as {@link PackedRows} (columns index-aligned with
 * `columnsOf(schema)`), in slices of at most `batchRows` rows: {@link readParquetBatches} without a record per row.
 * The slices share their row group's arrays (`subarray`): treat them as read-only.
 *
 * @throws `PARQUET_READ` naming the source, as {@link readParquet}.
 * @example
 * ```ts
 * for await (const cols of readParquetColumns(bytes, BookDepth)) console.log(cols.n, cols.cols[1]); // event_time
 * ```
 */
export async function* readParquetColumns(bytes: Uint8Array, schema: TableSchema, options: ParquetReadOptions = {}): AsyncIterable<PackedRows> {
  const batchRows = Math.max(1, options.batchRows ?? 4096);
  const specs = columnsOf(schema);
  for await (const { columns, n } of rowGroups(bytes, specs, options.source ?? '<bytes>')) {
    const group = packGroup(specs, columns, n);
    for (let start = 0; start < n; start += batchRows) yield sliceRows(group, start, Math.min(n, start + batchRows));
  }
}

/**
 * Rows `[start, end)` of a {@link PackedRows}, sharing its arrays (typed-array `subarray`; string columns are copied).
 *
 * @example
 * ```ts
 * const firstHundred = sliceRows(packed, 0, 100);
 * ```
 */
export function sliceRows(p: PackedRows, start: number, end: number): PackedRows {
  if (start === 0 && end === p.n) return p;
  const n = end - start;
  return {
    n,
    cap: n,
    cols: p.cols.map((c) => (Array.isArray(c) ? c.slice(start, end) : c.subarray(start, end))),
    nulls: p.nulls.map((z) => (z.length === 0 ? z : z.subarray(start, end))),
  };
}

/** One decoded row group as {@link PackedRows}: numbers in `Float64Array`s with null masks, strings in arrays. */
function packGroup(specs: readonly ColumnSpec[], columns: readonly (ArrayLike<unknown> | null)[], n: number): PackedRows {
  const group: PackedRows = { n, cap: n, cols: [], nulls: [] };
  specs.forEach((spec, j) => {
    const values = columns[j] ?? null;
    if (spec.type === 'string') {
      const a = new Array<string | null>(n);
      for (let i = 0; i < n; i++) {
        const v = values?.[i];
        a[i] = typeof v === 'string' ? v : null;
      }
      group.cols.push(a);
      group.nulls.push(new Uint8Array(0));
      return;
    }
    const a = new Float64Array(n);
    const z = new Uint8Array(spec.nullable ? n : 0);
    for (let i = 0; i < n; i++) {
      const v = values?.[i];
      if (typeof v === 'number') a[i] = v;
      else if (typeof v === 'bigint') a[i] = Number(v);
      else if (typeof v === 'boolean') a[i] = v ? 1 : 0;
      else if (spec.nullable) z[i] = 1;
      // A null in a column the table requires (a file written under a looser schema): NaN, never a made-up 0.
      else a[i] = Number.NaN;
    }
    group.cols.push(a);
    group.nulls.push(z);
  });
  return group;
}

/** Decodes the file's row groups one at a time: each column of the table (null when absent from the file). */
async function* rowGroups(
  bytes: Uint8Array,
  specs: readonly ColumnSpec[],
  source: string,
): AsyncIterable<{ columns: (ArrayLike<unknown> | null)[]; n: number }> {
  await ensureZstd();
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(file, { parsers: PARSERS });
  } catch (cause) {
    throw readError(source, `is not a readable Parquet file: ${(cause as Error)?.message ?? String(cause)}`, cause);
  }
  const present = checkColumns(metadata, specs, source);
  const names = specs.filter((c) => present.has(c.name)).map((c) => c.name);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const n = Number(group.num_rows);
    const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
    try {
      await parquetRead({
        file,
        metadata,
        columns: names,
        rowStart: groupStart,
        rowEnd: groupStart + n,
        parsers: PARSERS,
        compressors: { ZSTD: zstdDecompress },
        onChunk: (c) => {
          let list = chunks.get(c.columnName);
          if (!list) chunks.set(c.columnName, (list = []));
          list.push({ rowStart: c.rowStart, data: c.columnData });
        },
      });
    } catch (cause) {
      throw readError(source, `cannot be decoded (row group at row ${groupStart}): ${(cause as Error)?.message ?? String(cause)}`, cause);
    }
    const columns = specs.map((spec) => (present.has(spec.name) ? flatten(chunks.get(spec.name) ?? [], groupStart, n) : null));
    chunks.clear();
    yield { columns, n };
    groupStart += n;
  }
}

/** Checks the file's columns against the table and returns the names present in the file. */
function checkColumns(metadata: FileMetaData, specs: readonly ColumnSpec[], source: string): Set<string> {
  const fileTypes = new Map<string, string | undefined>();
  for (const el of metadata.schema.slice(1)) fileTypes.set(el.name, el.type);
  const present = new Set<string>();
  for (const spec of specs) {
    if (!fileTypes.has(spec.name)) {
      if (spec.nullable) continue;
      throw readError(source, `has no column "${spec.name}" (${spec.type}, required by the table)`);
    }
    const t = fileTypes.get(spec.name);
    if (t !== PHYSICAL[spec.type]) {
      throw readError(source, `column "${spec.name}" is ${t ?? 'a group'}, expected ${PHYSICAL[spec.type]} (${spec.type})`);
    }
    present.add(spec.name);
  }
  return present;
}

/** Joins the decoded pages of one column into one array of exactly `n` values starting at row `start`. */
function flatten(parts: readonly { rowStart: number; data: ArrayLike<unknown> }[], start: number, n: number): ArrayLike<unknown> {
  if (parts.length === 1 && parts[0]!.rowStart === start && parts[0]!.data.length === n) return parts[0]!.data;
  const out = new Array<unknown>(n).fill(null);
  for (const p of parts) {
    const off = p.rowStart - start;
    for (let i = 0; i < p.data.length; i++) {
      const at = off + i;
      if (at >= 0 && at < n) out[at] = p.data[i];
    }
  }
  return out;
}

type RowFactory = (columns: readonly (ArrayLike<unknown> | null)[], start: number, end: number) => unknown[];
const rowFactories = new WeakMap<readonly ColumnSpec[], RowFactory>();

/**
 * Builds the rows of a row group from its columns through a factory compiled per table (one object literal with
 * the schema's fields in order): rows built by adding keys one by one end up as slow dictionary-mode objects for
 * wide tables (book_depth has 86 columns), which slows every later reader of them.
 */
function buildRows<T>(specs: readonly ColumnSpec[], columns: readonly (ArrayLike<unknown> | null)[], start: number, end: number): T[] {
  let make = rowFactories.get(specs);
  if (make === undefined) {
    make = compileRowFactory(specs);
    rowFactories.set(specs, make);
  }
  return make(columns, start, end) as T[];
}

function compileRowFactory(specs: readonly ColumnSpec[]): RowFactory {
  const pre = specs.map((_, j) => `const c${j} = columns[${j}] ?? NONE;`);
  const fields = specs.map((spec, j) => {
    const fn = spec.type === 'int64' || spec.type === 'timestamp' ? 'num' : 'val';
    return `${JSON.stringify(spec.name)}: ${fn}(c${j}[i])`;
  });
  const num = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v === undefined ? null : v);
  const val = (v: unknown): unknown => (v === undefined ? null : v);
  try {
    return new Function(
      'NONE',
      'num',
      'val',
      `return function buildRows(columns, start, end) {\n${pre.join('\n')}\nconst rows = new Array(end - start);\nfor (let i = start; i < end; i++) rows[i - start] = { ${fields.join(', ')} };\nreturn rows;\n};`,
    )([], num, val) as RowFactory;
  } catch {
    // No code generation (e.g. a CSP): build the rows key by key.
    return (columns, start, end) => {
      const rows = new Array<unknown>(end - start);
      for (let i = start; i < end; i++) {
        const row: Record<string, unknown> = {};
        specs.forEach((spec, j) => {
          const v = columns[j]?.[i];
          row[spec.name] = spec.type === 'int64' || spec.type === 'timestamp' ? num(v) : val(v);
        });
        rows[i - start] = row;
      }
      return rows;
    };
  }
}

function readError(source: string, what: string, cause?: unknown): ScalplakeError {
  return new ScalplakeError('PARQUET_READ', `Parquet file ${JSON.stringify(source)} ${what}`, {
    context: { file: source },
    ...(cause === undefined ? {} : { cause }),
  });
}
