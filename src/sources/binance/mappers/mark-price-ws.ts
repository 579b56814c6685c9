/**
 * WebSocket `<symbol>@markPrice[@1s]` events → {@link MarkPrice} records.
 * @module
 */
import { z } from 'zod';
import type { MarkPrice } from '../../../core/tables.js';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger, rawOptionalDecimal } from './raw-fields.js';

/** A `markPriceUpdate` event; unknown extra keys (`ap`, `st`, …) are ignored. */
export const RawWsMarkPrice = z.object({
  /** Event type `markPriceUpdate`. */
  e: z.literal('markPriceUpdate'),
  /** Event time (UTC ms). */
  E: rawInteger,
  /** Symbol. */
  s: z.string(),
  /** Mark price. */
  p: rawDecimal,
  /** Index price. */
  i: rawOptionalDecimal.optional(),
  /** Estimated settle price. */
  P: rawOptionalDecimal.optional(),
  /** Funding rate estimate. */
  r: rawOptionalDecimal.optional(),
  /** Next funding time (UTC ms). */
  T: rawInteger.optional(),
});
/** A validated `markPriceUpdate` event. */
export type RawWsMarkPrice = z.infer<typeof RawWsMarkPrice>;

/**
 * Maps a validated `markPriceUpdate` event to a `mark_prices` record keyed by its event time `E`.
 *
 * @example
 * ```ts
 * const m = mapWith(RawWsMarkPrice, markPriceFromWs, payload, ctx);
 * ```
 */
export function markPriceFromWs(raw: RawWsMarkPrice, ctx: MapContext): MarkPrice {
  return {
    symbol: raw.s,
    event_time: raw.E,
    mark_price: raw.p,
    index_price: raw.i ?? null,
    estimated_settle_price: raw.P ?? null,
    funding_rate: raw.r ?? null,
    next_funding_time: raw.T === undefined || raw.T === 0 ? null : raw.T,
    source: ctx.origin,
    ingested_at: ctx.ingestedAt,
  };
}
