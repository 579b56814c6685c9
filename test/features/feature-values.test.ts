/**
 * The values of the order-flow, book and perpetual gold columns against an independent computation: the raw
 * events are written to NDJSON and every expected column is computed in DuckDB SQL straight from the formulas of
 * docs/features.md (GROUP BY minute for the trades, ASOF JOIN on event time < minute close for the book and the
 * mark price, a window for cvd). Nothing of src/features is used on the expected side.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AggTrade, BookDepth, FundingRate, Kline, MarkPrice } from '../../src/core/tables.js';
import type { FeatureRow } from '../../src/features/feature-set.js';
import { featureSet } from '../../src/features/feature-set.js';
import { buildGold } from '../../src/features/gold-builder.js';
import { perpFeatures } from '../../src/features/perp-features.js';
import { batches, syntheticArrays } from './synthetic-market.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1, 23, 0); // 00:00 UTC (cvd restart, a funding settlement) is minute 60
const MINUTES = 240;

interface Market {
  readonly klines: Kline[];
  readonly aggTrades: AggTrade[];
  readonly bookDepth: BookDepth[];
  readonly markPrices: MarkPrice[];
  readonly fundingRates: FundingRate[];
}
interface Scenario {
  readonly market: Market;
  readonly bookMaxAgeMs: number;
  readonly markMaxAgeMs: number;
}

const minuteOf = (t: number) => Math.floor((t - START) / MIN);
const offsetIn = (t: number) => (t - START) % MIN;
const funding = (funding_time: number, funding_rate: number, funding_interval_hours: number | null): FundingRate => ({
  symbol: 'BTCUSDT', funding_time, funding_rate, mark_price: null, funding_interval_hours, source: 'replay', ingested_at: 0,
});

/** Scenario A: default max ages; holes and edge cases the generator does not make on its own. */
function scenarioA(): Scenario {
  const m = syntheticArrays({
    seed: 17,
    start: START,
    minutes: MINUTES,
    tradesPerMinute: 5,
    minTradesPerMinute: 0, // some minutes draw 0 trades: empty bars (the kline says 0 trades)
    booksPerMinute: 3,
    marksPerMinute: 2,
    klineGaps: new Set([120, 121, 200]),
    emptyMinutes: new Set([90]),
    droppedTradeMinutes: new Set([150]),
  });
  const bookDepth = m.bookDepth
    // no snapshot in minute 100; in minute 101 only the one 10 s after the open; none in 170..172
    .filter((b) => minuteOf(b.event_time) !== 100 && !(minuteOf(b.event_time) === 101 && offsetIn(b.event_time) > 20_000))
    .filter((b) => minuteOf(b.event_time) < 170 || minuteOf(b.event_time) > 172)
    .map((b, i) => {
      if (i % 7 !== 3) return b;
      // A thin book: levels 13..20 of one side null-padded.
      const x: Record<string, unknown> = { ...b };
      const side = i % 2 === 0 ? 'bid' : 'ask';
      for (let l = 13; l <= 20; l++) {
        x[`${side}_price_${l}`] = null;
        x[`${side}_qty_${l}`] = null;
      }
      return x as unknown as BookDepth;
    });
  const markPrices = m.markPrices
    .filter((x) => minuteOf(x.event_time) < 110 || minuteOf(x.event_time) > 112) // stale marks in 111..112
    .map((x, i) => (i % 11 === 5 ? { ...x, index_price: null } : x));
  const fundingRates = [
    // A settlement before the first kline (8 h interval): known at minute 0, expired from minute 1.
    funding(START - 8 * HOUR + 2, -0.00005, 8),
    ...m.fundingRates, // 00:00:00.003, minute 60
    // A 1 h settlement at 02:30: the rate of minutes 210.. (until 03:31).
    funding(START + 210 * MIN + 7, 0.00031, 1),
  ];
  return { market: { ...m, bookDepth, markPrices, fundingRates }, bookMaxAgeMs: MIN, markMaxAgeMs: MIN };
}

/**
 * Scenario B: the data starts at 00:00 UTC; longer max ages (a book or mark price from an earlier minute is used);
 * a 10-minute kline gap; klines without a trade count; an empty book side; marks without a next funding time.
 */
function scenarioB(): Scenario {
  const start = START + HOUR; // 00:00
  const mb = (t: number) => Math.floor((t - start) / MIN);
  const m = syntheticArrays({
    seed: 29,
    start,
    minutes: 150,
    tradesPerMinute: 4,
    minTradesPerMinute: 1,
    booksPerMinute: 2,
    marksPerMinute: 2,
    klineGaps: new Set(Array.from({ length: 10 }, (_, i) => 30 + i)),
    emptyMinutes: new Set([20, 21]),
    droppedTradeMinutes: new Set([55]),
  });
  // Minutes 50..59 from a source without trade counts: completeness from the agg-trade ids (55 and 56 are not).
  const klines = m.klines.map((k) => (mb(k.open_time) >= 50 && mb(k.open_time) < 60 ? { ...k, trade_count: null } : k));
  const bookDepth = m.bookDepth
    .filter((b) => mb(b.event_time) < 70 || mb(b.event_time) > 74)
    .map((b) => {
      if (mb(b.event_time) % 13 !== 5) return b;
      const x: Record<string, unknown> = { ...b }; // every bid level gone
      for (let l = 1; l <= 20; l++) x[`bid_price_${l}`] = x[`bid_qty_${l}`] = null;
      return x as unknown as BookDepth;
    });
  const markPrices = m.markPrices
    .filter((x) => mb(x.event_time) < 80 || mb(x.event_time) > 83)
    .map((x) => (mb(x.event_time) % 17 === 3 ? { ...x, next_funding_time: null } : x));
  return { market: { ...m, klines, bookDepth, markPrices }, bookMaxAgeMs: 150_000, markMaxAgeMs: 90_000 };
}

/**
 * Scenario C: mark prices may be 90 s old and none arrive in the minute of the 00:00 settlement; book snapshots
 * at most 10 s old (the one 50 s into a minute is exactly 10 s old at the close; every 9th minute lacks it).
 */
function scenarioC(): Scenario {
  const m = syntheticArrays({ seed: 5, start: START, minutes: 120, tradesPerMinute: 4, minTradesPerMinute: 1, booksPerMinute: 3, marksPerMinute: 2 });
  const bookDepth = m.bookDepth.filter((b) => !(minuteOf(b.event_time) % 9 === 0 && offsetIn(b.event_time) === 50_000));
  const markPrices = m.markPrices.filter((x) => minuteOf(x.event_time) !== 60);
  return { market: { ...m, bookDepth, markPrices }, bookMaxAgeMs: 10_000, markMaxAgeMs: 90_000 };
}

async function buildAndExpect(s: Scenario): Promise<{ rows: FeatureRow[]; expected: Record<string, unknown>[] }> {
  const { klines, aggTrades, bookDepth, markPrices, fundingRates } = s.market;
  const build = buildGold(
    {
      klines: batches(klines, 89),
      aggTrades: batches(aggTrades, 101),
      bookDepth: batches(bookDepth, 97),
      markPrices: batches(markPrices, 53),
      fundingRates: batches(fundingRates, 2),
    },
    { symbol: 'BTCUSDT', bookMaxAgeMs: s.bookMaxAgeMs, markMaxAgeMs: s.markMaxAgeMs },
  );
  const rows: FeatureRow[] = [];
  for await (const b of build) rows.push(...b);

  const dir = mkdtempSync(join(tmpdir(), 'scalplake-values-'));
  const ndjson = (name: string, items: readonly object[]) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, items.map((x) => JSON.stringify(x)).join('\n'));
    return file;
  };
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const levelCols = ['bid', 'ask'].flatMap((side) => ['price', 'qty'].flatMap((w) => lvl(side, w, 20, (n) => `${n}: 'DOUBLE'`)));
    await c.run(`
      CREATE TABLE k AS SELECT * FROM read_json('${ndjson('klines', klines)}', columns = {open_time: 'BIGINT', close: 'DOUBLE', trade_count: 'BIGINT'});
      CREATE TABLE t AS SELECT * FROM read_json('${ndjson('trades', aggTrades)}', columns = {agg_trade_id: 'BIGINT', price: 'DOUBLE',
        quantity: 'DOUBLE', first_trade_id: 'BIGINT', last_trade_id: 'BIGINT', trade_time: 'BIGINT', is_buyer_maker: 'BOOLEAN'});
      CREATE TABLE b AS SELECT * FROM read_json('${ndjson('books', bookDepth)}', columns = {event_time: 'BIGINT', ${levelCols.join(', ')}});
      CREATE TABLE m AS SELECT * FROM read_json('${ndjson('marks', markPrices)}', columns = {event_time: 'BIGINT', mark_price: 'DOUBLE',
        index_price: 'DOUBLE', next_funding_time: 'BIGINT'});
      CREATE TABLE f AS SELECT * FROM read_json('${ndjson('funding', fundingRates)}', columns = {funding_time: 'BIGINT', funding_rate: 'DOUBLE',
        funding_interval_hours: 'INTEGER'});
    `);
    const expected = (await c.runAndReadAll(expectedSql(s))).getRowObjects().map((r) =>
      Object.fromEntries(Object.entries(r).map(([key, v]) => [key, typeof v === 'bigint' ? Number(v) : v])),
    );
    return { rows, expected };
  } finally {
    c.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

const lvl = (side: string, what: string, n: number, f: (c: string) => string) => Array.from({ length: n }, (_, i) => f(`${side}_${what}_${i + 1}`));
// Σ qty over the top n levels and Σ price·qty over 20, written level by level (null-padded levels count 0).
const sumQ = (side: string, n: number) => lvl(side, 'qty', n, (x) => `coalesce(${x}, 0)`).join(' + ');
const notional = (side: string) => Array.from({ length: 20 }, (_, i) => `coalesce(${side}_price_${i + 1} * ${side}_qty_${i + 1}, 0)`).join(' + ');
const imb = (n: number) => `CASE WHEN (${sumQ('bid', n)}) + (${sumQ('ask', n)}) > 0
    THEN ((${sumQ('bid', n)}) - (${sumQ('ask', n)})) / ((${sumQ('bid', n)}) + (${sumQ('ask', n)})) END`;

/** Every expected column, from docs/features.md. */
const expectedSql = (s: Scenario) => `
    WITH grid AS (
      SELECT g AS open_time, g + 60000 AS close_time, g // 86400000 AS day
      FROM range((SELECT min(open_time) FROM k), (SELECT max(open_time) + 60000 FROM k), 60000) r(g)
    ),
    tj AS (
      SELECT *, trade_time - trade_time % 60000 AS minute,
        agg_trade_id <> lag(agg_trade_id) OVER (ORDER BY agg_trade_id) + 1 AS jumped
      FROM t
    ),
    tm AS (
      SELECT minute,
        sum(last_trade_id - first_trade_id + 1) AS fills,
        count(*) AS n,
        count(*) FILTER (WHERE NOT is_buyer_maker) AS n_buy,
        count(*) FILTER (WHERE is_buyer_maker) AS n_sell,
        sum(quantity) AS vol,
        coalesce(sum(quantity) FILTER (WHERE NOT is_buyer_maker), 0) AS buy,
        coalesce(sum(quantity) FILTER (WHERE is_buyer_maker), 0) AS sell,
        sum(price * quantity) AS pq,
        max(quantity) AS max_q,
        arg_max(price, agg_trade_id) AS last_price,
        bool_or(coalesce(jumped, false)) AS jumped
      FROM tj GROUP BY minute
    ),
    flow AS (
      SELECT g.open_time, g.close_time, g.day, k.close AS kclose, tm.last_price,
        -- complete: the fills add up to the kline's trade count; without a kline count, trades and no id jump
        CASE WHEN k.trade_count IS NOT NULL THEN coalesce(tm.fills, 0) = k.trade_count
             ELSE tm.minute IS NOT NULL AND NOT tm.jumped END AS ok,
        coalesce(tm.fills, 0) AS fills, coalesce(tm.n, 0) AS n, tm.n_buy, tm.n_sell,
        coalesce(tm.vol, 0) AS vol, coalesce(tm.buy, 0) AS buy, coalesce(tm.sell, 0) AS sell, tm.pq, tm.max_q
      FROM grid g LEFT JOIN k ON k.open_time = g.open_time LEFT JOIN tm ON tm.minute = g.open_time
    ),
    flow2 AS (
      SELECT *,
        -- cvd: from a midnight inside the data, with every minute since complete
        min(open_time) OVER (PARTITION BY day) = day * 86400000 AS day_from_midnight,
        bool_and(ok) OVER (PARTITION BY day ORDER BY open_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ok_since,
        sum(CASE WHEN ok THEN buy - sell END) OVER (PARTITION BY day ORDER BY open_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_delta
      FROM flow
    ),
    bs AS (
      SELECT event_time, event_time - event_time % 60000 AS minute, ${imb(5)} AS imb5, ${imb(20)} AS imb20,
        bid_price_1, ask_price_1, bid_qty_1, ask_qty_1, ${notional('bid')} AS bid_usd, ${notional('ask')} AS ask_usd
      FROM b
    ),
    bmean AS (SELECT minute, avg(imb5) AS imb5_mean FROM bs GROUP BY minute),
    book AS (
      SELECT g.open_time, bs.*, bmean.imb5_mean
      FROM grid g ASOF JOIN bs ON g.close_time > bs.event_time
      LEFT JOIN bmean ON bmean.minute = g.open_time
      WHERE bs.event_time >= g.close_time - ${s.bookMaxAgeMs}
    ),
    mk AS (
      SELECT g.open_time, m.mark_price, m.index_price, m.next_funding_time
      FROM grid g ASOF JOIN m ON g.close_time > m.event_time
      WHERE m.event_time >= g.close_time - ${s.markMaxAgeMs}
    ),
    fu AS (
      SELECT g.open_time, f.funding_rate,
        -- the settlement's minute + its interval (Binance stamps a settlement a few ms after the minute)
        f.funding_time - f.funding_time % 60000 + coalesce(f.funding_interval_hours, 8) * 3600000 AS next_settlement
      FROM grid g ASOF JOIN f ON g.close_time > f.funding_time
      WHERE g.close_time <= f.funding_time - f.funding_time % 60000 + coalesce(f.funding_interval_hours, 8) * 3600000 + 60000
    )
    SELECT
      x.open_time,
      CASE WHEN ok THEN fills END AS trade_count,
      CASE WHEN ok THEN buy END AS buy_volume,
      CASE WHEN ok THEN sell END AS sell_volume,
      CASE WHEN ok THEN buy - sell END AS volume_delta,
      CASE WHEN ok AND day_from_midnight AND ok_since THEN cum_delta END AS cvd,
      CASE WHEN ok AND n > 0 THEN pq / vol END AS vwap_1m,
      CASE WHEN ok AND n > 0 THEN vol / n END AS avg_trade_size,
      CASE WHEN ok AND n > 0 THEN max_q END AS max_trade_size,
      CASE WHEN ok AND n > 0 THEN (n_buy - n_sell) / n END AS trade_imbalance,
      (ask_price_1 - bid_price_1) / ((bid_price_1 + ask_price_1) / 2) * 10000 AS spread_bps,
      (bid_price_1 + ask_price_1) / 2 AS mid_price,
      (bid_price_1 * ask_qty_1 + ask_price_1 * bid_qty_1) / (bid_qty_1 + ask_qty_1) AS microprice,
      book.imb5 AS book_imbalance_5,
      book.imb20 AS book_imbalance_20,
      book.bid_usd AS bid_depth_20_usd,
      book.ask_usd AS ask_depth_20_usd,
      book.imb5_mean AS book_imbalance_5_mean,
      fu.funding_rate,
      -- the next settlement: the mark stream's, unless that one is already past (a mark from before a settlement)
      (CASE WHEN mk.next_funding_time >= x.close_time THEN mk.next_funding_time ELSE fu.next_settlement END - x.close_time) / 60000
        AS minutes_to_funding,
      mk.mark_price,
      mk.index_price,
      (mk.mark_price - mk.index_price) / mk.index_price * 10000 AS premium_bps,
      (coalesce(kclose, CASE WHEN ok THEN last_price END) - mk.index_price) / mk.index_price * 10000 AS basis_bps
    FROM flow2 x
    LEFT JOIN book ON book.open_time = x.open_time
    LEFT JOIN mk ON mk.open_time = x.open_time
    LEFT JOIN fu ON fu.open_time = x.open_time
    ORDER BY x.open_time`;

/**
 * Tolerances. Columns computed with the same arithmetic on the same doubles are compared exactly. Sums over a
 * minute's trades may add in another order in DuckDB (and sell_volume is computed directly here, volume − buy in
 * the engine), so they get 1e-12 relative to the minute's volume; a cumulative sum over up to 1440 minutes, 1e-10.
 */
const COLUMNS: Record<string, 'exact' | number> = {
  trade_count: 'exact',
  buy_volume: 1e-12,
  sell_volume: 1e-12,
  volume_delta: 1e-12,
  cvd: 1e-10,
  vwap_1m: 1e-12,
  avg_trade_size: 1e-12,
  max_trade_size: 'exact',
  trade_imbalance: 'exact',
  spread_bps: 'exact',
  mid_price: 'exact',
  microprice: 'exact',
  book_imbalance_5: 'exact',
  book_imbalance_20: 'exact',
  bid_depth_20_usd: 'exact',
  ask_depth_20_usd: 'exact',
  book_imbalance_5_mean: 1e-14,
  funding_rate: 'exact',
  minutes_to_funding: 'exact',
  mark_price: 'exact',
  index_price: 'exact',
  premium_bps: 'exact',
  basis_bps: 'exact',
};

const scenarios: Record<string, () => Scenario> = { A: scenarioA, B: scenarioB, C: scenarioC };

/** Nulls per column the scenario must produce, so that every rule above is exercised (counted on the SQL side). */
const COVERAGE: Record<string, Record<string, number>> = {
  // trade_count: minute 150 (dropped trades); vwap_1m: + 28 empty bars (trade_count 0); cvd: 60 before midnight + 150.. ; book: 100, 170..172;
  // mark: 110..112; index: + nulls in the mark stream; funding: 1..59 (expired 8 h settlement, next one at minute 60)
  A: { trade_count: 1, vwap_1m: 29, cvd: 150, spread_bps: 4, book_imbalance_5_mean: 4, mark_price: 3, index_price: 25, funding_rate: 59, minutes_to_funding: 0 },
  // trade_count: 55, 56 (no kline count, an id jump); spread: empty bid sides; book: 72..74 (150 s max age); mark: 81..83
  B: { trade_count: 2, vwap_1m: 4, cvd: 95, spread_bps: 14, book_imbalance_5: 3, book_imbalance_5_mean: 5, mark_price: 3, funding_rate: 0 },
  // book: the 14 minutes divisible by 9 (last snapshot 30 s old)
  C: { trade_count: 0, cvd: 60, spread_bps: 14, mark_price: 0, funding_rate: 60, minutes_to_funding: 0 },
};

describe.each(Object.keys(scenarios))('scenario %s: order-flow, book and perpetual columns against DuckDB SQL', (name) => {
  let rows: FeatureRow[] = [];
  let expected: Record<string, unknown>[] = [];
  beforeAll(async () => {
    ({ rows, expected } = await buildAndExpect(scenarios[name]!()));
  });

  it('has one row per minute on both sides, and the scenario’s nulls', () => {
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.map((r) => r.open_time)).toStrictEqual(expected.map((r) => r.open_time));
    for (const [col, n] of Object.entries(COVERAGE[name]!)) expect(expected.filter((r) => r[col] === null).length, col).toBe(n);
  });

  it('never gives a negative minutes_to_funding', () => {
    for (const r of rows) if (r.minutes_to_funding !== null) expect(r.minutes_to_funding).toBeGreaterThanOrEqual(0);
  });

  for (const [col, tol] of Object.entries(COLUMNS)) {
    it(`${col} equals the SQL value in every row${tol === 'exact' ? '' : ` (relative ${tol})`}`, () => {
      const bad: string[] = [];
      rows.forEach((r, i) => {
        const e = expected[i]!;
        const got = r[col] as number | null;
        const want = e[col] as number | null;
        let ok: boolean;
        if (got === null || want === null) ok = got === want;
        else if (tol === 'exact') ok = Object.is(got, want);
        else ok = Math.abs(got - want) <= tol * Math.max(Math.abs(want), 1);
        if (!ok) bad.push(`minute ${i}: got ${got}, want ${want}`);
      });
      expect(bad.slice(0, 10), `${bad.length} mismatches`).toStrictEqual([]);
    });
  }
});

describe('Perpetual feature', () => {
  it('gives null, not a negative count, for a next funding time before the close', () => {
    const set = featureSet({ perp: perpFeatures.perpetual() });
    const out = new Float64Array(set.columns.length);
    const open = Date.UTC(2024, 0, 2, 0, 0);
    const perp = { funding_rate: 0.0001, next_funding_time: open, mark_price: 100, index_price: 99.5 };
    set.add({ open_time: open, kline: null, trades: null, book: null, perp }, out);
    expect(set.toRecord(out)).toMatchObject({ minutes_to_funding: null, mark_price: 100, premium_bps: ((100 - 99.5) / 99.5) * 10_000 });
    set.add({ open_time: open - MIN, kline: null, trades: null, book: null, perp }, out); // the close is the settlement: 0
    expect(set.toRecord(out).minutes_to_funding).toBe(0);
    set.add({ open_time: open, kline: null, trades: null, book: null, perp: { ...perp, next_funding_time: open + 8 * HOUR } }, out);
    expect(set.toRecord(out).minutes_to_funding).toBe(479);
  });
});
