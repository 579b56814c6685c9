import type { Kline } from '../../../core/tables.js';
import type { CsvRows } from '../csv-rows.js';
import { type CsvMapContext, columnCountError, columnError } from './csv-map-context.js';

/**
 * Maps a data.binance.vision kline row (`open_time,open,high,low,close,volume,close_time,quote_volume,count,
 * taker_buy_volume,taker_buy_quote_volume,ignore`, or the first 11 of them) to a {@link Kline}; times in
 * `ctx.timeUnit` (ms for futures, µs for spot since 2025: `1789430459999999` → `1789430459999`). Columns past the
 * 12th are ignored. Returns the reason instead when the row cannot be mapped.
 *
 * @example
 * ```ts
 * rows.raw(0); // '1567965420000,10000,10000,10000,10000,0.001,1567965479999,10,1,0,0,0'
 * datavisionKline(rows, 0, ctx); // { symbol: 'BTCUSDT', interval: '1m', open_time: 1567965420000, … }
 * ```
 */
export function datavisionKline(rows: CsvRows, i: number, ctx: CsvMapContext): Kline | string {
  rows.begin(i);
  const open_time = rows.nextTime(ctx.timeUnit);
  if (open_time === null) return columnError(rows, i, 0, 'open_time', 'time', ctx);
  const open = rows.nextDecimal();
  if (open === null) return columnError(rows, i, 1, 'open', 'number', ctx);
  const high = rows.nextDecimal();
  if (high === null) return columnError(rows, i, 2, 'high', 'number', ctx);
  const low = rows.nextDecimal();
  if (low === null) return columnError(rows, i, 3, 'low', 'number', ctx);
  const close = rows.nextDecimal();
  if (close === null) return columnError(rows, i, 4, 'close', 'number', ctx);
  const volume = rows.nextDecimal();
  if (volume === null) return columnError(rows, i, 5, 'volume', 'number', ctx);
  const close_time = rows.nextTime(ctx.timeUnit);
  if (close_time === null) return columnError(rows, i, 6, 'close_time', 'time', ctx);
  const quote_volume = rows.nextDecimal();
  if (quote_volume === null) return columnError(rows, i, 7, 'quote_volume', 'number', ctx);
  const trade_count = rows.nextInt();
  if (trade_count === null) return columnError(rows, i, 8, 'count', 'integer', ctx);
  const taker_buy_volume = rows.nextDecimal();
  if (taker_buy_volume === null) return columnError(rows, i, 9, 'taker_buy_volume', 'number', ctx);
  const taker_buy_quote_volume = rows.nextDecimal();
  if (taker_buy_quote_volume === null) return columnError(rows, i, 10, 'taker_buy_quote_volume', 'number', ctx);
  for (let c = 11; c < ctx.columnCount; c++) rows.skip();
  if (!rows.atEnd()) return columnCountError(rows.fieldCount(i), ctx);
  return {
    symbol: ctx.symbol,
    interval: ctx.interval,
    open_time,
    close_time,
    open,
    high,
    low,
    close,
    volume,
    quote_volume,
    trade_count,
    taker_buy_volume,
    taker_buy_quote_volume,
    source: ctx.source,
    ingested_at: ctx.ingestedAt,
  };
}
