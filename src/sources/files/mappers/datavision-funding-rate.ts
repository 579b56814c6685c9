import type { FundingRate } from '../../../core/tables.js';
import type { CsvRows } from '../csv-rows.js';
import { type CsvMapContext, columnCountError, columnError } from './csv-map-context.js';

/**
 * Maps a data.binance.vision `fundingRate` row (`calc_time,funding_interval_hours,last_funding_rate`) to a
 * {@link FundingRate}; the file has no mark price (null). An empty `funding_interval_hours` gives null. Returns
 * the reason instead when the row cannot be mapped.
 *
 * @example
 * ```ts
 * rows.raw(0); // '1704067200000,8,0.00037409'
 * datavisionFundingRate(rows, 0, ctx); // { symbol: 'BTCUSDT', funding_time: 1704067200000, funding_rate: 0.00037409, mark_price: null, funding_interval_hours: 8, … }
 * ```
 */
export function datavisionFundingRate(rows: CsvRows, i: number, ctx: CsvMapContext): FundingRate | string {
  rows.begin(i);
  const funding_time = rows.nextTime(ctx.timeUnit);
  if (funding_time === null) return columnError(rows, i, 0, 'calc_time', 'time', ctx);
  let funding_interval_hours: number | null = null;
  if (rows.isEmpty(i, 1)) rows.skip();
  else {
    funding_interval_hours = rows.nextInt();
    if (funding_interval_hours === null) return columnError(rows, i, 1, 'funding_interval_hours', 'integer', ctx);
  }
  const funding_rate = rows.nextDecimal();
  if (funding_rate === null) return columnError(rows, i, 2, 'last_funding_rate', 'number', ctx);
  for (let c = 3; c < ctx.columnCount; c++) rows.skip();
  if (!rows.atEnd()) return columnCountError(rows.fieldCount(i), ctx);
  return {
    symbol: ctx.symbol,
    funding_time,
    funding_rate,
    mark_price: null,
    funding_interval_hours,
    source: ctx.source,
    ingested_at: ctx.ingestedAt,
  };
}
