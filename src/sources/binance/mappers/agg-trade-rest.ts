/**
 * REST `/fapi/v1/aggTrades` items → {@link AggTrade} records.
 * @module
 */
import { z } from 'zod';
import type { AggTrade } from '../../../core/tables.js';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger } from './raw-fields.js';

/** One item of `/fapi/v1/aggTrades`; unknown extra keys (`nq`, …) are ignored. */
export const RawRestAggTrade = z.object({
  /** Aggregate trade id. */
  a: rawInteger,
  /** Price (decimal string). */
  p: rawDecimal,
  /** Base quantity (decimal string, includes RPI fills). */
  q: rawDecimal,
  /** First trade id. */
  f: rawInteger,
  /** Last trade id. */
  l: rawInteger,
  /** Trade time (UTC ms). */
  T: rawInteger,
  /** Buyer is maker (true ⇒ taker sold). */
  m: z.boolean(),
});
/** A validated REST aggregate trade. */
export type RawRestAggTrade = z.infer<typeof RawRestAggTrade>;

/**
 * Maps a validated REST aggregate trade; rejects (returns a reason) a non-positive price or `l < f`.
 *
 * @param symbol - the market symbol the request was for (items do not carry it).
 * @example
 * ```ts
 * const m = mapWith(RawRestAggTrade, (r, c) => aggTradeFromRest(r, 'BTCUSDT', c), item, ctx);
 * ```
 */
export function aggTradeFromRest(raw: RawRestAggTrade, symbol: string, ctx: MapContext): AggTrade | string {
  if (!(raw.p > 0)) return `p: price ${raw.p} is not positive`;
  if (raw.l < raw.f) return `l: last trade id ${raw.l} is below first trade id ${raw.f}`;
  return {
    symbol,
    agg_trade_id: raw.a,
    price: raw.p,
    quantity: raw.q,
    first_trade_id: raw.f,
    last_trade_id: raw.l,
    trade_time: raw.T,
    is_buyer_maker: raw.m,
    source: ctx.origin,
    ingested_at: ctx.ingestedAt,
  };
}
