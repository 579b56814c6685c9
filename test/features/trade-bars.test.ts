import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/core/stage.js';
import type { AggTrade } from '../../src/core/tables.js';
import { sizeBucket, TradeBarBuilder, tradeBars, type TradeBar } from '../../src/features/trade-bars.js';
import { syntheticMarket } from '../../src/replay/synthetic-market.js';
import { batches, syntheticArrays } from './synthetic-market.js';

async function collect(input: AsyncIterable<Batch<TradeBar>>): Promise<TradeBar[]> {
  const out: TradeBar[] = [];
  for await (const b of input) out.push(...b);
  return out;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('tradeBars', () => {
  it('equals the klines of the generated trades, empty minutes included (Binance repeats the close)', async () => {
    const empty = new Set([5, 6, 40]);
    const m = syntheticArrays({ seed: 5, start: Date.UTC(2024, 2, 1), minutes: 90, emptyMinutes: empty, tradesPerMinute: 8, minTradesPerMinute: 1 });
    const bars = await collect(tradeBars(batches(m.aggTrades, 37)));
    expect(bars.length).toBe(90);
    bars.forEach((b, i) => {
      const k = m.klines[i]!;
      expect(b.open_time).toBe(k.open_time);
      expect(b.close_time).toBe(k.close_time);
      expect([b.open, b.high, b.low, b.close]).toStrictEqual([k.open, k.high, k.low, k.close]);
      expect(b.trade_count).toBe(k.trade_count);
      expect(rel(b.volume, k.volume)).toBeLessThan(1e-12);
      expect(rel(b.quote_volume, k.quote_volume!)).toBeLessThan(1e-12);
      expect(rel(b.taker_buy_volume, k.taker_buy_volume!)).toBeLessThan(1e-12);
      expect(rel(b.taker_buy_quote_volume, k.taker_buy_quote_volume!)).toBeLessThan(1e-12);
      if (empty.has(i)) expect(b.volume).toBe(0);
    });
  });

  it('equals the klines of the replay exchange’s synthetic market', async () => {
    const start = Date.UTC(2024, 0, 1, 12, 0);
    const market = syntheticMarket({ seed: 42, start, tradesPerMinute: 30 });
    const minutes = 20;
    const now = start + minutes * 60_000 + 5_000;
    const trades: AggTrade[] = [];
    let from = market.firstAggTradeId('BTCUSDT')!;
    for (;;) {
      const page = market.aggTradesFrom('BTCUSDT', from, 1000, start + minutes * 60_000 - 1);
      for (const w of page) {
        trades.push({
          symbol: 'BTCUSDT',
          agg_trade_id: w.a,
          price: Number(w.p),
          quantity: Number(w.q),
          first_trade_id: w.f,
          last_trade_id: w.l,
          trade_time: w.T,
          is_buyer_maker: w.m,
          source: 'replay',
          ingested_at: 0,
        });
      }
      if (page.length < 1000) break;
      from = page[page.length - 1]!.a + 1;
    }
    expect(trades.length).toBeGreaterThan(minutes * 10);
    const bars = await collect(tradeBars(batches(trades, 250)));
    expect(bars.length).toBe(minutes);
    for (const b of bars) {
      const k = market.kline('BTCUSDT', 60_000, b.open_time, now)!;
      expect(k).not.toBeNull();
      expect(b.open_time).toBe(k[0]);
      expect([b.open, b.high, b.low, b.close]).toStrictEqual([Number(k[1]), Number(k[2]), Number(k[3]), Number(k[4])]);
      expect(rel(b.volume, Number(k[5]))).toBeLessThan(1e-9);
      expect(b.trade_count).toBe(k[8]);
      expect(rel(b.taker_buy_volume, Number(k[9]))).toBeLessThan(1e-9);
    }
  });

  it('counts fills as Σ(l − f + 1), taker buys where is_buyer_maker is false, and keeps a size histogram', () => {
    const b = new TradeBarBuilder('BTCUSDT', true);
    b.start(60_000, 100);
    const t = (id: number, price: number, quantity: number, f: number, l: number, m: boolean): AggTrade => ({
      symbol: 'BTCUSDT', agg_trade_id: id, price, quantity, first_trade_id: f, last_trade_id: l, trade_time: 60_500, is_buyer_maker: m, source: 'ws', ingested_at: 0,
    });
    b.add(t(1, 101, 0.5, 10, 12, false));
    b.add(t(2, 99, 2, 13, 13, true));
    b.add(t(3, 100, 1, 14, 15, false));
    const bar = b.build();
    expect(bar).toMatchObject({ open: 101, high: 101, low: 99, close: 100, volume: 3.5, quote_volume: 348.5, trade_count: 6 });
    expect(bar).toMatchObject({ taker_buy_volume: 1.5, taker_buy_quote_volume: 150.5, agg_trade_count: 3, buy_agg_trade_count: 2, max_trade_size: 2 });
    expect(bar.size_histogram![sizeBucket(1)]).toBe(1);
    expect(sizeBucket(1)).toBe(128);
    expect(sizeBucket(2)).toBe(136);
    expect(sizeBucket(0)).toBe(0);
    expect(bar.size_histogram!.reduce((a, c) => a + c, 0)).toBe(3);
  });

  it('sizeBucket is 128 + ⌊8·log2(size)⌋ clamped to 0..255, also for the doubles next to every bucket boundary', () => {
    const byLog = (size: number) => (size > 0 ? Math.min(255, Math.max(0, 128 + Math.floor(Math.log2(size) * 8))) : 0);
    const f64 = new Float64Array(1);
    const u64 = new BigUint64Array(f64.buffer);
    const ulps = (x: number, k: number) => {
      f64[0] = x;
      u64[0] = u64[0]! + BigInt(k);
      return f64[0]!;
    };
    const sizes: number[] = [0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, 1e-300, 1e300, Number.MAX_VALUE];
    for (let b = -8; b <= 264; b++) for (let k = -6; k <= 6; k++) sizes.push(ulps(2 ** ((b - 128) / 8), k));
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) sizes.push(Math.round(rnd() * 10 ** (1 + (i % 7))) / 1000, Math.exp((rnd() - 0.5) * 40));
    const wrong = sizes.filter((s) => sizeBucket(s) !== byLog(s));
    expect(wrong).toEqual([]);
    expect(new Set(sizes.map(byLog)).size).toBe(256); // the sample reaches every bucket
  });
});
