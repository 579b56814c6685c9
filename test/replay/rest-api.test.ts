import { afterEach, describe, expect, it } from 'vitest';
import { type ReplayExchange, startReplayExchange, syntheticMarket, virtualClock } from '../../src/replay/index.js';
import { getJson } from './ws-client.js';

const start = Date.UTC(2024, 0, 1);
let ex: ReplayExchange | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const get = (path: string) => getJson(ex!, path);

async function boot(now: number, extra: Record<string, unknown> = {}): Promise<ReplayExchange> {
  ex = await startReplayExchange({ market: syntheticMarket({ seed: 7, start }), clock: virtualClock(now), ...extra });
  return ex;
}

describe('REST parameter rules', () => {
  it('answers Binance error codes', async () => {
    await boot(start + 2 * 3_600_000);
    expect((await get('/fapi/v1/klines?symbol=NOPEUSDT&interval=1m')).body.code).toBe(-1121);
    expect((await get('/fapi/v1/klines?symbol=BTCUSDT&interval=7m')).body.code).toBe(-1120);
    expect((await get('/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1501')).body.code).toBe(-1130);
    expect((await get('/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=abc')).body.code).toBe(-1130);
    expect((await get(`/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${start + 10}&endTime=${start}`)).body.code).toBe(-1023);
    const wide = await get(`/fapi/v1/aggTrades?symbol=BTCUSDT&startTime=${start}&endTime=${start + 3_600_000}`);
    expect([wide.status, wide.body.code]).toEqual([400, -1127]);
    expect((await get('/fapi/v1/aggTrades?symbol=BTCUSDT&limit=1001')).body.code).toBe(-1130);
    expect((await get('/fapi/v1/depth?symbol=BTCUSDT&limit=7')).body.code).toBe(-1130);
    expect((await get('/fapi/v1/fundingRate?symbol=BTCUSDT&limit=1001')).body.code).toBe(-1130);
    const missing = await get('/fapi/v1/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(-1000);
  });

  it('serves klines by limit and window with the last bar still open, no future data', async () => {
    const now = start + 90 * 60_000 + 30_000;
    await boot(now);
    const dflt = await get('/fapi/v1/klines?symbol=BTCUSDT&interval=1m');
    expect(dflt.body).toHaveLength(91);
    const last = dflt.body[90];
    expect(last[0]).toBe(start + 90 * 60_000);
    const closed = ex!.truth.klines('BTCUSDT', start, now);
    expect(closed).toHaveLength(90);
    const page = await get(`/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${start + 60_000}&limit=5`);
    expect(page.body.map((k: number[]) => k[0])).toEqual([1, 2, 3, 4, 5].map((i) => start + i * 60_000));
    const hour = await get(`/fapi/v1/klines?symbol=BTCUSDT&interval=1h&startTime=${start}`);
    expect(hour.body).toHaveLength(2);
    // The 1h bar is the aggregation of its 60 one-minute bars.
    const mins = closed.slice(0, 60);
    const h = hour.body[0];
    expect(Number(h[2])).toBe(Math.max(...mins.map((k) => k.high)));
    expect(Number(h[3])).toBe(Math.min(...mins.map((k) => k.low)));
    expect(h[8]).toBe(mins.reduce((s, k) => s + (k.trade_count ?? 0), 0));
  });

  it('klines are exactly the aggregation of their aggTrades', async () => {
    const now = start + 30 * 60_000;
    await boot(now, { aggTradesHistoryMs: Number.POSITIVE_INFINITY });
    const klines = (await get(`/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${start}&limit=30`)).body as any[];
    let fromId = 0;
    const trades: any[] = [];
    for (;;) {
      const page = (await get(`/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=${fromId}&limit=1000`)).body as any[];
      trades.push(...page);
      if (page.length < 1000) break;
      fromId = page[page.length - 1].a + 1;
    }
    expect(trades.length).toBeGreaterThan(30 * 20);
    for (let i = 1; i < trades.length; i++) expect(trades[i].a).toBe(trades[i - 1].a + 1);
    for (const k of klines) {
      const ts = trades.filter((t) => t.T >= k[0] && t.T <= k[6]);
      const vol = ts.reduce((s, t) => s + Math.round(Number(t.q) * 1000), 0);
      const quote = ts.reduce((s, t) => s + Math.round(Number(t.p) * 10) * Math.round(Number(t.q) * 1000), 0);
      const tbv = ts.filter((t) => !t.m).reduce((s, t) => s + Math.round(Number(t.q) * 1000), 0);
      expect(k[1]).toBe(ts[0].p);
      expect(k[4]).toBe(ts[ts.length - 1].p);
      expect(Number(k[2])).toBe(Math.max(...ts.map((t) => Number(t.p))));
      expect(Number(k[3])).toBe(Math.min(...ts.map((t) => Number(t.p))));
      expect(Math.round(Number(k[5]) * 1000)).toBe(vol);
      expect(Math.round(Number(k[7]) * 10_000)).toBe(quote);
      expect(Math.round(Number(k[9]) * 1000)).toBe(tbv);
      expect(k[8]).toBe(ts.reduce((s, t) => s + t.l - t.f + 1, 0));
    }
  });

  it('pages aggTrades by time window and refuses data older than the history window', async () => {
    const now = start + 26 * 3_600_000;
    await boot(now);
    const from = now - 2 * 3_600_000;
    const w = await get(`/fapi/v1/aggTrades?symbol=BTCUSDT&startTime=${from}&endTime=${from + 3_599_999}&limit=1000`);
    expect(w.status).toBe(200);
    expect(w.body.length).toBeGreaterThan(0);
    for (const t of w.body) expect(t.T).toBeGreaterThanOrEqual(from);
    const old = await get(`/fapi/v1/aggTrades?symbol=BTCUSDT&startTime=${start}&endTime=${start + 1000}`);
    expect(old.body.code).toBe(-4166);
    const recent = await get('/fapi/v1/aggTrades?symbol=BTCUSDT&limit=10');
    expect(recent.body).toHaveLength(10);
    expect(recent.body[9].T).toBeLessThanOrEqual(now);
  });

  it('serves funding, premium index, mark klines, depth, exchangeInfo and time', async () => {
    const now = start + 17 * 3_600_000 + 5_000;
    await boot(now);
    const f = (await get('/fapi/v1/fundingRate?symbol=BTCUSDT')).body;
    expect(f.map((x: any) => x.fundingTime)).toEqual([start, start + 8 * 3_600_000, start + 16 * 3_600_000]);
    expect(ex!.truth.fundingRates('BTCUSDT', start, now).map((x) => x.funding_rate)).toEqual(f.map((x: any) => Number(x.fundingRate)));
    const p = (await get('/fapi/v1/premiumIndex?symbol=BTCUSDT')).body;
    expect(p.nextFundingTime).toBe(start + 24 * 3_600_000);
    expect(Math.abs(Number(p.markPrice) / Number(p.indexPrice) - 1)).toBeLessThan(0.001);
    const mk = (await get('/fapi/v1/markPriceKlines?symbol=BTCUSDT&interval=1m&limit=2')).body;
    expect(mk[0][8]).toBe(60);
    expect((await get('/fapi/v1/indexPriceKlines?pair=BTCUSDT&interval=1m&limit=1')).body).toHaveLength(1);
    const d = (await get('/fapi/v1/depth?symbol=BTCUSDT&limit=20')).body;
    expect(d.bids).toHaveLength(20);
    expect(Number(d.bids[0][0])).toBeLessThan(Number(d.asks[0][0]));
    const info = (await get('/fapi/v1/exchangeInfo')).body;
    expect(info.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', limit: 2400 });
    expect(info.symbols[0].symbol).toBe('BTCUSDT');
    expect((await get('/fapi/v1/time')).body.serverTime).toBe(now);
  });
});

describe('weights, 429 and 418', () => {
  it('reports used weight per endpoint and resets each minute', async () => {
    await boot(start + 3_600_000);
    const w = async (path: string) => Number((await get(path)).headers.get('x-mbx-used-weight-1m'));
    expect(await w('/fapi/v1/time')).toBe(1);
    expect(await w('/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=99')).toBe(2);
    expect(await w('/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=100')).toBe(4);
    expect(await w('/fapi/v1/klines?symbol=BTCUSDT&interval=1m')).toBe(9);
    expect(await w('/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500')).toBe(19);
    expect(await w('/fapi/v1/aggTrades?symbol=BTCUSDT')).toBe(39);
    expect(await w('/fapi/v1/depth?symbol=BTCUSDT&limit=100')).toBe(44);
    expect(await w('/fapi/v1/depth?symbol=BTCUSDT&limit=1000')).toBe(64);
    expect(await w('/fapi/v1/premiumIndex')).toBe(74);
    ex!.clock.advance(60_000);
    expect(await w('/fapi/v1/exchangeInfo')).toBe(1);
  });

  it('answers 429 with Retry-After past the budget, then 418 when the client keeps going', async () => {
    await boot(start + 3_600_000 + 15_000, { weightLimitPerMinute: 50, banAfter429s: 2, banDurationMs: 120_000 });
    expect((await get('/fapi/v1/aggTrades?symbol=BTCUSDT')).status).toBe(200);
    expect((await get('/fapi/v1/aggTrades?symbol=BTCUSDT')).status).toBe(200);
    const r1 = await get('/fapi/v1/aggTrades?symbol=BTCUSDT');
    expect(r1.status).toBe(429);
    expect(r1.body.code).toBe(-1003);
    expect(r1.headers.get('retry-after')).toBe('45');
    expect((await get('/fapi/v1/aggTrades?symbol=BTCUSDT')).status).toBe(429);
    const ban = await get('/fapi/v1/time');
    expect(ban.status).toBe(418);
    expect(ban.headers.get('retry-after')).toBe('120');
    ex!.clock.advance(60_000);
    expect((await get('/fapi/v1/time')).status).toBe(418);
    ex!.clock.advance(60_000);
    expect((await get('/fapi/v1/time')).status).toBe(200);
    expect(ex!.stats()).toMatchObject({ responses429: 2, responses418: 2 });
  });

  it('gives fundingRate its own 5-minute bucket', async () => {
    await boot(start + 3_600_000, { fundingRateLimitPer5Min: 3 });
    for (let i = 0; i < 3; i++) expect((await get('/fapi/v1/fundingRate?symbol=BTCUSDT')).status).toBe(200);
    expect((await get('/fapi/v1/fundingRate?symbol=BTCUSDT')).status).toBe(429);
    expect((await get('/fapi/v1/time')).status).toBe(200);
    ex!.clock.advance(5 * 60_000);
    expect((await get('/fapi/v1/fundingRate?symbol=BTCUSDT')).status).toBe(200);
  });
});
