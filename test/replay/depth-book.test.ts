import { afterEach, describe, expect, it } from 'vitest';
import { type ReplayExchange, recordedMarket, startReplayExchange, syntheticMarket, virtualClock } from '../../src/replay/index.js';
import { connect, settle } from './ws-client.js';

type Snap = { lastUpdateId: number; bids: string[][]; asks: string[][] };

/** A tiny reference book applier following the futures rules (independent of the exchange's code). */
class RefBook {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  last = -1;
  breaks = 0;
  applied = 0;
  dropped = 0;
  load(snap: { lastUpdateId: number; bids: string[][]; asks: string[][] }): void {
    this.bids = new Map(snap.bids.map(([p, q]) => [p!, q!]));
    this.asks = new Map(snap.asks.map(([p, q]) => [p!, q!]));
    this.last = snap.lastUpdateId;
  }
  apply(e: { U: number; u: number; pu: number; b: string[][]; a: string[][] }, snapId: number): void {
    if (e.u < snapId) {
      this.dropped++;
      return;
    }
    if (this.applied === 0) {
      if (!(e.U <= snapId && snapId <= e.u)) this.breaks++;
    } else if (e.pu !== this.last) this.breaks++;
    for (const [p, q] of e.b) Number(q) === 0 ? this.bids.delete(p!) : this.bids.set(p!, q!);
    for (const [p, q] of e.a) Number(q) === 0 ? this.asks.delete(p!) : this.asks.set(p!, q!);
    this.last = e.u;
    this.applied++;
  }
  top(n: number): { bids: number[][]; asks: number[][] } {
    const b = [...this.bids].map(([p, q]) => [Number(p), Number(q)]).sort((x, y) => y[0]! - x[0]!);
    const a = [...this.asks].map(([p, q]) => [Number(p), Number(q)]).sort((x, y) => x[0]! - y[0]!);
    return { bids: b.slice(0, n), asks: a.slice(0, n) };
  }
}

let ex: ReplayExchange | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

describe('depth snapshot + diffs', () => {
  it('rebuild the exchange book exactly, and depth20 equals its top 20', async () => {
    const start = Date.UTC(2024, 0, 1);
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 11, start, bookLevels: 60 }), clock: virtualClock(start + 600_000) });
    const c = await connect(`${ex.wsUrl}/public/stream?streams=btcusdt@depth@100ms/btcusdt@depth20@100ms`);
    ex.clock.advance(550);
    await settle();
    const snap = (await (await fetch(`${ex.restUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`)).json()) as Snap;
    ex.clock.advance(60_000);
    await c.waitFor((f) => f.length >= 1210);
    const book = new RefBook();
    book.load(snap);
    let lastPartial: any;
    for (const f of c.frames) {
      const m = JSON.parse(f);
      if (m.stream === 'btcusdt@depth@100ms') book.apply(m.data, snap.lastUpdateId);
      else lastPartial = m.data;
    }
    expect(book.breaks).toBe(0);
    // Five diffs were pushed before the snapshot; the fifth has u == lastUpdateId and is applied first.
    expect(book.dropped).toBe(4);
    const truth = ex.truth.book('BTCUSDT')!;
    expect(book.top(1000)).toEqual({ bids: truth.bids, asks: truth.asks });
    expect(lastPartial.u).toBe(truth.lastUpdateId);
    expect(lastPartial.b.map(([p, q]: string[]) => [Number(p), Number(q)])).toEqual(truth.bids.slice(0, 20));
  });

  it('replays the real hftbacktest capture: snapshot after 6 diffs, 4 dropped, no pu break', async () => {
    const market = recordedMarket({ captures: [{ path: 'test/fixtures/ws/hftbacktest_usdm_btcusdt_20240808.gz' }] });
    ex = await startReplayExchange({ market, clock: virtualClock(market.start - 1) });
    const c = await connect(`${ex.wsUrl}/public/stream?streams=btcusdt@depth@0ms`);
    const t = await connect(`${ex.wsUrl}/market/ws/btcusdt@trade`);
    ex.clock.advance(3_000);
    await settle();
    const snap = (await (await fetch(`${ex.restUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`)).json()) as Snap;
    expect(snap.lastUpdateId).toBe(5123107852948);
    ex.clock.advance(60_000);
    await settle(100);
    const book = new RefBook();
    book.load(snap);
    const first: any[] = [];
    for (const f of c.frames) {
      const m = JSON.parse(f);
      book.apply(m.data, snap.lastUpdateId);
      if (book.applied === 1 && first.length === 0) first.push(m.data);
    }
    expect(book.dropped).toBe(4);
    expect([first[0].U, first[0].u]).toEqual([5123107850310, 5123107853551]);
    expect(book.breaks).toBe(0);
    expect(book.applied).toBeGreaterThan(100);
    const top = book.top(1);
    expect(top.bids[0]![0]).toBeLessThan(top.asks[0]![0]!);
    expect(t.frames.length).toBeGreaterThan(100);
    expect(JSON.parse(t.frames[0]!).e).toBe('trade');
  });

  it('replays markPrice, aggTrade and kline jsonl captures byte for byte', async () => {
    const market = recordedMarket({
      captures: [
        { path: 'test/fixtures/ws/markPrice_1s_btcusdt_2023-04-04_first20.jsonl' },
      ],
    });
    ex = await startReplayExchange({ market, clock: virtualClock(market.start - 1) });
    const c = await connect(`${ex.wsUrl}/market/ws/btcusdt@markPrice@1s`);
    ex.clock.advance(60_000);
    await c.waitFor((f) => f.length === 20);
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync('test/fixtures/ws/markPrice_1s_btcusdt_2023-04-04_first20.jsonl', 'utf8').trim().split('\n');
    expect(c.frames).toEqual(lines.map((l) => JSON.stringify(JSON.parse(l).msg.data)));
  });
});
