/**
 * CSV parse benchmark: scalplake's byte-level CSV reader (parser + data.binance.vision aggTrades mapper producing
 * AggTrade records) against DuckDB's read_csv, on the same generated 2M-row aggTrades day file.
 *
 * Run: `npx tsx bench/csv-parse.bench.ts [rows] [repeats]` (default 2,000,000 rows, 3 repeats; the best run counts).
 * @module
 */
import { createReadStream } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openCsv } from '../src/sources/files/csv-records.js';
import { generateAggTradesCsv } from './generate-agg-trades.js';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const REPEATS = Math.max(1, Number(process.argv[3] ?? 3));

async function scalplake(path: string): Promise<{ ms: number; rows: number; sum: number }> {
  const t0 = performance.now();
  const { batches } = await openCsv(createReadStream(path, { highWaterMark: 1 << 20 }), {
    name: path,
    ingestedAt: 0,
    table: 'agg_trades',
  });
  let rows = 0;
  let sum = 0;
  for await (const batch of batches) {
    rows += batch.length;
    for (const r of batch) sum += r.price;
  }
  return { ms: performance.now() - t0, rows, sum };
}

async function duckdb(path: string, threads = 2): Promise<{ ms: number; rows: number; sum: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`SET threads=${threads}`);
  const t0 = performance.now();
  const res = (await c.runAndReadAll(`SELECT count(*) AS n, sum(price) AS s FROM read_csv('${path.replaceAll("'", "''")}', header=true)`)).getRowObjects();
  const ms = performance.now() - t0;
  c.closeSync();
  return { ms, rows: Number(res[0]!.n), sum: Number(res[0]!.s) };
}

const path = fileURLToPath(new URL(`./.data/BTCUSDT-aggTrades-2025-10-22_${ROWS}.csv`, import.meta.url));
const file = await generateAggTradesCsv(path, { rows: ROWS });
console.log(`input: ${file.path} (${file.rows} rows, ${(file.bytes / 1e6).toFixed(1)} MB); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const ours: number[] = [];
const theirs: number[] = [];
for (let i = 0; i < REPEATS; i++) {
  const a = await scalplake(path);
  const b = await duckdb(path);
  if (a.rows !== b.rows || Math.abs(a.sum - b.sum) > 1e-6 * Math.abs(b.sum)) {
    throw new Error(`results differ: scalplake ${a.rows} rows sum ${a.sum}, duckdb ${b.rows} rows sum ${b.sum}`);
  }
  ours.push(a.ms);
  theirs.push(b.ms);
  console.log(`run ${i + 1}: scalplake parse+map ${a.ms.toFixed(0)} ms, duckdb read_csv ${b.ms.toFixed(0)} ms`);
}
const best = (xs: number[]) => Math.min(...xs);
const single = best([await duckdb(path, 1), await duckdb(path, 1)].map((r) => r.ms));
console.log(`duckdb read_csv on one thread (our parser uses one core): ${single.toFixed(0)} ms`);
console.log(
  `best: scalplake ${best(ours).toFixed(0)} ms (${((file.bytes / 1e6) / (best(ours) / 1000)).toFixed(0)} MB/s), duckdb ${best(theirs).toFixed(0)} ms, ratio ${(best(ours) / best(theirs)).toFixed(2)}× DuckDB (2 threads), ${(best(ours) / single).toFixed(2)}× DuckDB on one thread`,
);
