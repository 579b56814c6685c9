/**
 * REST `/fapi/v1/klines` rows (12-slot arrays) → {@link Kline} records.
 * @module
 */
import { z } from 'zod';
import type { Kline } from '../../../core/tables.js';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger } from './raw-fields.js';

/**
 * One row of `/fapi/v1/klines`: `[openTime, open, high, low, close, volume, closeTime, quoteVolume, count,
 * takerBuyVolume, takerBuyQuoteVolume, ignore]`; numbers may be sent as strings or numbers. Extra slots are ignored.
 */
export const RawRestKline = z
  .tuple([rawInteger, rawDecimal, rawDecimal, rawDecimal, rawDecimal, rawDecimal, rawInteger, rawDecimal, rawInteger, rawDecimal, rawDecimal])
  .rest(z.unknown());
/** A validated REST kline row (numbers already parsed). */
export type RawRestKline = z.infer<typeof RawRestKline>;

/**
 * Maps a validated REST kline row to a `klines` record.
 *
 * @param symbol - the market symbol the request was for (the row does not carry it).
 * @param interval - the requested interval, e.g. `1m`.
 * @example
 * ```ts
 * const raw = RawRestKline.parse([1723161240000, '61800', '61810', '61790', '61805', '12.5', 1723161299999, '772500', 420, '6.1', '377000', '0']);
 * klineFromRest(raw, 'BTCUSDT', '1m', ctx).close; // 61805
 * ```
 */
export function klineFromRest(raw: RawRestKline, symbol: string, interval: string, ctx: MapContext): Kline {
  return {
    symbol,
    interval,
    open_time: raw[0],
    close_time: raw[6],
    open: raw[1],
    high: raw[2],
    low: raw[3],
    close: raw[4],
    volume: raw[5],
    quote_volume: raw[7],
    trade_count: raw[8],
    taker_buy_volume: raw[9],
    taker_buy_quote_volume: raw[10],
    source: ctx.origin,
    ingested_at: ctx.ingestedAt,
  };
}
