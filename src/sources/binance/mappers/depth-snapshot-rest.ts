/**
 * REST `/fapi/v1/depth` snapshots → typed {@link DepthSnapshot} objects for the local book.
 * @module
 */
import { z } from 'zod';
import type { Level } from './depth-diff-ws.js';
import type { MapContext } from './mapped.js';
import { rawInteger, rawLevel } from './raw-fields.js';

/** The `/fapi/v1/depth` response; unknown keys are ignored. */
export const RawRestDepth = z.object({
  /** Last update id contained in the snapshot (L). */
  lastUpdateId: rawInteger,
  /** Message output time (UTC ms). */
  E: rawInteger.optional(),
  /** Matching-engine time (UTC ms). */
  T: rawInteger.optional(),
  /** Bid levels, best first. */
  bids: z.array(rawLevel),
  /** Ask levels, best first. */
  asks: z.array(rawLevel),
});
/** A validated depth snapshot response. */
export type RawRestDepth = z.infer<typeof RawRestDepth>;

/** A depth snapshot as the order book consumes it. */
export interface DepthSnapshot {
  /** Market symbol (from the request). */
  readonly symbol: string;
  /** `lastUpdateId` (L): the book state after this update id. */
  readonly last_update_id: number;
  /** Message output time `E` (UTC ms), `null` when absent. */
  readonly event_time: number | null;
  /** Matching-engine time `T` (UTC ms), `null` when absent. */
  readonly transaction_time: number | null;
  /** Bid levels, best (highest) first. */
  readonly bids: readonly Level[];
  /** Ask levels, best (lowest) first. */
  readonly asks: readonly Level[];
}

/**
 * Maps a validated depth snapshot.
 *
 * @param symbol - the symbol the request was for (the response does not carry it).
 * @example
 * ```ts
 * const m = mapWith(RawRestDepth, (r, c) => depthSnapshotFromRest(r, 'BTCUSDT', c), body, ctx);
 * ```
 */
export function depthSnapshotFromRest(raw: RawRestDepth, symbol: string, _ctx: MapContext): DepthSnapshot {
  return {
    symbol,
    last_update_id: raw.lastUpdateId,
    event_time: raw.E ?? null,
    transaction_time: raw.T ?? null,
    /** Bid levels, best first. */
    bids: raw.bids,
    /** Ask levels, best first. */
    asks: raw.asks,
  };
}
