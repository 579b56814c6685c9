import type { BookDepthBand } from '../../../core/tables.js';
import type { CsvRows } from '../csv-rows.js';
import { type CsvMapContext, columnCountError, columnError } from './csv-map-context.js';

/**
 * Maps a data.binance.vision `bookDepth` row (`timestamp,percentage,depth,notional`; the timestamp a UTC
 * `YYYY-MM-DD HH:MM:SS` string, or an epoch number) to a {@link BookDepthBand}. Returns the reason instead when
 * the row cannot be mapped.
 *
 * @example
 * ```ts
 * rows.raw(0); // '2026-09-15 00:00:06,-5.00,9258.55500000,707988857.24850000'
 * datavisionBookDepth(rows, 0, ctx); // { symbol: 'BTCUSDT', timestamp: 1789430406000, percentage: -5, … }
 * ```
 */
export function datavisionBookDepth(rows: CsvRows, i: number, ctx: CsvMapContext): BookDepthBand | string {
  rows.begin(i);
  const timestamp = rows.nextTime(ctx.timeUnit);
  if (timestamp === null) return columnError(rows, i, 0, 'timestamp', 'time', ctx);
  const percentage = rows.nextDecimal();
  if (percentage === null) return columnError(rows, i, 1, 'percentage', 'number', ctx);
  const depth = rows.nextDecimal();
  if (depth === null) return columnError(rows, i, 2, 'depth', 'number', ctx);
  const notional = rows.nextDecimal();
  if (notional === null) return columnError(rows, i, 3, 'notional', 'number', ctx);
  for (let c = 4; c < ctx.columnCount; c++) rows.skip();
  if (!rows.atEnd()) return columnCountError(rows.fieldCount(i), ctx);
  return {
    symbol: ctx.symbol,
    timestamp,
    percentage,
    depth,
    notional,
    source: ctx.source,
    ingested_at: ctx.ingestedAt,
  };
}
