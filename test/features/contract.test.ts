import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { bookImbalance } from '../../src/features/book-features.js';
import type { Feature, FeatureResult, MinuteInput } from '../../src/features/feature.js';
import { featureSet } from '../../src/features/feature-set.js';
import { scalping } from '../../src/features/features.js';
import { TradeBarBuilder } from '../../src/features/trade-bars.js';
import { syntheticMinutes } from './synthetic-market.js';

// 240 minutes from midnight UTC with every source present.
const START = Date.UTC(2024, 0, 2);
const inputs: MinuteInput[] = [];
for (const m of syntheticMinutes({ seed: 11, start: START, minutes: 242, tradesPerMinute: 6, minTradesPerMinute: 1, booksPerMinute: 3 })) {
  const b = new TradeBarBuilder('BTCUSDT', true);
  b.start(m.openTime, m.kline.open);
  for (const t of m.trades) b.add(t);
  let imb = 0;
  for (const s of m.books) imb += bookImbalance(s, 5)!;
  const mk = m.marks[m.marks.length - 1]!;
  inputs.push({
    open_time: m.openTime,
    kline: m.kline,
    trades: b.build(),
    book: { snapshot: m.books[m.books.length - 1]!, imbalance_5_mean: imb / m.books.length, snapshot_count: m.books.length },
    perp: { funding_rate: 0.0001, next_funding_time: mk.next_funding_time, mark_price: mk.mark_price, index_price: mk.index_price },
  });
}
const seq = inputs.slice(0, 240);
/** A different but valid input for the same minute (the next minute's data, re-timed). */
const other = (i: number): MinuteInput => ({ ...inputs[i + 1]!, open_time: inputs[i]!.open_time });

type Result = number | (number | null)[] | null;
/** Each column's warm-up in docs/features.md (inputs until its first value). */
const COLUMN_WARM_UP: Readonly<Record<string, number>> = {
  log_return_1m: 2, log_return_5m: 6, log_return_15m: 16, ema_9: 9, ema_21: 21, ema_ratio_9_21: 21,
};
const firstValue = (key: string, column: string): number => COLUMN_WARM_UP[column] ?? fresh(key).feature.warmUp ?? 1;
/** A copy of a result (multi-column results may be reused buffers), NaN/±Infinity as null. */
const snap = (r: FeatureResult | null): Result => {
  const v = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);
  return r === null ? null : typeof r === 'number' ? v(r) : Array.from(r as ArrayLike<number | null>, v);
};
const fresh = (key: string) => scalping().entries.find((e) => e.key === key)!;
const run = (key: string, xs: readonly MinuteInput[]): Result[] => {
  const f = fresh(key).feature;
  return xs.map((x) => snap(f.add(x)));
};

describe('Feature contract: every feature of the standard set', () => {
  for (const entry of scalping().entries) {
    const key = entry.key;
    describe(key, () => {
      it('is empty and unstable before any input', () => {
        const f = fresh(key).feature;
        expect(f.getResult()).toBeNull();
        expect(f.isStable).toBe(false);
      });

      it('warms up in exactly its declared number of inputs, then is stable with finite values of the right width', () => {
        const e = fresh(key);
        const results = seq.map((x) => snap(e.feature.add(x)));
        const first = results.findIndex((r) => r !== null);
        // cvd and obv start at 00:00 UTC, which is where the sequence starts (their declared warm-up is a day).
        const daily = key === 'cvd' || key === 'obv';
        expect(first).toBe(daily ? 0 : Math.min(...e.columns.map((c) => firstValue(key, c.name))) - 1);
        if (daily) expect(e.feature.warmUp).toBe(1440);
        else {
          // The declared warm-up is when the last column gets its value (an incremental build re-reads that much).
          const complete = results.findIndex((r) => r !== null && (typeof r === 'number' || r.every((v) => v !== null)));
          expect(complete).toBe((e.feature.warmUp ?? 1) - 1);
        }
        expect(e.feature.isStable).toBe(true);
        for (const r of results.slice(first)) {
          const values = typeof r === 'number' ? [r] : (r ?? []);
          expect(r === null || values.some((v) => v !== null), 'a result with no value must be null').toBe(true);
          expect(values.length).toBe(e.columns.length);
          for (const v of values) if (v !== null) expect(Number.isFinite(v)).toBe(true);
        }
        expect(snap(e.feature.getResult())).toStrictEqual(results[results.length - 1]);
      });

      it('replace() of the forming minute, then the final input, equals add() of the final input (bit for bit)', () => {
        const expected = run(key, seq);
        const f = fresh(key).feature;
        const got: Result[] = [];
        seq.forEach((x, i) => {
          f.add(other(i));
          f.replace(other(i + 1));
          got.push(snap(f.replace(x)));
        });
        expect(got).toStrictEqual(expected);
      });

      it('replace() on an empty feature acts as add()', () => {
        const a = fresh(key).feature;
        const b = fresh(key).feature;
        for (let i = 0; i < 80; i++) {
          if (i === 0) expect(snap(a.replace(seq[0]!))).toStrictEqual(snap(b.add(seq[0]!)));
          else expect(snap(a.add(seq[i]!))).toStrictEqual(snap(b.add(seq[i]!)));
        }
      });

      it('reset() forgets everything: it then behaves like a new instance', () => {
        const f = fresh(key).feature;
        for (const x of seq.slice(0, 120)) f.add(x);
        f.reset();
        expect(f.getResult()).toBeNull();
        expect(f.isStable).toBe(false);
        const after = seq.slice(120).map((x) => snap(f.add(x)));
        expect(after).toStrictEqual(run(key, seq.slice(120)));
      });
    });
  }
});

describe('featureSet', () => {
  it('accepts a user-written feature and fills its column; resets it when its input is missing', () => {
    let last: number | null = null;
    let n = 0;
    const range: Feature<MinuteInput, number> = {
      add: (m) => {
        n++;
        return (last = m.kline!.high - m.kline!.low);
      },
      replace: (m) => (last = m.kline!.high - m.kline!.low),
      getResult: () => last,
      get isStable() {
        return last !== null;
      },
      reset: () => {
        last = null;
      },
    };
    const set = featureSet({ range });
    expect(set.columns).toStrictEqual([{ name: 'range', type: 'double', description: 'Feature range' }]);
    const values = new Float64Array(1);
    set.add(seq[0]!, values);
    expect(set.toRecord(values)).toStrictEqual({ range: seq[0]!.kline!.high - seq[0]!.kline!.low });
    set.add({ ...seq[1]!, kline: null }, values);
    expect(set.toRecord(values)).toStrictEqual({ range: null });
    expect(last).toBeNull();
    expect(n).toBe(1);
  });

  it('refuses two features that fill the same column', () => {
    try {
      featureSet({ a: scalping().entries[0]!.feature, b: scalping().entries[0]!.feature });
      expect.unreachable();
    } catch (e) {
      expect(isScalplakeError(e, 'INVALID_ARGUMENT')).toBe(true);
      expect((e as Error).message).toContain('"open"');
    }
  });
});
