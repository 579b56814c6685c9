import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { duckdbRows } from '../helpers/duckdb.js';

const FIXTURE = 'test/fixtures/datavision/um_monthly_klines_BTCUSDT-1m-2019-09.csv';

let dir: string;
let stdout: string[];
let stderr: string[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalplake-cli-'));
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<number> {
  return main(args);
}

describe('scalplake import + gaps on the real 2019-09 BTCUSDT file', () => {
  it('gives one silver row per minute in the file, equal to the CSV as DuckDB reads it, and names the missing minute', async () => {
    // The file name carries the symbol and interval, as data.binance.vision names it.
    const csv = join(dir, 'BTCUSDT-1m-2019-09.csv');
    await copyFile(FIXTURE, csv);
    const lake = join(dir, 'lake');
    expect(await cli('import', '--lake', lake, csv)).toBe(0);
    expect(stdout.join('')).toContain('datavision, no header, 12 columns');

    const silver = `read_parquet('${lake}/silver/klines/**/*.parquet', hive_partitioning = true)`;
    const source = `read_csv('${csv}', header = false, columns = {
      'open_time': 'BIGINT', 'open': 'DOUBLE', 'high': 'DOUBLE', 'low': 'DOUBLE', 'close': 'DOUBLE', 'volume': 'DOUBLE',
      'close_time': 'BIGINT', 'quote_volume': 'DOUBLE', 'count': 'BIGINT', 'taker_buy_volume': 'DOUBLE',
      'taker_buy_quote_volume': 'DOUBLE', 'ignore': 'VARCHAR'})`;
    const [counts] = await duckdbRows(`SELECT (SELECT count(*) FROM ${silver}) AS silver_rows,
      (SELECT count(DISTINCT open_time) FROM ${silver}) AS silver_minutes, (SELECT count(*) FROM ${source}) AS csv_rows`);
    expect(counts).toEqual({ silver_rows: 30603n, silver_minutes: 30603n, csv_rows: 30603n });

    const [types] = await duckdbRows(`SELECT typeof(open_time) AS t, typeof(agg.trade_count) AS c FROM ${silver} agg LIMIT 1`);
    expect(types?.t).toMatch(/^TIMESTAMP/);
    expect(types?.c).toBe('BIGINT');

    // Every value equal to the CSV's, row for row, joined on the minute.
    const [diff] = await duckdbRows(`SELECT count(*) AS mismatches FROM ${source} c
      LEFT JOIN ${silver} s ON epoch_ms(s.open_time) = c.open_time
      WHERE s.open_time IS NULL OR s.open <> c.open OR s.high <> c.high OR s.low <> c.low OR s.close <> c.close
        OR s.volume <> c.volume OR epoch_ms(s.close_time) <> c.close_time OR s.quote_volume <> c.quote_volume
        OR s.trade_count <> c.count OR s.taker_buy_volume <> c.taker_buy_volume
        OR s.taker_buy_quote_volume <> c.taker_buy_quote_volume OR s.symbol <> 'BTCUSDT' OR s.interval <> '1m'`);
    expect(diff?.mismatches).toBe(0n);

    const [first] = await duckdbRows(`SELECT strftime(min(open_time), '%Y-%m-%d %H:%M') AS first,
      strftime(max(open_time), '%Y-%m-%d %H:%M') AS last FROM ${silver}`);
    expect(first).toEqual({ first: '2019-09-08 17:57', last: '2019-09-30 00:00' });

    stdout.length = 0;
    expect(await cli('gaps', '--lake', lake, '--table', 'klines', '--symbol', 'BTCUSDT')).toBe(0);
    const text = stdout.join('');
    expect(text).toContain('2019-09-08 19:00 → 2019-09-08 19:00 (1 minute)');
    expect(text).toContain('2019-09-08  362/363');

    stdout.length = 0;
    expect(await cli('gaps', '--lake', lake, '--table', 'klines', '--symbol', 'BTCUSDT', '--json')).toBe(0);
    const json = JSON.parse(stdout.join(''));
    expect(json.missing).toEqual([[Date.UTC(2019, 8, 8, 19, 0), Date.UTC(2019, 8, 8, 19, 0)]]);
  });

  it('leaves every silver byte unchanged when the same file is imported again', async () => {
    const lake = join(dir, 'lake');
    const zip = 'examples/data/BTCUSDT-1m-2019-09.zip';
    expect(await cli('import', '--lake', lake, zip)).toBe(0);
    const { readdir } = await import('node:fs/promises');
    const list = async () => (await readdir(join(lake, 'silver'), { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
    const files = await list();
    expect(files.length).toBe(23);
    const before = await Promise.all(files.map((f) => readFile(join(lake, 'silver', f))));
    stdout.length = 0;
    expect(await cli('import', '--lake', lake, '--force', '--json', zip)).toBe(0);
    const report = JSON.parse(stdout.join(''));
    expect(report.totals).toMatchObject({ rowsRead: 30603, rowsWritten: 0, unchanged: 30603 });
    expect(await list()).toEqual(files);
    const after = await Promise.all(files.map((f) => readFile(join(lake, 'silver', f))));
    for (let i = 0; i < files.length; i++) expect(Buffer.compare(before[i]!, after[i]!)).toBe(0);
  });

  it('fails with a one-line reason and a non-zero exit on bad input', async () => {
    const lake = join(dir, 'lake');
    expect(await cli('import', '--lake', lake, join(dir, 'nope.csv'))).toBe(1);
    expect(stderr.join('')).toMatch(/FILE_NOT_FOUND: File ".*nope\.csv" does not exist/);

    stderr.length = 0;
    const zip = join(dir, 'BTCUSDT-1m-2019-09.zip');
    await copyFile('examples/data/BTCUSDT-1m-2019-09.zip', zip);
    await writeFile(`${zip}.CHECKSUM`, `${'0'.repeat(64)}  BTCUSDT-1m-2019-09.zip\n`);
    expect(await cli('import', '--lake', lake, zip)).toBe(1);
    expect(stderr.join('')).toMatch(/CHECKSUM_MISMATCH: .*checksum.*BTCUSDT-1m-2019-09\.zip/i);
    const { readdir } = await import('node:fs/promises');
    const written = await readdir(lake, { recursive: true }).catch(() => []);
    expect(written.filter((f) => f.endsWith('.parquet') || f.endsWith('.zip'))).toEqual([]);

    stderr.length = 0;
    expect(await cli('gaps', '--lake', lake, '--symbol', '../etc')).toBe(1);
    expect(stderr.join('')).toContain('INVALID_SYMBOL');
    expect(await cli('import', '--lake', lake, '--format', 'xml', zip)).toBe(1);
    expect(await cli('nonsense')).toBe(2);
  });
});

describe('scalplake live against the replay exchange', () => {
  it('streams into bronze and silver for --duration, then drains and exits 0', async () => {
    const { startReplayExchange, syntheticMarket, realClock } = await import('../../src/replay/index.js');
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const ex = await startReplayExchange({
      market: syntheticMarket({ seed: 5, symbols: ['BTCUSDT'], start: now - 3_600_000 }),
      clock: realClock({ start: now, speed: 60 }),
    });
    try {
      const lake = join(dir, 'lake');
      const code = await cli('live', '--lake', lake, '--symbol', 'BTCUSDT', '--streams', 'kline_1m,aggTrade', '--duration', '3s',
        '--flush-every', '1s', '--rest-url', ex.restUrl, '--ws-url', ex.wsUrl, '--json');
      expect(code).toBe(0);
      const report = JSON.parse(stdout.join(''));
      expect(report.rows.agg_trades).toBeGreaterThan(0);
      const [a] = await duckdbRows(`SELECT count(*) AS n, count(DISTINCT agg_trade_id) AS d, max(agg_trade_id) - min(agg_trade_id) + 1 AS span
        FROM read_parquet('${lake}/silver/agg_trades/**/*.parquet')`);
      expect(Number(a?.n)).toBe(report.rows.agg_trades);
      expect(a?.d).toBe(a?.n);
      expect(a?.span).toBe(a?.n); // contiguous ids: nothing lost between the first and the last trade
      const [b] = await duckdbRows(`SELECT count(*) AS n FROM read_json_auto('${lake}/bronze/ws/**/*.jsonl.gz')`);
      expect(Number(b?.n)).toBeGreaterThan(0);
    } finally {
      await ex.close();
    }
  });
});

describe('scalplake live, stopped with SIGINT', () => {
  it('drains on SIGINT: every row received reaches silver, and the process exits 0', async () => {
    const { spawn } = await import('node:child_process');
    const { startReplayExchange, syntheticMarket, realClock } = await import('../../src/replay/index.js');
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const ex = await startReplayExchange({
      market: syntheticMarket({ seed: 9, symbols: ['BTCUSDT'], start: now - 3_600_000 }),
      clock: realClock({ start: now, speed: 30 }),
    });
    try {
      const lake = join(dir, 'lake');
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'live', '--lake', lake, '--symbol', 'BTCUSDT',
        '--streams', 'aggTrade', '--flush-every', '1h', '--rest-url', ex.restUrl, '--ws-url', ex.wsUrl, '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // Let it stream for a while; with --flush-every 1h nothing is written before the signal.
      for (let i = 0; i < 100 && ex.connections().filter((c) => c.streams.length > 0).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const report = JSON.parse(out);
      expect(report.rows.agg_trades).toBeGreaterThan(0);
      const [a] = await duckdbRows(`SELECT count(*) AS n, max(agg_trade_id) - min(agg_trade_id) + 1 AS span
        FROM read_parquet('${lake}/silver/agg_trades/**/*.parquet')`);
      expect(Number(a?.n)).toBe(report.rows.agg_trades);
      expect(a?.span).toBe(a?.n);
    } finally {
      await ex.close();
    }
  });
});
