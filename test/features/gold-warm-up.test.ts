import { describe, expect, it } from 'vitest';
import type { FeatureRow } from '../../src/features/feature-set.js';
import { featureSet } from '../../src/features/feature-set.js';
import { scalping } from '../../src/features/features.js';
import { buildGold, type GoldSources } from '../../src/features/gold-builder.js';
import { batches, syntheticArrays } from './synthetic-market.js';

// What an incremental build relies on: reading `set.warmUpMinutes` minutes before `from` is enough for every column
// of the set to have, at `from`, the value a build from the whole history gives. Checked one feature at a time (a custom set of that feature alone), on a
// gap-free market with every input, at a `from` well inside the data.
const MIN = 60_000;
const START = Date.UTC(2024, 0, 1, 20, 0);
const MINUTES = 1_700;
const FROM = START + 1_600 * MIN; // 2024-01-02 22:40 UTC
const market = syntheticArrays({ seed: 21, start: START, minutes: MINUTES, tradesPerMinute: 4, minTradesPerMinute: 1, booksPerMinute: 1, marksPerMinute: 1 });

const sources = (from: number): GoldSources => ({
  klines: batches(market.klines.filter((k) => k.open_time >= from), 500),
  aggTrades: batches(market.aggTrades.filter((t) => t.trade_time >= from), 2_000),
  bookDepth: batches(market.bookDepth.filter((b) => b.event_time >= from), 500),
  markPrices: batches(market.markPrices.filter((x) => x.event_time >= from), 500),
  fundingRates: batches(market.fundingRates, 500),
});

async function rowAt(key: string, readFrom: number): Promise<FeatureRow> {
  const entry = scalping().entries.find((e) => e.key === key)!;
  const build = buildGold(sources(readFrom), { symbol: 'BTCUSDT', features: featureSet({ [key]: entry.feature }), from: FROM, to: FROM + MIN });
  const rows: FeatureRow[] = [];
  for await (const b of build) rows.push(...b);
  expect(rows.map((r) => r.open_time)).toStrictEqual([FROM]);
  return rows[0]!;
}


describe('declared warm-up', () => {
  for (const { key, columns, feature } of scalping().entries) {
    it(`${key}: reading its set's warm-up (${feature.lookback ?? feature.warmUp} minutes) before from gives every column the value of a full build`, async () => {
      const set = featureSet({ [key]: scalping().entries.find((e) => e.key === key)!.feature });
      const short = await rowAt(key, FROM - set.warmUpMinutes * MIN);
      for (const c of columns) expect(short[c.name], c.name).not.toBeNull();
      // Bit for bit, smoothed features (EMA, Wilder) included: their look-back outlasts their memory of the start.
      const whole = await rowAt(key, START);
      for (const c of columns) expect(short[c.name], c.name).toBe(whole[c.name]);
    });
  }
});
