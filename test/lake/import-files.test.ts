import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importFile } from '../../src/lake/import-files.js';
import { openLake } from '../../src/lake/lake.js';
import { duck, FIXTURES } from '../sinks/helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('importFile of local CSVs', () => {
  it('keeps the original of each CSV in bronze, even when two files share a name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalplake-import-'));
    dirs.push(dir);
    const lines = (await readFile(join(FIXTURES, 'um_monthly_klines_BTCUSDT-1m-2019-09_first1500.csv'), 'utf8')).trim().split('\n');
    const name = 'BTCUSDT-1m-2019-09.csv';
    // The same file name in two folders (e.g. two download folders), different rows.
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    await writeFile(join(dir, 'a', name), `${lines.slice(0, 700).join('\n')}\n`);
    await writeFile(join(dir, 'b', name), `${lines.slice(700).join('\n')}\n`);
    const lakeDir = join(dir, 'lake');
    const lake = openLake(lakeDir);
    const a = await importFile(lake, join(dir, 'a', name), { symbol: 'BTCUSDT' });
    const b = await importFile(lake, join(dir, 'b', name), { symbol: 'BTCUSDT' });
    expect(a.sha256).not.toBe(b.sha256);
    for (const r of [a, b]) {
      const bytes = await lake.store.get(r.bronzeKey);
      expect(bytes, r.bronzeKey).toBeDefined();
      expect(createHash('sha256').update(bytes!).digest('hex'), `${r.input} in bronze at ${r.bronzeKey}`).toBe(r.sha256);
      // The import record of each file points at its own original.
      const recorded = await lake.state.get<{ bronzeKey: string }>(`imports/${r.sha256}`);
      expect(recorded?.bronzeKey).toBe(r.bronzeKey);
    }
    const [n] = await duck(`SELECT count(*)::INTEGER AS n, count(DISTINCT open_time)::INTEGER AS d FROM read_parquet('${lakeDir}/silver/klines/**/*.parquet')`);
    expect(n).toEqual({ n: 1500, d: 1500 });
  });

  it('does not skip a file already imported for another symbol (resume is per file and destination)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalplake-import-'));
    dirs.push(dir);
    const lines = (await readFile(join(FIXTURES, 'um_monthly_klines_BTCUSDT-1m-2019-09_first1500.csv'), 'utf8')).trim().split('\n');
    const csv = join(dir, 'klines-1m.csv'); // the name does not say the symbol: --symbol does
    await writeFile(csv, `${lines.slice(0, 100).join('\n')}\n`);
    const lakeDir = join(dir, 'lake');
    const lake = openLake(lakeDir);
    const wrong = await importFile(lake, csv, { symbol: 'ETHUSDT', interval: '1m' });
    expect(wrong.symbol).toBe('ETHUSDT');
    const again = await importFile(lake, csv, { symbol: 'ETHUSDT', interval: '1m' });
    expect(again.skipped).toBe(true); // same file, same destination: resumed
    const right = await importFile(lake, csv, { symbol: 'BTCUSDT', interval: '1m' });
    expect(right.skipped).toBe(false);
    const got = await duck(
      `SELECT symbol, count(*)::INTEGER AS n FROM read_parquet('${lakeDir}/silver/klines/**/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1`,
    );
    expect(got).toEqual([
      { symbol: 'BTCUSDT', n: 100 },
      { symbol: 'ETHUSDT', n: 100 },
    ]);
  });
});
