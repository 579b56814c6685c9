/**
 * `book_depth` rows from WebSocket depth data, checked against an independent reference: a price → qty Map keyed by
 * the raw decimal strings, sorted only when a row is compared.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BOOK_LEVELS, BookDepth } from '../../../src/core/tables.js';
import { type DepthDiff, depthDiffFromWs, RawWsDepth } from '../../../src/sources/binance/mappers/depth-diff-ws.js';
import { bookDepthFromPartial, RawWsPartialDepth } from '../../../src/sources/binance/mappers/depth-partial-ws.js';
import { depthSnapshotFromRest, RawRestDepth } from '../../../src/sources/binance/mappers/depth-snapshot-rest.js';
import { mapWith } from '../../../src/sources/binance/mappers/mapped.js';
import { bookCadence, OrderBookSync } from '../../../src/sources/binance/order-book.js';

const ctx = { source: 'test', line: null, ingestedAt: 7, origin: 'ws' };
type RawLevel = [string, string];
type Row = Record<string, number | string | null>;

/** Reference book: raw strings in, top 20 out (sorted here, never incrementally). */
class RefBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  apply(b: RawLevel[], a: RawLevel[]): void {
    for (const [p, q] of b) Number(q) === 0 ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of a) Number(q) === 0 ? this.asks.delete(p) : this.asks.set(p, q);
  }
  expectRow(row: Row): void {
    const side = (m: Map<string, string>, desc: boolean) =>
      [...m.entries()].map(([p, q]) => [Number(p), Number(q)] as const).sort((x, y) => (desc ? y[0] - x[0] : x[0] - y[0]));
    const want: Row = {};
    for (const [name, levels] of [['bid', side(this.bids, true)], ['ask', side(this.asks, false)]] as const) {
      for (let i = 0; i < BOOK_LEVELS; i++) {
        want[`${name}_price_${i + 1}`] = levels[i]?.[0] ?? null;
        want[`${name}_qty_${i + 1}`] = levels[i]?.[1] ?? null;
      }
    }
    const got: Row = {};
    for (const k of Object.keys(want)) got[k] = row[k] ?? null;
    expect(got).toEqual(want);
  }
}

interface RawDiff {
  E: number;
  T: number;
  U: number;
  u: number;
  pu: number;
  b: RawLevel[];
  a: RawLevel[];
}
const wsDiff = (r: RawDiff): DepthDiff => {
  const m = mapWith(RawWsDepth, depthDiffFromWs, { e: 'depthUpdate', s: 'BTCUSDT', ...r }, ctx);
  if (!m.ok) throw new Error(m.rejected.reason);
  return m.value;
};
const restSnap = (body: unknown) => {
  const m = mapWith(RawRestDepth, (r, c) => depthSnapshotFromRest(r, 'BTCUSDT', c), body, ctx);
  if (!m.ok) throw new Error(m.rejected.reason);
  return m.value;
};

describe('book_depth rows from the local book', () => {
  it('removing a level inside the top 20 promotes the 21st; zero-qty removes, crossing levels and exact decimals', () => {
    // 25 levels per side, prices as exchange strings with trailing zeros.
    const bids: RawLevel[] = Array.from({ length: 25 }, (_, i) => [(61800.2 - i * 0.1).toFixed(2), `${(i + 1) * 0.001}`.slice(0, 5)]);
    const asks: RawLevel[] = Array.from({ length: 25 }, (_, i) => [(61800.3 + i * 0.1).toFixed(2), '0.100']);
    const sync = new OrderBookSync({ symbol: 'BTCUSDT' });
    const ref = new RefBook();
    expect(sync.onSnapshot(restSnap({ lastUpdateId: 100, E: 5000, T: 4990, bids: [...bids].reverse(), asks }))).toMatchObject({ status: 'waiting' });
    ref.apply(bids, asks);
    const steps: RawDiff[] = [
      // spans L=100; deletes bid level 3 and ask level 20 → the 21st levels are promoted
      { E: 5010, T: 5009, U: 90, u: 105, pu: 89, b: [[bids[2]![0], '0.000']], a: [[asks[19]![0], '0']] },
      // deletes an unknown level (no-op), updates in place, inserts between levels
      { E: 5020, T: 5018, U: 106, u: 110, pu: 105, b: [['1.00', '0.000'], [bids[0]![0], '2.507'], ['61799.95', '0.003']], a: [['61800.35', '1.5']] },
      // the best ask is taken and a bid steps up to it: an exchange book moves both sides in one event
      { E: 5030, T: 5030, U: 111, u: 115, pu: 110, b: [['61800.30', '0.010']], a: [['61800.30', '0.000'], ['61800.35', '0.000']] },
      // removes the whole top 6 of the bid side: levels 7–26 must fill 1–20
      { E: 5040, T: 5039, U: 116, u: 120, pu: 115, b: [['61800.30', '0'], ...bids.slice(0, 6).map(([p]): RawLevel => [p, '0.000'])], a: [] },
    ];
    for (const s of steps) {
      expect(sync.push(wsDiff(s))).toBe('applied');
      ref.apply(s.b, s.a);
      const row = sync.topRow('ws', 1) as unknown as Row;
      expect(BookDepth.safeParse(row).success).toBe(true);
      ref.expectRow(row);
      expect([row.event_time, row.transaction_time, row.final_update_id]).toEqual([s.E, s.T, s.u]);
      expect(row.bid_price_1 as number).toBeLessThan(row.ask_price_1 as number);
    }
    const last = sync.topRow('ws', 1);
    // Hand-derived: the inserted 61799.95 is now best, then the original levels 7…25 (exactly 20 levels).
    expect([last.bid_price_1, last.bid_qty_1, last.bid_price_2, last.bid_qty_2]).toEqual([61799.95, 0.003, 61799.6, 0.007]);
    expect([last.bid_price_20, last.bid_qty_20, last.ask_price_1, last.ask_price_20]).toEqual([61797.8, 0.025, 61800.4, 61802.4]);
  });

  it('pads with nulls when a side has fewer than 20 levels, both price and qty', () => {
    const sync = new OrderBookSync({ symbol: 'BTCUSDT' });
    sync.onSnapshot(restSnap({ lastUpdateId: 10, bids: [['100.0', '1']], asks: [['100.5', '2'], ['101.0', '3']] }));
    expect(sync.push(wsDiff({ E: 1, T: 1, U: 9, u: 11, pu: 8, b: [['99.9', '0.5']], a: [['100.5', '0']] }))).toBe('applied');
    const row = sync.topRow('ws', 1);
    expect([row.bid_price_1, row.bid_qty_1, row.bid_price_2, row.bid_qty_2, row.bid_price_3, row.bid_qty_3]).toEqual([100, 1, 99.9, 0.5, null, null]);
    expect([row.ask_price_1, row.ask_qty_1, row.ask_price_2, row.ask_qty_2]).toEqual([101, 3, null, null]);
  });

  it('replays the real 2024-08-08 capture: every row equals the reference top 20, and cadence rows are as of their event time', () => {
    const text = gunzipSync(readFileSync(new URL('../../fixtures/ws/hftbacktest_usdm_btcusdt_20240808.gz', import.meta.url))).toString('utf8');
    const sync = new OrderBookSync({ symbol: 'BTCUSDT' });
    const cadence = bookCadence(1000);
    const ref = new RefBook();
    let L = -1;
    let checked = 0;
    let cadenceRows = 0;
    const pending: RawDiff[] = [];
    for (const line of text.split('\n')) {
      const json = line.slice(line.indexOf(' ') + 1);
      if (json.startsWith('{"lastUpdateId"')) {
        const body = JSON.parse(json) as { lastUpdateId: number; bids: RawLevel[]; asks: RawLevel[] };
        expect(sync.onSnapshot(restSnap(body)).status).toBe('synced');
        L = body.lastUpdateId;
        ref.apply(body.bids, body.asks);
        // Buffered diffs are replayed by onSnapshot from the first one with u ≥ L (it spans L: checked in order-book.test).
        for (const p of pending) if (p.u >= L) ref.apply(p.b, p.a);
        continue;
      }
      if (!json.includes('"stream":"btcusdt@depth')) continue;
      const raw = (JSON.parse(json) as { data: RawDiff }).data;
      if (L < 0) {
        expect(sync.push(wsDiff(raw))).toBe('buffered');
        pending.push(raw);
        continue;
      }
      expect(sync.push(wsDiff(raw))).toBe('applied');
      ref.apply(raw.b, raw.a);
      // Every cadence row is compared; other states are sampled (a full sort each time) to keep the test fast.
      const emit = cadence(raw.E);
      if (emit || checked % 100 === 0) {
        const row = sync.topRow('ws', 1) as unknown as Row;
        ref.expectRow(row);
        expect([row.event_time, row.transaction_time, row.final_update_id]).toEqual([raw.E, raw.T, raw.u]);
        if (emit) cadenceRows++;
      }
      checked++;
    }
    expect(checked).toBe(6545);
    expect(cadenceRows).toBeGreaterThan(300);
  });
});

describe('bookCadence: a row at event time t reflects every diff with E ≤ t', () => {
  /** Runs diffs through the book as live-ingest does and returns the emitted rows. */
  function run(cadenceMs: number, diffs: RawDiff[]) {
    const sync = new OrderBookSync({ symbol: 'BTCUSDT' });
    sync.onSnapshot(restSnap({ lastUpdateId: 1, bids: [['100.0', '1']], asks: [['101.0', '1']] }));
    const c = bookCadence(cadenceMs);
    const rows = [];
    for (const d of diffs) if (sync.push(wsDiff(d)) === 'applied' && c(d.E)) rows.push(sync.topRow('ws', 0));
    return rows;
  }
  const d = (E: number, u: number, qty: string): RawDiff => ({ E, T: E, U: u, u, pu: u - 1, b: [['100.0', qty]], a: [] });
  /** The latest row (by event time, then update id) at or before t: what an as-of join reads. */
  const asOf = (rows: BookDepth[], t: number) => rows.filter((r) => r.event_time <= t).at(-1);

  it('two diffs in the same millisecond: the state after both is emitted (cadence 1000)', () => {
    const rows = run(1000, [d(900, 1, '1.5'), d(1000, 2, '2'), d(1000, 3, '3'), d(1500, 4, '4')]);
    expect(asOf(rows, 1000)?.bid_qty_1).toBe(3);
    expect(asOf(rows, 1499)?.final_update_id).toBe(3);
  });

  it('cadence 0 emits after every applied diff, same event time included (as documented)', () => {
    const rows = run(0, [d(1, 1, '2'), d(1, 2, '3'), d(2, 3, '4')]);
    expect(rows.map((r) => [r.event_time, r.final_update_id, r.bid_qty_1])).toEqual([
      [1, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
    ]);
  });

  it('still at most one row per bucket for distinct event times', () => {
    const rows = run(1000, [d(0, 1, '1'), d(500, 2, '2'), d(999, 3, '3'), d(1000, 4, '4'), d(1001, 5, '5'), d(2500, 6, '6'), d(2600, 7, '7')]);
    expect(rows.map((r) => r.event_time)).toEqual([0, 1000, 2500]);
  });
});

describe('depth20 partial frames mapped straight to rows', () => {
  const frame = (b: RawLevel[], a: RawLevel[]) => ({ e: 'depthUpdate', E: 20, T: 19, s: 'BTCUSDT', U: 5, u: 9, pu: 4, b, a });

  it('parses decimal strings exactly and keys the row by E, T and u', () => {
    const r = mapWith(RawWsPartialDepth, bookDepthFromPartial, frame([['61800.20', '2.507'], ['61800.10', '0.001']], [['61800.30', '1.072']]), ctx);
    if (!r.ok) throw new Error(r.rejected.reason);
    expect(r.value).toMatchObject({ symbol: 'BTCUSDT', event_time: 20, transaction_time: 19, final_update_id: 9, source: 'ws', ingested_at: 7 });
    expect([r.value.bid_price_1, r.value.bid_qty_1, r.value.bid_price_2, r.value.bid_qty_2, r.value.bid_price_3]).toEqual([61800.2, 2.507, 61800.1, 0.001, null]);
    expect([r.value.ask_price_1, r.value.ask_qty_1, r.value.ask_price_2]).toEqual([61800.3, 1.072, null]);
  });

  it('a zero-quantity level is not a level: it is left out and the next level moves up', () => {
    const r = mapWith(RawWsPartialDepth, bookDepthFromPartial, frame([['100.0', '1'], ['99.9', '0.000'], ['99.8', '2']], [['100.1', '0'], ['100.2', '3']]), ctx);
    if (!r.ok) throw new Error(r.rejected.reason);
    expect([r.value.bid_price_1, r.value.bid_price_2, r.value.bid_qty_2, r.value.bid_price_3]).toEqual([100, 99.8, 2, null]);
    expect([r.value.ask_price_1, r.value.ask_qty_1, r.value.ask_price_2]).toEqual([100.2, 3, null]);
    expect(BookDepth.safeParse(r.value).success).toBe(true);
  });
});
