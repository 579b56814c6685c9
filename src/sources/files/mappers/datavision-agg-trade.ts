import type { AggTrade } from '../../../core/tables.js';
import type { CsvRows } from '../csv-rows.js';
import { type CsvMapContext, columnCountError, columnError } from './csv-map-context.js';

/**
 * Maps a data.binance.vision `aggTrades` row
 * (`agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker`, plus spot's
 * `is_best_match`, which is ignored) to an {@link AggTrade}; `transact_time` in `ctx.timeUnit` (ms for futures,
 * µs for spot since 2025). Returns the reason instead when the row cannot be mapped.
 *
 * @example
 * ```ts
 * rows.raw(0); // '3449899747,78153.0,0.001,8078264332,8078264332,1789430400003,false'
 * datavisionAggTrade(rows, 0, ctx); // { symbol: 'BTCUSDT', agg_trade_id: 3449899747, price: 78153, … }
 * ```
 */
export function datavisionAggTrade(rows: CsvRows, i: number, ctx: CsvMapContext): AggTrade | string {
  rows.begin(i);
  const agg_trade_id = rows.nextInt();
  if (agg_trade_id === null) return columnError(rows, i, 0, 'agg_trade_id', 'integer', ctx);
  const price = rows.nextDecimal();
  if (price === null) return columnError(rows, i, 1, 'price', 'number', ctx);
  const quantity = rows.nextDecimal();
  if (quantity === null) return columnError(rows, i, 2, 'quantity', 'number', ctx);
  const first_trade_id = rows.nextInt();
  if (first_trade_id === null) return columnError(rows, i, 3, 'first_trade_id', 'integer', ctx);
  const last_trade_id = rows.nextInt();
  if (last_trade_id === null) return columnError(rows, i, 4, 'last_trade_id', 'integer', ctx);
  const trade_time = rows.nextTime(ctx.timeUnit);
  if (trade_time === null) return columnError(rows, i, 5, 'transact_time', 'time', ctx);
  const is_buyer_maker = rows.nextBool();
  if (is_buyer_maker === null) return columnError(rows, i, 6, 'is_buyer_maker', 'boolean', ctx);
  for (let c = 7; c < ctx.columnCount; c++) rows.skip();
  if (!rows.atEnd()) return columnCountError(rows.fieldCount(i), ctx);
  return {
    symbol: ctx.symbol,
    agg_trade_id,
    price,
    quantity,
    first_trade_id,
    last_trade_id,
    trade_time,
    is_buyer_maker,
    source: ctx.source,
    ingested_at: ctx.ingestedAt,
  };
}
