import { afterEach, describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../../src/core/errors.js';
import type { RejectedRow } from '../../../src/core/stage.js';
import type { AggTrade, BookDepth, Kline, MarkPrice, PriceKline } from '../../../src/core/tables.js';
import { type ReplayExchange, startReplayExchange, syntheticMarket, virtualClock } from '../../../src/replay/index.js';
import { type LiveIngestOptions, type LiveMarker, liveIngest } from '../../../src/sources/binance/live-ingest.js';

const START = Date.UTC(2024, 0, 1);
const MIN = 60_000;
let ex: ReplayExchange | null = null;
afterEach(async () => {
  await ex?.close();
  ex = null;
});
const wall = (ms: number) => new Promise((r) => setTimeout(r, ms));
const strip = <T extends { source: string; ingested_at: number }>(r: T) => {
  const { source: _s, ingested_at: _i, ...rest } = r;
  return rest;
};

interface Collected {
  klines: Kline[];
  aggTrades: AggTrade[];
  marks: MarkPrice[];
  markKlines: PriceKline[];
  book: BookDepth[];
  forming: number;
  rejects: RejectedRow[];
  markers: LiveMarker[];
  raw: number;
}

/** Runs liveIngest while a driver moves the virtual clock `minutes` forward in `stepMs` steps. */
async function runLive(opts: { resume?: LiveIngestOptions['resume']; faults?: string; minutes: number; stepMs?: number; streams?: string[]; ws?: LiveIngestOptions['ws']; wallPerStep?: number; bookCadenceMs?: number }) {
  const clock = virtualClock(START + 10 * MIN);
  ex = await startReplayExchange({
    market: syntheticMarket({ seed: 7, symbols: ['BTCUSDT'], start: START }),
    clock,
    aggTradesHistoryMs: Number.POSITIVE_INFINITY,
    ...(opts.faults ? { faults: opts.faults } : {}),
  });
  const drain = new AbortController();
  const hard = new AbortController();
  const live = liveIngest({
    restUrl: ex.restUrl,
    wsUrl: ex.wsUrl,
    symbol: 'BTCUSDT',
    streams: opts.streams ?? ['kline_1m', 'aggTrade', 'markPrice', 'depth20'],
    now: () => clock.now(),
    sleep: async (ms) => clock.advance(ms),
    drainSignal: drain.signal,
    signal: hard.signal,
    ws: { stallTimeoutMs: 400, backoffBaseMs: 20, backoffMaxMs: 100, ...opts.ws },
    ...(opts.bookCadenceMs !== undefined ? { bookCadenceMs: opts.bookCadenceMs } : {}),
    ...(opts.resume ? { resume: opts.resume } : {}),
  });
  const c: Collected = { klines: [], aggTrades: [], marks: [], markKlines: [], book: [], forming: 0, rejects: [], markers: [], raw: 0 };
  const consumer = (async () => {
    for await (const b of live) {
      if (b.kind === 'rows') {
        if (b.table === 'klines') c.klines.push(...b.rows);
        else if (b.table === 'agg_trades') c.aggTrades.push(...b.rows);
        else if (b.table === 'mark_prices') c.marks.push(...b.rows);
        else if (b.table === 'mark_price_klines') c.markKlines.push(...b.rows);
        else c.book.push(...b.rows);
      } else if (b.kind === 'forming') c.forming += b.rows.length;
      else if (b.kind === 'rejects') c.rejects.push(...b.rows);
      else if (b.kind === 'marker') c.markers.push(b.marker);
      else if (b.kind === 'raw') c.raw += b.payloads.length;
    }
  })();
  consumer.catch(() => {}); // awaited below; avoid an "unhandled" report while the driver still runs
  // Let both connections open and subscribe before time moves.
  for (let i = 0; i < 100 && ex.connections().filter((x) => x.streams.length > 0).length < 2; i++) await wall(10);
  const step = opts.stepMs ?? 1000;
  const end = clock.now() + opts.minutes * MIN;
  while (clock.now() < end) {
    clock.advance(step);
    await wall(opts.wallPerStep ?? 2);
  }
  await wall(50);
  drain.abort();
  await consumer;
  return { c, clock, ex: ex!, stats: live.stats };
}

function expectComplete(c: Collected, exch: ReplayExchange) {
  // klines: contiguous by open time and equal to the ground truth.
  expect(c.klines.length).toBeGreaterThan(0);
  const k0 = c.klines[0]!.open_time;
  const kN = c.klines.at(-1)!.open_time;
  expect(c.klines.map(strip)).toEqual(exch.truth.klines('BTCUSDT', k0, kN));
  // aggTrades: every id once, in order, equal to the ground truth.
  const a0 = c.aggTrades[0]!.agg_trade_id;
  const aN = c.aggTrades.at(-1)!.agg_trade_id;
  expect(c.aggTrades.map(strip)).toEqual(exch.truth.aggTrades('BTCUSDT', { fromId: a0, toId: aN }));
}

describe('liveIngest against the replay exchange', () => {
  it('without faults: complete klines, aggTrades and mark prices, book rows, raw frames', async () => {
    const { c, ex } = await runLive({ minutes: 3 });
    expectComplete(c, ex);
    expect(c.klines.length).toBeGreaterThanOrEqual(2);
    const m0 = c.marks[0]!.event_time;
    expect(c.marks.map(strip)).toEqual(ex.truth.markPrices('BTCUSDT', m0, c.marks.at(-1)!.event_time));
    expect(c.book.length).toBeGreaterThan(100);
    expect(c.forming).toBeGreaterThan(0);
    expect(c.rejects).toEqual([]);
    expect(c.markers).toEqual([]);
    expect(c.raw).toBeGreaterThan(c.aggTrades.length);
  });

  it('30 simulated minutes with a drop every 2 min, a 5-min stall, dup/reorder and 1% malformed frames: nothing missing or duplicated', async () => {
    const resumeId = 1_000_000 + 9; // any id before the start: the live run repairs everything after it
    const { c, ex, stats, clock } = await runLive({
      resume: { klineOpenTime: START + 9 * MIN, aggTradeId: resumeId },
      minutes: 30,
      faults: 'drop@every=2m,stall@t=10m:5m,dup=0.02,reorder=0.02,malformed=0.01',
      ws: { stallTimeoutMs: 150 },
      stepMs: 2000,
      wallPerStep: 4, // a 5-min stall lasts ≥ 600 ms of wall time, between drops ≥ 240 ms: above the 150 ms stall timer
      streams: ['kline_1m', 'aggTrade', 'markPrice'],
    });
    expectComplete(c, ex);
    // Resumed from the watermarks just before the start: the whole 30 minutes, exactly, up to the end.
    const t0 = START + 10 * MIN;
    const tEnd = clock.now();
    expect(c.klines.map(strip)).toEqual(ex.truth.klines('BTCUSDT', t0, Math.floor(tEnd / MIN) * MIN - MIN));
    expect(c.klines).toHaveLength(30);
    expect(c.aggTrades.map(strip)).toEqual(ex.truth.aggTrades('BTCUSDT', { fromId: resumeId + 1, to: tEnd }));
    const ids = c.aggTrades.map((t) => t.agg_trade_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stats.repaired.klines ?? 0).toBeGreaterThan(0);
    expect(stats.repaired.agg_trades ?? 0).toBeGreaterThan(0);
    expect(stats.duplicates).toBeGreaterThan(0);
    expect(stats.reconnects).toBeGreaterThanOrEqual(10);
    // Malformed frames are quarantined with a reason, never a crash.
    expect(c.rejects.length).toBeGreaterThan(0);
    expect(stats.invalid).toBe(c.rejects.length);
    for (const r of c.rejects) expect(r.reason).toMatch(/not JSON|combined-stream|expected|decimal/);
    // Disconnects are markers (stateful features reset), followed by reconnects.
    expect(c.markers.filter((m) => m.type === 'disconnect').length).toBeGreaterThanOrEqual(10);
    expect(c.markers.some((m) => m.reason.startsWith('stall'))).toBe(true);
    // Mark prices: every emitted row equals the truth, strictly increasing; seconds lost while disconnected are
    // reported as gaps (REST keeps no per-second mark prices) and their minutes come as mark-price klines.
    const times = c.marks.map((m) => m.event_time);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    const truthMarks = new Map(ex.truth.markPrices('BTCUSDT', times[0]!, times.at(-1)!).map((m) => [m.event_time, m]));
    for (const m of c.marks) expect(strip(m)).toEqual(truthMarks.get(m.event_time));
    const gaps = c.markers.filter((m) => m.type === 'gap' && m.scope === 'mark_prices');
    const emitted = new Set(times);
    const klineMinutes = new Set(c.markKlines.map((k) => k.open_time));
    for (const t of truthMarks.keys()) {
      if (emitted.has(t)) continue;
      expect(gaps.some((g) => g.from! <= t && t <= g.to!)).toBe(true);
      const minute = Math.floor(t / MIN) * MIN;
      if (minute + MIN <= clock.now()) expect(klineMinutes.has(minute)).toBe(true); // closed minutes only
    }
    // Those minutes are the repaired interval's ground truth (what REST serves): equal to the exchange's klines.
    expect(c.markKlines.length).toBeGreaterThan(0);
    const truthKlines = new Map(ex.truth.markPriceKlines('BTCUSDT', times[0]!, clock.now()).map((k) => [k.open_time, k]));
    for (const k of c.markKlines) expect(strip(k)).toEqual(truthKlines.get(k.open_time));
  });

  it('a 418 ban during gap repair stops the run with BINANCE_BANNED', async () => {
    const err = await runLive({ minutes: 3, faults: 'ban@t=1m,drop@t=90s' }).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'BINANCE_BANNED')).toBe(true);
  });

  it('the local book from depth@100ms diffs equals the exchange book through pu breaks and reconnects', async () => {
    const { c, ex, stats } = await runLive({
      minutes: 2,
      streams: ['depth'],
      faults: 'pu-break@t=20s,pu-break@t=50s,drop@t=80s',
      bookCadenceMs: 0,
    });
    const resyncs = c.markers.filter((m) => m.type === 'book-resync');
    expect(resyncs.length).toBeGreaterThanOrEqual(3); // two pu breaks and one reconnect
    expect(c.markers.some((m) => m.type === 'disconnect')).toBe(true);
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    // Rows are in update-id order, and the last one is the exchange's book now.
    for (let i = 1; i < c.book.length; i++) expect(c.book[i]!.final_update_id).toBeGreaterThanOrEqual(c.book[i - 1]!.final_update_id);
    const last = c.book.at(-1)!;
    const truth = ex.truth.book('BTCUSDT', 20)!;
    expect(last.final_update_id).toBe(truth.lastUpdateId);
    for (let i = 0; i < 20; i++) {
      const row = last as unknown as Record<string, number | null>;
      expect([row[`bid_price_${i + 1}`], row[`bid_qty_${i + 1}`]]).toEqual(truth.bids[i]);
      expect([row[`ask_price_${i + 1}`], row[`ask_qty_${i + 1}`]]).toEqual(truth.asks[i]);
    }
  });
});
