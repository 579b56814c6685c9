/**
 * Gold features computed from the exchange's 1-minute klines: price, returns, trend, volatility, momentum and
 * volume. Each factory returns a fresh {@link GoldFeature}; all need the kline and reset on a kline gap.
 * @module
 */
import { utcDayStart } from '../core/time.js';
import type { FeatureResult, GoldColumn, GoldFeature, MinuteInput } from './feature.js';
import { RollingWindow } from './rolling-window.js';

type Out = FeatureResult | null;
const NAN = Number.NaN;

const dbl = (name: string, description: string): GoldColumn => ({ name, type: 'double', description });

/**
 * Inputs after which a smoothing with factor α (EMA: 2/(p+1); Wilder: 1/p) has forgotten its start to double
 * precision, (1 − α)^n < 2^−53, twice over: rounding can keep two runs one ulp apart for a while after their
 * difference has shrunk below it; with the margin a longer history gives the same bits (see `lookback`; tested).
 */
const forget = (alpha: number): number => 2 * Math.ceil((53 * Math.LN2) / -Math.log1p(-alpha));

// Our own streaming cores of the trading-signals 8 indicators the standard set uses (EMA, WSMA, RSI, MACD, ATR, ADX,
// ROC): the same floating-point operations in the same order, so the same values bit for bit, without the per-update
// allocations (state clones, result objects, array shifts, exceptions for control flow). `save()` before a step and
// `restore()` before re-stepping the same input give the forming bar's `replace`.

/** EMA seeded with the first input: r = x·k + r₋₁·(1 − k), k = 2/(period + 1) (trading-signals `EMA`). */
class EmaCore {
  private readonly k: number;
  private readonly k1: number;
  result = NAN;
  private has = false;
  private sResult = NAN;
  private sHas = false;
  constructor(period: number) {
    this.k = 2 / (period + 1);
    this.k1 = 1 - this.k;
  }
  update(x: number): number {
    const prev = this.has ? this.result : x;
    this.has = true;
    return (this.result = x * this.k + prev * this.k1);
  }
  save(): void {
    this.sResult = this.result;
    this.sHas = this.has;
  }
  restore(): void {
    this.result = this.sResult;
    this.has = this.sHas;
  }
  clear(): void {
    this.result = NAN;
    this.has = false;
  }
}

/** Wilder smoothing: the mean of the first `period` inputs, then r = (x − r₋₁)·(1/period) + r₋₁ (trading-signals `WSMA`). */
class WsmaCore {
  private readonly period: number;
  private readonly f: number;
  /** NaN until `period` inputs. */
  result = NAN;
  private n = 0;
  private sum = 0;
  private sResult = NAN;
  private sN = 0;
  private sSum = 0;
  constructor(period: number) {
    this.period = period;
    this.f = 1 / period;
  }
  get stable(): boolean {
    return this.n >= this.period;
  }
  update(x: number): number {
    const n = ++this.n;
    if (n > this.period) {
      const prev = this.result;
      return (this.result = (x - prev) * this.f + prev);
    }
    // The same left-to-right sum from 0 as trading-signals' getAverage over the first `period` inputs.
    this.sum += x;
    return n === this.period ? (this.result = this.sum / this.period) : NAN;
  }
  save(): void {
    this.sResult = this.result;
    this.sN = this.n;
    this.sSum = this.sum;
  }
  restore(): void {
    this.result = this.sResult;
    this.n = this.sN;
    this.sum = this.sSum;
  }
  clear(): void {
    this.result = NAN;
    this.n = 0;
    this.sum = 0;
  }
}

/** Wilder RSI (trading-signals `RSI` with WSMA smoothing): NaN until period + 1 inputs. */
class RsiCore {
  private readonly gain: WsmaCore;
  private readonly loss: WsmaCore;
  private prev = NAN;
  private has = false;
  private sPrev = NAN;
  private sHas = false;
  constructor(period: number) {
    this.gain = new WsmaCore(period);
    this.loss = new WsmaCore(period);
  }
  update(price: number): number {
    if (!this.has) {
      this.has = true;
      this.prev = price;
      return NAN;
    }
    const p = this.prev;
    this.prev = price;
    if (price > p) {
      this.loss.update(0);
      this.gain.update(price - p);
    } else {
      this.loss.update(p - price);
      this.gain.update(0);
    }
    if (!this.gain.stable) return NAN;
    const avgLoss = this.loss.result;
    if (avgLoss === 0) return 100;
    return 100 - 100 / (this.gain.result / avgLoss + 1);
  }
  save(): void {
    this.sPrev = this.prev;
    this.sHas = this.has;
    this.gain.save();
    this.loss.save();
  }
  restore(): void {
    this.prev = this.sPrev;
    this.has = this.sHas;
    this.gain.restore();
    this.loss.restore();
  }
  clear(): void {
    this.prev = NAN;
    this.has = false;
    this.gain.clear();
    this.loss.clear();
  }
}

/** Wilder average true range (trading-signals `ATR`): NaN until `period` inputs. */
class AtrCore {
  private readonly w: WsmaCore;
  private prevClose = NAN;
  private has = false;
  private sPrevClose = NAN;
  private sHas = false;
  constructor(period: number) {
    this.w = new WsmaCore(period);
  }
  get stable(): boolean {
    return this.w.stable;
  }
  /** The latest average (NaN until stable). */
  result(): number {
    return this.w.result;
  }
  update(high: number, low: number, close: number): number {
    const hl = high - low;
    const tr = this.has ? Math.max(hl, Math.abs(high - this.prevClose), Math.abs(low - this.prevClose)) : hl;
    this.has = true;
    this.prevClose = close;
    return this.w.update(tr);
  }
  save(): void {
    this.sPrevClose = this.prevClose;
    this.sHas = this.has;
    this.w.save();
  }
  restore(): void {
    this.prevClose = this.sPrevClose;
    this.has = this.sHas;
    this.w.restore();
  }
  clear(): void {
    this.prevClose = NAN;
    this.has = false;
    this.w.clear();
  }
}

/** Average directional index (trading-signals `ADX` over its `DX`, Wilder smoothing): NaN until 2·period − 1 inputs. */
class AdxCore {
  private readonly atr: AtrCore;
  private readonly up: WsmaCore;
  private readonly down: WsmaCore;
  private readonly smooth: WsmaCore;
  private prevHigh = NAN;
  private prevLow = NAN;
  private has = false;
  private sPrevHigh = NAN;
  private sPrevLow = NAN;
  private sHas = false;
  constructor(period: number) {
    this.atr = new AtrCore(period);
    this.up = new WsmaCore(period);
    this.down = new WsmaCore(period);
    this.smooth = new WsmaCore(period);
  }
  update(high: number, low: number, close: number): number {
    if (!this.has) {
      this.atr.update(high, low, close);
      this.up.update(0);
      this.down.update(0);
      this.has = true;
      this.prevHigh = high;
      this.prevLow = low;
      return NAN;
    }
    const higherHigh = high - this.prevHigh;
    const lowerLow = this.prevLow - low;
    const pdm = higherHigh < 0 || higherHigh < lowerLow ? 0 : higherHigh;
    const mdm = lowerLow < 0 || lowerLow < higherHigh ? 0 : lowerLow;
    this.atr.update(high, low, close);
    this.up.update(pdm);
    this.down.update(mdm);
    this.prevHigh = high;
    this.prevLow = low;
    if (!this.up.stable) return NAN;
    const atr = this.atr.result();
    const pdi = this.up.result / atr;
    const mdi = this.down.result / atr;
    const diff = Math.abs(pdi - mdi);
    const sum = pdi + mdi;
    this.smooth.update(sum === 0 ? 0 : (diff / sum) * 100);
    return this.smooth.stable ? this.smooth.result : NAN;
  }
  save(): void {
    this.sPrevHigh = this.prevHigh;
    this.sPrevLow = this.prevLow;
    this.sHas = this.has;
    this.atr.save();
    this.up.save();
    this.down.save();
    this.smooth.save();
  }
  restore(): void {
    this.prevHigh = this.sPrevHigh;
    this.prevLow = this.sPrevLow;
    this.has = this.sHas;
    this.atr.restore();
    this.up.restore();
    this.down.restore();
    this.smooth.restore();
  }
  clear(): void {
    this.prevHigh = NAN;
    this.prevLow = NAN;
    this.has = false;
    this.atr.clear();
    this.up.clear();
    this.down.clear();
    this.smooth.clear();
  }
}

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

/** A feature whose only state is one rolling window of `size` values (nothing scalar to save for `replace`). */
abstract class WindowFeature extends OwnFeature {
  readonly warmUp: number;
  protected readonly w: RollingWindow;
  constructor(size: number, warmUp = size) {
    super();
    this.warmUp = warmUp;
    this.w = new RollingWindow(size);
  }
  protected save(): void {}
  protected restore(): void {}
  protected clear(): void {
    this.w.clear();
  }
}

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
    // Every column has its value after the longest horizon (what an incremental build must re-read).
    this.warmUp = Math.max(...horizons) + 1;
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

class Sma extends WindowFeature {
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
  /** Column of the upper band: 1 when the set's `sma_{period}` (the middle band) comes first, else 0. */
  private readonly at: number;
  private readonly buf: Float64Array;
  constructor(period: number, k: number, withSma: boolean) {
    super();
    this.warmUp = period;
    this.k = k;
    this.w = new RollingWindow(period);
    this.at = withSma ? 1 : 0;
    this.buf = new Float64Array(4 + this.at);
    this.columns = [
      ...(withSma ? [dbl(`sma_${period}`, `Simple moving average of close over ${period} minutes (the middle band)`)] : []),
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
    const d = this.k * Math.sqrt(this.w.varianceAbout(mid));
    const up = mid + d;
    const lo = mid - d;
    const b = this.buf;
    const at = this.at;
    b[0] = mid; // overwritten by the upper band when there is no sma column
    b[at] = up;
    b[at + 1] = lo;
    b[at + 2] = up > lo ? (c - lo) / (up - lo) : NAN;
    b[at + 3] = mid !== 0 ? (up - lo) / mid : NAN;
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
  /** See GoldFeature.lookback: EMA/Wilder smoothing only converges. */
  readonly lookback: number;
  private readonly rsi: RsiCore;
  private readonly rsiWin: RollingWindow;
  private readonly kWin: RollingWindow;
  constructor(rsiPeriod: number, stochPeriod: number, kPeriod: number) {
    super();
    this.rsi = new RsiCore(rsiPeriod);
    this.rsiWin = new RollingWindow(stochPeriod);
    this.kWin = new RollingWindow(kPeriod);
    this.warmUp = rsiPeriod + stochPeriod + kPeriod - 1;
    this.lookback = rsiPeriod + 1 + forget(1 / rsiPeriod) + stochPeriod + kPeriod;
  }
  protected save(): void {
    this.rsi.save();
  }
  protected restore(): void {
    this.rsi.restore();
  }
  protected clear(): void {
    this.rsi.clear();
    this.rsiWin.clear();
    this.kWin.clear();
  }
  // Whether a step pushes into a window depends only on the number of inputs, so a replacing step pushes
  // exactly where the replaced one did and can use replaceLast.
  protected step(m: MinuteInput, replace: boolean): Out {
    const r = this.rsi.update(m.kline!.close);
    // trading-signals' StochasticRSI skips RSI == 0 with `if (rsiResult)`; we skip only the warm-up.
    if (Number.isNaN(r)) return null;
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

/** Wilder RSI, 0..100 (the arithmetic of trading-signals `RSI`). */
class Rsi extends OwnFeature {
  readonly warmUp: number;
  /** See GoldFeature.lookback: EMA/Wilder smoothing only converges. */
  readonly lookback: number;
  private readonly rsi: RsiCore;
  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.lookback = period + 1 + forget(1 / period);
    this.rsi = new RsiCore(period);
  }
  protected save(): void {
    this.rsi.save();
  }
  protected restore(): void {
    this.rsi.restore();
  }
  protected clear(): void {
    this.rsi.clear();
  }
  protected step(m: MinuteInput): Out {
    const r = this.rsi.update(m.kline!.close);
    return this.n >= this.warmUp && !Number.isNaN(r) ? r : null;
  }
}

/** MACD over EMAs seeded with the first close (the arithmetic of trading-signals `MACD`). */
class Macd extends OwnFeature {
  readonly warmUp: number;
  /** See GoldFeature.lookback: EMA/Wilder smoothing only converges. */
  readonly lookback: number;
  readonly columns: readonly GoldColumn[];
  private readonly slowP: number;
  private readonly fast: EmaCore;
  private readonly slow: EmaCore;
  private readonly signal: EmaCore;
  private readonly buf = new Float64Array(3);
  constructor(fast: number, slow: number, signal: number) {
    super();
    this.slowP = slow;
    this.fast = new EmaCore(fast);
    this.slow = new EmaCore(slow);
    this.signal = new EmaCore(signal);
    this.warmUp = slow + signal - 1;
    this.lookback = slow + forget(2 / (slow + 1)) + signal + forget(2 / (signal + 1));
    this.columns = [
      dbl('macd', `EMA(close, ${fast}) − EMA(close, ${slow}) (quote currency)`),
      dbl('macd_signal', `EMA(macd, ${signal})`),
      dbl('macd_hist', 'macd − macd_signal'),
    ];
  }
  protected save(): void {
    this.fast.save();
    this.slow.save();
    this.signal.save();
  }
  protected restore(): void {
    this.fast.restore();
    this.slow.restore();
    this.signal.restore();
  }
  protected clear(): void {
    this.fast.clear();
    this.slow.clear();
    this.signal.clear();
  }
  protected step(m: MinuteInput): Out {
    const c = m.kline!.close;
    const f = this.fast.update(c);
    const s = this.slow.update(c);
    if (this.n < this.slowP) return null;
    const macd = f - s;
    const sig = this.signal.update(macd);
    if (this.n < this.warmUp) return null;
    const b = this.buf;
    b[0] = macd;
    b[1] = sig;
    b[2] = macd - sig;
    return b;
  }
}

/** Wilder ATR and NATR (the arithmetic of trading-signals `ATR`). */
class Atr extends OwnFeature {
  readonly warmUp: number;
  /** See GoldFeature.lookback: EMA/Wilder smoothing only converges. */
  readonly lookback: number;
  readonly columns: readonly GoldColumn[];
  private readonly atr: AtrCore;
  private readonly buf = new Float64Array(2);
  constructor(period: number) {
    super();
    this.warmUp = period;
    this.lookback = period + 1 + forget(1 / period);
    this.atr = new AtrCore(period);
    this.columns = [
      dbl(`atr_${period}`, `Average true range, Wilder smoothing over ${period} minutes (quote currency)`),
      dbl(`natr_${period}`, `100 · atr_${period} / close (percent)`),
    ];
  }
  protected save(): void {
    this.atr.save();
  }
  protected restore(): void {
    this.atr.restore();
  }
  protected clear(): void {
    this.atr.clear();
  }
  protected step(m: MinuteInput): Out {
    const k = m.kline!;
    const r = this.atr.update(k.high, k.low, k.close);
    if (this.n < this.warmUp || !this.atr.stable) return null;
    const b = this.buf;
    b[0] = r;
    b[1] = (100 * r) / k.close;
    return b;
  }
}

/** Average directional index (the arithmetic of trading-signals `ADX`). */
class Adx extends OwnFeature {
  readonly warmUp: number;
  /** See GoldFeature.lookback: EMA/Wilder smoothing only converges. */
  readonly lookback: number;
  private readonly adx: AdxCore;
  constructor(period: number) {
    super();
    this.warmUp = 2 * period;
    this.lookback = 2 * (period + 1 + forget(1 / period));
    this.adx = new AdxCore(period);
  }
  protected save(): void {
    this.adx.save();
  }
  protected restore(): void {
    this.adx.restore();
  }
  protected clear(): void {
    this.adx.clear();
  }
  protected step(m: MinuteInput): Out {
    const k = m.kline!;
    const r = this.adx.update(k.high, k.low, k.close);
    return this.n >= this.warmUp && !Number.isNaN(r) ? r : null;
  }
}

/** Rate of change in percent (trading-signals `ROC` × 100). */
class Roc extends WindowFeature {
  private readonly period: number;
  constructor(period: number) {
    super(period + 1);
    this.period = period;
  }
  protected step(m: MinuteInput, replace: boolean): Out {
    const price = m.kline!.close;
    put(this.w, price, replace);
    if (!this.w.full) return null;
    const base = this.w.get(this.period);
    return 100 * ((price - base) / base);
  }
}

class Cci extends WindowFeature {
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
  /** Up to a day: the sum starts at 00:00 UTC (like cvd). */
  readonly warmUp = 1440;
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
    if (utcDayStart(m.open_time) === m.open_time) {
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

class VolumeZScore extends WindowFeature {
  protected step(m: MinuteInput, replace: boolean): Out {
    const v = m.kline!.volume;
    put(this.w, v, replace);
    if (!this.w.full) return null;
    const mean = this.w.mean();
    const sd = Math.sqrt(this.w.varianceAbout(mean));
    return sd > 0 ? (v - mean) / sd : null;
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

class EmaPair extends OwnFeature {
  readonly warmUp: number;
  /** See GoldFeature.lookback: EMA/Wilder smoothing only converges. */
  readonly lookback: number;
  readonly columns: readonly GoldColumn[];
  private readonly fastP: number;
  private readonly slowP: number;
  private readonly fast: EmaCore;
  private readonly slow: EmaCore;
  private readonly buf = new Float64Array(3);
  constructor(fast: number, slow: number) {
    super();
    this.fastP = fast;
    this.slowP = slow;
    this.fast = new EmaCore(fast);
    this.slow = new EmaCore(slow);
    // Both EMAs (and the ratio) are reported after the longer period.
    this.warmUp = Math.max(fast, slow);
    this.lookback = Math.max(fast, slow) + forget(2 / (Math.max(fast, slow) + 1));
    this.columns = [
      dbl(`ema_${fast}`, `EMA of close, k = 2/(${fast}+1), seeded with the first close`),
      dbl(`ema_${slow}`, `EMA of close, k = 2/(${slow}+1), seeded with the first close`),
      dbl(`ema_ratio_${fast}_${slow}`, `ema_${fast} / ema_${slow}`),
    ];
  }
  protected save(): void {
    this.fast.save();
    this.slow.save();
  }
  protected restore(): void {
    this.fast.restore();
    this.slow.restore();
  }
  protected clear(): void {
    this.fast.clear();
    this.slow.clear();
  }
  protected step(m: MinuteInput): Out {
    const c = m.kline!.close;
    const f = this.fast.update(c);
    const s = this.slow.update(c);
    const hasF = this.n >= this.fastP;
    const hasS = this.n >= this.slowP;
    if (!hasF && !hasS) return null;
    const b = this.buf;
    b[0] = hasF ? f : NAN;
    b[1] = hasS ? s : NAN;
    b[2] = hasF && hasS && s !== 0 ? f / s : NAN;
    return b;
  }
}

// Each subclass gets its own copies of add/replace (compiled separately), so the save/step/restore calls inside them
// see one class and stay monomorphic (inlinable) instead of dispatching over every feature class from one shared site.
for (const cls of [
  Ohlcv, LogReturns, Sma, Bollinger, RealizedVol, StochRsi, Rsi, Macd, Atr, Adx, Roc, Cci, Obv, VolumeZScore,
  TakerBuyRatio, RollingVwap, EmaPair,
]) {
  try {
    const methods = new Function(
      `/* ${cls.name} */ return {
        add: function add(m) { this.save(); this.hasPrev = true; this.n++; return (this.result = this.step(m, false)); },
        replace: function replace(m) { if (!this.hasPrev) return this.add(m); this.restore(); return (this.result = this.step(m, true)); },
      };`,
    )() as Pick<OwnFeature, 'add' | 'replace'>;
    Object.defineProperty(cls.prototype, 'add', { value: methods.add, writable: true, configurable: true });
    Object.defineProperty(cls.prototype, 'replace', { value: methods.replace, writable: true, configurable: true });
  } catch {
    // No code generation (e.g. a CSP): the shared OwnFeature methods do the same.
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
  /** `log_return_{h}m` = ln(close_t / close_{t−h}) for each horizon h (minutes); column warm-up h + 1, feature warm-up max h + 1. */
  logReturns: (horizons: readonly number[] = [1, 5, 15]): GoldFeature => new LogReturns(horizons),
  /** Wilder RSI (the arithmetic of trading-signals `RSI` with WSMA smoothing), 0..100; warm-up period + 1. */
  rsi: (period = 14): GoldFeature => new Rsi(period),
  /**
   * `macd`, `macd_signal`, `macd_hist` (EMAs seeded with the first value; the arithmetic of trading-signals `MACD`); reported only
   * once the signal EMA has `signal` inputs (warm-up slow + signal − 1), unlike trading-signals' `isStable`.
   */
  macd: (fast = 12, slow = 26, signal = 9): GoldFeature => new Macd(fast, slow, signal),
  /** `ema_{fast}`, `ema_{slow}` (the arithmetic of trading-signals `EMA`, seeded with the first close) and their ratio. */
  emaPair: (fast = 9, slow = 21): GoldFeature => new EmaPair(fast, slow),
  /** Simple moving average of close over `period` minutes (ring buffer + running sum). */
  sma: (period = 20): GoldFeature => new Sma(period),
  /**
   * Bollinger bands over `period` minutes with `k` population standard deviations: upper, lower, %B, width; with
   * `{ sma: true }` the middle band first, as `sma_{period}` (the values of {@link klineFeatures.sma}, from the same
   * window: one pass instead of two when a set has both).
   */
  bollinger: (period = 20, k = 2, options: { readonly sma?: boolean } = {}): GoldFeature => new Bollinger(period, k, options.sma ?? false),
  /** `atr_{p}` (the arithmetic of trading-signals `ATR`, Wilder smoothing) and `natr_{p}` = 100 · atr / close; warm-up period. */
  atr: (period = 14): GoldFeature => new Atr(period),
  /** `realized_vol_{p}m` = √Σ r² over the last `period` 1-minute log returns (not annualized); warm-up p + 1. */
  realizedVol: (period = 30): GoldFeature => new RealizedVol(period),
  /** Stochastic RSI %K: SMA(k) of 100 · (RSI − min)/(max − min) over `stoch` RSI values; 50 when max == min. */
  stochRsi: (rsiPeriod = 14, stochPeriod = 14, kPeriod = 3): GoldFeature => new StochRsi(rsiPeriod, stochPeriod, kPeriod),
  /** Average directional index (the arithmetic of trading-signals `ADX`, Wilder smoothing), 0..100; warm-up 2·period. */
  adx: (period = 14): GoldFeature => new Adx(period),
  /** Commodity channel index over `period` minutes of typical price (0 when the mean deviation is 0). */
  cci: (period = 20): GoldFeature => new Cci(period),
  /** Rate of change in percent, 100 · (close / close_{t−p} − 1) (the arithmetic of trading-signals `ROC`, × 100); warm-up p + 1. */
  roc: (period = 10): GoldFeature => new Roc(period),
  /** On-balance volume since 00:00 UTC, 0 at midnight (TA-Lib starts at volume[0]); `null` until the first midnight (warm-up up to 1440). */
  obv: (): GoldFeature => new Obv(),
  /** (volume − mean) / population σ of volume over the last `period` minutes (null when σ = 0). */
  volumeZScore: (period = 60): GoldFeature => new VolumeZScore(period),
  /** taker_buy_volume / volume of the kline (null when volume is 0 or the source has no taker volume). */
  takerBuyRatio: (): GoldFeature => new TakerBuyRatio(),
  /** Rolling VWAP over `period` minutes and the close's deviation from it in bps (restarts after a kline without quote volume). */
  rollingVwap: (period = 60): GoldFeature => new RollingVwap(period),
};
