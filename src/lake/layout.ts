/**
 * The medallion layout of a lake: where each layer keeps its objects, as keys relative to the lake root.
 *
 * ```
 * bronze/<source>/<file>                 bulk files as downloaded, with a <file>.sha256 sidecar
 * bronze/<source>/<endpoint>/symbol=<S>/date=<YYYY-MM-DD>/<runId>-<n>.jsonl.gz   payloads as received
 * silver/<table>/symbol=<S>/date=<YYYY-MM-DD>/[hour=<HH>/]part-0.parquet         one file per partition
 * quarantine/<table>/date=<YYYY-MM-DD>/<runId>-<n>.jsonl.gz                       rejected rows
 * _state/<name>.json                                                              watermarks, metadata, run log
 * ```
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import { assertSymbol } from '../core/symbol.js';
import { TABLES, type TableName } from '../core/tables.js';
import { utcDate } from '../core/time.js';

/** The top-level folders of a lake. */
export const LAYERS = {
  /** Raw payloads and original bulk files. */
  bronze: 'bronze',
  /** Clean typed tables. */
  silver: 'silver',
  /** Features per symbol and minute. */
  gold: 'gold',
  /** Rejected rows with reasons. */
  quarantine: 'quarantine',
  /** Watermarks, imports and run logs (JSON). */
  state: '_state',
} as const;

/** The file name of the single data file of a silver partition. */
export const PART_FILE = 'part-0.parquet';

/** A silver partition: one symbol, one UTC day and, for hourly tables, one UTC hour.
 *
 * @example
 * ```ts
 * const p: PartitionRef = { symbol: 'BTCUSDT', date: '2024-01-01', hour: 13 };
 * ```
 */
export interface PartitionRef {
  /** The market symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** The UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  /** The UTC hour 0–23 for tables partitioned by hour (`agg_trades`); absent otherwise. */
  readonly hour?: number;
}

/** A partition parsed from an object key. */
export interface ParsedPartitionKey extends PartitionRef {
  /** The layer folder the key is under (`silver`, `gold`, `bronze`, `quarantine`). */
  readonly layer: string;
  /** The table (or bronze source) folder. */
  readonly table: string;
  /** The file name after the partition folders. */
  readonly file: string;
}

const SEGMENT_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks one path segment (a source, table, endpoint, run id or state name part): letters, digits, `_`, `.`, `-`,
 * not starting with a dot, at most 128 characters.
 *
 * @throws `INVALID_ARGUMENT` naming the value and what it is.
 * @example
 * ```ts
 * assertSegment('datavision', 'source'); // 'datavision'
 * assertSegment('../x', 'source');       // throws
 * ```
 */
export function assertSegment(value: string, what: string): string {
  if (!SEGMENT_RE.test(value)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `${what} ${JSON.stringify(value)} is not a safe path segment ([A-Za-z0-9_.-], not starting with a dot)`, {
      context: { [what]: value },
    });
  }
  return value;
}

/**
 * Turns a REST path or stream name into a path segment: `/fapi/v1/klines` → `fapi_v1_klines`,
 * `btcusdt@aggTrade` → `btcusdt_aggTrade`. Every character outside `[A-Za-z0-9_.-]` becomes `_`.
 *
 * @throws `INVALID_ARGUMENT` when nothing usable is left.
 * @example
 * ```ts
 * endpointSegment('/fapi/v1/aggTrades'); // 'fapi_v1_aggTrades'
 * ```
 */
export function endpointSegment(endpoint: string): string {
  const s = endpoint.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[_.]+|_+$/g, '');
  return assertSegment(s, 'endpoint');
}

function assertDate(date: string): string {
  if (!DATE_RE.test(date) || utcDate(Date.parse(`${date}T00:00:00Z`) || 0) !== date) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Date ${JSON.stringify(date)} is not a UTC date YYYY-MM-DD`, { context: { date } });
  }
  return date;
}

function assertHour(hour: number): number {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Hour ${JSON.stringify(hour)} is not 0–23`, { context: { hour } });
  }
  return hour;
}

function assertTable(table: string): TableName {
  if (!Object.hasOwn(TABLES, table)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Table ${JSON.stringify(table)} is not a silver table (${Object.keys(TABLES).join(', ')})`, {
      context: { table },
    });
  }
  return table as TableName;
}

/**
 * The partition of a table that holds the row with symbol `symbol` and event time `timeMs` (UTC ms).
 *
 * @throws `INVALID_SYMBOL` for a symbol outside `[A-Z0-9]{2,30}`; `INVALID_ARGUMENT` for an unknown table.
 * @example
 * ```ts
 * partitionOf('agg_trades', 'BTCUSDT', 1704070800000); // { symbol: 'BTCUSDT', date: '2024-01-01', hour: 1 }
 * ```
 */
export function partitionOf(table: TableName, symbol: string, timeMs: number): PartitionRef {
  assertSymbol(symbol);
  const date = utcDate(timeMs);
  if (TABLES[assertTable(table)].partitionBy === 'hour') {
    return { symbol, date, hour: Math.floor(timeMs / 3_600_000) % 24 };
  }
  return { symbol, date };
}

/**
 * The folder of a table under `silver/`, optionally narrowed to one symbol: `silver/<table>/[symbol=<S>/]`.
 *
 * @throws `INVALID_ARGUMENT` for an unknown table; `INVALID_SYMBOL` for a bad symbol.
 * @example
 * ```ts
 * silverPrefix('klines', 'BTCUSDT'); // 'silver/klines/symbol=BTCUSDT/'
 * ```
 */
export function silverPrefix(table: TableName, symbol?: string): string {
  assertTable(table);
  return symbol === undefined ? `${LAYERS.silver}/${table}/` : `${LAYERS.silver}/${table}/symbol=${assertSymbol(symbol)}/`;
}

/**
 * The folder of a silver partition: `silver/<table>/symbol=<S>/date=<D>/[hour=<HH>/]`.
 *
 * @throws `INVALID_ARGUMENT` for an unknown table, a bad date or hour, or an hour given for a daily table (or
 *   missing for an hourly one); `INVALID_SYMBOL` for a bad symbol.
 * @example
 * ```ts
 * silverPartitionPrefix('agg_trades', { symbol: 'BTCUSDT', date: '2024-01-01', hour: 13 });
 * // 'silver/agg_trades/symbol=BTCUSDT/date=2024-01-01/hour=13/'
 * ```
 */
export function silverPartitionPrefix(table: TableName, partition: PartitionRef): string {
  const hourly = TABLES[assertTable(table)].partitionBy === 'hour';
  if (hourly !== (partition.hour !== undefined)) {
    throw new ScalplakeError(
      'INVALID_ARGUMENT',
      `Table "${table}" is partitioned by ${hourly ? 'hour: an hour is required' : 'day: no hour is allowed'} (got ${JSON.stringify(partition)})`,
      { context: { table, partition } },
    );
  }
  const base = `${silverPrefix(table, partition.symbol)}date=${assertDate(partition.date)}/`;
  return partition.hour === undefined ? base : `${base}hour=${String(assertHour(partition.hour)).padStart(2, '0')}/`;
}

/**
 * The key of the data file of a silver partition: `silver/<table>/symbol=<S>/date=<D>/[hour=<HH>/]part-0.parquet`.
 *
 * @throws as {@link silverPartitionPrefix}.
 * @example
 * ```ts
 * silverFileKey('klines', { symbol: 'BTCUSDT', date: '2024-01-01' });
 * // 'silver/klines/symbol=BTCUSDT/date=2024-01-01/part-0.parquet'
 * ```
 */
export function silverFileKey(table: TableName, partition: PartitionRef): string {
  return `${silverPartitionPrefix(table, partition)}${PART_FILE}`;
}

/**
 * Parses the Hive partition folders of a key (`symbol=`, `date=`, `hour=`) and the layer and table before them.
 * Returns `undefined` when the key has no `symbol=` or `date=` folder or a value is malformed.
 *
 * @example
 * ```ts
 * parsePartitionKey('silver/agg_trades/symbol=BTCUSDT/date=2024-01-01/hour=13/part-0.parquet');
 * // { layer: 'silver', table: 'agg_trades', symbol: 'BTCUSDT', date: '2024-01-01', hour: 13, file: 'part-0.parquet' }
 * ```
 */
export function parsePartitionKey(key: string): ParsedPartitionKey | undefined {
  const parts = key.split('/');
  let symbol: string | undefined;
  let date: string | undefined;
  let hour: number | undefined;
  let firstPartition = -1;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    if (firstPartition < 0) firstPartition = i;
    const name = p.slice(0, eq);
    const value = p.slice(eq + 1);
    if (name === 'symbol') {
      if (!/^[A-Z0-9]{2,30}$/.test(value)) return undefined;
      symbol = value;
    } else if (name === 'date') {
      if (!DATE_RE.test(value)) return undefined;
      date = value;
    } else if (name === 'hour') {
      if (!/^\d{2}$/.test(value) || Number(value) > 23) return undefined;
      hour = Number(value);
    }
  }
  if (symbol === undefined || date === undefined || firstPartition < 2) return undefined;
  const base = { layer: parts[0]!, table: parts[firstPartition - 1]!, symbol, date, file: parts[parts.length - 1]! };
  return hour === undefined ? base : { ...base, hour };
}

/**
 * The key of one quarantine object: `quarantine/<table>/date=<D>/<runId>-<n>.jsonl.gz`.
 *
 * @throws `INVALID_ARGUMENT` for an unsafe table or run id, a bad date or a negative sequence number.
 * @example
 * ```ts
 * quarantineKey('klines', '2024-01-01', 'run-1', 0); // 'quarantine/klines/date=2024-01-01/run-1-0.jsonl.gz'
 * ```
 */
export function quarantineKey(table: string, date: string, runId: string, n: number): string {
  return `${LAYERS.quarantine}/${assertSegment(table, 'table')}/date=${assertDate(date)}/${objectName(runId, n)}`;
}

/**
 * The key of one bronze payload object:
 * `bronze/<source>/<endpoint>/symbol=<S>/date=<D>/<runId>-<n>.jsonl.gz`.
 *
 * @throws `INVALID_ARGUMENT` for an unsafe source, endpoint or run id or a bad date; `INVALID_SYMBOL`.
 * @example
 * ```ts
 * bronzePayloadKey('rest', 'fapi_v1_klines', 'BTCUSDT', '2024-01-01', 'run-1', 0);
 * // 'bronze/rest/fapi_v1_klines/symbol=BTCUSDT/date=2024-01-01/run-1-0.jsonl.gz'
 * ```
 */
export function bronzePayloadKey(source: string, endpoint: string, symbol: string, date: string, runId: string, n: number): string {
  return `${LAYERS.bronze}/${assertSegment(source, 'source')}/${assertSegment(endpoint, 'endpoint')}/symbol=${assertSymbol(symbol)}/date=${assertDate(date)}/${objectName(runId, n)}`;
}

/**
 * The key of a bulk file kept as downloaded: `bronze/<source>/<path>`; `path` may have folders.
 *
 * @throws `INVALID_ARGUMENT` for an unsafe source or path segment.
 * @example
 * ```ts
 * bronzeFileKey('datavision', 'futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip');
 * ```
 */
export function bronzeFileKey(source: string, path: string): string {
  const segments = path.split('/').map((s) => assertSegment(s, 'path segment'));
  return `${LAYERS.bronze}/${assertSegment(source, 'source')}/${segments.join('/')}`;
}

/**
 * The key of the sha256 sidecar of a bronze file: the file key with `.sha256` appended.
 *
 * @example
 * ```ts
 * sha256SidecarKey('bronze/datavision/a.zip'); // 'bronze/datavision/a.zip.sha256'
 * ```
 */
export function sha256SidecarKey(fileKey: string): string {
  return `${fileKey}.sha256`;
}

/**
 * The key of a state document: `_state/<name>.json`; `name` may have folders (`watermarks/klines`).
 *
 * @throws `INVALID_ARGUMENT` for an unsafe name segment.
 * @example
 * ```ts
 * stateKey('watermarks/klines'); // '_state/watermarks/klines.json'
 * ```
 */
export function stateKey(name: string): string {
  const segments = name.split('/').map((s) => assertSegment(s, 'state name'));
  return `${LAYERS.state}/${segments.join('/')}.json`;
}

function objectName(runId: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Sequence number ${JSON.stringify(n)} is not a non-negative integer`, { context: { n } });
  }
  return `${assertSegment(runId, 'runId')}-${n}.jsonl.gz`;
}
