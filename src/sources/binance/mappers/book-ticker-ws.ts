/**
 * WebSocket `<symbol>@bookTicker` events → typed {@link BookTicker} objects (best bid and ask).
 * @module
 */
import { z } from 'zod';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger } from './raw-fields.js';

/** A `bookTicker` event; unknown extra keys (`ps`, `st`, …) are ignored. */
export const RawWsBookTicker = z.object({
  /** Event type `bookTicker`. */
  e: z.literal('bookTicker'),
  /** Order book update id. */
  u: rawInteger,
  /** Symbol. */
  s: z.string(),
  /** Best bid price. */
  b: rawDecimal,
  /** Best bid quantity. */
  B: rawDecimal,
  /** Best ask price. */
  a: rawDecimal,
  /** Best ask quantity. */
  A: rawDecimal,
  /** Transaction time (UTC ms). */
  T: rawInteger.optional(),
  /** Event time (UTC ms). */
  E: rawInteger,
});
/** A validated `bookTicker` event. */
export type RawWsBookTicker = z.infer<typeof RawWsBookTicker>;

/** The best bid and ask of a symbol at one update. */
export interface BookTicker {
  /** Market symbol. */
  readonly symbol: string;
  /** Event time (UTC ms). */
  readonly event_time: number;
  /** Matching-engine time (UTC ms), `null` when absent. */
  readonly transaction_time: number | null;
  /** Order book update id. */
  readonly update_id: number;
  /** Best bid price. */
  readonly bid_price: number;
  /** Quantity at the best bid (base asset). */
  readonly bid_qty: number;
  /** Best ask price. */
  readonly ask_price: number;
  /** Quantity at the best ask (base asset). */
  readonly ask_qty: number;
  /** The `source` column value. */
  readonly source: string;
  /** When the event was ingested (UTC ms). */
  readonly ingested_at: number;
}

/**
 * Maps a validated `bookTicker` event.
 *
 * @example
 * ```ts
 * const m = mapWith(RawWsBookTicker, bookTickerFromWs, payload, ctx);
 * ```
 */
export function bookTickerFromWs(raw: RawWsBookTicker, ctx: MapContext): BookTicker {
  return {
    symbol: raw.s,
    event_time: raw.E,
    transaction_time: raw.T ?? null,
    update_id: raw.u,
    bid_price: raw.b,
    bid_qty: raw.B,
    ask_price: raw.a,
    ask_qty: raw.A,
    source: ctx.origin,
    ingested_at: ctx.ingestedAt,
  };
}
