import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoldTable } from '../../src/lake/build-gold-table.js';
import { importFile } from '../../src/lake/import-files.js';
import { openLake } from '../../src/lake/lake.js';
import { duckdbRows } from '../helpers/duckdb.js';

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
