/**
 * Gold features of the perpetual contract: funding, mark and index prices, premium and basis.
 * @module
 */
import { MINUTE_MS } from '../core/time.js';
import type { FeatureResult, GoldColumn, GoldFeature, MinuteInput } from './feature.js';

type Out = FeatureResult | null;
const dbl = (name: string, description: string): GoldColumn => ({ name, type: 'double', description });

class Perpetual implements GoldFeature {
  readonly requires = 'perp' as const;
  readonly warmUp = 1;
  readonly columns: readonly GoldColumn[] = [
    dbl('funding_rate', 'Rate of the latest funding settlement known at the close, a fraction (0.0001 = 0.01 %)'),
    dbl('minutes_to_funding', 'Minutes from the close of the minute to the next funding settlement'),
    dbl('mark_price', 'Latest mark price before the close (quote currency)'),
    dbl('index_price', 'Latest index price before the close (quote currency)'),
    dbl('premium_bps', '(mark − index) / index × 10 000'),
    dbl('basis_bps', '(close − index) / index × 10 000, close of the kline (or of the trades)'),
  ];
  private result: Out = null;
  private readonly buf = new Float64Array(6);
  get isStable(): boolean {
    return this.result !== null;
  }
  add(m: MinuteInput): Out {
    const p = m.perp!;
    const idx = p.index_price;
    const close = m.kline !== null ? m.kline.close : m.trades !== null && m.trades.agg_trade_count > 0 ? m.trades.close : null;
    const okIdx = idx !== null && idx > 0;
    const b = this.buf;
    b[0] = p.funding_rate ?? Number.NaN;
    // A next funding time before the close is stale (a mark-price update from before the settlement): unknown, not < 0.
    const end = m.open_time + MINUTE_MS;
    b[1] = p.next_funding_time !== null && p.next_funding_time >= end ? (p.next_funding_time - end) / MINUTE_MS : Number.NaN;
    b[2] = p.mark_price ?? Number.NaN;
    b[3] = idx ?? Number.NaN;
    b[4] = okIdx && p.mark_price !== null ? ((p.mark_price - idx) / idx) * 10_000 : Number.NaN;
    b[5] = okIdx && close !== null ? ((close - idx) / idx) * 10_000 : Number.NaN;
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
 * Factories of the perpetual-contract features.
 *
 * @example
 * ```ts
 * const set = featureSet({ perp: perpFeatures.perpetual() });
 * ```
 */
export const perpFeatures = {
  /** funding_rate, minutes_to_funding, mark_price, index_price, premium_bps, basis_bps. */
  perpetual: (): GoldFeature => new Perpetual(),
};
