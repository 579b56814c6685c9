import { ADX, ATR, EMA, MACD, ROC, RSI } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import type { Bar, FeatureResult, GoldFeature, MinuteInput } from '../../src/features/feature.js';
import { featureSet } from '../../src/features/feature-set.js';
import { klineFeatures } from '../../src/features/kline-features.js';

// Our kline features reimplement the trading-signals indicators they replaced (no per-update allocations): the same
// floating-point operations in the same order, so every value must be bit-identical to trading-signals' (Object.is),
// not merely close. trading-signals is the independent implementation here.

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

const N = 400;
const bars: Bar[] = [];
{
  const r = mulberry32(99);
  let p = 40000;
  for (let i = 0; i < N; i++) {
    const o = p;
    // A few flat minutes exercise the ties (equal closes, zero directional movement).
    const flat = i % 37 >= 20 && i % 37 < 23;
    p = flat ? p : p * (1 + (r() - 0.5) * 0.004);
    const high = Math.max(o, p) * (1 + (flat ? 0 : r() * 0.001));
    const low = Math.min(o, p) * (1 - (flat ? 0 : r() * 0.001));
    const volume = 1 + r() * 20;
    bars.push({ open: o, high, low, close: p, volume, quote_volume: volume * p, trade_count: 5, taker_buy_volume: volume / 2 });
  }
}
const minute = (i: number, kline: Bar = bars[i]!): MinuteInput => ({ open_time: 1704067200000 + i * 60000, kline, trades: null, book: null, perp: null });
/** Column `c` of a result; NaN and ±Infinity (how multi-column results say null) as null. */
const num = (r: FeatureResult | null, c = 0): number | null => {
  const v = r === null ? null : typeof r === 'number' ? (c === 0 ? r : null) : (r[c] ?? null);
  return v !== null && Number.isFinite(v) ? v : null;
};

/** Feeds the feature and trading-signals side by side; `ref` returns trading-signals' value(s) or null. */
function compare(f: GoldFeature, columns: number, ref: (i: number) => (number | null)[] | null, warmUp: number) {
  let compared = 0;
  for (let i = 0; i < N; i++) {
    const got = f.add(minute(i));
    const want = ref(i);
    if (i < warmUp - 1) {
      expect(got, `input ${i} is warm-up`).toBeNull();
      continue;
    }
    expect(want, `trading-signals at ${i}`).not.toBeNull();
    for (let c = 0; c < columns; c++) {
      expect(Object.is(num(got, c), want![c]), `input ${i} column ${c}: ${num(got, c)} vs ${want![c]}`).toBe(true);
    }
    compared++;
  }
  expect(compared).toBe(N - warmUp + 1);
}

describe('kline features are bit-identical to the trading-signals indicators they reimplement', () => {
  it('rsi(14) = RSI(14)', () => {
    const ts = new RSI(14);
    compare(klineFeatures.rsi(14), 1, (i) => [ts.add(bars[i]!.close)], 15);
  });

  it('emaPair(9, 21) = EMA(9), EMA(21) and their ratio', () => {
    const a = new EMA(9);
    const b = new EMA(21);
    compare(
      klineFeatures.emaPair(9, 21),
      3,
      (i) => {
        const x = a.add(bars[i]!.close);
        const y = b.add(bars[i]!.close);
        return i < 20 || x === null || y === null ? [x, null, null] : [x, y, x / y];
      },
      9,
    );
  });

  it('macd(12, 26, 9) = MACD(EMA 12, EMA 26, EMA 9) from input 34', () => {
    const ts = new MACD(new EMA(12), new EMA(26), new EMA(9));
    compare(
      klineFeatures.macd(12, 26, 9),
      3,
      (i) => {
        const r = ts.add(bars[i]!.close);
        return r === null ? null : [r.macd, r.signal, r.histogram];
      },
      34,
    );
  });

  it('atr(14) = ATR(14), natr = 100 · atr / close', () => {
    const ts = new ATR(14);
    compare(
      klineFeatures.atr(14),
      2,
      (i) => {
        const r = ts.add(bars[i]!);
        return r === null ? null : [r, (100 * r) / bars[i]!.close];
      },
      14,
    );
  });

  it('adx(14) = ADX(14) from input 28', () => {
    const ts = new ADX(14);
    compare(
      klineFeatures.adx(14),
      1,
      (i) => {
        ts.add(bars[i]!);
        return [ts.getResult()];
      },
      28,
    );
  });

  it('roc(10) = 100 · ROC(10)', () => {
    const ts = new ROC(10);
    compare(
      klineFeatures.roc(10),
      1,
      (i) => {
        const r = ts.add(bars[i]!.close);
        return r === null ? null : [100 * r];
      },
      11,
    );
  });
});

describe('forming bars: replace equals add in its place, for the reimplemented indicators', () => {
  // trading-signals' own ADX drifts when its first candle is replaced (it made a live adx_14 differ from a batch
  // rebuild after every start or gap); ours restores the saved state.
  for (const key of ['rsi', 'macd', 'ema', 'atr', 'adx', 'roc', 'stoch'] as const) {
    it(key, () => {
      const make = () =>
        featureSet({
          rsi: klineFeatures.rsi(14),
          macd: klineFeatures.macd(12, 26, 9),
          ema: klineFeatures.emaPair(9, 21),
          atr: klineFeatures.atr(14),
          adx: klineFeatures.adx(14),
          roc: klineFeatures.roc(10),
          stoch: klineFeatures.stochRsi(14, 14, 3),
        }).entries.find((e) => e.key === key)!.feature;
      const live = make();
      const batch = make();
      for (let i = 0; i < 120; i++) {
        const b = bars[i]!;
        // Two provisional versions of the minute, then the closed bar.
        live.add(minute(i, { ...b, close: b.open, high: b.open, low: b.open }));
        live.replace(minute(i, { ...b, close: (b.open + b.close) / 2 }));
        const got = live.replace(minute(i));
        const want = batch.add(minute(i));
        const width = typeof want === 'number' || want === null ? 1 : want.length;
        for (let c = 0; c < width; c++) expect(Object.is(num(got, c), num(want, c)), `${key} minute ${i} column ${c}`).toBe(true);
      }
    });
  }
});

describe('bollinger with its middle band', () => {
  it('bollinger(20, 2, { sma: true }) fills sma_20 with the values of sma(20), then the four band columns of bollinger(20, 2)', () => {
    const merged = klineFeatures.bollinger(20, 2, { sma: true });
    const bands = klineFeatures.bollinger(20, 2);
    const sma = klineFeatures.sma(20);
    expect(merged.columns!.map((c) => c.name)).toEqual(['sma_20', ...bands.columns!.map((c) => c.name)]);
    let compared = 0;
    for (let i = 0; i < N; i++) {
      // A forming version first, so that replace goes through the shared window too.
      merged.add(minute(i, { ...bars[i]!, close: bars[i]!.open }));
      const got = merged.replace(minute(i));
      const b = bands.add(minute(i));
      const s = sma.add(minute(i));
      expect(got === null, `minute ${i}`).toBe(s === null);
      if (got === null) continue;
      expect(Object.is(num(got, 0), num(s))).toBe(true);
      for (let c = 0; c < 4; c++) expect(Object.is(num(got, c + 1), num(b, c)), `minute ${i} column ${c + 1}`).toBe(true);
      compared++;
    }
    expect(compared).toBe(N - 19);
  });
});
