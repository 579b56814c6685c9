/**
 * Micro-benchmark of the transform operators on 2 M rows: validate(Kline), validate(AggTrade) (against plain zod
 * safeParse on the same rows), and dedupe on agg_trade_id (against DuckDB's DISTINCT on the same ids).
 * Run: npx tsx bench/transforms.bench.ts
 */
import { createRunEvents } from '../src/core/events.js';
import type { Batch, Operator, StageContext } from '../src/core/stage.js';
import { AggTrade, Kline } from '../src/core/tables.js';
import { dedupe } from '../src/transforms/dedupe.js';
import { validate } from '../src/transforms/validate.js';

const ROWS = 2_000_000;
const BATCH = 4096;

function ctx(): StageContext {
  return {
    signal: new AbortController().signal,
    events: createRunEvents(),
    counters: { rowsIn: 0, rowsOut: 0, duplicates: 0, invalid: 0, late: 0 },
    notes: new Map(),
  };
}

function klineBatches(): Batch<Kline>[] {
  // A pool of 256 Ki distinct rows, cycled: validate keeps no state, so repetition does not flatter it.
  const pool: Kline[] = [];
  for (let i = 0; i < 262_144; i++) {
    const t = 1567965420000 + i * 60_000;
    const open = 10_000 + (i % 97);
    pool.push({
      symbol: 'BTCUSDT',
      interval: '1m',
      open_time: t,
      close_time: t + 59_999,
      open,
      high: open + 5,
      low: open - 5,
      close: open + 1,
      volume: 1.5 + (i % 7),
      quote_volume: 15_000,
      trade_count: 12 + (i % 5),
      taker_buy_volume: 0.5,
      taker_buy_quote_volume: 5_000,
      source: 'datavision',
      ingested_at: 1_700_000_000_000,
    });
  }
  const out: Batch<Kline>[] = [];
  for (let n = 0; n < ROWS; n += BATCH) {
    const start = n % pool.length;
    out.push(pool.slice(start, start + Math.min(BATCH, ROWS - n)));
  }
  return out;
}

function tradeBatches(): Batch<AggTrade>[] {
  const out: Batch<AggTrade>[] = [];
  let batch: AggTrade[] = [];
  for (let i = 0; i < ROWS; i++) {
    // 1 % of rows repeat the id of the row 50 positions back (replayed frames).
    const id = i % 100 === 99 ? 2_907_604_449 + i - 50 : 2_907_604_449 + i;
    batch.push({
      symbol: 'BTCUSDT',
      agg_trade_id: id,
      price: 108_253.8 - (i % 13) / 10,
      quantity: 0.011 + (i % 5) / 1000,
      first_trade_id: 6_764_565_323 + 2 * i,
      last_trade_id: 6_764_565_324 + 2 * i,
      trade_time: 1_761_091_200_007 + (i >> 3),
      is_buyer_maker: (i & 1) === 0,
      source: 'datavision',
      ingested_at: 1_700_000_000_000,
    });
    if (batch.length === BATCH) {
      out.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

async function drive<I, O>(op: Operator<I, O>, batches: readonly Batch<I>[]): Promise<{ ms: number; rows: number; c: StageContext }> {
  const c = ctx();
  async function* input() {
    for (const b of batches) yield b;
  }
  const t0 = performance.now();
  let rows = 0;
  for await (const b of op.apply(input(), c)) rows += b.length;
  return { ms: performance.now() - t0, rows, c };
}

function zodOnly(schema: { safeParse(v: unknown): { success: boolean } }, batches: readonly Batch<unknown>[]): number {
  const t0 = performance.now();
  let ok = 0;
  for (const b of batches) for (const r of b) if (schema.safeParse(r).success) ok++;
  if (ok === -1) console.log(ok);
  return performance.now() - t0;
}

const rate = (rows: number, ms: number) => `${((rows / ms) * 1000 / 1e6).toFixed(2)} M rows/s`;

async function main(): Promise<void> {
  const klines = klineBatches();
  const trades = tradeBatches();
  console.log(`transforms bench: ${ROWS.toLocaleString('en')} rows, batches of ${BATCH} (node ${process.version})`);

  for (const [label, schema, batches] of [
    ['Kline', Kline, klines],
    ['AggTrade', AggTrade, trades],
  ] as const) {
    await drive(validate(schema as typeof Kline), batches.slice(0, 20)); // warm-up
    const v = await drive(validate(schema as typeof Kline), batches);
    const z = zodOnly(schema, batches);
    console.log(
      `validate(${label}): ${rate(v.rows, v.ms)} (${v.ms.toFixed(0)} ms, ${v.c.counters.invalid} invalid); ` +
        `zod safeParse alone: ${rate(ROWS, z)}; speed-up ×${(z / v.ms).toFixed(1)}`,
    );
  }

  const d = await drive(dedupe<AggTrade>({ key: 'agg_trade_id' }), trades);
  console.log(`dedupe(agg_trade_id): ${rate(ROWS, d.ms)} (${d.ms.toFixed(0)} ms, ${d.c.counters.duplicates} duplicates)`);
  const d2 = await drive(dedupe<AggTrade>({ key: ['symbol', 'agg_trade_id'] }), trades);
  console.log(`dedupe(symbol,agg_trade_id): ${rate(ROWS, d2.ms)} (${d2.ms.toFixed(0)} ms, ${d2.c.counters.duplicates} duplicates)`);

  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await db.connect();
    await con.run(
      `CREATE TABLE t AS SELECT CASE WHEN i % 100 = 99 THEN 2907604449 + i - 50 ELSE 2907604449 + i END AS agg_trade_id FROM range(${ROWS}) r(i)`,
    );
    const t0 = performance.now();
    const res = await con.runAndReadAll('SELECT count(*) AS n FROM (SELECT DISTINCT agg_trade_id FROM t)');
    const ms = performance.now() - t0;
    const distinct = Number(res.getRowObjects()[0]?.['n']);
    console.log(
      `duckdb DISTINCT agg_trade_id (columnar, 2 threads): ${rate(ROWS, ms)} (${ms.toFixed(0)} ms, ${ROWS - distinct} duplicates); ` +
        `dedupe / duckdb time ×${(d.ms / ms).toFixed(1)}`,
    );
  } catch (e) {
    console.log(`duckdb comparison skipped: ${(e as Error).message}`);
  }
}

await main();
