/**
 * Gold features computed from aggregate trades (the minute's {@link TradeBar}): trade counts, taker buy and sell
 * volume, volume delta and its daily cumulative sum, the minute's VWAP, trade sizes and large trades.
 * @module
 */
import { utcDayStart } from '../core/time.js';
import type { FeatureResult, GoldColumn, GoldFeature, MinuteInput } from './feature.js';
import { SIZE_BUCKETS } from './trade-bars.js';

type Out = FeatureResult | null;

class OrderFlow implements GoldFeature {
  readonly requires = 'trades' as const;
  readonly warmUp = 1;
  readonly columns: readonly GoldColumn[] = [
    { name: 'trade_count', type: 'int64', description: 'Trades in the minute: Σ(last_trade_id − first_trade_id + 1) over aggregate trades' },
    { name: 'buy_volume', type: 'double', description: 'Base volume of taker buys (is_buyer_maker = false)' },
    { name: 'sell_volume', type: 'double', description: 'Base volume of taker sells (is_buyer_maker = true)' },
    { name: 'volume_delta', type: 'double', description: 'buy_volume − sell_volume (base asset)' },
    { name: 'vwap_1m', type: 'double', description: 'Σ price·qty / Σ qty of the minute’s trades (null without trades)' },
    { name: 'avg_trade_size', type: 'double', description: 'Base volume / number of aggregate trades (null without trades)' },
    { name: 'max_trade_size', type: 'double', description: 'Largest aggregate-trade quantity (base asset; null without trades)' },
    { name: 'trade_imbalance', type: 'double', description: '(buy − sell) / (buy + sell) aggregate-trade counts, −1..1 (null without trades)' },
  ];
  private result: Out = null;
  private readonly buf = new Float64Array(8);
  get isStable(): boolean {
    return this.result !== null;
  }
  add(m: MinuteInput): Out {
    const t = m.trades!;
    const n = t.agg_trade_count;
    const sell = Math.max(t.volume - t.taker_buy_volume, 0);
    const b = this.buf;
    b[0] = t.trade_count;
    b[1] = t.taker_buy_volume;
    b[2] = sell;
    b[3] = t.taker_buy_volume - sell;
    b[4] = t.volume > 0 ? t.quote_volume / t.volume : Number.NaN;
    b[5] = n > 0 ? t.volume / n : Number.NaN;
    b[6] = n > 0 ? t.max_trade_size : Number.NaN;
    b[7] = n > 0 ? (2 * t.buy_agg_trade_count - n) / n : Number.NaN;
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

class Cvd implements GoldFeature {
  readonly requires = 'trades' as const;
  /** Up to a day: the sum starts at 00:00 UTC. */
  readonly warmUp = 1440;
  private cum = 0;
  private valid = false;
  private sCum = 0;
  private sValid = false;
  private hasPrev = false;
  private result: number | null = null;
  get isStable(): boolean {
    return this.result !== null;
  }
  add(m: MinuteInput): number | null {
    this.sCum = this.cum;
    this.sValid = this.valid;
    this.hasPrev = true;
    return this.step(m);
  }
  replace(m: MinuteInput): number | null {
    if (!this.hasPrev) return this.add(m);
    this.cum = this.sCum;
    this.valid = this.sValid;
    return this.step(m);
  }
  private step(m: MinuteInput): number | null {
    if (utcDayStart(m.open_time) === m.open_time) {
      this.cum = 0;
      this.valid = true;
    }
    if (!this.valid) return (this.result = null);
    const t = m.trades!;
    this.cum += 2 * t.taker_buy_volume - t.volume;
    return (this.result = this.cum);
  }
  getResult(): number | null {
    return this.result;
  }
  reset(): void {
    this.cum = 0;
    this.valid = false;
    this.hasPrev = false;
    this.result = null;
  }
}

class LargeTrades implements GoldFeature {
  readonly requires = 'trades' as const;
  readonly warmUp: number;
  readonly columns: readonly GoldColumn[];
  private readonly window: number;
  private readonly tail: number;
  // The last `window` minutes as sparse histograms: slot k holds `ringLen[k]` (bucket, count) pairs at k·SIZE_BUCKETS.
  // Minutes with few trades touch few buckets, so the window moves in O(distinct buckets), not O(bucket range).
  private readonly ringIds: Uint8Array;
  private readonly ringCounts: Uint32Array;
  private readonly ringLen: Int32Array;
  private readonly total = new Float64Array(SIZE_BUCKETS);
  private totalCount = 0;
  private top = -1; // highest bucket with total > 0
  // The forming minute's pairs, committed to the ring when the next minute is added.
  private readonly pendIds = new Uint8Array(SIZE_BUCKETS);
  private readonly pendCounts = new Uint32Array(SIZE_BUCKETS);
  private pendLen = 0;
  private hasPending = false;
  private head = 0;
  private committed = 0;
  private threshold = -1;
  private result: number | null = null;

  constructor(quantile: number, window: number) {
    this.window = window;
    this.tail = 1 - quantile;
    this.warmUp = window + 1;
    this.ringIds = new Uint8Array(window * SIZE_BUCKETS);
    this.ringCounts = new Uint32Array(window * SIZE_BUCKETS);
    this.ringLen = new Int32Array(window);
    this.columns = [
      {
        name: 'large_trade_count',
        type: 'int64',
        description: `Aggregate trades above the rolling ${quantile * 100}th percentile of trade size over the previous ${window} minutes (eighth-octave size buckets)`,
      },
    ];
  }
  get isStable(): boolean {
    return this.result !== null;
  }
  add(m: MinuteInput): number | null {
    if (this.hasPending) this.commit();
    this.threshold = this.committed >= this.window ? this.quantileBucket() : -1;
    return this.step(m);
  }
  replace(m: MinuteInput): number | null {
    if (!this.hasPending) return this.add(m);
    return this.step(m);
  }
  private step(m: MinuteInput): number | null {
    const t = m.trades!;
    const h = t.size_histogram;
    const ids = t.size_buckets;
    if (h === null || ids === null) {
      this.pendLen = 0;
      this.hasPending = false;
      return (this.result = null);
    }
    const n = t.size_bucket_count;
    const threshold = this.threshold;
    let c = 0;
    for (let k = 0; k < n; k++) {
      const b = ids[k]!;
      const v = h[b]!;
      this.pendIds[k] = b;
      this.pendCounts[k] = v;
      if (b > threshold) c += v;
    }
    this.pendLen = n;
    this.hasPending = true;
    return (this.result = threshold < 0 ? null : c);
  }
  private commit(): void {
    const slot = this.head;
    const off = slot * SIZE_BUCKETS;
    const total = this.total;
    // Evict the oldest minute, then add the pending one.
    for (let k = 0; k < this.ringLen[slot]!; k++) {
      const v = this.ringCounts[off + k]!;
      total[this.ringIds[off + k]!]! -= v;
      this.totalCount -= v;
    }
    for (let k = 0; k < this.pendLen; k++) {
      const b = this.pendIds[k]!;
      const v = this.pendCounts[k]!;
      this.ringIds[off + k] = b;
      this.ringCounts[off + k] = v;
      total[b]! += v;
      this.totalCount += v;
      if (b > this.top) this.top = b;
    }
    while (this.top >= 0 && total[this.top] === 0) this.top--;
    this.ringLen[slot] = this.pendLen;
    this.head = this.head + 1 === this.window ? 0 : this.head + 1;
    this.committed++;
    this.hasPending = false;
  }
  private quantileBucket(): number {
    if (this.totalCount === 0) return -1;
    const limit = this.tail * this.totalCount;
    let above = 0;
    for (let b = this.top; b >= 0; b--) {
      above += this.total[b]!;
      if (above > limit) return b;
    }
    return 0;
  }
  getResult(): number | null {
    return this.result;
  }
  reset(): void {
    this.ringLen.fill(0);
    this.total.fill(0);
    this.totalCount = 0;
    this.top = -1;
    this.pendLen = 0;
    this.hasPending = false;
    this.head = 0;
    this.committed = 0;
    this.threshold = -1;
    this.result = null;
  }
}

/**
 * Factories of the order-flow features (they need the minute's trades; a minute whose trades are missing or
 * incomplete resets them and gives `null`).
 *
 * @example
 * ```ts
 * const set = featureSet({ flow: orderFlowFeatures.flow(), cvd: orderFlowFeatures.cvd() });
 * ```
 */
export const orderFlowFeatures = {
  /** trade_count, buy_volume, sell_volume, volume_delta, vwap_1m, avg_trade_size, max_trade_size, trade_imbalance. */
  flow: (): GoldFeature => new OrderFlow(),
  /**
   * Cumulative volume delta (base asset) since 00:00 UTC. It restarts at every UTC midnight and is `null` after a
   * trade gap (or from the start of the data) until the next midnight: a partial-day sum is never reported.
   */
  cvd: (): GoldFeature => new Cvd(),
  /**
   * `large_trade_count`: aggregate trades of the minute whose size bucket lies above the bucket holding the rolling
   * `quantile` of trade sizes over the previous `window` minutes (the current minute excluded).
   */
  largeTrades: (quantile = 0.99, window = 60): GoldFeature => new LargeTrades(quantile, window),
};
