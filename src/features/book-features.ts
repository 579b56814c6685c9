/**
 * Gold features from top-N book snapshots (`book_depth`): spread, mid, microprice, imbalances and depth.
 * @module
 */
import type { BookDepth } from '../core/tables.js';
import type { FeatureResult, GoldColumn, GoldFeature, MinuteInput } from './feature.js';

type Out = FeatureResult | null;
type SideFn = (s: BookDepth) => number;

// Generated once at load: direct named property reads (monomorphic, fast) instead of 80 keyed lookups per snapshot.
const gen = (expr: (i: number) => string, n: number): SideFn =>
  new Function('s', `return ${Array.from({ length: n }, (_, i) => expr(i + 1)).join(' + ')};`) as SideFn;
const qty = (side: 'bid' | 'ask', n: number) => gen((i) => `(s.${side}_qty_${i} ?? 0)`, n);
const BID_Q5 = qty('bid', 5);
const ASK_Q5 = qty('ask', 5);
const BID_Q20 = qty('bid', 20);
const ASK_Q20 = qty('ask', 20);

// One pass over the 20 levels of both sides: [bid qty 5, ask qty 5, bid qty 20, ask qty 20, bid notional, ask notional].
type SummaryFn = (s: BookDepth, out: Float64Array) => void;
const SUMMARY = (() => {
  const lines: string[] = ['let bq = 0, aq = 0, bu = 0, au = 0, p = 0, q = 0;'];
  for (let i = 1; i <= 20; i++) {
    for (const [side, qv, uv] of [['bid', 'bq', 'bu'], ['ask', 'aq', 'au']] as const) {
      lines.push(`q = s.${side}_qty_${i}; if (q !== null) { ${qv} += q; p = s.${side}_price_${i}; if (p !== null) ${uv} += p * q; }`);
    }
    if (i === 5) lines.push('out[0] = bq; out[1] = aq;');
  }
  lines.push('out[2] = bq; out[3] = aq; out[4] = bu; out[5] = au;');
  return new Function('s', 'out', lines.join('\n')) as SummaryFn;
})();

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
  private readonly sums = new Float64Array(6);
  add(m: MinuteInput): Out {
    const book = m.book!;
    const snap = book.snapshot;
    const bp = snap.bid_price_1;
    const ap = snap.ask_price_1;
    const bq = snap.bid_qty_1;
    const aq = snap.ask_qty_1;
    const both = bp !== null && ap !== null;
    const mid = both ? (bp + ap) / 2 : Number.NaN;
    const b = this.buf;
    b[0] = both && mid > 0 ? ((ap - bp) / mid) * 10_000 : Number.NaN;
    b[1] = mid;
    b[2] = both && bq !== null && aq !== null && bq + aq > 0 ? (bp * aq + ap * bq) / (bq + aq) : Number.NaN;
    const u = this.sums;
    SUMMARY(snap, u);
    b[3] = imbalance(u[0]!, u[1]!) ?? Number.NaN;
    b[4] = imbalance(u[2]!, u[3]!) ?? Number.NaN;
    b[5] = u[4]!;
    b[6] = u[5]!;
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
