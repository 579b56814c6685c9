/**
 * Edge cases of liveIngest's gap repair against the replay exchange: the very start of a run (no watermark yet),
 * the end of a run (drain with a hole still open), a resume older than REST serves, a client clock ahead of the
 * server, the overlapping rotation and REST errors during repairs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RejectedRow } from '../../../src/core/stage.js';
import type { AggTrade, BookDepth, Kline, MarkPrice, PriceKline } from '../../../src/core/tables.js';
import {
  type ReplayExchange,
  type ReplayExchangeOptions,
  startReplayExchange,
  syntheticMarket,
  virtualClock,
} from '../../../src/replay/index.js';
import { type LiveIngestOptions, type LiveMarker, type LiveStats, liveIngest } from '../../../src/sources/binance/live-ingest.js';

const START = Date.UTC(2024, 0, 1);
const SEC = 1000;
const MIN = 60_000;
const wall = (ms: number) => new Promise((r) => setTimeout(r, ms));
const strip = <T extends { source: string; ingested_at: number }>(r: T) => {
  const { source: _s, ingested_at: _i, ...rest } = r;
  return rest;
};

let ex: ReplayExchange | null = null;
afterEach(async () => {
  await ex?.close();
  ex = null;
});

interface Collected {
  klines: Kline[];
  aggTrades: AggTrade[];
  marks: MarkPrice[];
  markKlines: PriceKline[];
  book: BookDepth[];
  rejects: RejectedRow[];
  markers: LiveMarker[];
}

interface Harness {
  readonly ex: ReplayExchange;
  readonly c: Collected;
  readonly stats: LiveStats;
  /** Advances the exchange clock by `ms` in `step` increments, letting the sockets and the consumer run. */
  advance(ms: number, step?: number, wallPerStep?: number): Promise<void>;
  /** Waits (wall time) until `cond` holds. */
  until(cond: () => boolean, what: string): Promise<void>;
  /** Drains the run and waits for its end; rejects with the run's error. */
  finish(): Promise<void>;
}

async function start(opts: {
  at: number;
  streams: string[];
  exchange?: Partial<ReplayExchangeOptions>;
  market?: Partial<Parameters<typeof syntheticMarket>[0]>;
  live?: Partial<LiveIngestOptions>;
  /** The client's clock minus the exchange's (ms): a client clock that runs ahead of Binance's. */
  skewMs?: number;
}): Promise<Harness> {
  const clock = virtualClock(opts.at);
  const exch = await startReplayExchange({
    market: syntheticMarket({ seed: 11, symbols: ['BTCUSDT'], start: START, ...opts.market }),
    clock,
    ...opts.exchange,
  });
  ex = exch;
  const skew = opts.skewMs ?? 0;
  const drain = new AbortController();
  const live = liveIngest({
    restUrl: exch.restUrl,
    wsUrl: exch.wsUrl,
    symbol: 'BTCUSDT',
    streams: opts.streams,
    now: () => clock.now() + skew,
    sleep: async (ms) => clock.advance(ms),
    drainSignal: drain.signal,
    ws: { stallTimeoutMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 20 },
    ...opts.live,
  });
  const c: Collected = { klines: [], aggTrades: [], marks: [], markKlines: [], book: [], rejects: [], markers: [] };
  const consumer = (async () => {
    for await (const b of live) {
      if (b.kind === 'rows') {
        if (b.table === 'klines') c.klines.push(...b.rows);
        else if (b.table === 'agg_trades') c.aggTrades.push(...b.rows);
        else if (b.table === 'mark_prices') c.marks.push(...b.rows);
        else if (b.table === 'mark_price_klines') c.markKlines.push(...b.rows);
        else c.book.push(...b.rows);
      } else if (b.kind === 'rejects') c.rejects.push(...b.rows);
      else if (b.kind === 'marker') c.markers.push(b.marker);
    }
  })();
  consumer.catch(() => {});
  const until = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 500 && !cond(); i++) await wall(5);
    if (!cond()) throw new Error(`timed out waiting for ${what}`);
  };
  const roots = new Set(opts.streams.map((s) => (s.startsWith('depth') || s === 'bookTicker' ? 'public' : 'market'))).size;
  await until(() => exch.connections().filter((x) => x.streams.length > 0).length >= roots, 'subscriptions');
  return {
    ex: exch,
    c,
    stats: live.stats,
    async advance(ms, step = SEC, wallPerStep = 2) {
      const end = clock.now() + ms;
      while (clock.now() < end) {
        clock.advance(Math.min(step, end - clock.now()));
        await wall(wallPerStep);
      }
      await wall(30);
    },
    until,
    async finish() {
      drain.abort();
      await consumer;
    },
  };
}

describe('liveIngest edges against the replay exchange', () => {
  it('a client clock ahead of the exchange never turns a still-open bar into a final kline at drain', async () => {
    // The client's clock runs 5 s ahead. The run drains 58 s into a minute: that bar is still open on the exchange.
    const t0 = START + 10 * MIN;
    const h = await start({ at: t0, streams: ['kline_1m'], skewMs: 5 * SEC });
    await h.advance(2 * MIN + 58 * SEC);
    await h.finish();
    const now = h.ex.clock.now();
    const closed = h.ex.truth.klines('BTCUSDT', h.c.klines[0]!.open_time, now);
    expect(closed.at(-1)!.open_time).toBe(t0 + MIN); // the bar opened at t0 + 2 min is still forming
    expect(h.c.klines.map(strip)).toEqual(closed);
  });

  it('a resume older than REST keeps aggTrades (24 h) continues from the oldest trade REST serves, with a gap marker', async () => {
    const t0 = START + 25 * 3_600_000;
    const h = await start({ at: t0, streams: ['aggTrade'], market: { tradesPerMinute: 6 }, live: { resume: { aggTradeId: 1_000_000 } } });
    await h.advance(2 * MIN, 5 * SEC);
    await h.finish();
    const ids = h.c.aggTrades.map((t) => t.agg_trade_id);
    expect(ids.length).toBeGreaterThan(0);
    // From the first trade REST still serves up to the last one: every id once, in order.
    expect(h.c.aggTrades[0]!.trade_time).toBeGreaterThanOrEqual(t0 - 24 * 3_600_000);
    expect(h.c.aggTrades.map(strip)).toEqual(h.ex.truth.aggTrades('BTCUSDT', { fromId: ids[0]!, to: h.ex.clock.now() }));
    // What REST no longer has is reported, not silently skipped.
    const gap = h.c.markers.find((m) => m.type === 'gap' && m.scope === 'agg_trades');
    expect(gap).toMatchObject({ from: 1_000_001, to: ids[0]! - 1 });
  });

  it('a bar whose final push is lost before any final kline arrived is repaired, not skipped', async () => {
    // The run starts just after the final push of the previous bar and sees this bar forming; the connection drops
    // before its final push.
    const t0 = START + 10 * MIN;
    const h = await start({ at: t0 + SEC, streams: ['kline_1m'], live: { ws: { stallTimeoutMs: 60_000, backoffBaseMs: 300, backoffMaxMs: 300 } } });
    await h.advance(49 * SEC);
    expect(h.c.klines).toEqual([]);
    h.ex.dropAll();
    await h.until(() => h.c.markers.some((m) => m.type === 'disconnect'), 'the disconnect');
    await h.advance(15 * SEC, 15 * SEC); // the final push of the first bar goes out while the client is away
    expect(h.stats.reconnects).toBe(0);
    await h.until(() => h.stats.reconnects >= 1 && h.ex.connections().some((x) => x.streams.length > 0), 'the reconnect');
    await h.advance(2 * MIN);
    await h.finish();
    expect(h.c.klines[0]?.open_time).toBe(t0);
    expect(h.c.klines.map(strip)).toEqual(h.ex.truth.klines('BTCUSDT', t0, h.ex.clock.now()));
  });

  it('mark prices lost with the last connection before a drain are reported as a gap', async () => {
    const t0 = START + 10 * MIN;
    // Slow reconnects: the run drains while the market connection is still down.
    const h = await start({ at: t0, streams: ['markPrice'], live: { ws: { stallTimeoutMs: 60_000, backoffBaseMs: 20_000, backoffMaxMs: 20_000 } } });
    await h.advance(30 * SEC);
    const lastSeen = () => h.c.marks.at(-1)?.event_time ?? 0;
    await h.until(() => lastSeen() === t0 + 30 * SEC, 'the marks so far');
    h.ex.dropAll();
    await h.until(() => h.c.markers.some((m) => m.type === 'disconnect'), 'the disconnect');
    await h.advance(2 * MIN);
    await h.finish();
    expect(lastSeen()).toBe(t0 + 30 * SEC);
    const gap = h.c.markers.find((m) => m.type === 'gap' && m.scope === 'mark_prices');
    expect(gap).toBeDefined();
    expect(gap!.from).toBe(t0 + 31 * SEC);
    expect(gap!.to).toBeGreaterThanOrEqual(t0 + 2 * MIN + 29 * SEC);
    // The closed minutes of the hole come as mark-price klines.
    expect(h.c.markKlines.map((k) => k.open_time)).toEqual([t0, t0 + MIN]);
    expect(h.c.markKlines.map(strip)).toEqual(h.ex.truth.markPriceKlines('BTCUSDT', t0, t0 + MIN));
  });

  it('an aggTrade frame that arrives late at the very start (no watermark yet) is not dropped as a duplicate', async () => {
    // reorder=1: every frame is swapped with the next one, so the first trade arrives after the second.
    const t0 = START + 10 * MIN;
    const h = await start({ at: t0, streams: ['aggTrade'], exchange: { faults: 'reorder=1' } });
    await h.advance(MIN, 10 * SEC); // several trades per push, so that swaps happen within a push
    await h.finish();
    const first = h.ex.truth.aggTrades('BTCUSDT', { from: t0 + 1, to: t0 + MIN })[0]!;
    expect(h.c.aggTrades[0]!.agg_trade_id).toBe(first.agg_trade_id);
    expect(h.c.aggTrades.map(strip)).toEqual(h.ex.truth.aggTrades('BTCUSDT', { fromId: first.agg_trade_id, to: h.ex.clock.now() }));
    expect(h.stats.duplicates).toBe(0);
  });

  it('overlapping rotations before the lifetime ends lose nothing at the seam and need no repair', async () => {
    const t0 = START + 10 * MIN;
    const h = await start({
      at: t0,
      streams: ['kline_1m', 'aggTrade', 'markPrice'],
      exchange: { connectionLifetimeMs: 4 * MIN },
      live: { ws: { lifetimeMs: 4 * MIN, rotateBeforeMs: 2 * MIN, stallTimeoutMs: 400, backoffBaseMs: 10, backoffMaxMs: 20 } },
    });
    await h.advance(9 * MIN);
    expect(h.stats.repairs).toBe(0); // (the drain below repairs the last bar, whose final push is not due yet)
    await h.finish();
    expect(h.c.markers).toEqual([]);
    expect(h.stats.reconnects).toBe(0);
    expect(h.ex.stats().disconnects).toBe(0); // every connection was replaced before the exchange closed it
    const now = h.ex.clock.now();
    expect(h.c.klines.map(strip)).toEqual(h.ex.truth.klines('BTCUSDT', h.c.klines[0]!.open_time, now));
    expect(h.c.aggTrades.map(strip)).toEqual(h.ex.truth.aggTrades('BTCUSDT', { fromId: h.c.aggTrades[0]!.agg_trade_id, to: now }));
    expect(h.c.marks.map(strip)).toEqual(h.ex.truth.markPrices('BTCUSDT', h.c.marks[0]!.event_time, now));
  });

  it('5xx answers and drops while REST repairs are in flight: klines and aggTrades complete from the resume point', async () => {
    const t0 = START + 10 * MIN;
    const resumeId = h0Id(t0 - 5 * MIN);
    const h = await start({
      at: t0,
      streams: ['kline_1m', 'aggTrade'],
      // The REST client's backoff sleeps advance the exchange clock: drops land in the middle of repairs.
      exchange: { faults: 'http5xx=0.3,drop@every=40s', seed: 5 },
      live: { resume: { klineOpenTime: t0 - 5 * MIN, aggTradeId: resumeId }, ws: { stallTimeoutMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 20 } },
    });
    await h.advance(4 * MIN, 2 * SEC);
    await h.finish();
    const now = h.ex.clock.now();
    expect(h.ex.stats().responses5xx).toBeGreaterThan(0);
    expect(h.stats.reconnects).toBeGreaterThan(0);
    expect(h.c.klines.map(strip)).toEqual(h.ex.truth.klines('BTCUSDT', t0 - 4 * MIN, now));
    expect(h.c.aggTrades.map(strip)).toEqual(h.ex.truth.aggTrades('BTCUSDT', { fromId: resumeId + 1, to: now }));
  });
});

/** The id of the last synthetic trade at or before `t` (seed 11, as in {@link start}). */
function h0Id(t: number): number {
  const trades = syntheticMarket({ seed: 11, symbols: ['BTCUSDT'], start: START }).aggTradesFrom('BTCUSDT', 1_000_000, 100_000, t);
  return trades.at(-1)!.a;
}
