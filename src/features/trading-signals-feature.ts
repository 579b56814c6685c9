/**
 * The adapter that turns any trading-signals 8 indicator into a {@link GoldFeature}.
 * @module
 */
import type { FeatureInputKind, FeatureResult, GoldColumn, GoldFeature, MinuteInput } from './feature.js';

/** The part of a trading-signals indicator the adapter uses (every indicator class of v8 has it). */
export interface TradingSignalsIndicator<X, R> {
  /** Pushes a new input. */
  add(input: X): R | null;
  /** Overwrites the latest input. */
  replace(input: X): R | null;
  /** The latest result or `null` while unstable. */
  getResult(): R | null;
}

/** Options of {@link tradingSignalsFeature}. */
export interface TradingSignalsFeatureOptions<X, R> {
  /** Creates a fresh indicator (called again on every reset: trading-signals has no reset). */
  readonly create: () => TradingSignalsIndicator<X, R>;
  /** Picks the indicator's input from the minute (e.g. `m => m.kline!.close`); only called when `requires` is present. */
  readonly input: (m: MinuteInput) => X;
  /** Maps the indicator's result to the feature's value(s) (may reuse a buffer); `null` for an undefined value. */
  readonly output: (r: R, m: MinuteInput) => FeatureResult | null;
  /** Inputs until the first result: the adapter reports `null` before this many, whatever the indicator says. */
  readonly warmUp: number;
  /**
   * Minutes an incremental build must re-read for values identical to a full rebuild's (default `warmUp`): give
   * more for an indicator with EMA or Wilder smoothing, whose start fades only geometrically (see GoldFeature).
   */
  readonly lookback?: number;
  /** Which input part the feature needs (default `kline`). */
  readonly requires?: FeatureInputKind;
  /** The columns when `output` returns an array. */
  readonly columns?: readonly GoldColumn[];
}

class TradingSignalsFeature<X, R> implements GoldFeature {
  readonly requires: FeatureInputKind;
  readonly warmUp: number;
  readonly lookback: number;
  readonly columns?: readonly GoldColumn[];
  private readonly o: TradingSignalsFeatureOptions<X, R>;
  private ind: TradingSignalsIndicator<X, R>;
  private count = 0;
  private result: FeatureResult | null = null;

  constructor(o: TradingSignalsFeatureOptions<X, R>) {
    this.o = o;
    this.requires = o.requires ?? 'kline';
    this.warmUp = o.warmUp;
    this.lookback = o.lookback ?? o.warmUp;
    if (o.columns !== undefined) this.columns = o.columns;
    this.ind = o.create();
  }

  get isStable(): boolean {
    return this.count >= this.warmUp && this.result !== null;
  }

  add(m: MinuteInput): FeatureResult | null {
    this.ind.add(this.o.input(m));
    this.count++;
    return this.compute(m);
  }

  replace(m: MinuteInput): FeatureResult | null {
    if (this.count === 0) return this.add(m);
    this.ind.replace(this.o.input(m));
    return this.compute(m);
  }

  private compute(m: MinuteInput): FeatureResult | null {
    if (this.count < this.warmUp) return (this.result = null);
    const r = this.ind.getResult();
    return (this.result = r === null ? null : this.o.output(r, m));
  }

  getResult(): FeatureResult | null {
    return this.result;
  }

  reset(): void {
    this.ind = this.o.create();
    this.count = 0;
    this.result = null;
  }
}

/**
 * Wraps a trading-signals indicator as a gold feature: picks its input from the minute, gates its result by
 * `warmUp` (trading-signals' own stability flags are inconsistent: EMA returns values from the first input, MACD
 * says stable before its signal line has warmed up) and recreates it on `reset()`.
 *
 * @example
 * ```ts
 * import { WilliamsR } from 'trading-signals';
 * const willr = tradingSignalsFeature({
 *   create: () => new WilliamsR(14), input: (m) => m.kline!, output: (r) => r, warmUp: 14,
 * });
 * const set = featureSet({ willr_14: willr });
 * ```
 */
export function tradingSignalsFeature<X, R>(options: TradingSignalsFeatureOptions<X, R>): GoldFeature {
  return new TradingSignalsFeature(options);
}
