import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../../src/lake/import-files.js';
import { openLake } from '../../src/lake/lake.js';
import { lakeMarket, runReplayCommand, startReplayExchange, virtualClock } from '../../src/replay/index.js';

let dir: string;
let lakeDir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalplake-lake-market-'));
  lakeDir = join(dir, 'lake');
  await copyFile('test/fixtures/datavision/um_monthly_klines_BTCUSDT-1m-2019-09.csv', join(dir, 'BTCUSDT-1m-2019-09.csv'));
  await copyFile('test/fixtures/datavision/um_daily_aggTrades_BTCUSDT-2025-10-22_first6rows.csv', join(dir, 'BTCUSDT-aggTrades-2025-10-22.csv'));
  const lake = openLake(lakeDir);
  await importFile(lake, join(dir, 'BTCUSDT-1m-2019-09.csv'));
  await importFile(lake, join(dir, 'BTCUSDT-aggTrades-2025-10-22.csv'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a silver lake as replay data', () => {
  it('serves the lake klines and aggTrades through /fapi/v1, value for value', async () => {
    const market = await lakeMarket(openLake(lakeDir), { symbols: ['BTCUSDT'] });
    const ex = await startReplayExchange({ market, clock: virtualClock(Date.UTC(2025, 9, 23)) });
    try {
      const from = Date.UTC(2019, 8, 8, 18, 58);
      const res = await fetch(`${ex.restUrl}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${from}&limit=3`);
      const rows = (await res.json()) as unknown[][];
      // the real file around the missing 19:00 bar: 18:58, 18:59, then 19:01
      expect(rows.map((r) => r[0])).toEqual([from, from + 60_000, from + 180_000]);
      const silver: unknown[][] = [];
      for await (const b of openLake(lakeDir).readSilver('klines', 'BTCUSDT', { from, to: from + 240_000 })) {
        for (const k of b) silver.push([k.open_time, Number(k.open), Number(k.close), Number(k.volume), k.trade_count]);
      }
      expect(rows.map((r) => [r[0], Number(r[1]), Number(r[4]), Number(r[5]), r[8]])).toEqual(silver);
      const trades = (await (await fetch(`${ex.restUrl}/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=2907604449&limit=10`)).json()) as { a: number; p: string }[];
      // ids and prices as in the real file (test/fixtures/datavision/um_daily_aggTrades_BTCUSDT-2025-10-22_first6rows.csv)
      expect(trades.map((t) => [t.a, Number(t.p)])).toEqual([
        [2907604449, 108253.8],
        [2907604450, 108253.7],
        [2907604451, 108253.7],
        [2907604452, 108253.6],
        [2907604453, 108253.5],
        [2907604454, 108253.1],
      ]);
    } finally {
      await ex.close();
    }
  });

  it('is what `scalplake replay --data <lake>` serves', async () => {
    let printed = '';
    const out = new Writable({ write: (c, _e, cb) => ((printed += String(c)), cb()) });
    const ex = await runReplayCommand({ port: 0, data: lakeDir, out });
    try {
      expect(printed).toContain(ex.restUrl);
      expect(ex.market.symbols).toEqual(['BTCUSDT']);
    } finally {
      await ex.close();
    }
  });
});
