/**
 * Builds a top-N {@link BookDepth} row from sorted price levels, null-padding missing levels.
 * @module
 */
import { BOOK_LEVELS, type BookDepth } from '../../../core/tables.js';

/** One side of a book as parallel sorted arrays: bids best (highest) first, asks best (lowest) first. */
export interface BookSide {
  /** Prices, best first. */
  readonly prices: ArrayLike<number>;
  /** Quantities, index-aligned with `prices`. */
  readonly qtys: ArrayLike<number>;
  /** How many levels of the arrays are valid (may be less than their length). */
  readonly length: number;
}

/** The header values of a {@link BookDepth} row. */
export interface BookDepthHeader {
  /** Market symbol. */
  readonly symbol: string;
  /** Event time of the update that produced this state (UTC ms). */
  readonly event_time: number;
  /** Matching-engine time (UTC ms), `null` when unknown. */
  readonly transaction_time: number | null;
  /** Final update id of the update that produced this state. */
  readonly final_update_id: number;
  /** The `source` column: `ws`, `rest` or `replay`. */
  readonly source: string;
  /** When the row was ingested (UTC ms). */
  readonly ingested_at: number;
}

/**
 * Builds a `book_depth` row with the top {@link BOOK_LEVELS} levels of each side; levels beyond the book are `null`.
 * All fields are created in the table's column order.
 *
 * @example
 * ```ts
 * const row = bookDepthRow(header, { prices: [100, 99], qtys: [1, 2], length: 2 }, { prices: [101], qtys: [3], length: 1 });
 * row.bid_price_2; // 99
 * row.ask_price_2; // null
 * ```
 */
export function bookDepthRow(h: BookDepthHeader, bids: BookSide, asks: BookSide): BookDepth {
  const row: Record<string, unknown> = {
    symbol: h.symbol,
    event_time: h.event_time,
    transaction_time: h.transaction_time,
    final_update_id: h.final_update_id,
  };
  fillSide(row, BID_PRICE, BID_QTY, bids);
  fillSide(row, ASK_PRICE, ASK_QTY, asks);
  row.source = h.source;
  row.ingested_at = h.ingested_at;
  return row as BookDepth;
}

const names = (side: string, what: string) => Array.from({ length: BOOK_LEVELS }, (_, i) => `${side}_${what}_${i + 1}`);
const BID_PRICE = names('bid', 'price');
const BID_QTY = names('bid', 'qty');
const ASK_PRICE = names('ask', 'price');
const ASK_QTY = names('ask', 'qty');

function fillSide(row: Record<string, unknown>, priceNames: string[], qtyNames: string[], side: BookSide): void {
  const n = Math.min(side.length, BOOK_LEVELS);
  for (let i = 0; i < BOOK_LEVELS; i++) row[priceNames[i]!] = i < n ? side.prices[i]! : null;
  for (let i = 0; i < BOOK_LEVELS; i++) row[qtyNames[i]!] = i < n ? side.qtys[i]! : null;
}
