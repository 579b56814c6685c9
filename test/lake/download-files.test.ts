import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { isScalplakeError } from '../../src/core/errors.js';
import { downloadFiles } from '../../src/lake/download-files.js';
import { openLake } from '../../src/lake/lake.js';
import { duckdbRows } from '../helpers/duckdb.js';
import { type BulkServer, startBulkServer } from '../sources/files/bulk-server.js';
import { makeZip } from '../sources/files/make-zip.js';

const PREFIX = '/data/futures/um';
let server: BulkServer;
let dir: string;

/** A data.binance.vision 1m klines day in the no-header format (values made up for the test, times real). */
function klinesDay(day: number, skipMinute?: number): string {
  const lines: string[] = [];
  for (let m = 0; m < 1440; m++) {
    if (m === skipMinute) continue;
    const t = day + m * 60_000;
    lines.push(`${t},100.0,101.0,99.0,100.5,2.000,${t + 59_999},201.00,7,1.000,100.50,0`);
  }
  return `${lines.join('\n')}\n`;
}

function publish(path: string, fileName: string, csv: string | Buffer, checksum?: string): void {
  const zip = makeZip([{ name: fileName.replace(/\.zip$/, '.csv'), data: csv }]);
  server.route(`${PREFIX}/${path}/${fileName}`, { body: zip });
  const sha = checksum ?? createHash('sha256').update(zip).digest('hex');
  server.route(`${PREFIX}/${path}/${fileName}.CHECKSUM`, { body: `${sha}  ${fileName}\n` });
}

beforeEach(async () => {
  server = await startBulkServer();
  dir = await mkdtemp(join(tmpdir(), 'scalplake-download-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('downloadFiles against a local data.binance.vision', () => {
  it('takes the monthly file for the whole month and daily files at the edge, retries 5xx, reports 404s, and resumes', async () => {
    const real = await readFile('test/fixtures/datavision/um_monthly_klines_BTCUSDT-1m-2019-09.csv');
    publish('monthly/klines/BTCUSDT/1m', 'BTCUSDT-1m-2019-09.zip', real);
    const oct1 = Date.UTC(2019, 9, 1);
    publish('daily/klines/BTCUSDT/1m', 'BTCUSDT-1m-2019-10-01.zip', klinesDay(oct1, 600));
    // the first attempt of the Oct 1st zip fails with a 503
    const zip = makeZip([{ name: 'BTCUSDT-1m-2019-10-01.csv', data: klinesDay(oct1, 600) }]);
    server.route(`${PREFIX}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-10-01.zip`, { status: 503, body: 'busy' }, { body: zip });
    // Oct 2nd is not published (404)

    const lakeDir = join(dir, 'lake');
    const lake = openLake(lakeDir);
    const opts = { symbol: 'BTCUSDT', data: ['klines'], from: '2019-09-01', to: '2019-10-02', baseUrl: server.baseUrl, retry: { baseDelayMs: 1, maxDelayMs: 5 } };
    const summary = await downloadFiles(lake, opts);
    expect(summary.files.map((f) => f.bronzeKey)).toEqual([
      'bronze/datavision/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2019-09.zip',
      'bronze/datavision/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-10-01.zip',
    ]);
    expect(summary.missingFiles.map((m) => m.url)).toEqual([`${server.baseUrl}${PREFIX}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-10-02.zip`]);
    expect(server.hits.get(`${PREFIX}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-10-01.zip`)).toBe(2);
    expect(summary.totals).toMatchObject({ rowsRead: 30603 + 1439, rowsWritten: 30603 + 1439, quarantined: 0 });
    expect(summary.files[1]?.gaps.map((g) => [g.from, g.missing])).toEqual([[oct1 + 600 * 60_000, 1]]);
    const [n] = await duckdbRows(`SELECT count(*) AS n FROM read_parquet('${lakeDir}/silver/klines/**/*.parquet')`);
    expect(n?.n).toBe(BigInt(30603 + 1439));

    // Again: verified zips are not downloaded again, imported ones are skipped.
    const zipHits = server.hits.get(`${PREFIX}/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2019-09.zip`);
    const again = await downloadFiles(lake, opts);
    expect(server.hits.get(`${PREFIX}/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2019-09.zip`)).toBe(zipHits);
    expect(again.files.every((f) => f.skipped)).toBe(true);
  });

  it('refuses a zip whose checksum does not match and imports nothing from it', async () => {
    publish('monthly/klines/BTCUSDT/1m', 'BTCUSDT-1m-2019-09.zip', klinesDay(Date.UTC(2019, 8, 1)), 'ab'.repeat(32));
    const lakeDir = join(dir, 'lake');
    const e = await downloadFiles(openLake(lakeDir), { symbol: 'BTCUSDT', data: ['klines'], from: '2019-09-01', to: '2019-09-30', baseUrl: server.baseUrl }).catch((x: unknown) => x);
    expect(isScalplakeError(e, 'CHECKSUM_MISMATCH')).toBe(true);
    expect((e as Error).message).toMatch(/checksum/i);
    expect((e as Error).message).toContain('BTCUSDT-1m-2019-09.zip');
    const files = await readdir(lakeDir, { recursive: true }).catch(() => [] as string[]);
    expect(files.filter((f) => f.endsWith('.parquet') || f.endsWith('.zip'))).toEqual([]);
  });

  it('runs as `scalplake download` with --base-url and --json', async () => {
    publish('monthly/fundingRate/BTCUSDT', 'BTCUSDT-fundingRate-2024-01.zip',
      'calc_time,funding_interval_hours,last_funding_rate\n1704067200000,8,0.00037409\n1704096000001,8,0.00030000\n');
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const code = await main(['download', '--lake', join(dir, 'lake'), '--symbol', 'BTCUSDT', '--data', 'fundingRate',
      '--from', '2024-01-01', '--to', '2024-01-31', '--base-url', server.baseUrl, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(report.totals.rowsWritten).toBe(2);
    const rows = await duckdbRows(`SELECT epoch_ms(funding_time) AS t, funding_rate, funding_interval_hours AS h FROM read_parquet('${join(dir, 'lake')}/silver/funding_rates/**/*.parquet') ORDER BY 1`);
    expect(rows).toEqual([
      { t: 1704067200000n, funding_rate: 0.00037409, h: 8 },
      { t: 1704096000001n, funding_rate: 0.0003, h: 8 },
    ]);
  });
});

describe('downloadFiles when a whole month has no monthly file yet', () => {
  it('falls back to the daily files of that month (the current month, or one that just ended) and reports only the days missing', async () => {
    // October 2019 is whole in the range, but only daily files are published (as for the running month, or in the
    // first days after a month ends, before data.binance.vision publishes its monthly file).
    const oct1 = Date.UTC(2019, 9, 1);
    publish('daily/klines/BTCUSDT/1m', 'BTCUSDT-1m-2019-10-01.zip', klinesDay(oct1));
    publish('daily/klines/BTCUSDT/1m', 'BTCUSDT-1m-2019-10-02.zip', klinesDay(oct1 + 86_400_000, 5));
    const lakeDir = join(dir, 'lake');
    const summary = await downloadFiles(openLake(lakeDir), {
      symbol: 'BTCUSDT',
      data: ['klines'],
      from: '2019-10-01',
      to: '2019-10-31',
      baseUrl: server.baseUrl,
    });
    expect(server.hits.get(`${PREFIX}/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2019-10.zip.CHECKSUM`)).toBe(1);
    expect(summary.files.map((f) => f.bronzeKey)).toEqual([
      'bronze/datavision/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-10-01.zip',
      'bronze/datavision/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-10-02.zip',
    ]);
    expect(summary.totals.rowsWritten).toBe(1440 + 1439);
    // The days the server has no daily file for either: Oct 3rd to 31st, one entry per day.
    expect(summary.missingFiles).toHaveLength(29);
    expect(summary.missingFiles[0]).toEqual({
      url: `${server.baseUrl}${PREFIX}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-10-03.zip`,
      from: '2019-10-03',
      to: '2019-10-03',
    });
    expect(summary.missingFiles.at(-1)?.from).toBe('2019-10-31');
  });

  it('reports a monthly-only file (fundingRate) as missing without looking for daily ones', async () => {
    const summary = await downloadFiles(openLake(join(dir, 'lake')), {
      symbol: 'BTCUSDT',
      data: ['fundingRate'],
      from: '2024-01-01',
      to: '2024-01-31',
      baseUrl: server.baseUrl,
    });
    expect(summary.missingFiles.map((m) => [m.from, m.to])).toEqual([['2024-01-01', '2024-01-31']]);
    expect([...server.hits.keys()].filter((p) => p.includes('/daily/'))).toEqual([]);
  });
});
