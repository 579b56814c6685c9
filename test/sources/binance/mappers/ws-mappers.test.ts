import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AggTrade, Kline, MarkPrice, BookDepth } from '../../../../src/core/tables.js';
import { aggTradeFromWs, aggTradeFromWsFast, RawWsAggTrade } from '../../../../src/sources/binance/mappers/agg-trade-ws.js';
import { bookTickerFromWs, RawWsBookTicker } from '../../../../src/sources/binance/mappers/book-ticker-ws.js';
import { depthDiffFromWs, RawWsDepth } from '../../../../src/sources/binance/mappers/depth-diff-ws.js';
import { bookDepthFromPartial, RawWsPartialDepth } from '../../../../src/sources/binance/mappers/depth-partial-ws.js';
import { klineFromWs, RawWsKline } from '../../../../src/sources/binance/mappers/kline-ws.js';
import { type MapContext, mapWith } from '../../../../src/sources/binance/mappers/mapped.js';
import { markPriceFromWs, RawWsMarkPrice } from '../../../../src/sources/binance/mappers/mark-price-ws.js';

const fx = (name: string) => new URL(`../../../fixtures/ws/${name}`, import.meta.url);
const jsonl = (name: string) =>
  readFileSync(fx(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { recv_ts?: number; recv_ts_us?: number; msg: { stream: string; data: unknown } });
/** cryptofeed lines: `<seconds>: <json>`. */
const cryptofeed = (name: string) =>
  readFileSync(fx(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const i = l.indexOf(': ');
      return { recv_ts: Number(l.slice(0, i)), msg: JSON.parse(l.slice(i + 2)) as { stream: string; data: unknown } };
    });

/** One record per line: small, readable snapshot files. */
const lines = (rows: readonly unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

const ctxOf = (stream: string, line: number, recvMs: number): MapContext => ({
  source: `wss://fstream.binance.com/stream#${stream}`,
  line,
  ingestedAt: Math.floor(recvMs),
  origin: 'ws',
});

describe('ws mappers on real captures', () => {
  it('maps aggTrade frames to valid agg_trades records', async () => {
    const rows = jsonl('aggTrade_cryptofeed_2021_first30.jsonl').map((m, i) => {
      const r = mapWith(RawWsAggTrade, aggTradeFromWs, m.msg.data, ctxOf(m.msg.stream, i + 1, m.recv_ts! * 1000));
      if (!r.ok) throw new Error(r.rejected.reason);
      return r.value;
    });
    expect(rows).toHaveLength(30);
    for (const r of rows) expect(AggTrade.safeParse(r).success).toBe(true);
    // Hand-checked against the first line: a=9445517 p="0.69067" q="369" f=l=12821738 T=1617647797485 m=true.
    expect(rows[0]).toMatchObject({ symbol: 'SANDUSDT', agg_trade_id: 9445517, price: 0.69067, quantity: 369, first_trade_id: 12821738, last_trade_id: 12821738, trade_time: 1617647797485, is_buyer_maker: true });
    await expect(lines(rows)).toMatchFileSnapshot('__snapshots__/agg-trade-ws.jsonl');
  });

  it('maps kline_1m frames: forming bars exposed, only x:true final', async () => {
    const out = jsonl('kline_1m_cryptofeed_2021_8forming_4final.jsonl').map((m, i) => {
      const r = mapWith(RawWsKline, klineFromWs, m.msg.data, ctxOf(m.msg.stream, i + 1, m.recv_ts! * 1000));
      if (!r.ok) throw new Error(r.rejected.reason);
      return r.value;
    });
    expect(out.filter((k) => k.final)).toHaveLength(4);
    expect(out.slice(0, 8).every((k) => !k.final)).toBe(true);
    for (const k of out) expect(Kline.safeParse(k.kline).success).toBe(true);
    // First line: YFIUSDT t=1618677420000 o=50010.8 c=49966.7 h=50044.2 l=49950.6 v=0.842 n=69.
    expect(out[0]!.kline).toMatchObject({ symbol: 'YFIUSDT', interval: '1m', open_time: 1618677420000, close_time: 1618677479999, open: 50010.8, close: 49966.7, high: 50044.2, low: 49950.6, volume: 0.842, trade_count: 69 });
    await expect(lines(out)).toMatchFileSnapshot('__snapshots__/kline-ws.jsonl');
  });

  it('maps markPrice@1s frames to mark_prices records', async () => {
    const rows = jsonl('markPrice_1s_btcusdt_2023-04-04_first20.jsonl').map((m, i) => {
      const r = mapWith(RawWsMarkPrice, markPriceFromWs, m.msg.data, ctxOf(m.msg.stream, i + 1, m.recv_ts_us! / 1000));
      if (!r.ok) throw new Error(r.rejected.reason);
      return r.value;
    });
    for (const r of rows) expect(MarkPrice.safeParse(r).success).toBe(true);
    expect(rows[0]).toMatchObject({ symbol: 'BTCUSDT', event_time: 1680652701000, mark_price: 28147.27373413, index_price: 28159.75642857, estimated_settle_price: 28142.15563565, funding_rate: 0.00002754, next_funding_time: 1680652800000 });
    await expect(lines(rows)).toMatchFileSnapshot('__snapshots__/mark-price-ws.jsonl');
  });

  it('maps depth@100ms diffs to typed diffs', async () => {
    const diffs = cryptofeed('depth_100ms_cryptofeed_2021-07-22_first6.log').map((m, i) => {
      const r = mapWith(RawWsDepth, depthDiffFromWs, m.msg.data, ctxOf(m.msg.stream, i + 1, m.recv_ts * 1000));
      if (!r.ok) throw new Error(r.rejected.reason);
      return r.value;
    });
    expect(diffs[0]).toMatchObject({ symbol: 'SUSHIUSDT', first_update_id: 600859599090, final_update_id: 600859600917, prev_final_update_id: 600859598061 });
    expect(diffs[0]!.bids[0]).toEqual([7.504, 813]);
    expect(diffs[1]!.bids).toEqual([]);
    await expect(lines(diffs)).toMatchFileSnapshot('__snapshots__/depth-diff-ws.jsonl');
  });

  it('maps bookTicker frames', async () => {
    const rows = cryptofeed('bookTicker_cryptofeed_2021-07-22_first12.log').map((m, i) => {
      const r = mapWith(RawWsBookTicker, bookTickerFromWs, m.msg.data, ctxOf(m.msg.stream, i + 1, m.recv_ts * 1000));
      if (!r.ok) throw new Error(r.rejected.reason);
      return r.value;
    });
    expect(rows[0]).toMatchObject({ symbol: 'SUSHIUSDT', update_id: 600859600576, bid_price: 7.611, bid_qty: 2, ask_price: 7.612, ask_qty: 297, transaction_time: 1626992741012, event_time: 1626992741017 });
    await expect(lines(rows)).toMatchFileSnapshot('__snapshots__/book-ticker-ws.jsonl');
  });

  it('ignores unknown 2026 fields (nq, st, ps, ap) and rejects malformed payloads with a reason', () => {
    const ctx = ctxOf('btcusdt@aggTrade', 7, 0);
    const base = { e: 'aggTrade', E: 1, a: 5, s: 'BTCUSDT', p: '100.5', q: '0.1', f: 1, l: 2, T: 1, m: false };
    const withExtras = mapWith(RawWsAggTrade, aggTradeFromWs, { ...base, nq: '0.05', st: 1 }, ctx);
    const plain = mapWith(RawWsAggTrade, aggTradeFromWs, base, ctx);
    expect(withExtras.ok && withExtras.value).toEqual(plain.ok && plain.value);
    expect(Object.keys(withExtras.ok ? withExtras.value : {})).not.toContain('nq');
    const mark = mapWith(RawWsMarkPrice, markPriceFromWs, { e: 'markPriceUpdate', E: 1000, s: 'BTCUSDT', p: '1', i: '1', P: '1', r: '0', T: 0, ap: '1', st: 1 }, ctx);
    expect(mark.ok).toBe(true);

    const bad = mapWith(RawWsAggTrade, aggTradeFromWs, { ...base, p: 'abc' }, ctx);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.rejected.reason).toContain('p: "abc" is not a decimal');
      expect(bad.rejected.line).toBe(7);
      expect(bad.rejected.raw).toContain('"abc"');
    }
    const inverted = mapWith(RawWsAggTrade, aggTradeFromWs, { ...base, f: 3, l: 2 }, ctx);
    expect(!inverted.ok && inverted.rejected.reason).toContain('below first trade id');
    expect(mapWith(RawWsAggTrade, aggTradeFromWs, null, ctx).ok).toBe(false);
  });

  it('maps a depth20 partial frame straight to a book_depth row, null-padded', () => {
    const levels = (from: number, step: number, n: number) => Array.from({ length: n }, (_, i) => [(from + i * step).toFixed(1), '1.000']);
    const frame = { e: 'depthUpdate', E: 10, T: 9, s: 'BTCUSDT', U: 1, u: 2, pu: 0, b: levels(100, -0.1, 20), a: levels(100.1, 0.1, 5), ps: 'BTCUSDT' };
    const r = mapWith(RawWsPartialDepth, bookDepthFromPartial, frame, ctxOf('btcusdt@depth20@100ms', 1, 11));
    if (!r.ok) throw new Error(r.rejected.reason);
    expect(BookDepth.safeParse(r.value).success).toBe(true);
    expect(r.value).toMatchObject({ event_time: 10, transaction_time: 9, final_update_id: 2, bid_price_1: 100, bid_price_20: 98.1, ask_price_5: 100.5, ask_price_6: null, ask_qty_6: null });
    const unsorted = mapWith(RawWsPartialDepth, bookDepthFromPartial, { ...frame, a: [['2', '1'], ['1', '1']] }, ctxOf('x', 2, 0));
    expect(!unsorted.ok && unsorted.rejected.reason).toContain('ask prices are not strictly ascending');
  });

  it('the hot-path aggTrade mapper equals the zod mapper on real frames and declines anything unusual', () => {
    for (const [i, m] of jsonl('aggTrade_cryptofeed_2021_first30.jsonl').entries()) {
      const ctx = ctxOf(m.msg.stream, i + 1, m.recv_ts! * 1000);
      const slow = mapWith(RawWsAggTrade, aggTradeFromWs, m.msg.data, ctx);
      expect(slow.ok && slow.value).toEqual(aggTradeFromWsFast(m.msg.data, ctx));
    }
    const ctx = ctxOf('x', 1, 0);
    const base = { e: 'aggTrade', E: 1, a: 5, s: 'BTCUSDT', p: '100.5', q: '0.1', f: 1, l: 2, T: 1, m: false };
    expect(aggTradeFromWsFast(base, ctx)).not.toBeNull();
    for (const bad of [{ p: '' }, { p: '0x10' }, { p: 'abc' }, { p: '-1' }, { q: ' 1' }, { a: '5' }, { a: 1.5 }, { m: 'true' }, { l: 0 }, { e: 'trade' }]) {
      expect(aggTradeFromWsFast({ ...base, ...bad }, ctx)).toBeNull();
    }
    expect(aggTradeFromWsFast(null, ctx)).toBeNull();
  });
});
