import type { Kline } from '../../../core/tables.js';
import type { CsvRows } from '../csv-rows.js';
import type { CsvMapContext } from './csv-map-context.js';
import { klineByColumns } from './kline-by-columns.js';

/**
 * Maps a CryptoDataDownload row (`unix,date,symbol,open,high,low,close,Volume BTC,Volume USDT,tradecount`, either
 * header era, or the same 10 columns without banner and header) to a {@link Kline}: `unix` in ms or, on legacy
 * rows, seconds with `.0` (detected per row), falling back to `date`; `Volume <base>` is the volume and
 * `Volume <quote>` the quote volume; `tradecount` `NULL` is null; no taker volumes (null); close_time =
 * open_time + interval − 1. The per-row symbol column is not read (`ctx.symbol` is used). Returns the reason
 * instead when the row cannot be mapped.
 *
 * @example
 * ```ts
 * rows.raw(0); // '1503014400.0,2017-08-18,BTC/USDT,4285.08,4371.52,3938.77,4108.37,1178.07,4994493.56,NULL'
 * cddKline(rows, 0, ctx); // { symbol: 'BTCUSDT', interval: '1d', open_time: 1503014400000, …, trade_count: null, … }
 * ```
 */
export function cddKline(rows: CsvRows, i: number, ctx: CsvMapContext): Kline | string {
  return klineByColumns(rows, i, ctx);
}
