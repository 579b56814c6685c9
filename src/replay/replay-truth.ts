/**
 * Ground truth of a replay exchange: what it has published (or would publish) up to its clock's now, as the
 * silver record shapes of src/core/tables.ts (without `source` and `ingested_at`).
 * @module
 */
import { intervalMs } from '../core/time.js';
import type { AggTrade, FundingRate, Kline, MarkPrice, PriceKline } from '../core/tables.js';
import type { ReplayMarket, WireKline } from './replay-market.js';
import { barOpen } from './stream-names.js';

/** A kline as ground truth: the `klines` record without `source`/`ingested_at`. */
export type KlineTruth = Omit<Kline, 'source' | 'ingested_at'>;
/** An aggregate trade as ground truth. */
export type AggTradeTruth = Omit<AggTrade, 'source' | 'ingested_at'>;
/** A mark price update as ground truth. */
export type MarkPriceTruth = Omit<MarkPrice, 'source' | 'ingested_at'>;
/**
 * A mark-price kline as ground truth. For an interval that a live run lost (an outage, a stall) these are what
 * Binance can serve again: it keeps no per-second mark prices, so a repaired interval's truth is its 1-minute klines.
 */
export type PriceKlineTruth = Omit<PriceKline, 'source' | 'ingested_at'>;
/** A funding settlement as ground truth. */
export type FundingRateTruth = Omit<FundingRate, 'source' | 'ingested_at'>;

/** An order book as numbers: bids best (highest) first, asks best (lowest) first. */
export interface BookTruth {
  /** Update id of the last change in the book. */
  readonly lastUpdateId: number;
  /** `[price, qty]` bid levels. */
  readonly bids: [number, number][];
  /** `[price, qty]` ask levels. */
  readonly asks: [number, number][];
}

/** Ground-truth queries; every answer is what is known at the exchange clock's now. */
export interface ReplayTruth {
  /** Closed bars with `open_time ∈ [from, to]` (default interval `1m`). */
  klines(symbol: string, from: number, to: number, interval?: string): KlineTruth[];
  /** Aggregate trades by id range and/or trade time range (all bounds inclusive). */
  aggTrades(symbol: string, range: { fromId?: number; toId?: number; from?: number; to?: number }): AggTradeTruth[];
  /** The `markPrice@1s` updates with event time in `[from, to]`. */
  markPrices(symbol: string, from: number, to: number): MarkPriceTruth[];
  /** Closed mark-price klines with `open_time ∈ [from, to]` (default interval `1m`), as `/fapi/v1/markPriceKlines` serves them. */
  markPriceKlines(symbol: string, from: number, to: number, interval?: string): PriceKlineTruth[];
  /** Funding settlements with funding time in `[from, to]`. */
  fundingRates(symbol: string, from: number, to: number): FundingRateTruth[];
  /** The order book `/fapi/v1/depth` would serve now. */
  book(symbol: string, limit?: number): BookTruth | null;
}

/**
 * Builds the ground-truth view of `market` at `now()`.
 *
 * @throws `INVALID_ARGUMENT` (from `intervalMs`) for an unknown interval.
 * @example
 * ```ts
 * const truth = createReplayTruth(market, () => clock.now());
 * truth.klines('BTCUSDT', start, start + 3_600_000).length; // 60 once an hour has passed
 * ```
 */
export function createReplayTruth(market: ReplayMarket, now: () => number): ReplayTruth {
  return {
    klines(symbol, from, to, interval = '1m') {
      return closedBars(market, from, to, interval, now(), (iv, t, t0) => market.kline(symbol, iv, t, t0)).map((k) => ({
        symbol,
        interval,
        open_time: k[0],
        close_time: k[6],
        open: Number(k[1]),
        high: Number(k[2]),
        low: Number(k[3]),
        close: Number(k[4]),
        volume: Number(k[5]),
        quote_volume: Number(k[7]),
        trade_count: k[8],
        taker_buy_volume: Number(k[9]),
        taker_buy_quote_volume: Number(k[10]),
      }));
    },
    aggTrades(symbol, range) {
      const t0 = now();
      const maxTime = Math.min(range.to ?? t0, t0);
      let id = Math.max(range.fromId ?? 0, market.aggTradeIdAt(symbol, range.from ?? market.start));
      const toId = range.toId ?? Number.POSITIVE_INFINITY;
      const out: AggTradeTruth[] = [];
      for (;;) {
        const page = market.aggTradesFrom(symbol, id, 10_000, maxTime);
        for (const a of page) {
          if (a.a > toId) return out;
          out.push({
            symbol,
            agg_trade_id: a.a,
            price: Number(a.p),
            quantity: Number(a.q),
            first_trade_id: a.f,
            last_trade_id: a.l,
            trade_time: a.T,
            is_buyer_maker: a.m,
          });
        }
        if (page.length < 10_000) return out;
        id = page[page.length - 1]!.a + 1;
      }
    },
    markPrices(symbol, from, to) {
      const out: MarkPriceTruth[] = [];
      const stream = `${symbol.toLowerCase()}@markPrice@1s`;
      market.frames(from - 1, Math.min(to, now()), new Set([stream]), (_t, name, payload) => {
        if (name !== stream) return;
        const m = JSON.parse(payload) as { E: number; p: string; i: string; P: string; r: string; T: number };
        out.push({
          symbol,
          event_time: m.E,
          mark_price: Number(m.p),
          index_price: Number(m.i),
          estimated_settle_price: Number(m.P),
          funding_rate: Number(m.r),
          next_funding_time: m.T,
        });
      });
      return out;
    },
    markPriceKlines(symbol, from, to, interval = '1m') {
      const bar = (iv: number, t: number, t0: number) => market.priceKline('mark', symbol, iv, t, t0);
      return closedBars(market, from, to, interval, now(), bar).map((k) => ({
        symbol,
        interval,
        open_time: k[0],
        close_time: k[6],
        open: Number(k[1]),
        high: Number(k[2]),
        low: Number(k[3]),
        close: Number(k[4]),
        sample_count: k[8],
      }));
    },
    fundingRates(symbol, from, to) {
      return market.fundingRates(symbol, from, to, now()).map((f) => ({
        symbol,
        funding_time: f.fundingTime,
        funding_rate: Number(f.fundingRate),
        mark_price: f.markPrice === '' ? null : Number(f.markPrice),
        funding_interval_hours: 8,
      }));
    },
    book(symbol, limit = 1000) {
      const d = market.depth(symbol, limit, now());
      if (d === null) return null;
      return {
        lastUpdateId: d.lastUpdateId,
        bids: d.bids.map(([p, q]) => [Number(p), Number(q)]),
        asks: d.asks.map(([p, q]) => [Number(p), Number(q)]),
      };
    },
  };
}

/** The closed bars of `interval` with open time in `[from, to]` that `bar` serves at `now` (null bars skipped). */
function closedBars(
  market: ReplayMarket,
  from: number,
  to: number,
  interval: string,
  now: number,
  bar: (intervalMs: number, openTime: number, now: number) => WireKline | null,
): WireKline[] {
  const iv = intervalMs(interval);
  const out: WireKline[] = [];
  let t = barOpen(Math.max(from, market.start), iv);
  if (t < from) t += iv;
  for (; t <= to && t + iv <= now; t += iv) {
    const k = bar(iv, t, now);
    if (k !== null) out.push(k);
  }
  return out;
}
