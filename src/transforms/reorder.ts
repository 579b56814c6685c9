/**
 * Sorting a nearly sorted stream by event time within a bounded window.
 * @module
 */
import { ScalplakeError, throwIfAborted } from '../core/errors.js';
import type { Operator } from '../core/stage.js';
import { operator, withOrigin } from '../core/stage.js';

/** Options of {@link reorder}. */
export interface ReorderOptions {
  /** The event-time column to sort by (UTC ms), e.g. `'trade_time'`. */
  readonly by: string;
  /**
   * How far back in event time a row may arrive and still be put in order, in ms (default 60 000): a row is
   * held until the largest time seen minus `window` reaches it.
   */
  readonly window?: number;
  /**
   * The most rows held at once (default 1 000 000); beyond it the earliest held rows are released early, and
   * later rows older than them count as late.
   */
  readonly maxRows?: number;
}

/** The default reorder window, in ms of event time. */
export const DEFAULT_REORDER_WINDOW_MS = 60_000;
/** The default bound on the rows {@link reorder} holds. */
export const DEFAULT_REORDER_MAX_ROWS = 1_000_000;

/**
 * Sorts rows by `by` within a bounded window of event time: each row is held until the largest time seen so far
 * minus `window` reaches it, then released in time order; rows with equal times keep their arrival order
 * (stable). A row older than that watermark when it arrives (late beyond the window) is emitted at once, never
 * dropped, and counted in `ctx.counters.late`; so is a row older than a row released early because of `maxRows`.
 * Rows whose `by` value is not a finite number pass at once (a later `validate()` rejects them). Everything
 * still held is flushed, sorted, when the input ends.
 *
 * State: at most `maxRows` rows (and in practice the rows of the last `window` ms of event time). Output
 * batches carry no origin (rows move between batches), except that the `origin.rejects` of an input batch are
 * passed on at once in an empty batch of their own (origin `{ source, rejects }`), so that a later `validate()`
 * still quarantines them.
 *
 * @throws `INVALID_ARGUMENT` for a negative `window` or a `maxRows` below 1; `ABORTED` when `ctx.signal` aborts.
 * @example
 * ```ts
 * pipeline('live').from(binance.ws.aggTrades({ symbol: 'BTCUSDT' })).pipe(reorder({ by: 'trade_time', window: 5_000 }));
 * ```
 */
export function reorder<T>(options: ReorderOptions): Operator<T, T> {
  const by = options.by;
  const window = options.window ?? DEFAULT_REORDER_WINDOW_MS;
  const maxRows = options.maxRows ?? DEFAULT_REORDER_MAX_ROWS;
  if (!(window >= 0) || !Number.isFinite(window)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `reorder: window ${JSON.stringify(window)} is not a duration in ms`, {
      context: { window },
    });
  }
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) {
    throw new ScalplakeError('INVALID_ARGUMENT', `reorder: maxRows ${JSON.stringify(maxRows)} is not a positive integer`, {
      context: { maxRows },
    });
  }
  const name = `reorder(${by}; window ${window} ms; max ${maxRows} rows)`;

  return operator<T, T>(name, async function* (input, ctx) {
    const heap = new TimeHeap<T>();
    let seq = 0;
    let maxSeen = Number.NEGATIVE_INFINITY;
    let forcedUpTo = Number.NEGATIVE_INFINITY;
    for await (const batch of input) {
      throwIfAborted(ctx.signal);
      // The rows the reader could not parse travel in the origin, which the reordered rows lose: pass them on
      // at once in a batch of their own, for a later validate() to quarantine.
      const rejects = batch.origin?.rejects;
      if (rejects !== undefined && rejects.length > 0) yield withOrigin<T>([], { source: batch.origin!.source, rejects });
      const out: T[] = [];
      const n = batch.length;
      let late = 0;
      for (let i = 0; i < n; i++) {
        const row = batch[i] as T;
        const t = (row as Record<string, unknown>)[by];
        if (typeof t !== 'number' || t - t !== 0) {
          out.push(row);
          continue;
        }
        if (t < maxSeen - window || t < forcedUpTo) {
          late++;
          out.push(row);
          continue;
        }
        heap.push(t, seq++, row);
        if (t > maxSeen) {
          maxSeen = t;
          const watermark = maxSeen - window;
          while (heap.size > 0 && heap.minTime() <= watermark) out.push(heap.pop());
        }
        if (heap.size > maxRows) {
          forcedUpTo = heap.minTime();
          out.push(heap.pop());
        }
      }
      ctx.counters.late += late;
      if (out.length > 0) yield out;
    }
    if (heap.size > 0) {
      const out: T[] = new Array<T>(heap.size);
      for (let i = 0; i < out.length; i++) out[i] = heap.pop();
      yield out;
    }
  });
}

/** A binary min-heap of rows ordered by (time, arrival sequence), in parallel arrays (no object per entry). */
class TimeHeap<T> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly rows: T[] = [];
  size = 0;

  minTime(): number {
    return this.times[0] as number;
  }

  push(t: number, s: number, row: T): void {
    const times = this.times;
    const seqs = this.seqs;
    const rows = this.rows;
    let i = this.size++;
    times[i] = t;
    seqs[i] = s;
    rows[i] = row;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p] as number;
      if (pt < t || (pt === t && (seqs[p] as number) < s)) break;
      times[i] = pt;
      seqs[i] = seqs[p] as number;
      rows[i] = rows[p] as T;
      i = p;
    }
    times[i] = t;
    seqs[i] = s;
    rows[i] = row;
  }

  pop(): T {
    const times = this.times;
    const seqs = this.seqs;
    const rows = this.rows;
    const top = rows[0] as T;
    const last = --this.size;
    const t = times[last] as number;
    const s = seqs[last] as number;
    const row = rows[last] as T;
    rows[last] = undefined as T; // release the reference; the slot is reused by the next push
    if (last === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let c = l;
      if (r < last) {
        const lt = times[l] as number;
        const rt = times[r] as number;
        if (rt < lt || (rt === lt && (seqs[r] as number) < (seqs[l] as number))) c = r;
      }
      const ct = times[c] as number;
      if (t < ct || (t === ct && s < (seqs[c] as number))) break;
      times[i] = ct;
      seqs[i] = seqs[c] as number;
      rows[i] = rows[c] as T;
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    rows[i] = row;
    return top;
  }
}
