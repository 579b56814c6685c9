import { afterEach, describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../../src/core/errors.js';
import { createRunEvents } from '../../../src/core/events.js';
import type { Batch, StageContext } from '../../../src/core/stage.js';
import { type ReplayExchange, startReplayExchange, syntheticMarket, virtualClock } from '../../../src/replay/index.js';
import { createBinanceHttpClient } from '../../../src/sources/binance/http-client.js';
import { restAggTrades } from '../../../src/sources/binance/rest-agg-trades.js';
import { restDepthSnapshot } from '../../../src/sources/binance/rest-depth-snapshot.js';
import { restFundingRates } from '../../../src/sources/binance/rest-funding-rates.js';
import { restKlines } from '../../../src/sources/binance/rest-klines.js';
import { restPremiumIndex } from '../../../src/sources/binance/rest-premium-index.js';
import { restPriceKlines } from '../../../src/sources/binance/rest-price-klines.js';

const START = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
let ex: ReplayExchange | null = null;
afterEach(async () => {
  await ex?.close();
  ex = null;
});

const ctxOf = (): StageContext => ({
  signal: new AbortController().signal,
  events: createRunEvents(),
  counters: { rowsIn: 0, rowsOut: 0, duplicates: 0, invalid: 0, late: 0 },
  notes: new Map(),
});
async function collect<T>(it: AsyncIterable<Batch<T>>): Promise<{ rows: T[]; rejects: number }> {
  const rows: T[] = [];
  let rejects = 0;
  for await (const b of it) {
    rows.push(...b);
    rejects += b.origin?.rejects?.length ?? 0;
  }
  return { rows, rejects };
}
const strip = <T extends { source: string; ingested_at: number }>(r: T) => {
  const { source: _s, ingested_at: _i, ...rest } = r;
  return rest;
};

async function start(weightLimitPerMinute = 2400, faults?: string) {
  const clock = virtualClock(START + 3 * DAY + 30_000);
  ex = await startReplayExchange({ market: syntheticMarket({ seed: 42, symbols: ['BTCUSDT'], start: START }), clock, weightLimitPerMinute, ...(faults ? { faults } : {}) });
  const http = createBinanceHttpClient({ baseUrl: ex.restUrl, now: () => clock.now(), sleep: async (ms) => clock.advance(ms) });
  await http.loadExchangeInfo();
  return { ex, clock, http };
}

describe('REST backfills against the replay exchange', () => {
  it('3 days of klines equal the ground truth row for row, no 429', async () => {
    const { ex, clock, http } = await start();
    const now = clock.now();
    const { rows, rejects } = await collect(restKlines({ http, symbol: 'BTCUSDT', from: START }).read(ctxOf()));
    expect(rejects).toBe(0);
    const truth = ex.truth.klines('BTCUSDT', START, now);
    expect(rows.length).toBe(3 * 1440);
    expect(rows.map(strip)).toEqual(truth);
    expect(rows.every((r) => r.source === 'rest')).toBe(true);
    expect(ex.stats().responses429).toBe(0);
    expect(http.stats.requests).toBe(1 + 3); // exchangeInfo + 3 pages of 1500
  });

  it('6 hours of aggTrades equal the ground truth under a tight weight budget: throttled, never 429', async () => {
    const { ex, clock, http } = await start(200);
    expect(http.weightLimit).toBe(200);
    const to = clock.now();
    const from = to - 6 * 3_600_000;
    const truth = ex.truth.aggTrades('BTCUSDT', { from, to });
    const { rows } = await collect(restAggTrades({ http, symbol: 'BTCUSDT', from, to }).read(ctxOf()));
    expect(rows.length).toBe(truth.length);
    expect(rows.map(strip)).toEqual(truth);
    expect(ex.stats().responses429).toBe(0);
    expect(http.stats.throttles).toBeGreaterThan(0);
    expect(clock.now()).toBeGreaterThan(to + 60_000); // it waited for later minutes (virtual time)
  });

  it('aggTrades older than 24 h are refused up front with advice to use bulk files, or clipped with a gap event', async () => {
    const { clock, http } = await start();
    const from = clock.now() - 2 * DAY;
    const err = await collect(restAggTrades({ http, symbol: 'BTCUSDT', from, to: from + 60_000 }).read(ctxOf())).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toMatch(/older than REST serves.*bulk files/);
    const ctx = ctxOf();
    const gaps: unknown[] = [];
    ctx.events.on('gap', (g) => gaps.push(g));
    const to = clock.now() - DAY + 5 * 60_000;
    const { rows } = await collect(restAggTrades({ http, symbol: 'BTCUSDT', from, to, tooOld: 'clip' }).read(ctx));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]!.trade_time).toBeGreaterThanOrEqual(clock.now() - DAY);
    expect(gaps).toHaveLength(1);
  });

  it('funding rates, mark-price klines, premiumIndex and the depth snapshot match the exchange', async () => {
    const { ex, clock, http } = await start();
    const now = clock.now();
    const funding = await collect(restFundingRates({ http, symbol: 'BTCUSDT', from: START, fundingIntervalHours: 8 }).read(ctxOf()));
    expect(funding.rows.map(strip)).toEqual(ex.truth.fundingRates('BTCUSDT', START, now));
    expect(funding.rows).toHaveLength(10); // 00/08/16 UTC over 3 days, plus day 4 00:00
    const marks = await collect(restPriceKlines({ http, symbol: 'BTCUSDT', kind: 'markPrice', from: now - 30_000 - 3_600_000 }).read(ctxOf()));
    expect(marks.rows).toHaveLength(60);
    // A mark-price kline closes at the per-second mark price of its last second.
    const lastBar = marks.rows.at(-1)!;
    const perSecond = ex.truth.markPrices('BTCUSDT', lastBar.open_time, lastBar.close_time);
    expect(lastBar.close).toBe(perSecond.at(-1)!.mark_price);
    const polled = await collect(restPremiumIndex({ http, symbol: 'BTCUSDT', polls: 3, intervalMs: 1000, sleep: async (ms) => clock.advance(ms) }).read(ctxOf()));
    expect(polled.rows).toHaveLength(3);
    for (const r of polled.rows) {
      const sec = Math.floor(r.event_time / 1000) * 1000;
      expect(r.mark_price).toBe(ex.truth.markPrices('BTCUSDT', sec, sec)[0]!.mark_price);
    }
    expect(polled.rows[2]!.event_time - polled.rows[0]!.event_time).toBe(2000);
    const snap = await restDepthSnapshot(http, 'BTCUSDT', 100);
    const book = ex.truth.book('BTCUSDT', 100);
    expect(snap.last_update_id).toBe(book!.lastUpdateId);
    expect(snap.bids.map((l) => [l[0], l[1]])).toEqual(book!.bids);
    expect(snap.asks.map((l) => [l[0], l[1]])).toEqual(book!.asks);
  });

  it('honours Retry-After through a burst of 429s and still returns the ground truth', async () => {
    const { ex, clock, http } = await start(2400, '429burst@t=1s:3');
    clock.advance(2000);
    const before = clock.now();
    const { rows } = await collect(restKlines({ http, symbol: 'BTCUSDT', from: START + 2 * DAY }).read(ctxOf()));
    expect(http.stats.rateLimited).toBe(3);
    expect(ex.stats().responses429).toBe(3);
    expect(ex.stats().responses418).toBe(0);
    expect(clock.now()).toBeGreaterThan(before); // it waited (virtual time) as told
    expect(rows.map(strip)).toEqual(ex.truth.klines('BTCUSDT', START + 2 * DAY, rows.at(-1)!.open_time));
  });

  it('a 418 ban stops a backfill with BINANCE_BANNED and no further request', async () => {
    const { ex, clock, http } = await start(2400, 'ban@t=1s');
    clock.advance(2000);
    const err = await collect(restKlines({ http, symbol: 'BTCUSDT', from: START }).read(ctxOf())).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'BINANCE_BANNED')).toBe(true);
    const requests = ex.stats().requests;
    await expect(http.get('/fapi/v1/time')).rejects.toMatchObject({ code: 'BINANCE_BANNED' });
    expect(ex.stats().requests).toBe(requests);
  });
});
