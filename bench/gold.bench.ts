/**
 * Benchmark of the gold builder: one year of generated 1-minute data for one symbol with every source present
 * (525,600 klines, ~4 aggregate trades, 2 book snapshots and 1 mark price per minute, funding every 8 h) through
 * the standard scalping set (56 feature columns + 4 labels). Reports gold rows (bars) per second, with the time
 * spent generating the synthetic input excluded (and the total), and the peak memory.
 * Target: ≥ 300,000 bars/s on one core, < 300 MB.
 * A second measurement builds 10 days held in memory (no generation during the build), three times per input form.
 * The build is also reported in CPU-seconds of the process (GC helper threads included), which stays comparable when
 * other processes share the machine; wall-clock figures there are not.
 * Run: npx tsx bench/gold.bench.ts   (MINUTES=100000 for a shorter run; BATCH_MINUTES=… for the minutes per
 * generated input batch, default 1024: about 4096 aggregate trades, the batch size the silver reader yields. The
 * generated batches of every source live in the heap until the build has read them, so a larger value measures the
 * generator more than the build: with 1440, peak RSS is ~50–70 MB higher and the build ~3 % slower.)
 */
import type { Batch } from '../src/core/stage.js';
import { AggTrade, BookDepth, FundingRate, Kline, MarkPrice } from '../src/core/tables.js';
import { buildGold, buildGoldColumns } from '../src/features/gold-builder.js';
import { batches, columnBatches, syntheticArrays, syntheticColumnSources } from '../test/features/synthetic-market.js';

const MINUTES = Number(process.env.MINUTES ?? 525_600);
const opts = {
  seed: 2024,
  start: Date.UTC(2024, 0, 1),
  minutes: MINUTES,
  tradesPerMinute: 4,
  booksPerMinute: 2,
  marksPerMinute: 1,
  batchMinutes: Number(process.env.BATCH_MINUTES ?? 1024),
};

let genNs = 0n;
let genCpuUs = 0;
let peakHeap = 0;
// The peak RSS is the operating system's own maximum (getrusage), exact and free. The heap is sampled every 64th
// block (32,768 rows): process.memoryUsage() costs 0.1–0.3 ms a call, which would otherwise count as build time.
let samples = 0;
const sample = (force = false) => {
  if (!force && samples++ % 64 !== 0) return;
  const h = process.memoryUsage().heapUsed;
  if (h > peakHeap) peakHeap = h;
};

/** Wraps a source so that the time spent generating its batches is measured (and excluded from the build). */
function timed<T>(src: AsyncIterable<T>): AsyncIterable<T> {
  const it = src[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]: () => ({
      async next() {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        const r = await it.next();
        genNs += process.hrtime.bigint() - t0;
        const c = process.cpuUsage(c0);
        genCpuUs += c.user + c.system;
        return r;
      },
      async return() {
        await it.return?.();
        return { done: true, value: undefined };
      },
    }),
  };
}

const s = syntheticColumnSources(opts);
// The gold job's path: silver read as columns (lake.readSilverColumns; the generator packs its rows, which counts as
// generation), rows out as column blocks (buildGoldColumns) that the sink writes without row objects.
const build = buildGoldColumns(
  {
    klines: timed(s.klines()),
    aggTrades: timed(s.aggTrades()),
    bookDepth: timed(s.bookDepth()),
    markPrices: timed(s.markPrices()),
    fundingRates: timed(s.fundingRates()),
  },
  { symbol: 'BTCUSDT' },
);

const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let rows = 0;
let nonNullRsi = 0;
const rsiCol = 2 + build.columns.indexOf('rsi_14');
for await (const block of build) {
  rows += block.n;
  const nulls = block.nulls[rsiCol]!;
  for (let i = 0; i < block.n; i++) if (nulls[i] === 0) nonNullRsi++;
  sample();
}
const totalS = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const buildCpuS = (cpu.user + cpu.system - genCpuUs) / 1e6;
const genS = Number(genNs) / 1e9;
const buildS = totalS - genS;
sample(true);

const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
console.log(`gold builder, ${MINUTES.toLocaleString('en')} minutes, all sources, scalping() set`);
console.log(`  rows out           ${rows.toLocaleString('en')} (rsi_14 non-null ${nonNullRsi.toLocaleString('en')})`);
console.log(`  report             ${JSON.stringify({ ...build.report, gaps: build.report.gaps.length })}`);
console.log(`  total              ${totalS.toFixed(2)} s (input generation ${genS.toFixed(2)} s)`);
console.log(`  gold build         ${buildS.toFixed(2)} s = ${Math.round(rows / buildS).toLocaleString('en')} bars/s (target ≥ 300,000)`);
// CPU time of the process (all its threads, GC helpers included) rather than wall time: comparable on a busy machine.
console.log(`  gold build, CPU    ${buildCpuS.toFixed(2)} s = ${Math.round(rows / buildCpuS).toLocaleString('en')} bars per CPU-second`);
console.log(`  incl. generation   ${Math.round(rows / totalS).toLocaleString('en')} bars/s`);
const peakRss = process.resourceUsage().maxRSS * 1024; // KiB
console.log(`  peak memory        rss ${mb(peakRss)} MB, heap ${mb(peakHeap)} MB (target < 300 MB)`);

// Pure build throughput: 10 days generated up front, each variant built three times: silver as columns into column
// blocks (the gold job's path), silver as records into column blocks, and records into row objects (buildGold, the
// row API: one 62-field object per minute).
const days = syntheticArrays({ ...opts, minutes: 14_400 });
const rowsOf = () => ({
  klines: batches(days.klines, 4096),
  aggTrades: batches(days.aggTrades, 4096),
  bookDepth: batches(days.bookDepth, 4096),
  markPrices: batches(days.markPrices, 4096),
  fundingRates: batches(days.fundingRates, 4096),
});
const packAll = async <T>(src: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const b of src) out.push(b);
  return out;
};
const r0 = rowsOf();
const cols = {
  klines: await packAll(columnBatches(r0.klines, Kline)),
  aggTrades: await packAll(columnBatches(r0.aggTrades, AggTrade)),
  bookDepth: await packAll(columnBatches(r0.bookDepth, BookDepth)),
  markPrices: await packAll(columnBatches(r0.markPrices, MarkPrice)),
  fundingRates: await packAll(columnBatches(r0.fundingRates, FundingRate)),
};
async function* each<T>(a: readonly T[]): AsyncGenerator<T> {
  yield* a;
}
const colsOf = () => ({
  klines: each(cols.klines),
  aggTrades: each(cols.aggTrades),
  bookDepth: each(cols.bookDepth),
  markPrices: each(cols.markPrices),
  fundingRates: each(cols.fundingRates),
});
const variants = [
  ['columns → blocks', () => buildGoldColumns(colsOf(), { symbol: 'BTCUSDT' })],
  ['records → blocks', () => buildGoldColumns(rowsOf(), { symbol: 'BTCUSDT' })],
  ['records → rows  ', () => buildGold(rowsOf(), { symbol: 'BTCUSDT' })],
] as const;
for (const [label, build] of variants) {
  for (let rep = 0; rep < 3; rep++) {
    const b: AsyncIterable<{ n: number } | readonly unknown[]> = build();
    const t1 = process.hrtime.bigint();
    let n = 0;
    for await (const batch of b) n += 'n' in batch ? batch.n : batch.length;
    const s1 = Number(process.hrtime.bigint() - t1) / 1e9;
    console.log(`  in memory, 10 days, ${label} ${n.toLocaleString('en')} rows in ${s1.toFixed(2)} s = ${Math.round(n / s1).toLocaleString('en')} bars/s (run ${rep + 1})`);
  }
}
