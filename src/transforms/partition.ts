/**
 * The Hive partition a silver row belongs to: `symbol=BTCUSDT/date=2024-01-01[/hour=13]`, from its event time in UTC.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import { assertSymbol } from '../core/symbol.js';
import type { TableDef } from '../core/tables.js';
import { DAY_MS, HOUR_MS } from '../core/time.js';

/** A Hive partition of a silver table. */
export interface Partition {
  /** The market symbol, e.g. `BTCUSDT` (checked against `[A-Z0-9]{2,30}`). */
  readonly symbol: string;
  /** The UTC day of the row's event time, `YYYY-MM-DD`. */
  readonly date: string;
  /** The UTC hour, `00`–`23`; present only for tables partitioned by hour (e.g. `agg_trades`). */
  readonly hour?: string;
}

const HOURS: readonly string[] = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const HOUR_RE = /^([01]\d|2[0-3])$/;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the times whose UTC day is a `YYYY-MM-DD` date. */
const MIN_TIME = -62_167_219_200_000;
const MAX_TIME = 253_402_300_799_999;

// The last day formatted and the last symbol checked: rows of a batch almost always share both.
let cachedDay = Number.NaN;
let cachedDate = '';
let checkedSymbol = '';

/**
 * Computes the partition of a row from the table's `timeColumn` (UTC, never the local time zone) and its
 * `symbol`: `{ symbol, date }` for tables partitioned by day, `{ symbol, date, hour }` for tables partitioned by
 * hour.
 *
 * @throws `INVALID_ARGUMENT` when the time column is not a number of ms between the years 0000 and 9999;
 * `INVALID_SYMBOL` when `symbol` is not
 * a valid symbol (it becomes part of a path).
 * @example
 * ```ts
 * partitionOf(TABLES.klines, { symbol: 'BTCUSDT', open_time: 1567969200000 });
 * // { symbol: 'BTCUSDT', date: '2019-09-08' }
 * partitionOf(TABLES.agg_trades, { symbol: 'BTCUSDT', trade_time: 1761091200007 });
 * // { symbol: 'BTCUSDT', date: '2025-10-22', hour: '00' }
 * ```
 */
export function partitionOf(table: TableDef, row: Readonly<Record<string, unknown>>): Partition {
  const t = row[table.timeColumn];
  // Also refuses times outside years 0000–9999 (a `YYYY-MM-DD` date cannot name them; past 275760 a Date cannot
  // even hold them): most likely µs or ns taken for ms.
  if (typeof t !== 'number' || !(t >= MIN_TIME && t <= MAX_TIME)) {
    const range = typeof t === 'number' && t - t === 0 ? ' between the years 0000 and 9999 (µs or ns read as ms?)' : '';
    throw new ScalplakeError(
      'INVALID_ARGUMENT',
      `partitionOf(${table.name}): ${table.timeColumn} ${JSON.stringify(t)} is not a UTC ms time${range}`,
      { context: { table: table.name, column: table.timeColumn, value: t } },
    );
  }
  const symbol = row['symbol'];
  if (typeof symbol !== 'string') {
    throw new ScalplakeError('INVALID_SYMBOL', `partitionOf(${table.name}): symbol ${JSON.stringify(symbol)} is not a string`, {
      context: { symbol },
    });
  }
  if (symbol !== checkedSymbol) {
    assertSymbol(symbol, `partitionOf(${table.name})`);
    checkedSymbol = symbol;
  }
  const day = Math.floor(t / DAY_MS);
  if (day !== cachedDay) {
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, 10);
    cachedDay = day;
  }
  if (table.partitionBy === 'hour') {
    return { symbol, date: cachedDate, hour: HOURS[Math.floor((t - day * DAY_MS) / HOUR_MS)] as string };
  }
  return { symbol, date: cachedDate };
}

/**
 * Formats a partition as its relative Hive path (no leading or trailing slash).
 *
 * @throws `INVALID_SYMBOL` for a symbol outside `[A-Z0-9]{2,30}`; `INVALID_ARGUMENT` for a date that is not
 * `YYYY-MM-DD` or an hour that is not `HH` (the values become path segments).
 * @example
 * ```ts
 * hivePath({ symbol: 'BTCUSDT', date: '2024-01-01' });             // 'symbol=BTCUSDT/date=2024-01-01'
 * hivePath({ symbol: 'BTCUSDT', date: '2024-01-01', hour: '13' }); // 'symbol=BTCUSDT/date=2024-01-01/hour=13'
 * ```
 */
export function hivePath(p: Partition): string {
  assertSymbol(p.symbol, 'hivePath');
  if (!DATE_RE.test(p.date) || (p.hour !== undefined && !HOUR_RE.test(p.hour))) {
    throw new ScalplakeError('INVALID_ARGUMENT', `hivePath: date ${JSON.stringify(p.date)} / hour ${JSON.stringify(p.hour)} is not YYYY-MM-DD / HH`, {
      context: { date: p.date, hour: p.hour },
    });
  }
  const base = `symbol=${p.symbol}/date=${p.date}`;
  return p.hour === undefined ? base : `${base}/hour=${p.hour}`;
}
