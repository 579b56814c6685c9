/**
 * REST `/fapi/v1/markPriceKlines`, `indexPriceKlines` and `premiumIndexKlines` rows → {@link PriceKline} records.
 * @module
 */
import { z } from 'zod';
import { parseInteger } from '../../../core/decimal.js';
import type { PriceKline } from '../../../core/tables.js';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger } from './raw-fields.js';

/**
 * One row of a price-index kline response: slots 0–4 and 6 are meaningful, slot 8 is the number of basic samples;
 * the volume slots (`"0"`) and extra slots are ignored.
 */
export const RawRestPriceKline = z
  .tuple([rawInteger, rawDecimal, rawDecimal, rawDecimal, rawDecimal, z.unknown(), rawInteger])
  .rest(z.unknown());
/** A validated price-index kline row. */
export type RawRestPriceKline = z.infer<typeof RawRestPriceKline>;

/**
 * Maps a validated price-index kline row to a `mark_price_klines` / `premium_index_klines` record.
 *
 * @example
 * ```ts
 * const raw = RawRestPriceKline.parse([1723161240000, '61800', '61810', '61790', '61805', '0', 1723161299999, '0', 60, '0', '0', '0']);
 * priceKlineFromRest(raw, 'BTCUSDT', '1m', ctx).sample_count; // 60
 * ```
 */
export function priceKlineFromRest(raw: RawRestPriceKline, symbol: string, interval: string, ctx: MapContext): PriceKline {
  const samples = raw[8];
  return {
    symbol,
    interval,
    open_time: raw[0],
    close_time: raw[6],
    open: raw[1],
    high: raw[2],
    low: raw[3],
    close: raw[4],
    sample_count: typeof samples === 'number' || typeof samples === 'string' ? parseInteger(samples) : null,
    source: ctx.origin,
    ingested_at: ctx.ingestedAt,
  };
}
