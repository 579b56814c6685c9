/**
 * REST `/fapi/v1/fundingRate` items → {@link FundingRate} records.
 * @module
 */
import { z } from 'zod';
import type { FundingRate } from '../../../core/tables.js';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger, rawOptionalDecimal } from './raw-fields.js';

/** One item of `/fapi/v1/fundingRate`; `markPrice` may be missing or `""`; `rateType` and other keys are ignored. */
export const RawRestFundingRate = z.object({
  /** Symbol. */
  symbol: z.string(),
  /** Funding time (UTC ms, may carry a few ms). */
  fundingTime: rawInteger,
  /** Funding rate (decimal string). */
  fundingRate: rawDecimal,
  /** Mark price at settlement (may be `""` on old rows). */
  markPrice: rawOptionalDecimal.optional(),
});
/** A validated funding-rate item. */
export type RawRestFundingRate = z.infer<typeof RawRestFundingRate>;

/**
 * Maps a validated funding-rate item (`funding_time` kept as sent, with its few-ms offsets).
 *
 * @param fundingIntervalHours - hours between settlements when known (from `fundingInfo`), else `null`.
 * @example
 * ```ts
 * fundingRateFromRest(RawRestFundingRate.parse({ symbol: 'BTCUSDT', fundingTime: 1568102400000, fundingRate: '0.00010000', markPrice: '' }), null, ctx);
 * ```
 */
export function fundingRateFromRest(raw: RawRestFundingRate, fundingIntervalHours: number | null, ctx: MapContext): FundingRate {
  return {
    /** Symbol. */
    symbol: raw.symbol,
    funding_time: raw.fundingTime,
    funding_rate: raw.fundingRate,
    mark_price: raw.markPrice ?? null,
    funding_interval_hours: fundingIntervalHours,
    source: ctx.origin,
    ingested_at: ctx.ingestedAt,
  };
}
