/**
 * WebSocket `<symbol>@kline_<interval>` events → {@link Kline} records, final (`x: true`) or still forming.
 * @module
 */
import { z } from 'zod';
import type { Kline } from '../../../core/tables.js';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger } from './raw-fields.js';

/** A `kline` event; unknown extra keys (`st`, …) are ignored. */
export const RawWsKline = z.object({
  /** Event type `kline`. */
  e: z.literal('kline'),
  /** Event time (UTC ms). */
  E: rawInteger,
  /** Symbol. */
  s: z.string(),
  /** The bar. */
  k: z.object({
    /** Open time (UTC ms). */
    t: rawInteger,
    /** Close time (UTC ms). */
    T: rawInteger,
    /** Symbol. */
    s: z.string(),
    /** Interval, e.g. `1m`. */
    i: z.string(),
    /** Open price. */
    o: rawDecimal,
    /** Close (last) price. */
    c: rawDecimal,
    /** High price. */
    h: rawDecimal,
    /** Low price. */
    l: rawDecimal,
    /** Base volume. */
    v: rawDecimal,
    /** Number of trades. */
    n: rawInteger,
    /** Whether the bar is closed (true only on the final push). */
    x: z.boolean(),
    /** Quote volume. */
    q: rawDecimal,
    /** Taker buy base volume. */
    V: rawDecimal,
    /** Taker buy quote volume. */
    Q: rawDecimal,
  }),
});
/** A validated `kline` event. */
export type RawWsKline = z.infer<typeof RawWsKline>;

/** A kline from the stream with whether the bar is closed and when the event was sent. */
export interface WsKline {
  /** The bar (final when `final`, else the bar so far: close = last price). */
  readonly kline: Kline;
  /** `true` only on the last push of the bar (`x: true`); only final bars go to silver. */
  readonly final: boolean;
  /** Event time `E` (UTC ms). */
  readonly event_time: number;
}

/**
 * Maps a validated `kline` event.
 *
 * @example
 * ```ts
 * const m = mapWith(RawWsKline, klineFromWs, payload, ctx);
 * if (m.ok && m.value.final) closedBars.push(m.value.kline);
 * ```
 */
export function klineFromWs(raw: RawWsKline, ctx: MapContext): WsKline {
  const k = raw.k;
  return {
    kline: {
      symbol: k.s,
      interval: k.i,
      open_time: k.t,
      close_time: k.T,
      open: k.o,
      high: k.h,
      low: k.l,
      close: k.c,
      volume: k.v,
      quote_volume: k.q,
      trade_count: k.n,
      taker_buy_volume: k.V,
      taker_buy_quote_volume: k.Q,
      source: ctx.origin,
      ingested_at: ctx.ingestedAt,
    },
    final: k.x,
    event_time: raw.E,
  };
}
