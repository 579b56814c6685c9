import { afterEach, describe, expect, it } from 'vitest';
import {
  type ReplayExchange,
  type ReplayExchangeOptions,
  startReplayExchange,
  syntheticMarket,
  virtualClock,
} from '../../src/replay/index.js';
import { connect, settle } from './ws-client.js';

const start = Date.UTC(2024, 0, 1);
let ex: ReplayExchange | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

async function boot(extra: Partial<ReplayExchangeOptions> = {}): Promise<ReplayExchange> {
  ex = await startReplayExchange({
    market: syntheticMarket({ seed: 3, start }),
    clock: virtualClock(start + 3_600_000),
    ...extra,
  });
  return ex;
}

describe('WebSocket streams', () => {
  it('wraps combined frames and sends raw payloads in raw mode; kline pushes end with x:true', async () => {
    await boot();
    const combined = await connect(`${ex!.wsUrl}/market/stream?streams=btcusdt@aggTrade/btcusdt@kline_1m`);
    const raw = await connect(`${ex!.wsUrl}/market/ws/btcusdt@aggTrade`);
    ex!.clock.advance(60_500);
    await settle();
    const c = combined.frames.map((f) => JSON.parse(f));
    const r = raw.frames.map((f) => JSON.parse(f));
    const trades = c.filter((m) => m.stream === 'btcusdt@aggTrade').map((m) => m.data);
    expect(trades.length).toBeGreaterThan(10);
    expect(r).toEqual(trades);
    expect(ex!.truth.aggTrades('BTCUSDT', { from: start + 3_600_001 }).map((t) => t.agg_trade_id)).toEqual(trades.map((t) => t.a));
    const klines = c.filter((m) => m.stream === 'btcusdt@kline_1m').map((m) => m.data);
    // The bar that closed when the clock started gets its final push too (at +100 ms).
    expect(klines.filter((k) => k.k.x).map((k) => k.k.t)).toEqual([start + 3_540_000, start + 3_600_000]);
    const final = klines.filter((k) => k.k.x && k.k.t === start + 3_600_000);
    expect(final[0].E).toBe(start + 3_660_100);
    const truth = ex!.truth.klines('BTCUSDT', start + 3_600_000, start + 3_600_000)[0]!;
    expect([Number(final[0].k.o), Number(final[0].k.c), Number(final[0].k.v), final[0].k.n]).toEqual([
      truth.open,
      truth.close,
      truth.volume,
      truth.trade_count,
    ]);
    const forming = klines.filter((k) => !k.k.x && k.k.t === start + 3_600_000);
    expect(forming.length).toBeGreaterThan(5);
    for (const k of forming) expect(k.E % 250).toBe(0);
  });

  it('routes streams by root: a stream on the wrong root is accepted but gets nothing', async () => {
    await boot();
    const wrong = await connect(`${ex!.wsUrl}/public/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s`);
    const right = await connect(`${ex!.wsUrl}/public/stream?streams=btcusdt@bookTicker/btcusdt@depth20@100ms`);
    const market = await connect(`${ex!.wsUrl}/market/stream?streams=btcusdt@depth@100ms/btcusdt@markPrice@1s`);
    wrong.send({ method: 'LIST_SUBSCRIPTIONS', id: 1 });
    await wrong.waitFor((f) => f.length === 1);
    expect(JSON.parse(wrong.frames[0]!)).toEqual({ result: ['btcusdt@aggTrade', 'btcusdt@markPrice@1s'], id: 1 });
    ex!.clock.advance(5_000);
    await settle();
    expect(wrong.frames).toHaveLength(1);
    const streams = new Set(right.frames.map((f) => JSON.parse(f).stream));
    expect(streams).toEqual(new Set(['btcusdt@bookTicker', 'btcusdt@depth20@100ms']));
    const mk = market.frames.map((f) => JSON.parse(f));
    expect(new Set(mk.map((m) => m.stream))).toEqual(new Set(['btcusdt@markPrice@1s']));
    expect(mk).toHaveLength(5);
    expect(mk.map((m) => m.data.E)).toEqual(ex!.truth.markPrices('BTCUSDT', start + 3_600_001, start + 3_605_000).map((m) => m.event_time));
    await expect(connect(`${ex!.wsUrl}/stream?streams=btcusdt@aggTrade`)).rejects.toThrow('404');
  });

  it('handles SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS and bad JSON', async () => {
    await boot();
    const c = await connect(`${ex!.wsUrl}/market/stream`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@markPrice@1s'], id: 1 });
    await c.waitFor((f) => f.length === 1);
    expect(JSON.parse(c.frames[0]!)).toEqual({ result: null, id: 1 });
    c.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@aggTrade'], id: 2 });
    c.send({ method: 'LIST_SUBSCRIPTIONS', id: 3 });
    c.send('not json');
    await c.waitFor((f) => f.length === 4);
    expect(JSON.parse(c.frames[2]!)).toEqual({ result: ['btcusdt@markPrice@1s'], id: 3 });
    expect(JSON.parse(c.frames[3]!).error.code).toBe(3);
    ex!.clock.advance(2_000);
    await c.waitFor((f) => f.length === 6);
    expect(c.frames.slice(4).map((f) => JSON.parse(f).stream)).toEqual(['btcusdt@markPrice@1s', 'btcusdt@markPrice@1s']);
  });

  it('disconnects a client that does not answer pings, keeps one that does', async () => {
    await boot({ pingIntervalMs: 20, pongTimeoutMs: 150 });
    const silent = await connect(`${ex!.wsUrl}/market/ws/btcusdt@aggTrade`, { autoPong: false });
    const polite = await connect(`${ex!.wsUrl}/market/ws/btcusdt@aggTrade`);
    let pings = 0;
    silent.ws.on('ping', () => pings++);
    const code = await silent.closed;
    expect(code).toBe(1006);
    expect(pings).toBeGreaterThan(0);
    expect(ex!.connections().map((c) => c.id)).toHaveLength(1);
    expect(polite.ws.readyState).toBe(polite.ws.OPEN);
  });

  it('closes connections when their lifetime (exchange time) ends', async () => {
    await boot({ connectionLifetimeMs: 10 * 60_000 });
    const c = await connect(`${ex!.wsUrl}/market/ws/btcusdt@aggTrade`);
    ex!.clock.advance(9 * 60_000);
    await settle();
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    const before = c.frames.length;
    ex!.clock.advance(2 * 60_000);
    expect(await c.closed).toBe(1000);
    const lastT = JSON.parse(c.frames[c.frames.length - 1]!).T;
    expect(lastT).toBeLessThanOrEqual(start + 3_600_000 + 10 * 60_000);
    expect(c.frames.length).toBeGreaterThan(before);
  });

  it('disconnects a client sending more than 10 messages per second', async () => {
    await boot();
    const ok = await connect(`${ex!.wsUrl}/market/stream`);
    for (let i = 0; i < 10; i++) ok.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    await ok.waitFor((f) => f.length === 10);
    const bad = await connect(`${ex!.wsUrl}/market/stream`);
    for (let i = 0; i < 11; i++) bad.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    expect(await bad.closed).toBe(1008);
    expect(ok.ws.readyState).toBe(ok.ws.OPEN);
  });
});
