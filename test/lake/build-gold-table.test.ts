import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoldTable } from '../../src/lake/build-gold-table.js';
import { importFile } from '../../src/lake/import-files.js';
import { openLake } from '../../src/lake/lake.js';
import { batches, syntheticArrays } from '../features/synthetic-market.js';
import { duckdbRows } from '../helpers/duckdb.js';
import { makeCtx } from '../sinks/helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalplake-gold-'));
  await copyFile('test/fixtures/datavision/um_monthly_klines_BTCUSDT-1m-2019-09.csv', join(dir, 'BTCUSDT-1m-2019-09.csv'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function goldFiles(lakeDir: string): Promise<Map<string, Buffer>> {
  const root = join(lakeDir, 'gold');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
  return new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(root, f))] as const)));
}

describe('buildGoldTable on the real 2019-09 BTCUSDT klines (klines only)', () => {
  it('builds one row per minute with open_time a timestamp, the other inputs null, and is idempotent', async () => {
    const lakeDir = join(dir, 'full');
    const lake = openLake(lakeDir);
    await importFile(lake, join(dir, 'BTCUSDT-1m-2019-09.csv'));
    const [report] = await buildGoldTable(lake, { symbols: ['BTCUSDT'] });
    expect(report?.inputs).toEqual([]);
    expect(report?.gaps.map((g) => g.from)).toEqual([Date.UTC(2019, 8, 8, 19, 0)]);
    const gold = `read_parquet('${lakeDir}/gold/features_1m/**/*.parquet', hive_partitioning = true)`;
    const [s] = await duckdbRows(`SELECT count(*) AS n, count(DISTINCT open_time) AS minutes, typeof(min(open_time)) AS t,
      count(trade_count) AS with_trades, count(spread_bps) AS with_book, count(rsi_14) AS with_rsi,
      count(*) FILTER (WHERE open_time = '2019-09-08 19:00:00+00') AS gap_rows,
      count(close) FILTER (WHERE open_time = '2019-09-08 19:00:00+00') AS gap_close FROM ${gold}`);
    // one row per minute from the first bar to the last, the missing minute included with null kline columns
    expect(s).toMatchObject({ n: 30604n, minutes: 30604n, with_trades: 0n, with_book: 0n, gap_rows: 1n, gap_close: 0n });
    expect(String(s?.t)).toMatch(/^TIMESTAMP/);
    expect(Number(s?.with_rsi)).toBeGreaterThan(30000);

    const before = await goldFiles(lakeDir);
    const [again] = await buildGoldTable(lake, { symbols: ['BTCUSDT'] });
    expect(again?.rowsWritten).toBe(0);
    const after = await goldFiles(lakeDir);
    // Buffer.compare: a deep toEqual over megabytes of bytes takes seconds.
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [k, bytes] of before) expect(Buffer.compare(bytes, after.get(k)!), k).toBe(0);
  });

  it('gives byte-identical gold when built incrementally in three steps as when built at once', async () => {
    const full = await goldFiles(join(dir, 'full'));
    const lakeDir = join(dir, 'incremental');
    const lake = openLake(lakeDir);
    await importFile(lake, join(dir, 'BTCUSDT-1m-2019-09.csv'));
    await buildGoldTable(lake, { to: '2019-09-14 13:37:00' });
    await buildGoldTable(lake, { to: '2019-09-21 00:00:00' });
    const [last] = await buildGoldTable(lake);
    expect(last?.from).toBe(Date.UTC(2019, 8, 20, 23, 44)); // watermark minus the 15-minute label horizon
    const inc = await goldFiles(lakeDir);
    expect([...inc.keys()]).toEqual([...full.keys()]);
    for (const [k, bytes] of full) expect(Buffer.compare(bytes, inc.get(k)!), k).toBe(0);
  });
});

describe('buildGoldTable with silver that arrives after gold was built past it', () => {
  const DAY = 86_400_000;
  const D1 = Date.UTC(2024, 0, 1);
  const market = syntheticArrays({ seed: 5, start: D1, minutes: 3 * 1440, tradesPerMinute: 1, booksPerMinute: 0, marksPerMinute: 0 });
  const day = (d: number) => market.klines.filter((k) => k.open_time >= D1 + d * DAY && k.open_time < D1 + (d + 1) * DAY);
  const gold = (lakeDir: string) => `read_parquet('${lakeDir}/gold/features_1m/**/*.parquet', hive_partitioning = true)`;
  /** Rows of gold `a` that gold `b` lacks or holds with other values (nulls compare equal). */
  const differing = async (a: string, b: string) =>
    Number((await duckdbRows(`SELECT count(*) AS n FROM (SELECT * FROM ${gold(a)} EXCEPT SELECT * FROM ${gold(b)})`))[0]!.n);

  it('an incremental build does not revisit them; --from the late day gives the gold of a full rebuild', async () => {
    const fullDir = join(dir, 'late-full');
    const full = openLake(fullDir);
    await full.silver('klines').write(batches([...day(0), ...day(1), ...day(2)], 2000), makeCtx());
    await buildGoldTable(full, { symbols: ['BTCUSDT'] });

    const lateDir = join(dir, 'late');
    const late = openLake(lateDir);
    await late.silver('klines').write(batches([...day(0), ...day(2)], 2000), makeCtx());
    const [first] = await buildGoldTable(late, { symbols: ['BTCUSDT'] });
    expect(first?.gaps).toEqual([{ table: 'klines', symbol: 'BTCUSDT', kind: 'time', from: D1 + DAY, to: D1 + 2 * DAY - 60_000, missing: 1440 }]);
    // Day 2 is imported after gold was built through day 3.
    await late.silver('klines').write(batches(day(1), 2000), makeCtx());
    const [again] = await buildGoldTable(late, { symbols: ['BTCUSDT'] });
    expect(again?.from).toBe(D1 + 3 * DAY - 16 * 60_000); // the watermark minus the label horizon: day 2 is not revisited
    expect(await differing(fullDir, lateDir)).toBeGreaterThan(1440);
    // The documented remedy: rebuild from the day that arrived late.
    await buildGoldTable(late, { symbols: ['BTCUSDT'], from: '2024-01-02' });
    expect(await differing(fullDir, lateDir)).toBe(0);
    expect(await differing(lateDir, fullDir)).toBe(0);
    const [n] = await duckdbRows(`SELECT count(*) AS n, count(label_fwd_return_15m) AS labelled FROM ${gold(lateDir)}`);
    expect(n).toEqual({ n: 3n * 1440n, labelled: 3n * 1440n - 15n });
    // A watermark past the last silver kline: nothing to build, nothing written, the watermark kept.
    const ahead = { lastMinute: D1 + 10 * DAY };
    await late.state.put('watermarks/gold/BTCUSDT', ahead);
    const [none] = await buildGoldTable(late, { symbols: ['BTCUSDT'] });
    expect([none?.rows, none?.filesWritten]).toEqual([0, []]);
    expect(await late.state.get('watermarks/gold/BTCUSDT')).toEqual(ahead);
    expect(await differing(lateDir, fullDir)).toBe(0);
  });
});
