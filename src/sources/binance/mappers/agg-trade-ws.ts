/**
 * WebSocket `<symbol>@aggTrade` events → {@link AggTrade} records.
 * @module
 */
import { z } from 'zod';
import type { AggTrade } from '../../../core/tables.js';
import type { MapContext } from './mapped.js';
import { rawDecimal, rawInteger } from './raw-fields.js';

/** An `aggTrade` event; unknown extra keys (`nq`, `st`, …) are ignored. */
export const RawWsAggTrade = z.object({
  /** Event type `aggTrade`. */
  e: z.literal('aggTrade'),
  /** Event time (UTC ms). */
  E: rawInteger,
  /** Aggregate trade id. */
  a: rawInteger,
  /** Symbol. */
  s: z.string(),
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
/** A validated `aggTrade` event. */
export type RawWsAggTrade = z.infer<typeof RawWsAggTrade>;

/**
 * Maps a validated `aggTrade` event; rejects (returns a reason) a non-positive price or `l < f`.
 *
 * @example
 * ```ts
 * const m = mapWith(RawWsAggTrade, aggTradeFromWs, payload, ctx);
 * ```
 */
export function aggTradeFromWs(raw: RawWsAggTrade, ctx: MapContext): AggTrade | string {
  if (!(raw.p > 0)) return `p: price ${raw.p} is not positive`;
  if (raw.l < raw.f) return `l: last trade id ${raw.l} is below first trade id ${raw.f}`;
  return {
    symbol: raw.s,
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

/** Text that `Number` parses exactly as a JSON decimal would: starts with a digit, `-` or `.`, and is finite. */
function fastDecimal(v: unknown): number {
  if (typeof v !== 'string' || v.length === 0) return Number.NaN;
  const c = v.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45 || c === 46) || v.charCodeAt(1) === 120) return Number.NaN;
  return +v;
}

/**
 * The hot-path mapper of `aggTrade` events: checks the fields by hand (no zod, no regex, no allocation beyond the
 * record) and returns `null` when anything is unusual, so that the caller falls back to
 * `mapWith(RawWsAggTrade, aggTradeFromWs, …)`, which gives the rejection reason. Both produce identical records.
 *
 * @example
 * ```ts
 * const row = aggTradeFromWsFast(payload, ctx) ?? mapWith(RawWsAggTrade, aggTradeFromWs, payload, ctx);
 * ```
 */
export function aggTradeFromWsFast(payload: unknown, ctx: MapContext): AggTrade | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const r = payload as Record<string, unknown>;
  const a = r.a;
  const f = r.f;
  const l = r.l;
  const T = r.T;
  const m = r.m;
  const s = r.s;
  if (
    r.e !== 'aggTrade' ||
    typeof s !== 'string' ||
    typeof m !== 'boolean' ||
    !Number.isSafeInteger(a) ||
    !Number.isSafeInteger(f) ||
    !Number.isSafeInteger(l) ||
    !Number.isSafeInteger(T) ||
    !Number.isSafeInteger(r.E) ||
    (l as number) < (f as number)
  ) {
    return null;
  }
  const p = fastDecimal(r.p);
  const q = fastDecimal(r.q);
  if (!(p > 0) || !(q >= 0) || !Number.isFinite(p) || !Number.isFinite(q)) return null;
  return {
    symbol: s,
    agg_trade_id: a as number,
    price: p,
    quantity: q,
    first_trade_id: f as number,
    last_trade_id: l as number,
    trade_time: T as number,
    is_buyer_maker: m,
    source: ctx.origin,
    ingested_at: ctx.ingestedAt,
  };
}
