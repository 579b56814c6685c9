/**
 * Gold features from top-N book snapshots (`book_depth`): spread, mid, microprice, imbalances and depth.
 * @module
 */
import { columnIndex } from '../core/schema.js';
import { utcMinuteStart } from '../core/time.js';
import { BookDepth } from '../core/tables.js';
import type { PackedRows } from '../sinks/row-packer.js';
import type { FeatureResult, GoldColumn, GoldFeature, MinuteInput } from './feature.js';

type Out = FeatureResult | null;
type SideFn = (s: BookDepth) => number;

const column = (name: string): number => columnIndex(BookDepth, name);

// Generated once at load: direct named property reads (monomorphic, fast) instead of 80 keyed lookups per snapshot.
const gen = (expr: (i: number) => string, n: number): SideFn =>
  new Function('s', `return ${Array.from({ length: n }, (_, i) => expr(i + 1)).join(' + ')};`) as SideFn;
const qty = (side: 'bid' | 'ask', n: number) => gen((i) => `(s.${side}_qty_${i} ?? 0)`, n);
const BID_Q5 = qty('bid', 5);
const ASK_Q5 = qty('ask', 5);
const BID_Q20 = qty('bid', 20);
const ASK_Q20 = qty('ask', 20);

/**
 * Sums over the levels of a top-N book snapshot: what the book features need, computed once per minute by the gold
 * engine (from a record, or straight from a column batch without building one).
 *
 * @example
 * ```ts
 * const u = bookSummary(snapshot);
 * u.bid_qty_5 / (u.bid_qty_5 + u.ask_qty_5); // share of bid quantity in the top 5 levels
 * ```
 */
export interface BookSummary {
  /** Best bid price; `NaN` when the level is empty. */
  readonly best_bid_price: number;
  /** Best ask price; `NaN` when the level is empty. */
  readonly best_ask_price: number;
  /** Quantity at the best bid; `NaN` when the level is empty. */
  readonly best_bid_qty: number;
  /** Quantity at the best ask; `NaN` when the level is empty. */
  readonly best_ask_qty: number;
  /** Σ bid quantity over the top 5 levels (empty levels count as 0). */
  readonly bid_qty_5: number;
  /** Σ ask quantity over the top 5 levels. */
  readonly ask_qty_5: number;
  /** Σ bid quantity over the top 20 levels. */
  readonly bid_qty_20: number;
  /** Σ ask quantity over the top 20 levels. */
  readonly ask_qty_20: number;
  /** Σ price × quantity over the top 20 bid levels (quote currency; a level without a price adds nothing). */
  readonly bid_notional_20: number;
  /** Σ price × quantity over the top 20 ask levels. */
  readonly ask_notional_20: number;
}

/**
 * A {@link BookSummary} that is filled in place (one per consumer, reused every minute).
 *
 * @example
 * ```ts
 * const sums = new BookSums();
 * for (const snapshot of snapshots) console.log(bookSummary(snapshot, sums).bid_qty_20); // no allocation per call
 * ```
 */
export class BookSums implements BookSummary {
  best_bid_price = Number.NaN;
  best_ask_price = Number.NaN;
  best_bid_qty = Number.NaN;
  best_ask_qty = Number.NaN;
  bid_qty_5 = 0;
  ask_qty_5 = 0;
  bid_qty_20 = 0;
  ask_qty_20 = 0;
  bid_notional_20 = 0;
  ask_notional_20 = 0;
}

/**
 * Generates the one pass over the 20 levels of both sides, from a record (`s.bid_qty_1`) or from the columns of
 * row `i` (`c3[i]`, null where `z3[i] === 1`): the same additions in the same order, so both give the same bits.
 */
function summaryCode(fromColumns: boolean): string {
  // `has`/`value` of one nullable field; on columns, a branch per read keeps the values unboxed doubles.
  const has = (name: string) => (fromColumns ? `z${column(name)}[i] !== 1` : `s.${name} !== null`);
  const value = (name: string) => (fromColumns ? `c${column(name)}[i]` : `s.${name}`);
  const best = (name: string) => (fromColumns ? `(${has(name)} ? ${value(name)} : NaN)` : `(s.${name} ?? NaN)`);
  const lines: string[] = [];
  if (fromColumns) {
    for (const side of ['bid', 'ask']) {
      for (let i = 1; i <= 20; i++) {
        for (const what of ['qty', 'price']) {
          const k = column(`${side}_${what}_${i}`);
          lines.push(`const c${k} = p.cols[${k}], z${k} = p.nulls[${k}];`);
        }
      }
    }
  }
  lines.push('let bq = 0, aq = 0, bu = 0, au = 0, q = 0;');
  for (let i = 1; i <= 20; i++) {
    for (const [side, qv, uv] of [['bid', 'bq', 'bu'], ['ask', 'aq', 'au']] as const) {
      const qty = `${side}_qty_${i}`;
      const price = `${side}_price_${i}`;
      lines.push(`if (${has(qty)}) { q = ${value(qty)}; ${qv} += q; if (${has(price)}) ${uv} += ${value(price)} * q; }`);
    }
    if (i === 5) lines.push('out.bid_qty_5 = bq; out.ask_qty_5 = aq;');
  }
  lines.push('out.bid_qty_20 = bq; out.ask_qty_20 = aq; out.bid_notional_20 = bu; out.ask_notional_20 = au;');
  for (const [field, name] of [['best_bid_price', 'bid_price_1'], ['best_ask_price', 'ask_price_1'], ['best_bid_qty', 'bid_qty_1'], ['best_ask_qty', 'ask_qty_1']]) {
    lines.push(`out.${field} = ${best(name!)};`);
  }
  lines.push('return out;');
  return lines.join('\n');
}

const SUMMARY = new Function('s', 'out', summaryCode(false)) as (s: BookDepth, out: BookSums) => BookSums;
const SUMMARY_AT = new Function('p', 'i', 'out', summaryCode(true)) as (p: PackedRows, i: number, out: BookSums) => BookSums;

/**
 * Sums over the levels of a snapshot (see {@link BookSummary}), into `into` when given.
 *
 * @example
 * ```ts
 * bookSummary(snapshot).bid_notional_20; // quote value of the top 20 bid levels
 * ```
 */
export function bookSummary(snapshot: BookDepth, into: BookSums = new BookSums()): BookSummary {
  return SUMMARY(snapshot, into);
}

/**
 * {@link bookSummary} of row `i` of a column batch aligned with `columnsOf(BookDepth)`, without a record: bit for
 * bit what `bookSummary` gives for the same row as a record.
 *
 * @example
 * ```ts
 * bookSummaryAt(packed, 0).best_bid_price;
 * ```
 */
export function bookSummaryAt(rows: PackedRows, i: number, into: BookSums = new BookSums()): BookSummary {
  return SUMMARY_AT(rows, i, into);
}

const LEVEL_COLUMNS = (['bid', 'ask'] as const).map((side) =>
  Array.from({ length: 20 }, (_, l) => ({
    qty: column(`${side}_qty_${l + 1}`),
    price: column(`${side}_price_${l + 1}`),
  })),
);
const EVENT_TIME = column('event_time');

/**
 * Whether any of the first `n` entries of a null mask is set. Most batches have no null level at all, and one scan
 * per column spares two checks per row; eight bytes a step where the mask is aligned (twice as fast as `indexOf`).
 */
function anyNull(mask: Uint8Array, n: number): boolean {
  let i = 0;
  if ((mask.byteOffset & 7) === 0) {
    // Mask bytes are 0 or 1, so a word is a non-zero double (never −0, never NaN) exactly when one of them is 1.
    const words = new Float64Array(mask.buffer, mask.byteOffset, n >> 3);
    for (; i < words.length; i++) if (words[i] !== 0) return true;
    i <<= 3;
  }
  for (; i < n; i++) if (mask[i] === 1) return true;
  return false;
}

/** sum[i] += column k's value of row i where it is not null, for the first `n` rows. */
function addColumn(sum: Float64Array, rows: PackedRows, k: number, n: number): void {
  const qc = rows.cols[k] as Float64Array;
  const qz = rows.nulls[k]!;
  if (!anyNull(qz, n)) for (let i = 0; i < n; i++) sum[i] = sum[i]! + qc[i]!;
  else for (let i = 0; i < n; i++) if (qz[i] !== 1) sum[i] = sum[i]! + qc[i]!;
}

/**
 * One book level of the selected rows `sel[0..m)` of the first `n`: quantity into `qty[j]`, price × quantity into
 * `notional[j]`.
 */
function addLevel(
  qty: Float64Array,
  notional: Float64Array,
  sel: Int32Array,
  m: number,
  n: number,
  qc: Float64Array,
  qz: Uint8Array,
  pc: Float64Array,
  pz: Uint8Array,
): void {
  if (!anyNull(qz, n) && !anyNull(pz, n)) {
    for (let j = 0; j < m; j++) {
      const r = sel[j]!;
      const q = qc[r]!;
      qty[j] = qty[j]! + q;
      notional[j] = notional[j]! + pc[r]! * q;
    }
    return;
  }
  for (let j = 0; j < m; j++) {
    const r = sel[j]!;
    if (qz[r] !== 1) {
      const q = qc[r]!;
      qty[j] = qty[j]! + q;
      if (pz[r] !== 1) notional[j] = notional[j]! + pc[r]! * q;
    }
  }
}

/**
 * Marks the rows of the first `n` (times `t`) that are the last of their minute: `slot[i]` is the row's index among
 * them (−1 for the others), `sel` lists them in order; returns how many there are.
 */
function lastOfMinutes(t: Float64Array, n: number, slot: Int32Array, sel: Int32Array): number {
  let m = 0;
  let minute = n > 0 ? utcMinuteStart(t[0]!) : 0;
  for (let i = 0; i < n; i++) {
    const next = i === n - 1 ? Number.NaN : utcMinuteStart(t[i + 1]!);
    if (next !== minute) {
      slot[i] = m;
      sel[m++] = i;
    } else {
      slot[i] = -1;
    }
    minute = next;
  }
  return m;
}

/** out[i] = the imbalance of bid[i] and ask[i], `NaN` where both are 0, for the first `n` rows. */
function imbalances(bid: Float64Array, ask: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = imbalance(bid[i]!, ask[i]!) ?? Number.NaN;
}

/** The best (first) level of the selected rows `sel[0..m)`: its price into `price[j]`, its quantity into `qty[j]` (`NaN` when null). */
function bestLevel(
  price: Float64Array,
  qty: Float64Array,
  sel: Int32Array,
  m: number,
  qc: Float64Array,
  qz: Uint8Array,
  pc: Float64Array,
  pz: Uint8Array,
): void {
  for (let j = 0; j < m; j++) {
    const r = sel[j]!;
    price[j] = pz[r] !== 1 ? pc[r]! : Number.NaN;
    qty[j] = qz[r] !== 1 ? qc[r]! : Number.NaN;
  }
}

/**
 * The {@link BookSummary} of every row of a column batch (aligned with `columnsOf(BookDepth)`) that is the last of
 * its minute in the batch: the only snapshots a minute can use as of its close. Computed a column at a time (each
 * column read once, in order), not a row at a time across 80 columns; the additions are those of
 * {@link bookSummary}, in the same order per sum, so the values are the same bits.
 *
 * @example
 * ```ts
 * const sums = new BookBatchSummaries(packed);
 * sums.summary(packed.n - 1, new BookSums()).bid_notional_20;
 * ```
 */
export class BookBatchSummaries {
  /** The batch. */
  readonly rows: PackedRows;
  /** Rows of the batch summed (its `n` when summed). */
  readonly n: number;
  /** The top-5 quantity imbalance of every row ({@link bookImbalance}), `NaN` where both sides are empty. */
  readonly imbalance5: Float64Array;
  private readonly slot: Int32Array;
  private readonly sums: Float64Array[];

  /** @param rows - a batch of `book_depth` rows as columns, sorted by event time. */
  constructor(rows: PackedRows) {
    // Every loop over the rows is in a small function of its own: this constructor runs once per batch and is never
    // worth optimizing, while the loops are optimized on their own (cheaply, on stack replacement), early in a build.
    this.rows = rows;
    const n = rows.n;
    this.n = n;
    const slot = new Int32Array(n);
    const sel = new Int32Array(n);
    const m = lastOfMinutes(rows.cols[EVENT_TIME] as Float64Array, n, slot, sel);
    this.slot = slot;
    const bid5 = new Float64Array(n);
    const ask5 = new Float64Array(n);
    for (let l = 0; l < 5; l++) {
      addColumn(bid5, rows, LEVEL_COLUMNS[0]![l]!.qty, n);
      addColumn(ask5, rows, LEVEL_COLUMNS[1]![l]!.qty, n);
    }
    this.imbalance5 = new Float64Array(n);
    imbalances(bid5, ask5, this.imbalance5, n);
    // 0..9: the BookSummary fields in declaration order.
    const sums = Array.from({ length: 10 }, () => new Float64Array(m));
    this.sums = sums;
    for (let side = 0; side < 2; side++) {
      const qty = new Float64Array(m);
      const notional = new Float64Array(m);
      const levels = LEVEL_COLUMNS[side]!;
      for (let l = 0; l < 20; l++) {
        const { qty: kq, price: kp } = levels[l]!;
        const qc = rows.cols[kq] as Float64Array;
        const qz = rows.nulls[kq]!;
        const pc = rows.cols[kp] as Float64Array;
        const pz = rows.nulls[kp]!;
        addLevel(qty, notional, sel, m, n, qc, qz, pc, pz);
        if (l === 0) bestLevel(sums[side]!, sums[2 + side]!, sel, m, qc, qz, pc, pz);
        if (l === 4) sums[4 + side]!.set(qty);
      }
      sums[6 + side]!.set(qty);
      sums[8 + side]!.set(notional);
    }
  }

  /** Writes the summary of row `i` into `into`; `null` when `i` is not the last row of its minute in the batch. */
  summary(i: number, into: BookSums): BookSums | null {
    if (!(i < this.n)) return null;
    const j = this.slot[i]!;
    if (j < 0) return null;
    const s = this.sums;
    into.best_bid_price = s[0]![j]!;
    into.best_ask_price = s[1]![j]!;
    into.best_bid_qty = s[2]![j]!;
    into.best_ask_qty = s[3]![j]!;
    into.bid_qty_5 = s[4]![j]!;
    into.ask_qty_5 = s[5]![j]!;
    into.bid_qty_20 = s[6]![j]!;
    into.ask_qty_20 = s[7]![j]!;
    into.bid_notional_20 = s[8]![j]!;
    into.ask_notional_20 = s[9]![j]!;
    return into;
  }
}

function imbalance(b: number, a: number): number | null {
  return b + a > 0 ? (b - a) / (b + a) : null;
}

/**
 * Quantity imbalance of the top `levels` levels: (Σ bid qty − Σ ask qty) / (Σ bid qty + Σ ask qty), −1..1;
 * `null` when both sides are empty. Null-padded levels count as 0.
 *
 * @example
 * ```ts
 * bookImbalance(snapshot, 5); // 0.23: more bid than ask quantity in the top 5 levels
 * ```
 */
export function bookImbalance(snapshot: BookDepth, levels: 5 | 20): number | null {
  return levels === 5 ? imbalance(BID_Q5(snapshot), ASK_Q5(snapshot)) : imbalance(BID_Q20(snapshot), ASK_Q20(snapshot));
}

const dbl = (name: string, description: string): GoldColumn => ({ name, type: 'double', description });

class Book implements GoldFeature {
  readonly requires = 'book' as const;
  readonly warmUp = 1;
  readonly columns: readonly GoldColumn[] = [
    dbl('spread_bps', '(best ask − best bid) / mid × 10 000, last snapshot before the minute close'),
    dbl('mid_price', '(best bid + best ask) / 2 (quote currency)'),
    dbl('microprice', '(bid · ask qty + ask · bid qty) / (bid qty + ask qty) at the best level'),
    dbl('book_imbalance_5', '(Σ bid qty − Σ ask qty) / (Σ bid qty + Σ ask qty) over the top 5 levels, −1..1'),
    dbl('book_imbalance_20', 'The same over the top 20 levels'),
    dbl('bid_depth_20_usd', 'Σ price × qty over the top 20 bid levels (quote currency)'),
    dbl('ask_depth_20_usd', 'Σ price × qty over the top 20 ask levels (quote currency)'),
    dbl('book_imbalance_5_mean', 'Mean book_imbalance_5 over the snapshots inside the minute'),
  ];
  private result: Out = null;
  get isStable(): boolean {
    return this.result !== null;
  }
  private readonly buf = new Float64Array(8);
  private readonly sums = new BookSums();
  add(m: MinuteInput): Out {
    const book = m.book!;
    // The engine's summary when it gives one (a snapshot read as columns is then never made a record).
    const u = book.summary ?? SUMMARY(book.snapshot, this.sums);
    const bp = u.best_bid_price;
    const ap = u.best_ask_price;
    const bq = u.best_bid_qty;
    const aq = u.best_ask_qty;
    const both = !Number.isNaN(bp) && !Number.isNaN(ap);
    const mid = both ? (bp + ap) / 2 : Number.NaN;
    const b = this.buf;
    b[0] = both && mid > 0 ? ((ap - bp) / mid) * 10_000 : Number.NaN;
    b[1] = mid;
    b[2] = both && bq + aq > 0 ? (bp * aq + ap * bq) / (bq + aq) : Number.NaN;
    b[3] = imbalance(u.bid_qty_5, u.ask_qty_5) ?? Number.NaN;
    b[4] = imbalance(u.bid_qty_20, u.ask_qty_20) ?? Number.NaN;
    b[5] = u.bid_notional_20;
    b[6] = u.ask_notional_20;
    b[7] = book.imbalance_5_mean ?? Number.NaN;
    return (this.result = b);
  }
  replace(m: MinuteInput): Out {
    return this.add(m);
  }
  getResult(): Out {
    return this.result;
  }
  reset(): void {
    this.result = null;
  }
}

/**
 * Factories of the book features (they need a snapshot no older than the builder's `bookMaxAgeMs` at the close).
 *
 * @example
 * ```ts
 * const set = featureSet({ book: bookFeatures.book() });
 * ```
 */
export const bookFeatures = {
  /** spread_bps, mid_price, microprice, book_imbalance_5/20, bid/ask_depth_20_usd, book_imbalance_5_mean. */
  book: (): GoldFeature => new Book(),
};
