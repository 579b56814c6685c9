/**
 * WebSocket partial-book events (`<symbol>@depth<5|10|20>[@100ms|@500ms]`) → {@link BookDepth} rows directly.
 * @module
 */
import type { BookDepth } from '../../../core/tables.js';
import { bookDepthRow } from './book-depth-row.js';
import type { RawWsDepth } from './depth-diff-ws.js';
import type { MapContext } from './mapped.js';

export { RawWsDepth as RawWsPartialDepth } from './depth-diff-ws.js';

/**
 * Maps a validated partial-book `depthUpdate` (its `b`/`a` hold the top levels: a snapshot, not a diff) to a
 * `book_depth` row keyed by event time and final update id. Zero-quantity levels are left out. Rejects (returns a
 * reason) unsorted levels.
 *
 * @example
 * ```ts
 * const m = mapWith(RawWsPartialDepth, bookDepthFromPartial, payload, ctx);
 * ```
 */
export function bookDepthFromPartial(raw: RawWsDepth, ctx: MapContext): BookDepth | string {
  const bids = sideOf(raw.b);
  const asks = sideOf(raw.a);
  for (let i = 1; i < bids.length; i++) if (!(bids.prices[i - 1]! > bids.prices[i]!)) return `b: bid prices are not strictly descending at level ${i + 1}`;
  for (let i = 1; i < asks.length; i++) if (!(asks.prices[i - 1]! < asks.prices[i]!)) return `a: ask prices are not strictly ascending at level ${i + 1}`;
  return bookDepthRow(
    {
      symbol: raw.s,
      event_time: raw.E,
      transaction_time: raw.T ?? null,
      final_update_id: raw.u,
      source: ctx.origin,
      ingested_at: ctx.ingestedAt,
    },
    bids,
    asks,
  );
}

/** The levels of one side; a zero-quantity level is no level (it is left out and the next one moves up). */
function sideOf(levels: RawWsDepth['b']): { prices: number[]; qtys: number[]; length: number } {
  const prices: number[] = [];
  const qtys: number[] = [];
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l[1] === 0) continue;
    prices.push(l[0]);
    qtys.push(l[1]);
  }
  return { prices, qtys, length: prices.length };
}
