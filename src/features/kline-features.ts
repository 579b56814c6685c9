/**
 * Gold features computed from the exchange's 1-minute klines: price, returns, trend, volatility, momentum and
 * volume. Each factory returns a fresh {@link GoldFeature}; all need the kline and reset on a kline gap.
 * @module
 */
import { DAY_MS } from '../core/time.js';
import { ADX, ATR, EMA, MACD, ROC, RSI } from 'trading-signals';
import type { Bar, FeatureResult, GoldColumn, GoldFeature, MinuteInput } from './feature.js';
import { RollingWindow } from './rolling-window.js';
import { tradingSignalsFeature } from './trading-signals-feature.js';

type Out = FeatureResult | null;
const NAN = Number.NaN;

const dbl = (name: string, description: string): GoldColumn => ({ name, type: 'double', description });
const kl = (m: MinuteInput): Bar => m.kline!;
const close = (m: MinuteInput): number => m.kline!.close;

/** Base of our own kline features: `replace` restores the saved state and steps again. */
abstract class OwnFeature implements GoldFeature {
  readonly requires = 'kline' as const;
  abstract readonly warmUp: number;
  protected result: Out = null;
  protected n = 0;
  private hasPrev = false;

  get isStable(): boolean {
    return this.result !== null;
  }

  add(m: MinuteInput): Out {
    this.save();
    this.hasPrev = true;
    this.n++;
    return (this.result = this.step(m, false));
  }

  replace(m: MinuteInput): Out {
    if (!this.hasPrev) return this.add(m);
    this.restore();
    return (this.result = this.step(m, true));
  }

  getResult(): Out {
    return this.result;
  }

  reset(): void {
    this.n = 0;
    this.hasPrev = false;
    this.result = null;
    this.clear();
  }

  /** Saves the scalar state before an add. */
  protected abstract save(): void;
  /** Restores the scalar state saved by the last add. */
  protected abstract restore(): void;
  /** Computes the result; windows use `push` when `!replace`, `replaceLast` otherwise. */
  protected abstract step(m: MinuteInput, replace: boolean): Out;
  /** Clears all state. */
  protected abstract clear(): void;
}

const put = (w: RollingWindow, v: number, replace: boolean): void => (replace ? w.replaceLast(v) : w.push(v));

class Ohlcv extends OwnFeature {
  readonly warmUp = 1;
  readonly columns = [
    dbl('open', 'First trade price of the minute (quote currency)'),
    dbl('high', 'Highest trade price of the minute'),
    dbl('low', 'Lowest trade price of the minute'),
    dbl('close', 'Last trade price of the minute'),
    dbl('volume', 'Base-asset volume of the minute'),
  ];
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {}
  private readonly buf = new Float64Array(5);
  protected step(m: MinuteInput): Out {
    const k = m.kline!;
    const b = this.buf;
    b[0] = k.open;
    b[1] = k.high;
    b[2] = k.low;
    b[3] = k.close;
    b[4] = k.volume;
    return b;
  }
}

class LogReturns extends OwnFeature {
  readonly warmUp: number;
  readonly columns: readonly GoldColumn[];
  private readonly horizons: readonly number[];
  private readonly w: RollingWindow;
  constructor(horizons: readonly number[]) {
    super();
    this.horizons = horizons;
    this.warmUp = Math.min(...horizons) + 1;
    this.columns = horizons.map((h) => dbl(`log_return_${h}m`, `ln(close / close ${h} minute(s) earlier)`));
    this.w = new RollingWindow(Math.max(...horizons) + 1);
    this.buf = new Float64Array(horizons.length);
  }
  private readonly buf: Float64Array;
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {
    this.w.clear();
  }
  protected step(m: MinuteInput, replace: boolean): Out {
    put(this.w, Math.log(m.kline!.close), replace);
    const out = this.buf;
    let any = false;
    for (let j = 0; j < this.horizons.length; j++) {
      const h = this.horizons[j]!;
      if (this.w.count > h) {
        out[j] = this.w.get(0) - this.w.get(h);
        any = true;
      } else out[j] = NAN;
    }
    return any ? out : null;
  }
}

class Sma extends OwnFeature {
  readonly warmUp: number;
  private readonly w: RollingWindow;
  constructor(period: number) {
    super();
    this.warmUp = period;
    this.w = new RollingWindow(period);
  }
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {
    this.w.clear();
  }
  protected step(m: MinuteInput, replace: boolean): Out {
    put(this.w, m.kline!.close, replace);
    return this.w.full ? this.w.mean() : null;
  }
}

class Bollinger extends OwnFeature {
  readonly warmUp: number;
  readonly columns: readonly GoldColumn[];
  private readonly w: RollingWindow;
  private readonly k: number;
  private readonly buf = new Float64Array(4);
  constructor(period: number, k: number) {
    super();
    this.warmUp = period;
    this.k = k;
    this.w = new RollingWindow(period);
    this.columns = [
      dbl(`bb_upper_${period}`, `SMA(close, ${period}) + ${k} population standard deviations`),
      dbl(`bb_lower_${period}`, `SMA(close, ${period}) − ${k} population standard deviations`),
      dbl(`bb_pct_b_${period}`, '(close − lower) / (upper − lower); null when the bands coincide'),
      dbl(`bb_width_${period}`, '(upper − lower) / middle, a fraction'),
    ];
  }
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {
    this.w.clear();
  }
  protected step(m: MinuteInput, replace: boolean): Out {
    const c = m.kline!.close;
    put(this.w, c, replace);
    if (!this.w.full) return null;
    const mid = this.w.mean();
    const d = this.k * Math.sqrt(this.w.variance());
    const up = mid + d;
    const lo = mid - d;
    const b = this.buf;
    b[0] = up;
    b[1] = lo;
    b[2] = up > lo ? (c - lo) / (up - lo) : NAN;
    b[3] = mid !== 0 ? (up - lo) / mid : NAN;
    return b;
  }
}

class RealizedVol extends OwnFeature {
  readonly warmUp: number;
  private readonly w: RollingWindow;
  private prevClose = Number.NaN;
  private savedPrevClose = Number.NaN;
  private haveClose = false;
  private savedHaveClose = false;
  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.w = new RollingWindow(period);
  }
  protected save(): void {
    this.savedPrevClose = this.prevClose;
    this.savedHaveClose = this.haveClose;
  }
  protected restore(): void {
    this.prevClose = this.savedPrevClose;
    this.haveClose = this.savedHaveClose;
  }
  protected clear(): void {
    this.w.clear();
    this.haveClose = false;
    this.prevClose = Number.NaN;
  }
  protected step(m: MinuteInput, replace: boolean): Out {
    const c = m.kline!.close;
    // The first input after a reset has no return; the window only holds returns.
    if (this.haveClose) {
      const r = Math.log(c / this.prevClose);
      put(this.w, r * r, replace);
    }
    this.prevClose = c;
    this.haveClose = true;
    return this.w.full ? Math.sqrt(this.w.total()) : null;
  }
}

class StochRsi extends OwnFeature {
  readonly warmUp: number;
  private rsi: RSI;
  private readonly rsiPeriod: number;
  private readonly rsiWin: RollingWindow;
  private readonly kWin: RollingWindow;
  constructor(rsiPeriod: number, stochPeriod: number, kPeriod: number) {
    super();
    this.rsiPeriod = rsiPeriod;
    this.rsi = new RSI(rsiPeriod);
    this.rsiWin = new RollingWindow(stochPeriod);
    this.kWin = new RollingWindow(kPeriod);
    this.warmUp = rsiPeriod + stochPeriod + kPeriod - 1;
  }
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {
    this.rsi = new RSI(this.rsiPeriod);
    this.rsiWin.clear();
    this.kWin.clear();
  }
  // Whether a step pushes into a window depends only on the number of inputs, so a replacing step pushes
  // exactly where the replaced one did and can use replaceLast.
  protected step(m: MinuteInput, replace: boolean): Out {
    const r = replace ? this.rsi.replace(m.kline!.close) : this.rsi.add(m.kline!.close);
    // trading-signals' StochasticRSI skips RSI == 0 with `if (rsiResult)`; we test for null only.
    if (r === null) return null;
    put(this.rsiWin, r, replace);
    if (!this.rsiWin.full) return null;
    const lo = this.rsiWin.min();
    const hi = this.rsiWin.max();
    // trading-signals returns 100 (wrong scale) and skips K/D when max == min; we report the neutral 50.
    const raw = hi > lo ? ((r - lo) / (hi - lo)) * 100 : 50;
    put(this.kWin, raw, replace);
    return this.kWin.full ? this.kWin.mean() : null;
  }
}

class Cci extends OwnFeature {
  readonly warmUp: number;
  private readonly w: RollingWindow;
  constructor(period: number) {
    super();
    this.warmUp = period;
    this.w = new RollingWindow(period);
  }
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {
    this.w.clear();
  }
  protected step(m: MinuteInput, replace: boolean): Out {
    const k = m.kline!;
    const tp = (k.high + k.low + k.close) / 3;
    put(this.w, tp, replace);
    if (!this.w.full) return null;
    const mean = this.w.mean();
    const mad = this.w.meanAbsDev(mean);
    return mad > 0 ? (tp - mean) / (0.015 * mad) : 0;
  }
}

/**
 * On-balance volume since 00:00 UTC: cumulative by nature, so it restarts every UTC midnight (like cvd) and is null
 * until the first midnight seen. That keeps a row reproducible from a bounded warm-up window, so incremental and full
 * builds (and live) give identical values.
 */
class Obv extends OwnFeature {
  readonly warmUp = 1;
  private obv = 0;
  private started = false;
  private prevClose = Number.NaN;
  private sObv = 0;
  private sStarted = false;
  private sPrevClose = Number.NaN;
  protected save(): void {
    this.sObv = this.obv;
    this.sStarted = this.started;
    this.sPrevClose = this.prevClose;
  }
  protected restore(): void {
    this.obv = this.sObv;
    this.started = this.sStarted;
    this.prevClose = this.sPrevClose;
  }
  protected clear(): void {
    this.obv = 0;
    this.started = false;
    this.prevClose = Number.NaN;
  }
  protected step(m: MinuteInput): Out {
    const k = m.kline!;
    if (m.open_time % DAY_MS === 0) {
      this.obv = 0;
      this.started = true;
    }
    if (!Number.isNaN(this.prevClose)) {
      if (k.close > this.prevClose) this.obv += k.volume;
      else if (k.close < this.prevClose) this.obv -= k.volume;
    }
    this.prevClose = k.close;
    return this.started ? this.obv : null;
  }
}

class VolumeZScore extends OwnFeature {
  readonly warmUp: number;
  private readonly w: RollingWindow;
  constructor(period: number) {
    super();
    this.warmUp = period;
    this.w = new RollingWindow(period);
  }
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {
    this.w.clear();
  }
  protected step(m: MinuteInput, replace: boolean): Out {
    const v = m.kline!.volume;
    put(this.w, v, replace);
    if (!this.w.full) return null;
    const sd = Math.sqrt(this.w.variance());
    return sd > 0 ? (v - this.w.mean()) / sd : null;
  }
}

class TakerBuyRatio extends OwnFeature {
  readonly warmUp = 1;
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {}
  protected step(m: MinuteInput): Out {
    const k = m.kline!;
    return k.taker_buy_volume !== null && k.volume > 0 ? k.taker_buy_volume / k.volume : null;
  }
  override get isStable(): boolean {
    return this.n > 0;
  }
}

class RollingVwap extends OwnFeature {
  readonly warmUp: number;
  readonly columns: readonly GoldColumn[];
  private readonly qv: RollingWindow;
  private readonly v: RollingWindow;
  private readonly buf = new Float64Array(2);
  constructor(period: number) {
    super();
    this.warmUp = period;
    this.qv = new RollingWindow(period);
    this.v = new RollingWindow(period);
    this.columns = [
      dbl(`vwap_rolling_${period}m`, `Σ quote volume / Σ volume over the last ${period} minutes (quote currency)`),
      dbl('close_vwap_dev_bps', `(close − vwap_rolling_${period}m) / vwap_rolling_${period}m × 10 000`),
    ];
  }
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {
    this.qv.clear();
    this.v.clear();
  }
  protected step(m: MinuteInput, replace: boolean): Out {
    const k = m.kline!;
    if (k.quote_volume === null) {
      // A source without quote volume (some CSV files): no VWAP until 60 minutes with it.
      this.qv.clear();
      this.v.clear();
      return null;
    }
    put(this.qv, k.quote_volume, replace);
    put(this.v, k.volume, replace);
    if (!this.v.full) return null;
    const vol = this.v.total();
    const b = this.buf;
    const vwap = vol > 0 ? this.qv.total() / vol : NAN;
    b[0] = vwap;
    b[1] = ((k.close - vwap) / vwap) * 10_000;
    return b;
  }
}

class EmaPair implements GoldFeature {
  readonly requires = 'kline' as const;
  readonly warmUp: number;
  readonly columns: readonly GoldColumn[];
  private readonly fastP: number;
  private readonly slowP: number;
  private fast: EMA;
  private slow: EMA;
  private count = 0;
  private result: Out = null;
  private readonly buf = new Float64Array(3);
  constructor(fast: number, slow: number) {
    this.fastP = fast;
    this.slowP = slow;
    this.fast = new EMA(fast);
    this.slow = new EMA(slow);
    this.warmUp = Math.min(fast, slow);
    this.columns = [
      dbl(`ema_${fast}`, `EMA of close, k = 2/(${fast}+1), seeded with the first close`),
      dbl(`ema_${slow}`, `EMA of close, k = 2/(${slow}+1), seeded with the first close`),
      dbl(`ema_ratio_${fast}_${slow}`, `ema_${fast} / ema_${slow}`),
    ];
  }
  get isStable(): boolean {
    return this.result !== null;
  }
  add(m: MinuteInput): Out {
    const c = m.kline!.close;
    const f = this.fast.add(c);
    const s = this.slow.add(c);
    this.count++;
    return this.out(f, s);
  }
  replace(m: MinuteInput): Out {
    if (this.count === 0) return this.add(m);
    const c = m.kline!.close;
    return this.out(this.fast.replace(c), this.slow.replace(c));
  }
  private out(f: number | null, s: number | null): Out {
    const fo = this.count >= this.fastP ? f : null;
    const so = this.count >= this.slowP ? s : null;
    if (fo === null && so === null) return (this.result = null);
    const b = this.buf;
    b[0] = fo ?? NAN;
    b[1] = so ?? NAN;
    b[2] = fo !== null && so !== null && so !== 0 ? fo / so : NAN;
    return (this.result = b);
  }
  getResult(): Out {
    return this.result;
  }
  reset(): void {
    this.fast = new EMA(this.fastP);
    this.slow = new EMA(this.slowP);
    this.count = 0;
    this.result = null;
  }
}

/**
 * Factories of the kline features. Every factory returns a new, independent feature.
 *
 * @example
 * ```ts
 * const set = featureSet({ price: klineFeatures.ohlcv(), rsi_14: klineFeatures.rsi(14) });
 * ```
 */
export const klineFeatures = {
  /** open, high, low, close, volume of the kline, unchanged. */
  ohlcv: (): GoldFeature => new Ohlcv(),
  /** `log_return_{h}m` = ln(close_t / close_{t−h}) for each horizon h (minutes); warm-up h + 1. */
  logReturns: (horizons: readonly number[] = [1, 5, 15]): GoldFeature => new LogReturns(horizons),
  /** Wilder RSI (trading-signals `RSI` with WSMA smoothing), 0..100; warm-up period + 1. */
  rsi: (period = 14): GoldFeature =>
    tradingSignalsFeature({ create: () => new RSI(period), input: close, output: (r) => r, warmUp: period + 1 }),
  /**
   * `macd`, `macd_signal`, `macd_hist` (EMAs seeded with the first value, trading-signals `MACD`); reported only
   * once the signal EMA has `signal` inputs (warm-up slow + signal − 1), unlike trading-signals' `isStable`.
   */
  macd: (fast = 12, slow = 26, signal = 9): GoldFeature => {
    const buf = new Float64Array(3);
    return tradingSignalsFeature({
      create: () => new MACD(new EMA(fast), new EMA(slow), new EMA(signal)),
      input: close,
      output: (r) => {
        buf[0] = r.macd;
        buf[1] = r.signal;
        buf[2] = r.histogram;
        return buf;
      },
      warmUp: slow + signal - 1,
      columns: [
        dbl('macd', `EMA(close, ${fast}) − EMA(close, ${slow}) (quote currency)`),
        dbl('macd_signal', `EMA(macd, ${signal})`),
        dbl('macd_hist', 'macd − macd_signal'),
      ],
    });
  },
  /** `ema_{fast}`, `ema_{slow}` (trading-signals `EMA`, seeded with the first close) and their ratio. */
  emaPair: (fast = 9, slow = 21): GoldFeature => new EmaPair(fast, slow),
  /** Simple moving average of close over `period` minutes (ring buffer + running sum). */
  sma: (period = 20): GoldFeature => new Sma(period),
  /** Bollinger bands over `period` minutes with `k` population standard deviations: upper, lower, %B, width. */
  bollinger: (period = 20, k = 2): GoldFeature => new Bollinger(period, k),
  /** `atr_{p}` (trading-signals `ATR`, Wilder smoothing) and `natr_{p}` = 100 · atr / close; warm-up period. */
  atr: (period = 14): GoldFeature => {
    const buf = new Float64Array(2);
    return tradingSignalsFeature({
      create: () => new ATR(period),
      input: kl,
      output: (r, m) => {
        buf[0] = r;
        buf[1] = (100 * r) / m.kline!.close;
        return buf;
      },
      warmUp: period,
      columns: [
        dbl(`atr_${period}`, `Average true range, Wilder smoothing over ${period} minutes (quote currency)`),
        dbl(`natr_${period}`, `100 · atr_${period} / close (percent)`),
      ],
    });
  },
  /** `realized_vol_{p}m` = √Σ r² over the last `period` 1-minute log returns (not annualized); warm-up p + 1. */
  realizedVol: (period = 30): GoldFeature => new RealizedVol(period),
  /** Stochastic RSI %K: SMA(k) of 100 · (RSI − min)/(max − min) over `stoch` RSI values; 50 when max == min. */
  stochRsi: (rsiPeriod = 14, stochPeriod = 14, kPeriod = 3): GoldFeature => new StochRsi(rsiPeriod, stochPeriod, kPeriod),
  /** Average directional index (trading-signals `ADX`, Wilder smoothing), 0..100; warm-up 2·period. */
  adx: (period = 14): GoldFeature =>
    tradingSignalsFeature({ create: () => new ADX(period), input: kl, output: (r) => r, warmUp: 2 * period }),
  /** Commodity channel index over `period` minutes of typical price (0 when the mean deviation is 0). */
  cci: (period = 20): GoldFeature => new Cci(period),
  /** Rate of change in percent, 100 · (close / close_{t−p} − 1) (trading-signals `ROC` × 100); warm-up p + 1. */
  roc: (period = 10): GoldFeature =>
    tradingSignalsFeature({ create: () => new ROC(period), input: close, output: (r) => 100 * r, warmUp: period + 1 }),
  /** On-balance volume since the last reset, starting at 0 on the first minute (TA-Lib starts at volume[0]). */
  obv: (): GoldFeature => new Obv(),
  /** (volume − mean) / population σ of volume over the last `period` minutes (null when σ = 0). */
  volumeZScore: (period = 60): GoldFeature => new VolumeZScore(period),
  /** taker_buy_volume / volume of the kline (null when volume is 0 or the source has no taker volume). */
  takerBuyRatio: (): GoldFeature => new TakerBuyRatio(),
  /** Rolling VWAP over `period` minutes and the close's deviation from it in bps (restarts after a kline without quote volume). */
  rollingVwap: (period = 60): GoldFeature => new RollingVwap(period),
};
