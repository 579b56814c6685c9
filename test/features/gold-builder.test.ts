import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunEvents, type GapEvent } from '../../src/core/events.js';
import { columnsOf } from '../../src/core/schema.js';
import { AggTrade, BookDepth, FundingRate, Kline, MarkPrice } from '../../src/core/tables.js';
import type { GoldFeature } from '../../src/features/feature.js';
import { featureSet } from '../../src/features/feature-set.js';
import { compileRowPacker } from '../../src/sinks/row-packer.js';
import type { FeatureRow } from '../../src/features/feature-set.js';
import { scalping } from '../../src/features/features.js';
import { buildGold, buildGoldColumns, type GoldSources } from '../../src/features/gold-builder.js';
import { GoldEngine } from '../../src/features/gold-engine.js';
import { GoldFeatures, LABEL_COLUMNS } from '../../src/features/gold-schema.js';
import { encodeParquet } from '../../src/sinks/parquet-writer.js';
import { batches, syntheticArrays, syntheticColumnSources } from './synthetic-market.js';

const MIN = 60_000;
const START = Date.UTC(2024, 0, 1, 23, 0); // midnight (cvd restart) is minute 60
const MINUTES = 200;
const GAPS = new Set([120, 121]);
const DROPPED = new Set([150]);
const market = syntheticArrays({
  seed: 3,
  start: START,
  minutes: MINUTES,
  tradesPerMinute: 6,
  minTradesPerMinute: 1,
  booksPerMinute: 3,
  marksPerMinute: 2,
  klineGaps: GAPS,
  emptyMinutes: new Set([90]),
  droppedTradeMinutes: DROPPED,
});
type Market = typeof market;

const sourcesOf = (m: Market, size = 97): GoldSources => ({
  klines: batches(m.klines, size),
  aggTrades: batches(m.aggTrades, size),
  bookDepth: batches(m.bookDepth, size),
  markPrices: batches(m.markPrices, size),
  fundingRates: batches(m.fundingRates, size),
});

async function collect(sources: GoldSources, symbol = 'BTCUSDT', extra: Partial<Parameters<typeof buildGold>[1]> = {}) {
  const build = buildGold(sources, { symbol, ...extra });
  const rows: FeatureRow[] = [];
  for await (const b of build) rows.push(...b);
  return { rows, report: build.report };
}

const full = await collect(sourcesOf(market));
const at = (rows: FeatureRow[], minute: number) => rows.find((r) => r.open_time === START + minute * MIN)!;
const LABELS = new Set(LABEL_COLUMNS.map((c) => c.name));
const withoutLabels = (r: FeatureRow) => Object.fromEntries(Object.entries(r).filter(([k]) => !LABELS.has(k)));

describe('buildGold', () => {
  it('emits one row per minute from the first to the last kline, with the standard schema’s columns in order', () => {
    expect(full.rows.length).toBe(MINUTES);
    expect(full.rows.map((r) => r.open_time)).toStrictEqual(Array.from({ length: MINUTES }, (_, i) => START + i * MIN));
    expect(Object.keys(full.rows[0]!)).toStrictEqual(columnsOf(GoldFeatures).map((c) => c.name));
    const std = scalping().columns;
    const schemaCols = columnsOf(GoldFeatures).slice(2, 2 + std.length);
    expect(schemaCols.map((c) => [c.name, c.type === 'int64' ? 'int64' : 'double'])).toStrictEqual(std.map((c) => [c.name, c.type]));
  });

  it('records a kline gap, nulls the kline columns in it and warms the kline features up again after it', async () => {
    const events = createRunEvents();
    const seen: GapEvent[] = [];
    events.on('gap', (g) => seen.push(g));
    const { report } = await collect(sourcesOf(market), 'BTCUSDT', { events });
    const gap = { table: 'klines', symbol: 'BTCUSDT', kind: 'time', from: START + 120 * MIN, to: START + 121 * MIN, missing: 2 };
    expect(report.gaps).toStrictEqual([gap]);
    expect(seen).toStrictEqual([gap]);
    expect(at(full.rows, 120).close).toBeNull();
    expect(at(full.rows, 121).rsi_14).toBeNull();
    // Order flow keeps going in a kline gap when trades exist.
    expect(at(full.rows, 121).trade_count).toBeGreaterThan(0);
    // RSI(14) needs 15 closes again: first value at minute 122 + 14.
    for (let m = 122; m < 136; m++) expect(at(full.rows, m).rsi_14, `minute ${m}`).toBeNull();
    expect(at(full.rows, 136).rsi_14).not.toBeNull();
    expect(at(full.rows, 122).close).toBe(market.klines.find((k) => k.open_time === START + 122 * MIN)!.close);
    // log_return_1m never bridges the gap.
    expect(at(full.rows, 122).log_return_1m).toBeNull();
    expect(at(full.rows, 123).log_return_1m).toBeCloseTo(
      Math.log((at(full.rows, 123).close as number) / (at(full.rows, 122).close as number)),
      12,
    );
  });

  it('nulls order flow in a minute with missing trades, and cvd until the next UTC midnight', () => {
    expect(full.report.tradeIdGaps).toBe(1);
    expect(at(full.rows, 149).trade_count).not.toBeNull();
    expect(at(full.rows, 150).trade_count).toBeNull();
    expect(at(full.rows, 150).volume).not.toBeNull();
    // Minute 151 follows the hole in the agg ids, but its fills add up to its kline's trade count: complete.
    expect(at(full.rows, 151).trade_count).toBe(market.klines.find((k) => k.open_time === START + 151 * MIN)!.trade_count);
    expect(at(full.rows, 59).cvd).toBeNull(); // before the first midnight: a partial day is never reported
    expect(at(full.rows, 60).cvd).toBe(at(full.rows, 60).volume_delta);
    expect(at(full.rows, 149).cvd).not.toBeNull();
    for (let m = 150; m < MINUTES; m++) expect(at(full.rows, m).cvd).toBeNull();
    // An empty minute whose kline says 0 trades is a real empty bar, not missing data.
    expect(at(full.rows, 90).trade_count).toBe(0);
    expect(at(full.rows, 90).vwap_1m).toBeNull();
  });

  it('cvd is the running sum of volume_delta since midnight', () => {
    let sum = 0;
    for (let m = 60; m < 150; m++) {
      sum += at(full.rows, m).volume_delta as number;
      expect(at(full.rows, m).cvd as number).toBeCloseTo(sum, 9);
    }
  });

  it('labels are forward returns of the close with a ±threshold direction; missing closes give null', async () => {
    const { rows } = await collect(sourcesOf(market), 'BTCUSDT', { labelThresholdBps: 3 });
    const close = (m: number) => at(rows, m).close as number | null;
    let checked = 0;
    for (let m = 0; m < MINUTES; m++) {
      const r = at(rows, m);
      for (const h of [1, 5, 15]) {
        const c0 = close(m);
        const c1 = m + h < MINUTES ? close(m + h) : null;
        const v = r[`label_fwd_return_${h}m`];
        if (c0 === null || c1 === null) expect(v, `${m}+${h}`).toBeNull();
        else {
          expect(v).toBe(c1 / c0 - 1);
          checked++;
        }
      }
      const f5 = r.label_fwd_return_5m as number | null;
      expect(r.label_direction_5m).toBe(f5 === null ? null : f5 > 3e-4 ? 1 : f5 < -3e-4 ? -1 : 0);
    }
    expect(checked).toBeGreaterThan(500);
    expect(new Set(rows.map((r) => r.label_direction_5m))).toStrictEqual(new Set([1, 0, -1, null]));
  });

  it('with only klines, every other column is null', async () => {
    const { rows } = await collect({ klines: batches(market.klines) });
    expect(rows.length).toBe(MINUTES);
    const r = at(rows, 100);
    expect(r.rsi_14).toBe(at(full.rows, 100).rsi_14);
    for (const c of ['trade_count', 'cvd', 'vwap_1m', 'large_trade_count', 'spread_bps', 'book_imbalance_5_mean', 'funding_rate', 'mark_price', 'basis_bps']) {
      for (const row of rows) expect(row[c], c).toBeNull();
    }
  });

  it('emits only [from, to) but warms up on the klines before `from`', async () => {
    const from = START + 50 * MIN;
    const to = START + 70 * MIN;
    const { rows } = await collect(sourcesOf(market), 'BTCUSDT', { from, to });
    expect(rows.map((r) => r.open_time)).toStrictEqual(Array.from({ length: 20 }, (_, i) => from + i * MIN));
    expect(rows).toStrictEqual(full.rows.slice(50, 70));
  });

  it('is point-in-time: features of minute t from data cut at t + 60 s equal those from the full history', async () => {
    const minutes = fc.integer({ min: 0, max: MINUTES - 1 }).filter((m) => !GAPS.has(m));
    await fc.assert(
      fc.asyncProperty(minutes, async (m) => {
        const cut = START + m * MIN + MIN;
        const cutMarket: Market = {
          klines: market.klines.filter((k) => k.close_time < cut),
          aggTrades: market.aggTrades.filter((t) => t.trade_time < cut),
          bookDepth: market.bookDepth.filter((b) => b.event_time < cut),
          markPrices: market.markPrices.filter((x) => x.event_time < cut),
          fundingRates: market.fundingRates.filter((f) => f.funding_time < cut),
        };
        const { rows } = await collect(sourcesOf(cutMarket, 61));
        expect(rows[rows.length - 1]!.open_time).toBe(START + m * MIN);
        expect(withoutLabels(rows[rows.length - 1]!)).toStrictEqual(withoutLabels(at(full.rows, m)));
      }),
      { numRuns: 12, seed: 4242 },
    );
  });

  it('builds the real BTCUSDT 2019-09 klines (launch minutes, a missing 19:00 bar)', async () => {
    const text = readFileSync(new URL('../fixtures/klines/BTCUSDT-1m-2019-09-first400.csv', import.meta.url), 'utf8');
    const klines: Kline[] = text
      .trim()
      .split('\n')
      .map((line) => {
        const c = line.split(',').map(Number);
        return {
          symbol: 'BTCUSDT', interval: '1m', open_time: c[0]!, close_time: c[6]!, open: c[1]!, high: c[2]!, low: c[3]!, close: c[4]!, volume: c[5]!,
          quote_volume: c[7]!, trade_count: c[8]!, taker_buy_volume: c[9]!, taker_buy_quote_volume: c[10]!, source: 'datavision', ingested_at: 0,
        };
      });
    const { rows, report } = await collect({ klines: batches(klines, 128) });
    expect(rows.length).toBe(401);
    expect(report.gaps).toStrictEqual([{ table: 'klines', symbol: 'BTCUSDT', kind: 'time', from: 1567969200000, to: 1567969200000, missing: 1 }]);
    const gapRow = rows.find((r) => r.open_time === 1567969200000)!;
    expect(gapRow.close).toBeNull();
    const i = rows.indexOf(gapRow);
    expect(rows[i + 1]!.sma_20).toBeNull();
    expect(rows[i + 20]!.sma_20).toBeCloseTo(klines.slice(i, i + 20).reduce((s, k) => s + k.close, 0) / 20, 8);
    // Zero-volume launch minutes: ratios over volume are null, never NaN.
    const zero = rows.find((r) => r.volume === 0)!;
    expect(zero.taker_buy_ratio).toBeNull();
  });
});

describe('buildGoldColumns', () => {
  it('gives the rows of buildGold as column blocks: the same names, values and nulls, in blocks of batchSize', async () => {
    const build = buildGoldColumns(sourcesOf(market), { symbol: 'BTCUSDT', batchSize: 64 });
    expect(build.columns).toStrictEqual(Object.keys(full.rows[0]!));
    const sizes: number[] = [];
    const rebuilt: FeatureRow[] = [];
    for await (const block of build) {
      sizes.push(block.n);
      for (let i = 0; i < block.n; i++) {
        const row: FeatureRow = {};
        build.columns.forEach((name, c) => {
          const col = block.cols[c]!;
          row[name] = Array.isArray(col) ? col[i]! : block.nulls[c]![i] === 1 ? null : col[i]!;
        });
        rebuilt.push(row);
      }
    }
    expect(sizes).toStrictEqual([64, 64, 64, 8]);
    expect(rebuilt).toStrictEqual(full.rows);
    expect(build.report).toStrictEqual(full.report);
  });
});

describe('silver as columns', () => {
  // The market with the nulls silver can hold: thin books (best levels too), marks without index price or next
  // funding time, settlements without an interval; and a late trade and a duplicate book.
  const thin: Market = {
    ...market,
    bookDepth: market.bookDepth.map((b, i) => {
      const r = { ...b } as Record<string, unknown>;
      if (i % 5 === 0) for (let l = 21 - (i % 20); l <= 20; l++) r[`ask_qty_${l}`] = r[`ask_price_${l}`] = null;
      if (i % 11 === 0) r.bid_price_1 = null;
      if (i % 13 === 0) r.bid_qty_3 = null;
      if (i % 17 === 0) r.ask_qty_1 = null;
      return r as unknown as BookDepth;
    }),
    markPrices: market.markPrices.map((m, i) => ({ ...m, index_price: i % 7 === 0 ? null : m.index_price, next_funding_time: i % 3 === 0 ? null : m.next_funding_time })),
    fundingRates: market.fundingRates.map((f) => ({ ...f, funding_interval_hours: null })),
  };
  const packers = { klines: Kline, aggTrades: AggTrade, bookDepth: BookDepth, markPrices: MarkPrice, fundingRates: FundingRate } as const;
  /** Each stream in batches of `size` rows, as columns, or alternating columns and records (`mixed`). */
  const sourcesAs = (m: Market, size: number, mixed: boolean): GoldSources => {
    const out: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(packers)) {
      const packer = compileRowPacker(columnsOf(schema));
      const rows = m[name as keyof typeof packers] as readonly unknown[];
      out[name] = (async function* () {
        for (let i = 0, b = 0; i < rows.length; i += size, b++) {
          const slice = rows.slice(i, i + size);
          if (mixed && b % 2 === 1) {
            yield slice;
            continue;
          }
          const p = packer.create(slice.length);
          for (const r of slice) packer.push(p, r);
          yield p;
        }
      })();
    }
    return out as unknown as GoldSources;
  };

  it('the synthetic market as column batches (the benchmark input; it reuses its book records) holds its records', async () => {
    const o = { seed: 9, start: Date.UTC(2024, 0, 1), minutes: 2_000, tradesPerMinute: 4, booksPerMinute: 3, marksPerMinute: 1, batchMinutes: 700 };
    const want = syntheticArrays(o);
    const streams = syntheticColumnSources(o);
    for (const [name, schema] of Object.entries(packers)) {
      const packer = compileRowPacker(columnsOf(schema));
      const got: unknown[] = [];
      for await (const b of streams[name as keyof typeof packers]()) got.push(...packer.unpack(b));
      expect(got.length, name).toBeGreaterThan(0);
      expect(got, name).toStrictEqual(want[name as keyof typeof packers]);
    }
  });

  it('give the same rows, bit for bit, as records: any batch size, mixed batches, nulls, gaps and late events', async () => {
    const late = { ...thin, aggTrades: [...thin.aggTrades.slice(0, 400), thin.aggTrades[100]!, ...thin.aggTrades.slice(400)], bookDepth: [...thin.bookDepth.slice(0, 50), thin.bookDepth[49]!, ...thin.bookDepth.slice(50)] };
    for (const m of [thin, late]) {
      const want = await collect(sourcesOf(m, 4096));
      expect(want.report.lateEvents + want.report.gaps.length).toBeGreaterThan(0);
      for (const [size, mixed] of [[1, false], [7, true], [97, false], [250, true], [5000, false]] as const) {
        const got = await collect(sourcesAs(m, size, mixed));
        expect(got.rows, `batches of ${size}${mixed ? ', mixed' : ''}`).toStrictEqual(want.rows);
        expect(got.report).toStrictEqual(want.report);
      }
    }
    // The nulls reach the features: a null best bid leaves spread and mid null, a null index price the premium.
    const rows = (await collect(sourcesAs(thin, 97, false))).rows;
    expect(rows.some((r) => r.spread_bps === null && r.book_imbalance_5 !== null)).toBe(true);
    expect(rows.some((r) => r.premium_bps === null && r.mark_price !== null)).toBe(true);
  });

  it('sum a column batch again when it has grown since the engine last read it', () => {
    const packer = compileRowPacker(columnsOf(BookDepth));
    const store = packer.create();
    const byRecords = new GoldEngine({ symbol: 'BTCUSDT', hasTrades: false });
    const byColumns = new GoldEngine({ symbol: 'BTCUSDT', hasTrades: false });
    const out: FeatureRow[][] = [[], []];
    for (const k of thin.klines.slice(0, 40)) {
      for (const b of thin.bookDepth) {
        if (b.event_time < k.open_time || b.event_time >= k.open_time + MIN) continue;
        byRecords.book(b);
        packer.push(store, b);
        byColumns.bookAt(store, store.n - 1);
      }
      byRecords.closeKline(k);
      byColumns.closeKline(k);
    }
    byRecords.flush();
    byColumns.flush();
    out[0] = byRecords.drain();
    out[1] = byColumns.drain();
    expect(out[0]!.length).toBe(40);
    expect(out[0]!.some((r) => r.bid_depth_20_usd !== null)).toBe(true);
    expect(out[1]).toStrictEqual(out[0]);
  });

  it('let a custom book feature read the snapshot record, the same as from records', async () => {
    const seen: Record<string, unknown[]> = { rows: [], columns: [] };
    let into = seen.rows!;
    const spy: GoldFeature = {
      requires: 'book',
      warmUp: 1,
      isStable: true,
      add: (m) => {
        const s = m.book!.snapshot;
        into.push({ ...s });
        return s.ask_qty_20 ?? Number.NaN;
      },
      replace: () => Number.NaN,
      getResult: () => null,
      reset: () => {},
    };
    await collect(sourcesOf(thin), 'BTCUSDT', { features: featureSet({ last_ask_qty_20: spy }) });
    into = seen.columns!;
    await collect(sourcesAs(thin, 97, false), 'BTCUSDT', { features: featureSet({ last_ask_qty_20: { ...spy } }) });
    expect(seen.rows!.length).toBe(MINUTES);
    expect(seen.columns).toStrictEqual(seen.rows);
  });
});

describe('live path', () => {
  it('forming klines with replace, then the close, give rows identical to the batch rebuild', () => {
    const engine = new GoldEngine({ symbol: 'BTCUSDT' });
    type Ev = { t: number; feed: () => void };
    const byMinute = new Map<number, Ev[]>();
    const push = (t: number, feed: () => void) => {
      const m = Math.floor((t - START) / MIN);
      if (!byMinute.has(m)) byMinute.set(m, []);
      byMinute.get(m)!.push({ t, feed });
    };
    for (const x of market.aggTrades) push(x.trade_time, () => engine.trade(x as AggTrade));
    for (const x of market.bookDepth) push(x.event_time, () => engine.book(x as BookDepth));
    for (const x of market.markPrices) push(x.event_time, () => engine.mark(x as MarkPrice));
    for (const x of market.fundingRates) push(x.funding_time, () => engine.funding(x as FundingRate));
    const klineAt = new Map(market.klines.map((k) => [Math.floor((k.open_time - START) / MIN), k]));
    const live: FeatureRow[] = [];
    let provisional = 0;
    let carry: Ev[] = [];
    for (let m = 0; m < MINUTES; m++) {
      const evs = [...carry, ...(byMinute.get(m) ?? [])].sort((a, b) => a.t - b.t);
      carry = [];
      const k = klineAt.get(m);
      // Forming updates after every few events, from the trades seen so far.
      let high = Number.NEGATIVE_INFINITY;
      let low = Number.POSITIVE_INFINITY;
      let open: number | null = null;
      let lastPrice = 0;
      let vol = 0;
      evs.forEach((e, j) => {
        e.feed();
        const tr = market.aggTrades.find((x) => x.trade_time === e.t);
        if (tr && k) {
          open ??= tr.price;
          high = Math.max(high, tr.price);
          low = Math.min(low, tr.price);
          lastPrice = tr.price;
          vol += tr.quantity;
          if (j % 2 === 0) {
            const row = engine.kline({ ...k, open, high, low, close: lastPrice, volume: vol, trade_count: j + 1 }, false)!;
            provisional++;
            expect(row.label_fwd_return_1m).toBeNull();
          }
        }
      });
      // Events of the next minute may arrive before the closed kline (separate streams).
      const next = (byMinute.get(m + 1) ?? []).sort((a, b) => a.t - b.t).slice(0, 2);
      for (const e of next) e.feed();
      byMinute.set(m + 1, (byMinute.get(m + 1) ?? []).filter((e) => !next.includes(e)));
      if (k) engine.kline(k, true);
      live.push(...engine.drain());
    }
    engine.flush();
    live.push(...engine.drain());
    expect(provisional).toBeGreaterThan(200);
    expect(engine.report.lateEvents).toBe(0);
    expect(live.length).toBe(full.rows.length);
    expect(live).toStrictEqual(full.rows);
  });
});

describe('gold Parquet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalplake-gold-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes with the schema derived from GoldFeatures and reads back identically with DuckDB', async () => {
    const file = join(dir, 'gold.parquet');
    writeFileSync(file, await encodeParquet(GoldFeatures, full.rows));
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const types = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects();
    const typeOf = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
    expect(typeOf.open_time).toBe('TIMESTAMP WITH TIME ZONE');
    expect(typeOf.trade_count).toBe('BIGINT');
    expect(typeOf.label_direction_5m).toBe('INTEGER');
    expect(typeOf.rsi_14).toBe('DOUBLE');
    const got = (await c.runAndReadAll(`SELECT epoch_ms(open_time) AS open_time_ms, * EXCLUDE (open_time) FROM read_parquet('${file}') ORDER BY open_time`)).getRowObjects();
    expect(got.length).toBe(full.rows.length);
    got.forEach((g, i) => {
      const expected = full.rows[i]!;
      for (const [k, v] of Object.entries(expected)) {
        const actual = k === 'open_time' ? g.open_time_ms : g[k];
        expect(actual === null ? null : typeof actual === 'bigint' ? Number(actual) : actual, `${k} row ${i}`).toBe(v);
      }
    });
    c.closeSync();
  });
});
