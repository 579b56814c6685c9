/**
 * WebSocket diff-depth events (`<symbol>@depth`, `@depth@100ms`, …) → typed {@link DepthDiff} objects for the local book.
 * @module
 */
import { z } from 'zod';
import type { MapContext } from './mapped.js';
import { rawInteger, rawLevel } from './raw-fields.js';

/** A `depthUpdate` event (diff or partial); unknown extra keys (`ps`, `st`, …) are ignored. */
export const RawWsDepth = z.object({
  /** Event type `depthUpdate`. */
  e: z.literal('depthUpdate'),
  /** Event time (UTC ms). */
  E: rawInteger,
  /** Transaction time (UTC ms). */
  T: rawInteger.optional(),
  /** Symbol. */
  s: z.string(),
  /** First update id in the event. */
  U: rawInteger,
  /** Final update id in the event. */
  u: rawInteger,
  /** Final update id of the previous event. */
  pu: rawInteger,
  /** Bid levels `[price, qty]`. */
  b: z.array(rawLevel),
  /** Ask levels `[price, qty]`. */
  a: z.array(rawLevel),
});
/** A validated `depthUpdate` event. */
export type RawWsDepth = z.infer<typeof RawWsDepth>;

/** A price level `[price, quantity]`; quantity 0 removes the level in a diff. */
export type Level = readonly [price: number, qty: number, ...rest: unknown[]];

/** A diff-depth event as the order book consumes it. */
export interface DepthDiff {
  /** Market symbol. */
  readonly symbol: string;
  /** Event time `E` (UTC ms). */
  readonly event_time: number;
  /** Transaction (matching-engine) time `T` (UTC ms), `null` when absent. */
  readonly transaction_time: number | null;
  /** First update id in the event (`U`). */
  readonly first_update_id: number;
  /** Final update id in the event (`u`). */
  readonly final_update_id: number;
  /** Final update id of the previous event of this stream (`pu`). */
  readonly prev_final_update_id: number;
  /** Changed bid levels (absolute quantities). */
  readonly bids: readonly Level[];
  /** Changed ask levels (absolute quantities). */
  readonly asks: readonly Level[];
}

/**
 * Maps a validated `depthUpdate` event to a {@link DepthDiff}.
 *
 * @example
 * ```ts
 * const m = mapWith(RawWsDepth, depthDiffFromWs, payload, ctx);
 * if (m.ok) book.onDiff(m.value);
 * ```
 */
export function depthDiffFromWs(raw: RawWsDepth, _ctx: MapContext): DepthDiff {
  return {
    symbol: raw.s,
    event_time: raw.E,
    transaction_time: raw.T ?? null,
    first_update_id: raw.U,
    final_update_id: raw.u,
    prev_final_update_id: raw.pu,
    bids: raw.b,
    asks: raw.a,
  };
}
