/**
 * Differences between the replay exchange and Binance USD-M futures found by review, each pinned to
 * /work/shared/reference/BINANCE-FORMATS.md (section given) or to a recorded payload.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ReplayExchange,
  type ReplayExchangeOptions,
  recordedMarket,
  startReplayExchange,
  syntheticMarket,
  virtualClock,
} from '../../src/replay/index.js';
import { connect, getJson, settle } from './ws-client.js';

const start = Date.UTC(2024, 0, 1);
let ex: ReplayExchange | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const get = (path: string) => getJson(ex!, path);

describe('diff/partial depth push cadence (FORMATS §2.3: @depth 250 ms, @depth@500ms, @depth<N> 250 ms)', () => {
  it('pushes each speed at its own cadence, with a continuous pu chain that syncs with the REST snapshot', async () => {
    ex = await startReplayExchange({
      market: syntheticMarket({ seed: 11, start, bookLevels: 10 }),
      clock: virtualClock(start + 60_000),
    });
    const names = ['btcusdt@depth', 'btcusdt@depth@500ms', 'btcusdt@depth@100ms', 'btcusdt@depth5', 'btcusdt@depth5@500ms'];
    const c = await connect(`${ex.wsUrl}/public/stream?streams=${names.join('/')}`);
    ex.clock.advance(1_100);
    const snap = (await get('/fapi/v1/depth?symbol=BTCUSDT&limit=1000')).body as { lastUpdateId: number };
    ex.clock.advance(900);
    await settle();
    const by = new Map<string, any[]>();
    for (const f of c.frames) {
      const m = JSON.parse(f);
      by.set(m.stream, [...(by.get(m.stream) ?? []), m.data]);
    }
    const times = (n: string) => (by.get(n) ?? []).map((d) => d.E - start - 60_000);
    expect(times('btcusdt@depth@100ms')).toHaveLength(20);
    expect(times('btcusdt@depth')).toEqual([250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    expect(times('btcusdt@depth@500ms')).toEqual([500, 1000, 1500, 2000]);
    expect(times('btcusdt@depth5')).toEqual([250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    expect(times('btcusdt@depth5@500ms')).toEqual([500, 1000, 1500, 2000]);
    for (const n of ['btcusdt@depth', 'btcusdt@depth@500ms']) {
      const ev = by.get(n)!;
      // §2.4 step 4: the first event to apply brackets the snapshot id; step 5: pu == previous u.
      const first = ev.find((e) => e.u >= snap.lastUpdateId);
      expect(first.U).toBeLessThanOrEqual(snap.lastUpdateId);
      for (let i = 1; i < ev.length; i++) expect(ev[i].pu).toBe(ev[i - 1].u);
      // A slower stream's event ends where the 100 ms stream's event of the same time ends.
      const fast = by.get('btcusdt@depth@100ms')!;
      for (const e of ev) {
        const f = fast.find((x) => x.E === e.E);
        if (f !== undefined) expect(e.u).toBe(f.u);
      }
    }
  });
});

describe('recorded klines of another interval (FORMATS §2.3 kline stream: k.i is the interval)', () => {
  it('pushes a 5m file as kline_5m frames with i "5m", not as kline_1m', async () => {
    const market = recordedMarket({
      klines: [{ symbol: 'BTCUSDT', path: 'test/fixtures/datavision/um_monthly_klines_BTCUSDT-5m-2022-07_MODIFIED_11cols_first300.csv' }],
    });
    ex = await startReplayExchange({ market, clock: virtualClock(market.start) });
    const c = await connect(`${ex.wsUrl}/market/stream?streams=btcusdt@kline_5m/btcusdt@kline_1m`);
    ex.clock.advance(10 * 60_000 + 500);
    await settle();
    const frames = c.frames.map((f) => JSON.parse(f));
    expect(frames.map((m) => m.stream)).toEqual(['btcusdt@kline_5m', 'btcusdt@kline_5m']);
    for (const m of frames) {
      expect(m.data.k.i).toBe('5m');
      expect(m.data.k.T - m.data.k.t + 1).toBe(300_000);
      expect(m.data.k.x).toBe(true);
    }
  });
});

describe('klines interval 1M (FORMATS §1.1 lists 1M among the intervals)', () => {
  it('serves calendar-month bars from /fapi/v1/klines', async () => {
    ex = await startReplayExchange({
      market: syntheticMarket({ seed: 5, start: Date.UTC(2024, 1, 27), tradesPerMinute: 2 }),
      clock: virtualClock(Date.UTC(2024, 2, 1, 2)),
    });
    const r = await get('/fapi/v1/klines?symbol=BTCUSDT&interval=1M');
    expect(r.status).toBe(200);
    expect(r.body.map((k: any[]) => [k[0], k[6]])).toEqual([
      [Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1) - 1],
      [Date.UTC(2024, 2, 1), Date.UTC(2024, 3, 1) - 1],
    ]);
    const days = (await get(`/fapi/v1/klines?symbol=BTCUSDT&interval=1d&startTime=${Date.UTC(2024, 1, 1)}&limit=3`)).body;
    const feb = r.body[0];
    expect(feb[1]).toBe(days[0][1]);
    expect(feb[4]).toBe(days[2][4]);
    expect(feb[8]).toBe(days.reduce((s: number, k: any[]) => s + k[8], 0));
    const page = (await get(`/fapi/v1/klines?symbol=BTCUSDT&interval=1M&startTime=${Date.UTC(2024, 1, 1)}&limit=1`)).body;
    expect(page).toEqual([feb]);
  });
});

describe('continuousKlines (FORMATS §1.1: also /fapi/v1/continuousKlines with pair + contractType)', () => {
  it('serves the PERPETUAL contract like klines, with the klines weight', async () => {
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 7, start }), clock: virtualClock(start + 3_600_000) });
    const k = await get('/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=5');
    const c = await get('/fapi/v1/continuousKlines?pair=BTCUSDT&contractType=PERPETUAL&interval=1m&limit=5');
    expect(c.status).toBe(200);
    expect(c.body).toEqual(k.body);
    expect(Number(c.headers.get('x-mbx-used-weight-1m'))).toBe(2);
    expect((await get('/fapi/v1/continuousKlines?pair=BTCUSDT&interval=1m')).body.code).toBe(-1102);
    expect((await get('/fapi/v1/continuousKlines?pair=NOPEUSDT&contractType=PERPETUAL&interval=1m')).body.code).toBe(-1121);
  });
});

describe('429 / 418 messages (FORMATS §1.8 error table, -1003)', () => {
  it('words them like Binance', async () => {
    const opts: ReplayExchangeOptions = {
      market: syntheticMarket({ seed: 7, start }),
      clock: virtualClock(start + 3_600_000),
      weightLimitPerMinute: 20,
      banAfter429s: 1,
    };
    ex = await startReplayExchange(opts);
    expect((await get('/fapi/v1/aggTrades?symbol=BTCUSDT')).status).toBe(200);
    const r429 = await get('/fapi/v1/time');
    expect(r429.status).toBe(429);
    expect(r429.body.msg).toMatch(/^Too many requests; current limit is 20 requests per minute/);
    const r418 = await get('/fapi/v1/time');
    expect(r418.status).toBe(418);
    expect(r418.body).toEqual({ code: -1003, msg: `Way too many requests; IP banned until ${start + 3_600_000 + 120_000}.` });
  });
});
