/**
 * Import benchmark (issue 2): `importFile` of a generated 2M-row aggTrades day file (CSV → validate → dedupe →
 * hourly partitions of zstd Parquet, with bronze copy) next to DuckDB converting the same CSV to zstd Parquet, in the
 * same run. Our import runs in a child process so that its peak RSS is measured alone: plain `node` on the built
 * package (bench/import-child.mjs) when dist/ exists, as users run it; the sources through tsx otherwise.
 *
 * Run: `npx tsx bench/import.bench.ts [rows]`
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { generateAggTradesCsv } from './generate-agg-trades.js';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const dataDir = fileURLToPath(new URL('./.data/', import.meta.url));
const csvPath = `${dataDir}BTCUSDT-aggTrades-2024-01-01.csv`;

async function duckdb(): Promise<number> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run('SET threads=2');
  const out = `${dataDir}duckdb-import.parquet`;
  const t0 = performance.now();
  await c.run(`COPY (SELECT * FROM read_csv('${csvPath}', header=true)) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
  const ms = performance.now() - t0;
  c.closeSync();
  return ms;
}

async function main(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await generateAggTradesCsv(csvPath, { rows: ROWS });
  const ours = [];
  const theirs = [];
  for (let i = 0; i < 2; i++) {
    const built = existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)));
    const child = [fileURLToPath(new URL('./import-child.mjs', import.meta.url)), csvPath, `${dataDir}lake-import`];
    const args = built ? child : [...process.execArgv, ...child, '../src/index.ts'];
    const json = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    ours.push(JSON.parse(json) as { ms: number; rows: number; files: number; maxRssMb: number; baseRssMb: number; dist: boolean });
    theirs.push(await duckdb());
  }
  const best = ours.reduce((a, b) => (a.ms < b.ms ? a : b));
  const duck = Math.min(...theirs);
  console.log(`import of ${ROWS.toLocaleString('en-US')} aggTrades rows (CSV → silver zstd Parquet, hourly partitions)`);
  console.log(
    `  scalplake importFile (${best.dist ? 'node on dist/' : 'src via tsx'}): ${(best.ms / 1000).toFixed(2)} s, ${best.rows} rows in ${best.files} files, ` +
      `peak RSS ${best.maxRssMb.toFixed(0)} MB (process at start ${best.baseRssMb.toFixed(0)} MB)`,
  );
  console.log(`  DuckDB COPY … TO parquet (zstd, 2 threads): ${(duck / 1000).toFixed(2)} s`);
  console.log(`  ratio: ${(best.ms / duck).toFixed(2)}× DuckDB (target ≤ 4×), peak memory target < 300 MB`);
}

await main();
