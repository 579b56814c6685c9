/**
 * CSV parse benchmark: scalplake's byte-level CSV reader (parser + data.binance.vision aggTrades mapper producing
 * AggTrade records) against DuckDB's read_csv, on the same generated 2M-row aggTrades day file.
 *
 * Our reader decodes every column of every row, so the ratio is taken against DuckDB reading every column too (an
 * aggregate over all seven columns). DuckDB's CSV reader pushes projections down: `sum(price)` alone converts one
 * column and is about 1.4× faster; that figure is printed as well.
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

/** DuckDB's read_csv over the file: every column (`all`, the same work as ours) or only `price` (`one`). */
async function duckdb(path: string, threads = 2, columns: 'all' | 'one' = 'all'): Promise<{ ms: number; rows: number; sum: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`SET threads=${threads}`);
  const every =
    ', sum(quantity) AS q, sum(agg_trade_id) AS a, sum(first_trade_id) AS f, sum(last_trade_id) AS l, max(transact_time) AS t, count(*) FILTER (WHERE is_buyer_maker) AS m';
  const t0 = performance.now();
  const res = (
    await c.runAndReadAll(`SELECT count(*) AS n, sum(price) AS s${columns === 'all' ? every : ''} FROM read_csv('${path.replaceAll("'", "''")}', header=true)`)
  ).getRowObjects();
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
  console.log(`run ${i + 1}: scalplake parse+map ${a.ms.toFixed(0)} ms, duckdb read_csv (every column) ${b.ms.toFixed(0)} ms`);
}
const best = (xs: number[]) => Math.min(...xs);
const bestOf = async (threads: number, columns: 'all' | 'one') =>
  best([await duckdb(path, threads, columns), await duckdb(path, threads, columns)].map((r) => r.ms));
const single = await bestOf(1, 'all');
const priceOnly = await bestOf(2, 'one');
console.log(`duckdb read_csv, every column, one thread (our reader uses one core): ${single.toFixed(0)} ms`);
console.log(`duckdb read_csv, price column only (projection pushdown), 2 threads: ${priceOnly.toFixed(0)} ms`);
console.log(
  `best: scalplake ${best(ours).toFixed(0)} ms (${((file.bytes / 1e6) / (best(ours) / 1000)).toFixed(0)} MB/s), duckdb every column ${best(theirs).toFixed(0)} ms, ratio ${(best(ours) / best(theirs)).toFixed(2)}× DuckDB (2 threads; target ≤ 1.5×), ${(best(ours) / single).toFixed(2)}× DuckDB on one thread, ${(best(ours) / priceOnly).toFixed(2)}× DuckDB reading one column`,
);
