/**
 * The documented library examples, run: the README's library example (`examples/library-usage.ts`) against a temp
 * lake, with the README's code kept as written except for the two paths.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLake, pipeline, type RejectedRow, type RunReport, toQuarantineRows } from '../src/index.js';
import { csvFileSource } from '../src/sources/index.js';
import { dedupe, detectGaps, validate } from '../src/transforms/index.js';
import { duckdbRows } from './helpers/duckdb.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/datavision/um_monthly_klines_BTCUSDT-1m-2019-09_lines34-93_gap_1900.csv');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalplake-docs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The README's file: 60 real 1-minute klines of 2019-09-08 with the 19:00 bar missing, plus a repeated row (line 6),
 * a ragged row (line 11) and a row with a non-numeric open (line 21).
 */
async function writeCsv(): Promise<string> {
  const lines = (await readFile(FIXTURE, 'utf8')).trimEnd().split('\n');
  lines.splice(5, 0, lines[4] as string);
  lines[10] = '1567968000000,10000,10000';
  lines[20] = (lines[20] as string).replace(/^(\d+),([^,]+),/, '$1,abc,');
  const file = join(dir, 'BTCUSDT-1m-2019-09.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** The README's library example, verbatim but for the CSV path and the lake directory; returns what it saw. */
async function readmeExample(csvPath: string, lakeDir: string) {
  const logged: string[] = [];
  const log = (...args: unknown[]) => logged.push(args.join(' '));
  const invalid: RejectedRow[] = [];

  const lake = openLake(lakeDir);
  const quarantine = lake.quarantine('klines');
  const run = pipeline('btc-klines')
    .from(csvFileSource<'klines'>(csvPath, { ingestedAt: Date.now() }))
    .pipe(validate('klines', { quarantine: (rows) => quarantine.append(toQuarantineRows('klines', rows)) }))
    .pipe(dedupe({ key: ['symbol', 'interval', 'open_time'] }))
    .pipe(detectGaps({ table: 'klines' }))
    .to(lake.silver('klines'))
    .run({ signal: AbortSignal.timeout(600_000) });

  run.on('progress', (p) => log(p.stage, p.rows));
  run.on('gap', (g) => log('missing', g.missing, 'intervals from', new Date(g.from).toISOString()));
  run.on('invalid', (r) => invalid.push(r));
  const report: RunReport = await run.done; // rows in/out, duplicates, invalid, gaps, files written, durations
  await quarantine.close();
  return { report, logged, invalid, lake };
}

async function quarantined(lakeDir: string): Promise<Record<string, unknown>[]> {
  const root = join(lakeDir, 'quarantine', 'klines');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.jsonl.gz'));
  const rows: Record<string, unknown>[] = [];
  for (const f of files) {
    const text = gunzipSync(await readFile(join(root, f))).toString('utf8');
    for (const line of text.split('\n')) if (line !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
  }
  return rows;
}

describe('README library example', () => {
  it('imports a CSV into silver with quarantine, dedupe, gap events and a report that adds up', async () => {
    const csv = await writeCsv();
    const lakeDir = join(dir, 'lake');
    const { report, logged, invalid } = await readmeExample(csv, lakeDir);

    expect(report.status).toBe('ok');
    // 61 data lines: 59 records (2 rejected by the reader), 1 of them a duplicate.
    expect(report.rowsIn).toBe(59);
    expect(report.invalid).toBe(2);
    expect(report.duplicates).toBe(1);
    expect(report.rowsOut).toBe(58);
    expect(report.unchanged).toBe(0);
    expect(report.filesWritten).toEqual(['silver/klines/symbol=BTCUSDT/date=2019-09-08/part-0.parquet']);
    expect(report.stages.map((s) => [s.kind, s.rows])).toEqual([
      ['source', 59],
      ['operator', 59],
      ['operator', 58],
      ['operator', 58],
      ['sink', 58],
    ]);

    // The two rejected rows' minutes and the file's own missing 19:00 bar are gaps, each logged by the listener.
    const gapMinutes = ['2019-09-08T18:39:00.000Z', '2019-09-08T18:49:00.000Z', '2019-09-08T19:00:00.000Z'];
    expect(report.gaps.map((g) => new Date(g.from).toISOString())).toEqual(gapMinutes);
    expect(logged.filter((l) => l.startsWith('missing'))).toEqual(gapMinutes.map((m) => `missing 1 intervals from ${m}`));
    expect(logged.filter((l) => l.startsWith('csv(BTCUSDT-1m-2019-09.csv) '))).not.toHaveLength(0);

    // Rejected rows: events with file and line, and the quarantine files with the raw text.
    expect(invalid.map((r) => [r.line, r.source])).toEqual([
      [11, csv],
      [21, csv],
    ]);
    const q = await quarantined(lakeDir);
    expect(q).toHaveLength(2);
    expect(q.map((r) => r.raw)).toContain('1567968000000,10000,10000');

    const rows = await duckdbRows(
      `SELECT count(*)::INT AS n, count(DISTINCT open_time)::INT AS d FROM read_parquet('${lakeDir}/silver/klines/**/*.parquet')`,
    );
    expect(rows).toEqual([{ n: 58, d: 58 }]);
  });

  it('run again on the same file: rowsOut counts only new or changed rows, identical ones are unchanged', async () => {
    const csv = await writeCsv();
    const lakeDir = join(dir, 'lake');
    const first = await readmeExample(csv, lakeDir);
    const second = await readmeExample(csv, lakeDir);
    expect(first.report.rowsOut).toBe(58);
    expect(second.report.status).toBe('ok');
    expect(second.report.rowsIn).toBe(59);
    expect(second.report.rowsOut).toBe(0);
    expect(second.report.unchanged).toBe(58);
    expect(second.report.filesWritten).toEqual([]);
  });
});
