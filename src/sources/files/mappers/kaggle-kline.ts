import type { Kline } from '../../../core/tables.js';
import type { CsvRows } from '../csv-rows.js';
import type { CsvMapContext } from './csv-map-context.js';
import { klineByColumns } from './kline-by-columns.js';

/**
 * Maps a row of a Kaggle-style 1-minute OHLCV CSV (columns found by name: a time column, open, high, low, close,
 * volume, and optionally close time, quote volume, trades and taker buy volumes) to a {@link Kline}. Times are
 * epoch numbers of any unit (detected per value) or UTC date strings. Missing optional columns give null (trade
 * count, taker volumes), `open_time + interval − 1` (close time); a missing quote volume is null. Returns
 * the reason instead when the row cannot be mapped.
 *
 * @example
 * ```ts
 * rows.raw(0); // '2019-09-08 17:57:00,10000,10000,10000,10000,0.001'
 * kaggleKline(rows, 0, ctx); // { symbol: 'BTCUSDT', interval: '1m', open_time: 1567965420000, … }
 * ```
 */
export function kaggleKline(rows: CsvRows, i: number, ctx: CsvMapContext): Kline | string {
  return klineByColumns(rows, i, ctx);
}
