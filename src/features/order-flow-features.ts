/**
 * Gold features computed from aggregate trades (the minute's {@link TradeBar}): trade counts, taker buy and sell
 * volume, volume delta and its daily cumulative sum, the minute's VWAP, trade sizes and large trades.
 * @module
 */
import { DAY_MS } from '../core/time.js';
import type { FeatureResult, GoldColumn, GoldFeature, MinuteInput } from './feature.js';
import { SIZE_BUCKETS, sizeBucket } from './trade-bars.js';

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
    if (m.open_time % DAY_MS === 0) {
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
  // Per-minute histograms of the last `window` minutes; only the bucket range [lo, hi] of each is non-zero.
  private readonly ring: Uint32Array;
  private readonly ringLo: Int32Array;
  private readonly ringHi: Int32Array;
  private readonly total = new Float64Array(SIZE_BUCKETS);
  private totalCount = 0;
  private readonly pending = new Uint32Array(SIZE_BUCKETS);
  private pLo = 0;
  private pHi = -1;
  private hasPending = false;
  private head = 0;
  private committed = 0;
  private threshold = -1;
  private result: number | null = null;

  constructor(quantile: number, window: number) {
    this.window = window;
    this.tail = 1 - quantile;
    this.warmUp = window + 1;
    this.ring = new Uint32Array(window * SIZE_BUCKETS);
    this.ringLo = new Int32Array(window);
    this.ringHi = new Int32Array(window).fill(-1);
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
    for (let b = this.pLo; b <= this.pHi; b++) this.pending[b] = 0;
    if (h === null) {
      this.pHi = -1;
      this.hasPending = false;
      return (this.result = null);
    }
    const lo = t.agg_trade_count > 0 ? sizeBucket(t.min_trade_size) : 0;
    const hi = t.agg_trade_count > 0 ? sizeBucket(t.max_trade_size) : -1;
    for (let b = lo; b <= hi; b++) this.pending[b] = h[b]!;
    this.pLo = lo;
    this.pHi = hi;
    this.hasPending = true;
    if (this.threshold < 0) return (this.result = null);
    let c = 0;
    for (let b = this.threshold + 1; b <= hi; b++) c += h[b]!;
    return (this.result = c);
  }
  private commit(): void {
    const slot = this.head;
    const off = slot * SIZE_BUCKETS;
    for (let b = this.ringLo[slot]!; b <= this.ringHi[slot]!; b++) {
      const v = this.ring[off + b]!;
      this.total[b]! -= v;
      this.totalCount -= v;
      this.ring[off + b] = 0;
    }
    for (let b = this.pLo; b <= this.pHi; b++) {
      const v = this.pending[b]!;
      this.ring[off + b] = v;
      this.total[b]! += v;
      this.totalCount += v;
    }
    this.ringLo[slot] = this.pLo;
    this.ringHi[slot] = this.pHi;
    this.head = this.head + 1 === this.window ? 0 : this.head + 1;
    this.committed++;
    this.hasPending = false;
  }
  private quantileBucket(): number {
    if (this.totalCount === 0) return -1;
    let top = -1;
    for (let k = 0; k < this.window; k++) if (this.ringHi[k]! > top) top = this.ringHi[k]!;
    const limit = this.tail * this.totalCount;
    let above = 0;
    for (let b = top; b >= 0; b--) {
      above += this.total[b]!;
      if (above > limit) return b;
    }
    return 0;
  }
  getResult(): number | null {
    return this.result;
  }
  reset(): void {
    this.ring.fill(0);
    this.ringLo.fill(0);
    this.ringHi.fill(-1);
    this.total.fill(0);
    this.totalCount = 0;
    this.pending.fill(0);
    this.pLo = 0;
    this.pHi = -1;
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
