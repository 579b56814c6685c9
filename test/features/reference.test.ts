import { createRequire } from 'node:module';
import { MACD as TsMACD, EMA as TsEMA, StochasticRSI as TsStochasticRSI } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import type { Bar, MinuteInput } from '../../src/features/feature.js';
import type { FeatureRow } from '../../src/features/feature-set.js';
import { scalping } from '../../src/features/features.js';
import { klineFeatures } from '../../src/features/kline-features.js';

// TA-Lib C through node-talib (a dev dependency built with node-gyp here): the independent implementation.
const talib = createRequire(import.meta.url)('talib') as {
  execute(o: Record<string, unknown>): { begIndex: number; nbElement: number; result: Record<string, number[]> };
};

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = 900;
const WARM = 300;

/** A seeded OHLCV series around 40 000 with realistic 1-minute moves. */
function series(seed: number) {
  const r = mulberry32(seed);
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  let p = 40000;
  for (let i = 0; i < N; i++) {
    const o = p;
    p = p * (1 + (r() - 0.5) * 0.004);
    const c = p;
    open.push(o);
    close.push(c);
    high.push(Math.max(o, c) * (1 + r() * 0.001));
    low.push(Math.min(o, c) * (1 - r() * 0.001));
    volume.push(1 + r() * 20);
  }
  return { open, high, low, close, volume };
}

function ta(name: string, s: ReturnType<typeof series>, opts: Record<string, unknown>, out: string): (number | null)[] {
  const res = talib.execute({
    name,
    startIdx: 0,
    endIdx: N - 1,
    open: s.open,
    high: s.high,
    low: s.low,
    close: s.close,
    volume: s.volume,
    inReal: s.close,
    ...opts,
  });
  const full: (number | null)[] = new Array(N).fill(null);
  const vals = res.result[out]!;
  for (let i = 0; i < res.nbElement; i++) full[res.begIndex + i] = vals[i]!;
  return full;
}

function minute(s: ReturnType<typeof series>, i: number): MinuteInput {
  const kline: Bar = {
    open: s.open[i]!,
    high: s.high[i]!,
    low: s.low[i]!,
    close: s.close[i]!,
    volume: s.volume[i]!,
    quote_volume: s.volume[i]! * s.close[i]!,
    trade_count: 10,
    taker_buy_volume: s.volume[i]! / 2,
  };
  return { open_time: 1704067200000 + i * 60000, kline, trades: null, book: null, perp: null };
}

function ours(s: ReturnType<typeof series>): FeatureRow[] {
  const set = scalping();
  const rows: FeatureRow[] = [];
  for (let i = 0; i < N; i++) {
    const values = new Float64Array(set.columns.length);
    set.add(minute(s, i), values);
    rows.push(set.toRecord(values));
  }
  return rows;
}

/** |a − b| ≤ 1e-6 · max(|b|, 1): relative, absolute for values below 1 in magnitude. */
function expectClose(actual: (number | null)[], expected: (number | null)[], what: string) {
  let worst = 0;
  for (let i = WARM; i < N; i++) {
    const a = actual[i];
    const e = expected[i];
    expect(a, `${what}[${i}]`).not.toBeNull();
    expect(e, `${what}[${i}] (TA-Lib)`).not.toBeNull();
    const err = Math.abs(a! - e!) / Math.max(Math.abs(e!), 1);
    if (err > worst) worst = err;
  }
  expect(worst, what).toBeLessThan(1e-6);
}

describe('reference values vs TA-Lib after a 300-bar warm-up', () => {
  for (const seed of [7, 20240101]) {
    const s = series(seed);
    const rows = ours(s);
    const col = (name: string) => rows.map((r) => r[name] as number | null);

    it(`seed ${seed}: rsi_14, ema_21, sma_20`, () => {
      expectClose(col('rsi_14'), ta('RSI', s, { optInTimePeriod: 14 }, 'outReal'), 'rsi_14');
      expectClose(col('ema_21'), ta('EMA', s, { optInTimePeriod: 21 }, 'outReal'), 'ema_21');
      expectClose(col('ema_9'), ta('EMA', s, { optInTimePeriod: 9 }, 'outReal'), 'ema_9');
      expectClose(col('sma_20'), ta('SMA', s, { optInTimePeriod: 20 }, 'outReal'), 'sma_20');
    });

    it(`seed ${seed}: macd, macd_signal, macd_hist (12/26/9)`, () => {
      const o = { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 };
      expectClose(col('macd'), ta('MACD', s, o, 'outMACD'), 'macd');
      expectClose(col('macd_signal'), ta('MACD', s, o, 'outMACDSignal'), 'macd_signal');
      expectClose(col('macd_hist'), ta('MACD', s, o, 'outMACDHist'), 'macd_hist');
    });

    it(`seed ${seed}: bb_upper_20, bb_lower_20 (2 σ)`, () => {
      const o = { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 };
      expectClose(col('bb_upper_20'), ta('BBANDS', s, o, 'outRealUpperBand'), 'bb_upper_20');
      expectClose(col('bb_lower_20'), ta('BBANDS', s, o, 'outRealLowerBand'), 'bb_lower_20');
    });

    it(`seed ${seed}: atr_14, natr_14, adx_14, cci_20, roc_10`, () => {
      expectClose(col('atr_14'), ta('ATR', s, { optInTimePeriod: 14 }, 'outReal'), 'atr_14');
      expectClose(col('natr_14'), ta('NATR', s, { optInTimePeriod: 14 }, 'outReal'), 'natr_14');
      expectClose(col('adx_14'), ta('ADX', s, { optInTimePeriod: 14 }, 'outReal'), 'adx_14');
      expectClose(col('cci_20'), ta('CCI', s, { optInTimePeriod: 20 }, 'outReal'), 'cci_20');
      expectClose(col('roc_10'), ta('ROC', s, { optInTimePeriod: 10 }, 'outReal'), 'roc_10');
    });

    it(`seed ${seed}: stoch_rsi_k = TA-Lib STOCHRSI(14, fastK 14, fastD 3 SMA) fastD`, () => {
      const o = { optInTimePeriod: 14, optInFastK_Period: 14, optInFastD_Period: 3, optInFastD_MAType: 0 };
      expectClose(col('stoch_rsi_k'), ta('STOCHRSI', s, o, 'outFastD'), 'stoch_rsi_k');
    });

    it(`seed ${seed}: obv equals TA-Lib OBV minus volume[0] (TA-Lib starts at the first volume)`, () => {
      const ref = ta('OBV', s, {}, 'outReal').map((v) => (v === null ? null : v - s.volume[0]!));
      expectClose(col('obv'), ref, 'obv');
      expect(col('obv')[0]).toBe(0);
    });
  }
});

describe('trading-signals edge bugs are handled', () => {
  it('StochasticRSI when max == min: trading-signals says 100 (wrong scale), we say the neutral 50', () => {
    // Strictly rising prices: RSI is 100 on every bar, so the RSI window's max equals its min.
    const prices = Array.from({ length: 60 }, (_, i) => 100 + i);
    const ts = new TsStochasticRSI(14);
    let tsLast: number | null = null;
    for (const p of prices) tsLast = ts.add(p);
    expect(tsLast).toBe(100);
    const f = klineFeatures.stochRsi(14, 14, 3);
    let last: unknown = null;
    prices.forEach((p, i) => {
      last = f.add({
        open_time: i * 60000,
        kline: { open: p, high: p, low: p, close: p, volume: 1, quote_volume: p, trade_count: 1, taker_buy_volume: 1 },
        trades: null,
        book: null,
        perp: null,
      });
    });
    expect(last).toBe(50);
  });

  it('StochasticRSI when RSI is 0 (falling prices) still updates: trading-signals skips it', () => {
    const prices = Array.from({ length: 60 }, (_, i) => 1000 - i);
    const f = klineFeatures.stochRsi(14, 14, 3);
    let last: unknown = null;
    prices.forEach((p, i) => {
      last = f.add({
        open_time: i * 60000,
        kline: { open: p, high: p, low: p, close: p, volume: 1, quote_volume: p, trade_count: 1, taker_buy_volume: 1 },
        trades: null,
        book: null,
        perp: null,
      });
    });
    expect(last).toBe(50);
  });

  it('MACD is not reported before its signal line has warmed up (trading-signals says stable at input 26)', () => {
    const s = series(3);
    const ts = new TsMACD(new TsEMA(12), new TsEMA(26), new TsEMA(9));
    const f = klineFeatures.macd(12, 26, 9);
    const firstTs: number[] = [];
    const firstOurs: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = ts.add(s.close[i]!);
      if (ts.isStable) firstTs.push(i);
      if (i === 25) expect(r?.histogram).toBe(0); // signal == macd: a meaningless zero histogram
      if (f.add(minute(s, i)) !== null) firstOurs.push(i);
    }
    expect(firstTs[0]).toBe(25);
    // TA-Lib's first MACD is at index 33 (26 + 9 − 2): ours too.
    expect(firstOurs[0]).toBe(33);
    expect(ta('MACD', s, { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 }, 'outMACD').findIndex((v) => v !== null)).toBe(33);
  });
});
