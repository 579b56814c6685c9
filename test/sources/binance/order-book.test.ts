import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BookDepth } from '../../../src/core/tables.js';
import { type DepthDiff, depthDiffFromWs, RawWsDepth } from '../../../src/sources/binance/mappers/depth-diff-ws.js';
import { type DepthSnapshot, depthSnapshotFromRest, RawRestDepth } from '../../../src/sources/binance/mappers/depth-snapshot-rest.js';
import { mapWith } from '../../../src/sources/binance/mappers/mapped.js';
import { BookLadder, bookCadence, OrderBookSync } from '../../../src/sources/binance/order-book.js';

const ctx = { source: 'capture', line: null, ingestedAt: 0, origin: 'ws' };

type Event = { kind: 'diff'; diff: DepthDiff } | { kind: 'snapshot'; snap: DepthSnapshot };

function loadCapture(): Event[] {
  const text = gunzipSync(readFileSync(new URL('../../fixtures/ws/hftbacktest_usdm_btcusdt_20240808.gz', import.meta.url))).toString('utf8');
  const out: Event[] = [];
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const json = line.slice(sp + 1);
    if (json.startsWith('{"lastUpdateId"')) {
      const m = mapWith(RawRestDepth, (r, c) => depthSnapshotFromRest(r, 'BTCUSDT', c), JSON.parse(json), ctx);
      if (!m.ok) throw new Error(m.rejected.reason);
      out.push({ kind: 'snapshot', snap: m.value });
    } else if (json.includes('"stream":"btcusdt@depth')) {
      const m = mapWith(RawWsDepth, depthDiffFromWs, (JSON.parse(json) as { data: unknown }).data, ctx);
      if (!m.ok) throw new Error(m.rejected.reason);
      out.push({ kind: 'diff', diff: m.value });
    }
  }
  return out;
}

/** A naïve reference: price → qty maps, the snapshot then every diff from the first with U ≤ L ≤ u. */
function naiveBook(events: Event[]) {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  const snapIndex = events.findIndex((e) => e.kind === 'snapshot');
  const snap = (events[snapIndex] as { snap: DepthSnapshot }).snap;
  for (const [p, q] of snap.bids) bids.set(p, q);
  for (const [p, q] of snap.asks) asks.set(p, q);
  const L = snap.last_update_id;
  let started = false;
  for (const e of events) {
    if (e.kind !== 'diff') continue;
    const d = e.diff;
    if (!started) {
      if (d.final_update_id < L) continue;
      if (d.first_update_id > L) throw new Error('no diff spans L');
      started = true;
    }
    for (const [p, q] of d.bids) q === 0 ? bids.delete(p) : bids.set(p, q);
    for (const [p, q] of d.asks) q === 0 ? asks.delete(p) : asks.set(p, q);
  }
  const sorted = (m: Map<number, number>, desc: boolean) => [...m.entries()].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]));
  return { bids: sorted(bids, true), asks: sorted(asks, false) };
}

const zip = (l: BookLadder) => l.prices.map((p, i) => [p, l.qtys[i]!]);

describe('OrderBookSync', () => {
  it('replays the real capture (snapshot after 6 diffs) with no break and ends equal to a naïve book', () => {
    const events = loadCapture();
    const snapAt = events.findIndex((e) => e.kind === 'snapshot');
    expect(snapAt).toBe(6);
    const sync = new OrderBookSync({ symbol: 'BTCUSDT' });
    const outcomes: string[] = [];
    for (const e of events) {
      if (e.kind === 'snapshot') {
        expect(sync.needsSnapshot).toBe(true);
        const r = sync.onSnapshot(e.snap);
        expect(e.snap.last_update_id).toBe(5123107852948);
        expect(r).toEqual({ status: 'synced', dropped: 4, applied: 2 });
      } else {
        outcomes.push(sync.push(e.diff));
      }
    }
    expect(outcomes.slice(0, 6)).toEqual(Array(6).fill('buffered'));
    expect(outcomes).not.toContain('break');
    expect(sync.stats.breaks).toBe(0);
    expect(sync.stats.dropped).toBe(4);
    const diffs = events.filter((e): e is { kind: 'diff'; diff: DepthDiff } => e.kind === 'diff').map((e) => e.diff);
    expect(sync.stats.applied).toBe(diffs.length - 4);
    const firstLive = diffs[4]!;
    expect([firstLive.first_update_id, firstLive.final_update_id]).toEqual([5123107850310, 5123107853551]);
    const ref = naiveBook(events);
    expect(zip(sync.bids)).toEqual(ref.bids);
    expect(zip(sync.asks)).toEqual(ref.asks);
    expect(sync.lastUpdateId).toBe(diffs.at(-1)!.final_update_id);
    const row = sync.topRow('ws', 1);
    expect(BookDepth.safeParse(row).success).toBe(true);
    expect(row.bid_price_1).toBe(ref.bids[0]![0]);
    expect(row.ask_qty_20).toBe(ref.asks[19]![1]);
    expect(row.bid_price_1!).toBeLessThan(row.ask_price_1!);
  });

  const diff = (U: number, u: number, pu: number, bids: [number, number][] = [], asks: [number, number][] = []): DepthDiff => ({
    symbol: 'BTCUSDT',
    event_time: u,
    transaction_time: u,
    first_update_id: U,
    final_update_id: u,
    prev_final_update_id: pu,
    bids,
    asks,
  });
  const snap = (L: number): DepthSnapshot => ({
    symbol: 'BTCUSDT',
    last_update_id: L,
    event_time: L,
    transaction_time: L,
    bids: [[100, 1], [99, 2]],
    asks: [[101, 1], [102, 2]],
  });

  it('a pu break discards the book and resyncs from a new snapshot', () => {
    const sync = new OrderBookSync({ symbol: 'BTCUSDT' });
    sync.push(diff(8, 12, 7));
    expect(sync.onSnapshot(snap(10)).status).toBe('synced');
    expect(sync.push(diff(13, 15, 12, [[100, 5]]))).toBe('applied');
    expect(sync.bids.qtys[0]).toBe(5);
    expect(sync.push(diff(18, 20, 17, [[100, 7]]))).toBe('break'); // 16–17 skipped
    expect(sync.needsSnapshot).toBe(true);
    expect(sync.bids.length).toBe(0);
    expect(sync.push(diff(21, 22, 20, [], [[101, 0]]))).toBe('buffered');
    // A snapshot older than the buffered break diff is stale: ask for another.
    expect(sync.onSnapshot(snap(16)).status).toBe('stale');
    expect(sync.needsSnapshot).toBe(true);
    const r = sync.onSnapshot(snap(21));
    expect(r).toEqual({ status: 'synced', dropped: 1, applied: 1 });
    expect(zip(sync.asks)).toEqual([[102, 2]]);
    expect(sync.stats.breaks).toBe(2);
    // A duplicate of an applied diff is dropped, not a break.
    expect(sync.push(diff(21, 22, 20))).toBe('dropped');
    expect(sync.push(diff(23, 24, 22, [[98, 1]]))).toBe('applied');
    expect(zip(sync.bids)).toEqual([[100, 1], [99, 2], [98, 1]]);
  });

  it('waits for the first diff spanning L when the snapshot is newer than the buffer', () => {
    const sync = new OrderBookSync({ symbol: 'BTCUSDT' });
    expect(sync.onSnapshot(snap(50)).status).toBe('waiting');
    expect(sync.push(diff(40, 45, 39))).toBe('dropped');
    expect(sync.push(diff(46, 52, 45, [[100, 0]]))).toBe('applied');
    expect(sync.isLive).toBe(true);
    expect(zip(sync.bids)).toEqual([[99, 2]]);
  });

  it('BookLadder keeps sides sorted and ignores removal of unknown levels', () => {
    const asks = new BookLadder(false);
    asks.apply([[3, 1], [1, 1], [2, 1], [5, 0], [1, 4]]);
    expect(zip(asks)).toEqual([[1, 4], [2, 1], [3, 1]]);
    asks.set(2, 0);
    expect(asks.prices).toEqual([1, 3]);
  });

  it('bookCadence emits at most once per cadence bucket of distinct event times', () => {
    const c = bookCadence(1000);
    expect([0, 500, 999, 1000, 1001, 2500, 2600].map(c)).toEqual([true, false, false, true, false, true, false]);
    const every = bookCadence(0);
    expect([1, 1, 2].map(every)).toEqual([true, true, true]); // every applied diff, as documented
  });
});
