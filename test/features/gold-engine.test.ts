import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AggTrade, BookDepth, FundingRate, Kline, MarkPrice } from '../../src/core/tables.js';
import { type FeatureSet, featureSet } from '../../src/features/feature-set.js';
import { bookFeatures } from '../../src/features/book-features.js';
import { GoldEngine } from '../../src/features/gold-engine.js';
import { orderFlowFeatures } from '../../src/features/order-flow-features.js';
import { perpFeatures } from '../../src/features/perp-features.js';
import { RollingWindow } from '../../src/features/rolling-window.js';
import { tradingSignalsFeature } from '../../src/features/trading-signals-feature.js';
import { klineFeatures } from '../../src/features/kline-features.js';
import { WilliamsR } from 'trading-signals';
import { scalping } from '../../src/features/features.js';
import { syntheticArrays } from './synthetic-market.js';

const T = Date.UTC(2024, 4, 1, 10, 0); // a minute start
const MIN = 60_000;

const kline = (t: number, close: number, over: Partial<Kline> = {}): Kline => ({
  symbol: 'BTCUSDT', interval: '1m', open_time: t, close_time: t + 59_999, open: close, high: close + 1, low: close - 1, close,
  volume: 2, quote_volume: 2 * close, trade_count: 1, taker_buy_volume: 1, taker_buy_quote_volume: close, source: 'ws', ingested_at: 0, ...over,
});
const trade = (id: number, time: number, price: number, quantity: number, buyerMaker: boolean): AggTrade => ({
  symbol: 'BTCUSDT', agg_trade_id: id, price, quantity, first_trade_id: id, last_trade_id: id, trade_time: time, is_buyer_maker: buyerMaker, source: 'ws', ingested_at: 0,
});
function book(time: number, bids: [number, number][], asks: [number, number][]): BookDepth {
  const o: Record<string, unknown> = { symbol: 'BTCUSDT', event_time: time, transaction_time: time, final_update_id: time };
  for (let i = 1; i <= 20; i++) {
    o[`bid_price_${i}`] = bids[i - 1]?.[0] ?? null;
    o[`bid_qty_${i}`] = bids[i - 1]?.[1] ?? null;
    o[`ask_price_${i}`] = asks[i - 1]?.[0] ?? null;
    o[`ask_qty_${i}`] = asks[i - 1]?.[1] ?? null;
  }
  return { ...o, source: 'ws', ingested_at: 0 } as unknown as BookDepth;
}
const mark = (time: number, markPrice: number, index: number, next: number): MarkPrice => ({
  symbol: 'BTCUSDT', event_time: time, mark_price: markPrice, index_price: index, estimated_settle_price: null, funding_rate: 0.0002, next_funding_time: next, source: 'ws', ingested_at: 0,
});
const funding = (time: number, rate: number): FundingRate => ({
  symbol: 'BTCUSDT', funding_time: time, funding_rate: rate, mark_price: null, funding_interval_hours: 8, source: 'rest', ingested_at: 0,
});

const small = () =>
  featureSet({ flow: orderFlowFeatures.flow(), book: bookFeatures.book(), perp: perpFeatures.perpetual(), sma_2: klineFeatures.sma(2) });

describe('GoldEngine as-of join', () => {
  it('uses events with event time < open_time + 60 s for the minute, and hand-computed book, flow and perp values', () => {
    const e = new GoldEngine({ symbol: 'BTCUSDT', features: small() });
    e.funding(funding(T - 2 * 3_600_000 + 3, 0.0001)); // settled 2 h ago: known
    e.trade(trade(1, T + 1_000, 100, 1, false));
    e.trade(trade(2, T + 59_999, 101, 3, true)); // last millisecond of the minute: included
    e.book(book(T + 10_000, [[99, 1]], [[101, 1]])); // imbalance 0
    e.book(book(T + 59_999, [[100, 3], [99, 1]], [[100.5, 1], [101, 1]])); // as of the close
    e.mark(mark(T + 30_000, 100.2, 100.1, T + 6 * 3_600_000));
    e.trade(trade(3, T + MIN, 150, 5, false)); // the next minute: must not leak into T
    e.book(book(T + MIN, [[1, 1]], [[2, 1]]));
    e.mark(mark(T + MIN, 999, 999, T + 6 * 3_600_000));
    const row = e.kline(kline(T, 101, { trade_count: 2, volume: 4 }), true)!;
    expect(row).toMatchObject({ symbol: 'BTCUSDT', open_time: T });
    expect(row.trade_count).toBe(2);
    expect(row.buy_volume).toBe(1);
    expect(row.sell_volume).toBe(3);
    expect(row.volume_delta).toBe(-2);
    expect(row.vwap_1m).toBe((100 + 303) / 4);
    expect(row.max_trade_size).toBe(3);
    expect(row.trade_imbalance).toBe(0);
    expect(row.mid_price).toBe(100.25);
    expect(row.spread_bps).toBeCloseTo((0.5 / 100.25) * 10_000, 12);
    expect(row.microprice).toBe((100 * 1 + 100.5 * 3) / 4);
    expect(row.book_imbalance_5).toBe((4 - 2) / 6);
    expect(row.book_imbalance_20).toBe((4 - 2) / 6);
    expect(row.bid_depth_20_usd).toBe(399);
    expect(row.ask_depth_20_usd).toBe(201.5);
    expect(row.book_imbalance_5_mean).toBeCloseTo((0 + 2 / 6) / 2, 15);
    expect(row.funding_rate).toBe(0.0001);
    expect(row.mark_price).toBe(100.2);
    expect(row.index_price).toBe(100.1);
    expect(row.premium_bps).toBeCloseTo((0.1 / 100.1) * 10_000, 10);
    expect(row.basis_bps).toBeCloseTo((0.9 / 100.1) * 10_000, 10);
    expect(row.minutes_to_funding).toBe(6 * 60 - 1);
    // The next minute got the events at T + 60 s.
    const next = e.kline(kline(T + MIN, 150, { trade_count: 1 }), true)!;
    expect(next.trade_count).toBe(1);
    expect(next.mark_price).toBe(999);
    expect(next.mid_price).toBe(1.5);
  });

  it('a funding settlement at exactly the close belongs to the next minute, even when it arrives before the kline', () => {
    const e = new GoldEngine({ symbol: 'BTCUSDT', features: small(), hasTrades: false });
    e.funding(funding(T - 3_600_000, 0.0001));
    e.funding(funding(T + MIN, 0.0009)); // settled at T + 60 s, fed before the kline of T (live order)
    const r0 = e.kline(kline(T, 100), true)!;
    const r1 = e.kline(kline(T + MIN, 100), true)!;
    expect([r0.funding_rate, r0.minutes_to_funding]).toEqual([0.0001, 7 * 60 - 1]);
    expect([r1.funding_rate, r1.minutes_to_funding]).toEqual([0.0009, 8 * 60 - 1]);
  });

  it('does not carry a stale book or mark across minutes without them (max age 60 s by default)', () => {
    const e = new GoldEngine({ symbol: 'BTCUSDT', features: small(), hasTrades: false });
    e.book(book(T + 30_000, [[99, 1]], [[101, 1]]));
    e.mark(mark(T + 30_000, 100, 100, T + 3_600_000));
    const r0 = e.kline(kline(T, 100), true)!;
    const r1 = e.kline(kline(T + MIN, 100), true)!; // snapshot 90 s before this close: 60 s max age
    expect(r0.mid_price).toBe(100);
    expect(r1.mid_price).toBeNull();
    expect(r1.mark_price).toBeNull();
    expect(r1.trade_count).toBeNull(); // no trade source
    const e2 = new GoldEngine({ symbol: 'BTCUSDT', features: small(), hasTrades: false, bookMaxAgeMs: 120_000, markMaxAgeMs: 120_000 });
    e2.book(book(T + 30_000, [[99, 1]], [[101, 1]]));
    e2.mark(mark(T + 30_000, 100, 100, T + 3_600_000));
    e2.kline(kline(T, 100), true);
    const r = e2.kline(kline(T + MIN, 100), true)!;
    expect(r.mid_price).toBe(100);
    expect(r.mark_price).toBe(100);
    expect(r.minutes_to_funding).toBe(58);
  });

  it('starts rows at the first kline; earlier events only feed the as-of state (funding)', () => {
    const e = new GoldEngine({ symbol: 'BTCUSDT', features: small() });
    e.funding(funding(T - 10 * MIN + 3, 0.0003));
    for (let i = 0; i < 8; i++) e.trade(trade(i + 1, T - 8 * MIN + i * MIN + 10, 100, 1, false));
    e.trade(trade(9, T + 10, 100, 1, false));
    const row = e.kline(kline(T, 100, { trade_count: 1 }), true)!;
    e.flush();
    const rows = e.drain();
    expect(rows).toStrictEqual([row]);
    expect(row.funding_rate).toBe(0.0003);
    expect(row.trade_count).toBe(1);
    expect(e.report.gaps).toStrictEqual([]);
    expect(e.report.lateEvents).toBe(0);
  });

  it('drops an event older than the minute being assembled, and resets on a reconnect', () => {
    const e = new GoldEngine({ symbol: 'BTCUSDT', features: small() });
    e.kline(kline(T, 100, { trade_count: 0 }), true);
    e.trade(trade(1, T + 5, 100, 1, false)); // minute T is final: late
    expect(e.report.lateEvents).toBe(1);
    e.kline(kline(T + MIN, 100), true);
    e.kline(kline(T + 2 * MIN, 102), true);
    e.reset();
    expect(e.report.resets).toBe(1);
    const r = e.kline(kline(T + 3 * MIN, 104), true)!;
    expect(r.sma_2).toBeNull(); // warmed up again from scratch
    expect(e.kline(kline(T + 4 * MIN, 106), true)!.sma_2).toBe(105);
  });

  it('drops an event or a kline whose time is not a finite number, and goes on', () => {
    for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      const e = new GoldEngine({ symbol: 'BTCUSDT', features: small() });
      if (bad === Number.NEGATIVE_INFINITY) e.markValues(bad, 100, 100, T + 8 * 60 * MIN); // as the very first event
      e.kline(kline(T, 100), true);
      e.markValues(bad, 100, 100, T + 8 * 60 * MIN);
      e.tradeValues(bad, 7, 100, 1, 1, false);
      expect(e.kline({ ...kline(T, 100), open_time: bad }, true)).toBeNull();
      e.kline(kline(T + MIN, 101), true);
      e.flush();
      expect(e.drain().map((r) => r.open_time)).toEqual([T, T + MIN]);
      expect(e.report.lateEvents).toBe(bad === Number.NEGATIVE_INFINITY ? 4 : 3);
    }
  });

  it('a user adapter over any trading-signals indicator runs in a set', () => {
    const e = new GoldEngine({
      symbol: 'BTCUSDT',
      hasTrades: false,
      features: featureSet({
        willr_3: tradingSignalsFeature({ create: () => new WilliamsR(3), input: (m) => m.kline!, output: (r) => r, warmUp: 3 }),
      }),
    });
    const rows = [100, 104, 102, 108].map((c, i) => e.kline(kline(T + i * MIN, c), true)!);
    expect(rows.map((r) => r.willr_3 === null)).toStrictEqual([true, true, false, false]);
    // Williams %R over the last 3 bars: (highest high − close) / (highest high − lowest low) · −100.
    expect(rows[3]!.willr_3).toBeCloseTo(((109 - 108) / (109 - 101)) * -100, 10);
  });
});

describe('RollingWindow', () => {
  it('replaceLast gives bit-identical sums to pushing the final value, across the periodic exact recompute', () => {
    const a = new RollingWindow(7);
    const b = new RollingWindow(7);
    let x = 40000.123;
    for (let i = 0; i < 200; i++) {
      x += Math.sin(i) * 3.7;
      a.push(x);
      b.push(x * 1.01);
      b.replaceLast(x - 5);
      b.replaceLast(x);
      expect([b.total(), b.mean(), b.variance(), b.min(), b.max()]).toStrictEqual([a.total(), a.mean(), a.variance(), a.min(), a.max()]);
    }
  });

  it('stays precise over a long series of large values (no drift in the running sums)', () => {
    const w = new RollingWindow(20);
    const values: number[] = [];
    let x = 65000;
    for (let i = 0; i < 100_000; i++) {
      x *= 1 + Math.sin(i * 12.9898) * 0.001;
      values.push(x);
      w.push(x);
    }
    const last = values.slice(-20);
    const mean = last.reduce((s, v) => s + v, 0) / 20;
    const variance = last.reduce((s, v) => s + (v - mean) ** 2, 0) / 20;
    expect(Math.abs(w.mean() - mean) / mean).toBeLessThan(1e-13);
    expect(Math.abs(w.variance() - variance) / variance).toBeLessThan(1e-9);
  });
});

describe('GoldEngine blocks', () => {
  // Rows go from the features into the label ring and from there into column blocks, without copies in between:
  // whatever the block size, emit window, drain points and forming-bar updates, the blocks hold the rows a plain run
  // gives, and a closed kline's row object has its features.
  const market = syntheticArrays({ seed: 3, start: T, minutes: 150, tradesPerMinute: 2, booksPerMinute: 1, marksPerMinute: 1 });
  type Event = { t: number; feed: (e: GoldEngine) => void };
  const events: Event[] = [
    ...market.aggTrades.map((x) => ({ t: x.trade_time, feed: (e: GoldEngine) => e.trade(x) })),
    ...market.bookDepth.map((x) => ({ t: x.event_time, feed: (e: GoldEngine) => e.book(x) })),
    ...market.markPrices.map((x) => ({ t: x.event_time, feed: (e: GoldEngine) => e.mark(x) })),
    ...market.fundingRates.map((x) => ({ t: x.funding_time, feed: (e: GoldEngine) => e.funding(x) })),
  ].sort((a, b) => a.t - b.t);
  const run = (engine: GoldEngine, opts: { drainEvery?: number; forming?: boolean; closedRows?: Record<string, unknown>[] } = {}) => {
    const blocks = [];
    let j = 0;
    market.klines.forEach((k, i) => {
      for (; j < events.length && events[j]!.t < k.open_time + MIN; j++) events[j]!.feed(engine);
      if (opts.forming) engine.kline({ ...k, close: k.open }, false);
      const row = engine.kline(k, true)!;
      opts.closedRows?.push(row);
      if (opts.drainEvery !== undefined && i % opts.drainEvery === 0) blocks.push(...engine.drainColumns());
    });
    engine.flush();
    blocks.push(...engine.drainColumns());
    return blocks;
  };
  const reference = (() => {
    const e = new GoldEngine({ symbol: 'BTCUSDT', features: scalping() });
    const closed: Record<string, unknown>[] = [];
    const rows = run(e, { closedRows: closed }).flatMap((b) => e.toRows(b));
    return { rows, closed };
  })();

  it('hold the rows of a plain run for any block size, emit window, drain points and forming bars', () => {
    expect(reference.rows.length).toBe(150);
    const t = (i: number) => T + i * MIN;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        (blockRows, a, b, drainEvery, forming) => {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const e = new GoldEngine({ symbol: 'BTCUSDT', features: scalping(), blockRows, emitFrom: t(from), emitTo: t(to) });
          const closed: Record<string, unknown>[] = [];
          const blocks = run(e, { drainEvery, forming, closedRows: closed });
          for (const block of blocks) expect(block.n).toBeLessThanOrEqual(blockRows);
          expect(blocks.flatMap((x) => e.toRows(x))).toStrictEqual(reference.rows.slice(from, to));
          expect(closed).toStrictEqual(reference.closed);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a FeatureSet of its own that writes from out[0] (no `at`) gives the rows of the set it wraps', () => {
    const wrap = (inner: FeatureSet): FeatureSet => ({
      columns: inner.columns,
      entries: inner.entries,
      warmUpMinutes: inner.warmUpMinutes,
      add: (input, out) => inner.add(input, out),
      replace: (input, out) => inner.replace(input, out),
      toRecord: (v) => inner.toRecord(v),
      reset: () => inner.reset(),
      resetKind: (kind) => inner.resetKind(kind),
    });
    const e = new GoldEngine({ symbol: 'BTCUSDT', features: wrap(scalping()), blockRows: 8 });
    const closed: Record<string, unknown>[] = [];
    const rows = run(e, { forming: true, closedRows: closed }).flatMap((b) => e.toRows(b));
    expect(rows).toStrictEqual(reference.rows);
    expect(closed).toStrictEqual(reference.closed);
  });

  it('a block size that is not an integer is rounded down', () => {
    const e = new GoldEngine({ symbol: 'BTCUSDT', features: scalping(), blockRows: 7.5 });
    const blocks = run(e, { drainEvery: 1000 });
    expect(Math.max(...blocks.map((b) => b.n))).toBe(7);
    expect(blocks.flatMap((b) => e.toRows(b))).toStrictEqual(reference.rows);
  });
});
