/**
 * REST `/fapi/v1/premiumIndex` (one symbol) → {@link MarkPrice} records.
 * @module
 */
import { z } from 'zod';
import type { MarkPrice } from '../../../core/tables.js';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger, rawOptionalDecimal } from './raw-fields.js';

/** The `/fapi/v1/premiumIndex?symbol=…` object; `interestRate` and unknown keys are ignored. */
export const RawRestPremiumIndex = z.object({
  /** Symbol. */
  symbol: z.string(),
  /** Mark price. */
  markPrice: rawDecimal,
  /** Index price. */
  indexPrice: rawOptionalDecimal.optional(),
  /** Estimated settle price. */
  estimatedSettlePrice: rawOptionalDecimal.optional(),
  /** Current funding rate estimate. */
  lastFundingRate: rawOptionalDecimal.optional(),
  /** Next funding time (UTC ms). */
  nextFundingTime: rawInteger.optional(),
  /** Time of the values (UTC ms). */
  time: rawInteger,
});
/** A validated premiumIndex object. */
export type RawRestPremiumIndex = z.infer<typeof RawRestPremiumIndex>;

/**
 * Maps a validated premiumIndex object to a `mark_prices` record keyed by its `time`.
 *
 * @example
 * ```ts
 * const m = mapWith(RawRestPremiumIndex, markPriceFromRest, body, ctx);
 * ```
 */
export function markPriceFromRest(raw: RawRestPremiumIndex, ctx: MapContext): MarkPrice {
  return {
    /** Symbol. */
    symbol: raw.symbol,
    event_time: raw.time,
    mark_price: raw.markPrice,
    index_price: raw.indexPrice ?? null,
    estimated_settle_price: raw.estimatedSettlePrice ?? null,
    funding_rate: raw.lastFundingRate ?? null,
    next_funding_time: raw.nextFundingTime === undefined || raw.nextFundingTime === 0 ? null : raw.nextFundingTime,
    source: ctx.origin,
    ingested_at: ctx.ingestedAt,
  };
}
