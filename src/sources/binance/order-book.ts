/**
 * A full local order book kept from `depth@100ms` diffs and a REST snapshot with the USD-M futures rules: buffer
 * diffs, drop `u < L`, first applied diff `U ≤ L ≤ u`, then `pu` equal to the previous `u`, resync from a new
 * snapshot on any break; and top-N `book_depth` rows at a configurable cadence.
 * @module
 */
import type { BookDepth } from '../../core/tables.js';
import { type BookSide, bookDepthRow } from './mappers/book-depth-row.js';
import type { DepthDiff, Level } from './mappers/depth-diff-ws.js';
import type { DepthSnapshot } from './mappers/depth-snapshot-rest.js';

/** One side of the book: prices sorted best first, quantities index-aligned. Updates are O(log n + shift). */
export class BookLadder implements BookSide {
  /** Prices, best first. */
  readonly prices: number[] = [];
  /** Quantities, index-aligned with `prices`. */
  readonly qtys: number[] = [];
  /** `true` for bids (descending prices), `false` for asks (ascending). */
  readonly descending: boolean;

  /**
   * @param descending - `true` for the bid side.
   * @example
   * ```ts
   * const bids = new BookLadder(true);
   * bids.set(100, 1); bids.set(101, 2);
   * bids.prices; // [101, 100]
   * ```
   */
  constructor(descending: boolean) {
    this.descending = descending;
  }

  /** Number of levels. */
  get length(): number {
    return this.prices.length;
  }

  /** Sets the absolute quantity at `price`; `0` removes the level (removing an unknown level is a no-op). */
  set(price: number, qty: number): void {
    const p = this.prices;
    let lo = 0;
    let hi = p.length;
    const desc = this.descending;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = p[mid]!;
      if (desc ? v > price : v < price) lo = mid + 1;
      else hi = mid;
    }
    const found = lo < p.length && p[lo] === price;
    if (qty === 0) {
      if (found) {
        p.splice(lo, 1);
        this.qtys.splice(lo, 1);
      }
    } else if (found) {
      this.qtys[lo] = qty;
    } else {
      p.splice(lo, 0, price);
      this.qtys.splice(lo, 0, qty);
    }
  }

  /** Removes every level. */
  clear(): void {
    this.prices.length = 0;
    this.qtys.length = 0;
  }

  /** Applies levels `[price, qty]` (absolute quantities). */
  apply(levels: readonly Level[]): void {
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i]!;
      this.set(l[0], l[1]);
    }
  }
}

/** What {@link OrderBookSync.push} did with a diff. */
export type DiffOutcome = 'buffered' | 'dropped' | 'applied' | 'break';

/** What {@link OrderBookSync.onSnapshot} found. */
export interface SnapshotOutcome {
  /** `synced`: the book is live (a diff with `U ≤ L ≤ u` was applied, or is awaited); `stale`: the buffered diffs
   * start after `L` (the snapshot is too old): fetch another one. */
  readonly status: 'synced' | 'waiting' | 'stale';
  /** Buffered diffs dropped because `u < L`. */
  readonly dropped: number;
  /** Buffered diffs applied. */
  readonly applied: number;
}

/** Counters of an {@link OrderBookSync}. */
export interface OrderBookStats {
  /** Diffs applied to the book. */
  applied: number;
  /** Diffs dropped as older than the snapshot. */
  dropped: number;
  /** `pu` breaks (each one discards the book and waits for a new snapshot). */
  breaks: number;
  /** Snapshots loaded. */
  snapshots: number;
  /** Buffered diffs discarded because the buffer was full. */
  overflow: number;
}

/** Options of {@link OrderBookSync}. */
export interface OrderBookSyncOptions {
  /** Market symbol. */
  readonly symbol: string;
  /** Largest number of diffs buffered while waiting for a snapshot (default 10 000; the oldest go first). */
  readonly maxBuffer?: number;
}

/**
 * Synchronizes a local book from diff-depth events and REST snapshots (the futures procedure, BINANCE-FORMATS §2.4).
 * Feed every diff to {@link OrderBookSync.push}; when {@link OrderBookSync.needsSnapshot} is true, fetch a snapshot and
 * hand it to {@link OrderBookSync.onSnapshot}.
 *
 * @example
 * ```ts
 * const sync = new OrderBookSync({ symbol: 'BTCUSDT' });
 * sync.push(diff);                                   // 'buffered'
 * sync.onSnapshot(await restDepthSnapshot(http, 'BTCUSDT'));
 * if (sync.push(nextDiff) === 'applied') rows.push(sync.topRow('ws', Date.now()));
 * ```
 */
export class OrderBookSync {
  /** Bids, best (highest) first. */
  readonly bids = new BookLadder(true);
  /** Asks, best (lowest) first. */
  readonly asks = new BookLadder(false);
  /** Counters. */
  readonly stats: OrderBookStats = { applied: 0, dropped: 0, breaks: 0, snapshots: 0, overflow: 0 };
  /** The symbol. */
  readonly symbol: string;
  private readonly maxBuffer: number;
  private buffer: DepthDiff[] = [];
  /** `buffering`: no usable snapshot; `waiting`: snapshot loaded, first diff not yet seen; `live`: in sync. */
  private state: 'buffering' | 'waiting' | 'live' = 'buffering';
  private snapshotId = -1;
  private lastU = -1;
  private last: DepthDiff | null = null;
  private lastSnapshot: DepthSnapshot | null = null;

  /** @example `new OrderBookSync({ symbol: 'BTCUSDT', maxBuffer: 5000 })` */
  constructor(options: OrderBookSyncOptions) {
    this.symbol = options.symbol;
    this.maxBuffer = options.maxBuffer ?? 10_000;
  }

  /** True when the book has no usable snapshot: fetch one and call {@link OrderBookSync.onSnapshot}. */
  get needsSnapshot(): boolean {
    return this.state === 'buffering';
  }

  /** True when the book is in sync and may be read. */
  get isLive(): boolean {
    return this.state === 'live';
  }

  /** Final update id of the last applied diff (or the snapshot's `lastUpdateId`); -1 before any. */
  get lastUpdateId(): number {
    return this.lastU;
  }

  /** Number of diffs buffered. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Forgets the book and the buffer (e.g. after a reconnect: the diff chain starts over). */
  reset(): void {
    this.bids.clear();
    this.asks.clear();
    this.buffer = [];
    this.state = 'buffering';
    this.lastU = -1;
    this.last = null;
  }

  /** Feeds one diff: buffered before a snapshot, dropped when older than it, applied, or a `break` (resync needed). */
  push(diff: DepthDiff): DiffOutcome {
    if (this.state === 'buffering') {
      if (this.buffer.length >= this.maxBuffer) {
        this.buffer.shift();
        this.stats.overflow++;
      }
      this.buffer.push(diff);
      return 'buffered';
    }
    if (this.state === 'waiting') {
      const L = this.snapshotId;
      if (diff.final_update_id < L) {
        this.stats.dropped++;
        return 'dropped';
      }
      if (diff.first_update_id <= L) {
        this.applyDiff(diff);
        this.state = 'live';
        return 'applied';
      }
      // The stream is already past the snapshot: it is too old.
      this.toBuffering(diff);
      return 'break';
    }
    if (diff.prev_final_update_id !== this.lastU) {
      if (diff.final_update_id <= this.lastU) {
        // A duplicate (or replayed) diff already contained in the book.
        this.stats.dropped++;
        return 'dropped';
      }
      this.toBuffering(diff);
      return 'break';
    }
    this.applyDiff(diff);
    return 'applied';
  }

  /** Loads a snapshot and replays the buffered diffs onto it following the futures rules. */
  onSnapshot(snap: DepthSnapshot): SnapshotOutcome {
    this.stats.snapshots++;
    this.lastSnapshot = snap;
    this.bids.clear();
    this.asks.clear();
    this.bids.apply(snap.bids);
    this.asks.apply(snap.asks);
    const L = snap.last_update_id;
    this.snapshotId = L;
    this.lastU = L;
    this.last = null;
    this.state = 'waiting';
    const buffered = this.buffer;
    this.buffer = [];
    let dropped = 0;
    let applied = 0;
    for (let i = 0; i < buffered.length; i++) {
      const d = buffered[i]!;
      const outcome = this.push(d);
      if (outcome === 'dropped') dropped++;
      else if (outcome === 'applied') applied++;
      else if (outcome === 'break') {
        // Keep the rest of the buffer for the next snapshot.
        for (let j = i + 1; j < buffered.length; j++) this.buffer.push(buffered[j]!);
        return { status: 'stale', dropped, applied };
      }
    }
    return { status: this.isLive ? 'synced' : 'waiting', dropped, applied };
  }

  /**
   * The top-N `book_depth` row of the current state, keyed by the last applied diff (or the snapshot).
   *
   * @param source - the `source` column value.
   * @param ingestedAt - when the row is produced (UTC ms).
   */
  topRow(source: string, ingestedAt: number): BookDepth {
    const d = this.last;
    const s = this.lastSnapshot;
    return bookDepthRow(
      {
        symbol: this.symbol,
        event_time: d ? d.event_time : (s?.event_time ?? 0),
        transaction_time: d ? d.transaction_time : (s?.transaction_time ?? null),
        final_update_id: this.lastU,
        source,
        ingested_at: ingestedAt,
      },
      this.bids,
      this.asks,
    );
  }

  private applyDiff(diff: DepthDiff): void {
    this.bids.apply(diff.bids);
    this.asks.apply(diff.asks);
    this.lastU = diff.final_update_id;
    this.last = diff;
    this.stats.applied++;
  }

  private toBuffering(diff: DepthDiff): void {
    this.stats.breaks++;
    this.bids.clear();
    this.asks.clear();
    this.state = 'buffering';
    this.lastU = -1;
    this.last = null;
    this.buffer = [diff];
  }
}

/**
 * Decides when to emit a top-N row: the first applied diff of each `cadenceMs` bucket of event time, and every later
 * diff with that same event time, so the last row with a given `event_time` reflects every diff with `E` up to it
 * (0 = after every applied diff).
 *
 * @example
 * ```ts
 * const cadence = bookCadence(1000);
 * if (sync.push(diff) === 'applied' && cadence(diff.event_time)) rows.push(sync.topRow('ws', now));
 * ```
 */
export function bookCadence(cadenceMs: number): (eventTime: number) => boolean {
  if (!(cadenceMs > 0)) return () => true;
  let next = Number.NEGATIVE_INFINITY;
  let emitted = Number.NaN;
  return (eventTime) => {
    // A diff in the same millisecond as the emitted row: that row no longer reflects every diff at its event time.
    if (eventTime === emitted) return true;
    if (eventTime < next) return false;
    next = (Math.floor(eventTime / cadenceMs) + 1) * cadenceMs;
    emitted = eventTime;
    return true;
  };
}
