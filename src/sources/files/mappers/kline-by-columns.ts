import type { Kline } from '../../../core/tables.js';
import type { CsvRows } from '../csv-rows.js';
import { type CsvMapContext, columnCountError, columnError } from './csv-map-context.js';

/**
 * Maps a kline row whose columns were found by name (`ctx.columns`) to a {@link Kline}: the shared body of the
 * CryptoDataDownload and Kaggle mappers. The open time is read in `ctx.timeUnit` (`'auto'`: per value), falling
 * back to the `date` column; a missing close time is `open_time + interval − 1`; a missing or `NULL` trade count
 * and missing taker volumes are null; a missing quote volume is null (never estimated from other columns).
 * Returns the reason instead when the row cannot be mapped.
 *
 * @example
 * ```ts
 * klineByColumns(rows, 0, { ...ctx, columns: cddColumns }); // { symbol: 'BTCUSDT', interval: '1d', … }
 * ```
 */
export function klineByColumns(rows: CsvRows, i: number, ctx: CsvMapContext): Kline | string {
  const cols = ctx.columns;
  const n = rows.fieldCount(i);
  if (n !== ctx.columnCount) return columnCountError(n, ctx);
  let open_time = rows.time(i, cols.openTime, ctx.timeUnit);
  if (open_time === null && cols.date >= 0) open_time = rows.time(i, cols.date, 'auto');
  if (open_time === null) return columnError(rows, i, cols.openTime, 'open_time', 'time', ctx);
  const open = rows.decimal(i, cols.open);
  if (open === null) return columnError(rows, i, cols.open, 'open', 'number', ctx);
  const high = rows.decimal(i, cols.high);
  if (high === null) return columnError(rows, i, cols.high, 'high', 'number', ctx);
  const low = rows.decimal(i, cols.low);
  if (low === null) return columnError(rows, i, cols.low, 'low', 'number', ctx);
  const close = rows.decimal(i, cols.close);
  if (close === null) return columnError(rows, i, cols.close, 'close', 'number', ctx);
  const volume = rows.decimal(i, cols.volume);
  if (volume === null) return columnError(rows, i, cols.volume, 'volume', 'number', ctx);
  let quote_volume: number | null;
  if (cols.quoteVolume >= 0) {
    quote_volume = rows.decimal(i, cols.quoteVolume);
    if (quote_volume === null) return columnError(rows, i, cols.quoteVolume, 'quote_volume', 'number', ctx);
  } else {
    quote_volume = null; // not in the file: never estimated
  }
  let close_time: number | null;
  if (cols.closeTime >= 0) {
    close_time = rows.time(i, cols.closeTime, ctx.timeUnit);
    if (close_time === null) return columnError(rows, i, cols.closeTime, 'close_time', 'time', ctx);
  } else {
    close_time = open_time + ctx.intervalMs - 1;
  }
  let trade_count: number | null = null;
  if (cols.tradeCount >= 0 && !rows.isNull(i, cols.tradeCount)) {
    trade_count = rows.int(i, cols.tradeCount);
    if (trade_count === null) return columnError(rows, i, cols.tradeCount, 'trade_count', 'integer', ctx);
  }
  let taker_buy_volume: number | null = null;
  if (cols.takerBuyVolume >= 0 && !rows.isNull(i, cols.takerBuyVolume)) {
    taker_buy_volume = rows.decimal(i, cols.takerBuyVolume);
    if (taker_buy_volume === null) return columnError(rows, i, cols.takerBuyVolume, 'taker_buy_volume', 'number', ctx);
  }
  let taker_buy_quote_volume: number | null = null;
  if (cols.takerBuyQuoteVolume >= 0 && !rows.isNull(i, cols.takerBuyQuoteVolume)) {
    taker_buy_quote_volume = rows.decimal(i, cols.takerBuyQuoteVolume);
    if (taker_buy_quote_volume === null) {
      return columnError(rows, i, cols.takerBuyQuoteVolume, 'taker_buy_quote_volume', 'number', ctx);
    }
  }
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
