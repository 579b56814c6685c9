import { describe, expect, it } from 'vitest';
import { featureSet } from '../../src/features/feature-set.js';
import { buildGold } from '../../src/features/gold-builder.js';
import { orderFlowFeatures } from '../../src/features/order-flow-features.js';
import { sizeBucket } from '../../src/features/trade-bars.js';
import { batches, syntheticArrays } from './synthetic-market.js';

const MIN = 60_000;
const START = Date.UTC(2024, 2, 1);

describe('large_trade_count', () => {
  it('counts the minute’s trades above the bucket of the ⌊1 %·N⌋-th largest size of the previous 60 minutes (brute force)', async () => {
    const m = syntheticArrays({ seed: 11, start: START, minutes: 180, tradesPerMinute: 25, minTradesPerMinute: 1 });
    const build = buildGold(
      { klines: batches(m.klines, 50), aggTrades: batches(m.aggTrades, 333) },
      { symbol: 'BTCUSDT', features: featureSet({ large: orderFlowFeatures.largeTrades(0.99, 60) }) },
    );
    const rows = [];
    for await (const b of build) rows.push(...b);
    const byMinute = new Map<number, number[]>();
    for (const t of m.aggTrades) {
      const minute = Math.floor((t.trade_time - START) / MIN);
      byMinute.set(minute, [...(byMinute.get(minute) ?? []), sizeBucket(t.quantity)]);
    }
    let nonZero = 0;
    rows.forEach((r, i) => {
      if (i < 60) {
        expect(r.large_trade_count, `minute ${i}`).toBeNull();
        return;
      }
      const window = Array.from({ length: 60 }, (_, k) => byMinute.get(i - 60 + k) ?? []).flat().sort((a, b) => b - a);
      const threshold = window[Math.floor(0.01 * window.length)]!;
      const expected = (byMinute.get(i) ?? []).filter((b) => b > threshold).length;
      expect(r.large_trade_count, `minute ${i}`).toBe(expected);
      if (expected > 0) nonZero++;
    });
    expect(nonZero).toBeGreaterThan(10);
  });
});
