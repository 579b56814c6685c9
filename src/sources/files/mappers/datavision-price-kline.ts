import type { PriceKline } from '../../../core/tables.js';
import type { CsvRows } from '../csv-rows.js';
import { type CsvMapContext, columnCountError, columnError } from './csv-map-context.js';

/**
 * Maps a data.binance.vision `markPriceKlines` / `indexPriceKlines` / `premiumIndexKlines` row (the kline layout,
 * whose volume columns are `0` and whose `count` is the number of basic samples) to a {@link PriceKline}. The
 * volume columns are not read. Returns the reason instead when the row cannot be mapped.
 *
 * @example
 * ```ts
 * rows.raw(0); // '1704067200000,42314.00,42335.20,42300.10,42320.50,0,1704067259999,0,60,0,0,0'
 * datavisionPriceKline(rows, 0, ctx); // { symbol: 'BTCUSDT', interval: '1m', …, sample_count: 60, … }
 * ```
 */
export function datavisionPriceKline(rows: CsvRows, i: number, ctx: CsvMapContext): PriceKline | string {
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
  rows.skip();
  const close_time = rows.nextTime(ctx.timeUnit);
  if (close_time === null) return columnError(rows, i, 6, 'close_time', 'time', ctx);
  rows.skip();
  let sample_count: number | null = null;
  if (rows.isEmpty(i, 8)) rows.skip();
  else {
    sample_count = rows.nextInt();
    if (sample_count === null) return columnError(rows, i, 8, 'count', 'integer', ctx);
  }
  for (let c = 9; c < ctx.columnCount; c++) rows.skip();
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
    sample_count,
    source: ctx.source,
    ingested_at: ctx.ingestedAt,
  };
}
