/**
 * Parquet write speed: scalplake's own encoder (zstd-wasm, explicit schema) against DuckDB's
 * `COPY … TO … (FORMAT parquet, COMPRESSION zstd)` on the same 2 M aggregate trades generated in-process.
 *
 * Run: `npx tsx bench/parquet-write.bench.ts [rows]`
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AggTrade as AggTradeRow } from '../src/core/tables.js';
import { AggTrade } from '../src/core/tables.js';
import type { TableSchema } from '../src/core/schema.js';
import { createParquetWriter } from '../src/sinks/parquet-writer.js';
import { ensureZstd } from '../src/sinks/zstd.js';

const N = Number(process.argv[2] ?? 2_000_000);
const T0 = 1_704_067_200_000;
const ID0 = 3_000_000_000;
const BATCH = 4096;

/** A deterministic random walk of trades: ids above 2^31, several trades per millisecond. */
function generate(n: number): AggTradeRow[] {
  const rows = new Array<AggTradeRow>(n);
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  let price = 42_000;
  let t = T0;
  let tradeId = 5_000_000_000;
  for (let i = 0; i < n; i++) {
    price = Math.round((price + (rnd() - 0.5) * 2) * 10) / 10;
    t += rnd() < 0.6 ? 0 : Math.floor(rnd() * 40);
    const count = 1 + Math.floor(rnd() * 3);
    rows[i] = {
      symbol: 'BTCUSDT',
      agg_trade_id: ID0 + i,
      price,
      quantity: Math.round(rnd() * 2000) / 1000,
      first_trade_id: tradeId,
      last_trade_id: tradeId + count - 1,
      trade_time: t,
      is_buyer_maker: rnd() < 0.5,
      source: 'datavision',
      ingested_at: T0 + 86_400_000,
    };
    tradeId += count;
  }
  return rows;
}

async function timeIt<R>(fn: () => Promise<R>): Promise<[number, R]> {
  const t = performance.now();
  const r = await fn();
  return [(performance.now() - t) / 1000, r];
}

const dir = mkdtempSync(join(tmpdir(), 'scalplake-bench-'));
try {
  console.log(`generating ${N.toLocaleString('en-US')} aggTrades…`);
  const rows = generate(N);
  await ensureZstd();

  // scalplake: batches of 4096 through the streaming writer, bytes per row group.
  const ours = join(dir, 'ours.parquet');
  const [oursSec, oursBytes] = await timeIt(async () => {
    const w = await createParquetWriter<AggTradeRow>(AggTrade as unknown as TableSchema);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < rows.length; i += BATCH) parts.push(...w.write(rows.slice(i, i + BATCH)));
    parts.push(w.finish());
    let size = 0;
    for (const p of parts) size += p.byteLength;
    writeFileSync(ours, Buffer.concat(parts));
    return size;
  });

  // DuckDB: the same rows generated in SQL (same value ranges), then COPY to zstd Parquet.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  await c.run(`CREATE TABLE t AS SELECT 'BTCUSDT' AS symbol, (${ID0} + i)::BIGINT AS agg_trade_id,
    round(42000 + sin(i / 1000.0) * 500 + random(), 1)::DOUBLE AS price, round(random() * 2, 3)::DOUBLE AS quantity,
    (5000000000 + 2 * i)::BIGINT AS first_trade_id, (5000000000 + 2 * i + 1)::BIGINT AS last_trade_id,
    make_timestamptz((${T0} + i * 8)::BIGINT * 1000) AS trade_time, random() < 0.5 AS is_buyer_maker,
    'datavision' AS source, make_timestamptz(${T0 + 86_400_000}::BIGINT * 1000) AS ingested_at
    FROM range(${N}) r(i)`);
  const theirs = join(dir, 'duckdb.parquet');
  const [duckSec] = await timeIt(() =>
    c.run(`COPY (SELECT * FROM t) TO '${theirs}' (FORMAT parquet, COMPRESSION zstd)`),
  );

  // Check ours reads back in DuckDB with the right count.
  const check = (await c.runAndReadAll(`SELECT count(*)::INTEGER AS n, max(agg_trade_id) AS m FROM '${ours}'`)).getRowObjects()[0]!;
  if (check.n !== N) throw new Error(`DuckDB read ${String(check.n)} rows from our file, expected ${N}`);

  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  console.log(`scalplake (own encoder + zstd-wasm): ${oursSec.toFixed(2)} s, ${mb(oursBytes)}, ${Math.round(N / oursSec).toLocaleString('en-US')} rows/s`);
  console.log(`DuckDB COPY … (FORMAT parquet, COMPRESSION zstd): ${duckSec.toFixed(2)} s, ${mb(statSync(theirs).size)}`);
  console.log(`ratio scalplake / DuckDB: ${(oursSec / duckSec).toFixed(1)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
