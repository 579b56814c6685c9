/**
 * What every CSV row mapper is given besides the row: the values shared by all rows of one file.
 * @module
 */
import type { TimeUnit } from '../../../core/time.js';
import type { CsvRows } from '../csv-rows.js';

/** Where in the file each kline field is: 0-based column indexes, −1 when the file has no such column. */
export interface KlineColumns {
  /** The bar's open time (epoch number of any unit, or a UTC date string). */
  readonly openTime: number;
  /** A date string column used when the open time is empty or unreadable (CryptoDataDownload `date`), or −1. */
  readonly date: number;
  /** The bar's close time, or −1 (then close_time = open_time + interval − 1 ms). */
  readonly closeTime: number;
  /** Open price. */
  readonly open: number;
  /** High price. */
  readonly high: number;
  /** Low price. */
  readonly low: number;
  /** Close price. */
  readonly close: number;
  /** Base-asset volume. */
  readonly volume: number;
  /** Quote-asset volume, or −1 (then estimated as volume × mean(open, high, low, close)). */
  readonly quoteVolume: number;
  /** Number of trades, or −1 (then null). */
  readonly tradeCount: number;
  /** Taker buy base volume, or −1 (then null). */
  readonly takerBuyVolume: number;
  /** Taker buy quote volume, or −1 (then null). */
  readonly takerBuyQuoteVolume: number;
}

/** The per-file values every mapper needs; one object for the whole file, shared by all rows. */
export interface CsvMapContext {
  /** The market symbol of every row (checked with `assertSymbol`). */
  readonly symbol: string;
  /** The kline interval (`1m`, …); `''` for tables without one. */
  readonly interval: string;
  /** The interval in milliseconds; 0 when unknown or not applicable. */
  readonly intervalMs: number;
  /** The `source` column of every record. */
  readonly source: 'datavision' | 'cdd' | 'kaggle';
  /** The `ingested_at` column of every record (UTC ms): one value for a whole import. */
  readonly ingestedAt: number;
  /** Unit of epoch numbers in time columns; `'auto'` detects it per value by magnitude. */
  readonly timeUnit: TimeUnit | 'auto';
  /** The number of columns every row must have. */
  readonly columnCount: number;
  /** Kline column positions, for layouts found by name (CryptoDataDownload, Kaggle). */
  readonly columns: KlineColumns;
}

/**
 * A pure function from one CSV row to a record, or to the reason the row cannot be one (naming the column and
 * quoting the value).
 */
export type CsvRowMapper<T> = (rows: CsvRows, row: number, ctx: CsvMapContext) => T | string;

const EXPECTED = {
  number: 'a number',
  integer: 'an integer',
  time: 'a time',
  boolean: 'a boolean',
} as const;

/**
 * The reason a field could not be read: a wrong column count if the row has one, else `column "open" is empty`
 * or `column "open": "abc" is not a number`.
 *
 * @example
 * ```ts
 * if (open === null) return columnError(rows, i, 1, 'open', 'number', ctx);
 * ```
 */
export function columnError(
  rows: CsvRows,
  row: number,
  col: number,
  name: string,
  expected: keyof typeof EXPECTED,
  ctx: CsvMapContext,
): string {
  const n = rows.fieldCount(row);
  if (n !== ctx.columnCount) return columnCountError(n, ctx);
  const text = rows.text(row, col);
  if (text.trim() === '') return `column "${name}" is empty`;
  return `column "${name}": ${JSON.stringify(text)} is not ${EXPECTED[expected]}`;
}

/**
 * The reason for a row with the wrong number of columns.
 *
 * @example
 * ```ts
 * if (!rows.atEnd()) return columnCountError(rows.fieldCount(i), ctx); // 'expected 12 columns, got 13'
 * ```
 */
export function columnCountError(got: number, ctx: CsvMapContext): string {
  return `expected ${ctx.columnCount} columns, got ${got}`;
}
