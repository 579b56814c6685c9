/**
 * Crash safety of the lake's write paths: a store that fails at a chosen `put` stands in for a crash at that moment;
 * a re-run must then leave the lake complete and byte-identical to a run that never failed.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import type { AggTrade, Kline } from '../../src/core/tables.js';
import { backfill } from '../../src/lake/backfill.js';
import { importFile } from '../../src/lake/import-files.js';
import { ingestLive, lakeWatermarks } from '../../src/lake/ingest-live.js';
import { openLake } from '../../src/lake/lake.js';
import { type ReplayExchange, startReplayExchange, syntheticMarket, virtualClock } from '../../src/replay/index.js';
import { localStore } from '../../src/sinks/local-store.js';
import type { ObjectStore } from '../../src/sinks/object-store.js';
import { duck, FIXTURES, makeCtx } from '../sinks/helpers.js';

const START = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const MIN = 60_000;
const wall = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KLINES_CSV = join(FIXTURES, 'um_monthly_klines_BTCUSDT-1m-2019-09_first1500.csv');

let ex: ReplayExchange | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await ex?.close();
  ex = null;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'scalplake-crash-'));
  dirs.push(d);
  return d;
}

/** A store whose `put` number `failAt` (1-based, counted over every put) throws, as a crash at that point would stop the job. */
function crashingStore(inner: ObjectStore, failAt: number): ObjectStore & { readonly puts: string[] } {
  const puts: string[] = [];
  return {
    ...inner,
    url: inner.url,
    puts,
    async put(key, body) {
      puts.push(key);
      if (puts.length === failAt) {
        throw new Error(`crash at put ${failAt} (${key})`);
      }
      return inner.put(key, body);
    },
  };
}

/** sha256 of every silver object of a lake folder, by key. */
async function silverHashes(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const o of await store.list('silver/')) out.set(o.key, createHash('sha256').update((await store.get(o.key))!).digest('hex'));
  return out;
}

describe('a crash at any put of an import, then a re-run', () => {
  it('leaves silver byte-identical to an import that never failed, and DuckDB reads every row once', async () => {
    const options = { symbol: 'BTCUSDT', ingestedAt: START };
    const cleanDir = await tempDir();
    const clean = crashingStore(localStore(cleanDir), 0);
    await importFile(openLake(clean), KLINES_CSV, options);
    const expected = await silverHashes(clean);
    expect(expected.size).toBe(2);
    const puts = clean.puts.length;
    expect(puts).toBeGreaterThanOrEqual(6); // bronze copy + sidecar, 2 partitions, import report, fingerprint

    for (let failAt = 1; failAt <= puts; failAt++) {
      const dir = await tempDir();
      const crashing = crashingStore(localStore(dir), failAt);
      const e = await importFile(openLake(crashing), KLINES_CSV, options).catch((x: unknown) => x);
      expect(e, `put ${failAt} (${crashing.puts[failAt - 1]})`).toBeInstanceOf(Error);
      // The re-run (resume on, as by default) completes the lake.
      const again = await importFile(openLake(dir), KLINES_CSV, options);
      expect(again.skipped, `put ${failAt} (${crashing.puts[failAt - 1]}) must not be recorded as imported`).toBe(false);
      expect(await silverHashes(localStore(dir)), `after a crash at put ${failAt}`).toEqual(expected);
      const [r] = await duck(`SELECT count(*)::INTEGER AS n, count(DISTINCT open_time)::INTEGER AS d FROM read_parquet('${dir}/silver/klines/**/*.parquet')`);
      expect(r).toEqual({ n: 1500, d: 1500 });
    }
  });
});

describe('backfill resume', () => {
  it('resumes aggTrades after a lake that ends inside a millisecond without losing the rest of that millisecond', async () => {
    const dir = await tempDir();
    const clock = virtualClock(START + 3 * 24 * HOUR);
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 3, symbols: ['BTCUSDT'], start: START }), clock });
    const from = clock.now() - 6 * HOUR;
    const to = clock.now() - 60_000;
    const truth = ex.truth.aggTrades('BTCUSDT', { from, to: to - 1 });
    // Two trades in one millisecond: a live run flushed after the first of them, then died.
    const cut = truth.findIndex((t, i) => i > 0 && t.trade_time === truth[i - 1]!.trade_time);
    expect(cut).toBeGreaterThan(0);
    const lakeDir = join(dir, 'lake');
    const lake = openLake(lakeDir);
    const flushed: AggTrade[] = truth.slice(0, cut).map((t) => ({ ...t, source: 'ws', ingested_at: START }));
    async function* once() {
      yield flushed;
    }
    await lake.silver('agg_trades').write(once(), makeCtx());

    const common = { symbol: 'BTCUSDT', restUrl: ex.restUrl, bulk: false, now: () => clock.now(), sleep: async (ms: number) => clock.advance(ms) };
    await backfill(lake, { ...common, data: ['aggTrades'], from, to });
    const got = await duck(
      `SELECT agg_trade_id::DOUBLE AS id FROM read_parquet('${lakeDir}/silver/agg_trades/**/*.parquet') ORDER BY 1`,
    );
    expect(got.map((r) => r.id)).toEqual(truth.map((t) => t.agg_trade_id));
  });

  it('resumes 1m klines after the last 1m kline, not after a later kline of another interval', async () => {
    const dir = await tempDir();
    const clock = virtualClock(START + 3 * 24 * HOUR);
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 3, symbols: ['BTCUSDT'], start: START }), clock });
    const lakeDir = join(dir, 'lake');
    const lake = openLake(lakeDir);
    const common = { symbol: 'BTCUSDT', restUrl: ex.restUrl, bulk: false, now: () => clock.now(), sleep: async (ms: number) => clock.advance(ms) };
    // Day 1 of 1m klines, then one 1h kline of day 2 (imported from an hourly file).
    await backfill(lake, { ...common, data: ['klines'], from: START, to: START + 24 * HOUR });
    const [h] = ex.truth.klines('BTCUSDT', START + 34 * HOUR, START + 34 * HOUR, '1h');
    const hourly: Kline = { ...h!, symbol: 'BTCUSDT', interval: '1h', source: 'datavision', ingested_at: START };
    async function* once() {
      yield [hourly];
    }
    await lake.silver('klines').write(once(), makeCtx());
    expect((await lakeWatermarks(lake, 'BTCUSDT')).klineOpenTime).toBe(START + 24 * HOUR - MIN);

    await backfill(lake, { ...common, data: ['klines'], from: START, to: START + 2 * 24 * HOUR });
    const got = await duck(
      `SELECT epoch_ms(open_time)::DOUBLE AS t FROM read_parquet('${lakeDir}/silver/klines/**/*.parquet') WHERE interval = '1m' ORDER BY 1`,
    );
    expect(got.map((r) => r.t)).toEqual(ex.truth.klines('BTCUSDT', START, START + 2 * 24 * HOUR - MIN).map((k) => k.open_time));
  });
});

describe('a crash at any put of a backfill, then a re-run', () => {
  it('leaves silver equal to a backfill that never failed', async () => {
    const clock = virtualClock(START + 3 * 24 * HOUR);
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 5, symbols: ['BTCUSDT'], start: START }), clock });
    const common = {
      symbol: 'BTCUSDT',
      restUrl: ex.restUrl,
      bulk: false,
      data: ['klines', 'fundingRate'],
      from: START,
      to: START + 2 * 24 * HOUR,
      now: () => clock.now(),
      sleep: async (ms: number) => clock.advance(ms),
    };
    const cleanDir = await tempDir();
    const clean = crashingStore(localStore(cleanDir), 0);
    await backfill(openLake(clean), common);
    const puts = clean.puts.length;
    const silverPuts = clean.puts.filter((k) => k.startsWith('silver/')).length;
    expect(silverPuts).toBe(4); // two days of klines, two of funding rates
    const rows = async (d: string) =>
      (
        await duck(
          `SELECT 'k' AS t, epoch_ms(open_time)::DOUBLE AS at, close AS v FROM read_parquet('${d}/silver/klines/**/*.parquet')
           UNION ALL SELECT 'f', epoch_ms(funding_time)::DOUBLE, funding_rate FROM read_parquet('${d}/silver/funding_rates/**/*.parquet')
           ORDER BY 1, 2`,
        )
      ).map((r) => [r.t, r.at, r.v]);
    const expected = await rows(cleanDir);
    expect(expected.filter((r) => r[0] === 'k').length).toBe(2 * 1440);

    for (let failAt = 1; failAt <= puts; failAt++) {
      const dir = await tempDir();
      const crashing = crashingStore(localStore(dir), failAt);
      const e = await backfill(openLake(crashing), common).catch((x: unknown) => x);
      expect(isScalplakeError(e) || e instanceof Error, `put ${failAt}`).toBe(true);
      await backfill(openLake(dir), common);
      expect(await rows(dir), `after a crash at put ${failAt} (${crashing.puts[failAt - 1]})`).toEqual(expected);
    }
  });
});

describe('ingestLive when a flush fails', () => {
  it('keeps the rows of the failed flush for the final flush: a transient store error loses no mark price', async () => {
    const dir = await tempDir();
    const clock = virtualClock(START + 10 * MIN);
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 11, symbols: ['BTCUSDT'], start: START }), clock });
    const lakeDir = join(dir, 'lake');
    const inner = localStore(lakeDir);
    let failed = 0;
    // The first write of a mark-price partition fails (a network blip on S3, a full disk freed a moment later).
    const store: ObjectStore = {
      ...inner,
      url: inner.url,
      async put(key, body) {
        if (failed === 0 && key.startsWith('silver/mark_prices/')) {
          failed++;
          throw new Error('transient store failure');
        }
        return inner.put(key, body);
      },
    };
    const drain = new AbortController();
    let settled = false;
    const outcome = ingestLive(openLake(store), {
      restUrl: ex.restUrl,
      wsUrl: ex.wsUrl,
      symbol: 'BTCUSDT',
      streams: ['markPrice'],
      now: () => clock.now(),
      sleep: async (ms) => clock.advance(ms),
      drainSignal: drain.signal,
      flushIntervalMs: 50,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    void outcome.then(() => {
      settled = true;
    });
    for (let i = 0; i < 200 && !settled && ex.connections().filter((c) => c.streams.length > 0).length < 1; i++) await wall(10);
    for (let i = 0; i < 3000 && !settled; i++) {
      clock.advance(1000);
      await wall(2);
    }
    drain.abort();
    const e = await outcome;
    expect(failed).toBe(1);
    expect(isScalplakeError(e, 'SINK_WRITE')).toBe(true); // the failure is reported…
    // …and every mark price received before it is in silver, once.
    const got = await duck(
      `SELECT epoch_ms(event_time)::DOUBLE AS t, mark_price FROM read_parquet('${lakeDir}/silver/mark_prices/**/*.parquet') ORDER BY 1`,
    );
    expect(got.length).toBeGreaterThan(0);
    const first = got[0]!.t as number;
    const last = got.at(-1)!.t as number;
    expect(got.map((r) => [r.t, r.mark_price])).toEqual(ex.truth.markPrices('BTCUSDT', first, last).map((m) => [m.event_time, m.mark_price]));
  });
});
