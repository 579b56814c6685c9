/**
 * Sustained WebSocket ingest on one core, and the latency from frame to record, against the replay exchange.
 *
 * The replay exchange runs in a child process (this same file started with `--server`) so that the measured
 * process does only the client's work: `ws` receive, JSON parse, zod validation, mapping, watermark dedupe and
 * batching in `liveIngest`. Run with `npx tsx bench/ws-ingest.bench.ts [--seconds 60] [--trades-per-minute 600000]
 * [--realtime] [--no-silver]`: by default the exchange pushes as fast as the socket takes (saturation: throughput,
 * and latency that includes queueing); with `--realtime` the exchange's virtual clock follows the wall clock (a
 * fixed message rate: `--trades-per-minute 3000000` is 50,000 messages/s; the frames of each step arrive together,
 * and a step that takes the exchange longer makes the next burst bigger). `--no-silver` leaves out the silver sink
 * that otherwise runs on the same thread.
 *
 * Reports messages/s over wall time and per CPU-second of the client process, and frame→record latency p50/p99
 * (from the `ws` message callback to the row reaching the consumer, including batching). DuckDB has no WebSocket
 * ingest to compare with, so unlike the other benchmarks this one prints absolute numbers against the targets
 * (≥ 50,000 messages/s, p99 < 2 ms).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startReplayExchange, syntheticMarket, virtualClock } from '../src/replay/index.js';
import type { Batch } from '../src/core/stage.js';
import type { AggTrade } from '../src/core/tables.js';
import { openLake } from '../src/lake/lake.js';
import { createStageContext } from '../src/pipeline/context.js';
import { AsyncQueue } from '../src/sources/binance/async-queue.js';
import { liveIngest } from '../src/sources/binance/live-ingest.js';
import { memoryStore } from '../src/sinks/memory-store.js';

const START = Date.UTC(2024, 0, 1);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Child: a replay exchange whose virtual clock is driven as fast as the client drains the socket. */
async function server(): Promise<void> {
  const tradesPerMinute = arg('--trades-per-minute', 600_000);
  const realtime = process.argv.includes('--realtime');
  const clock = virtualClock(START + 60_000);
  const market = syntheticMarket({ seed: 1, symbols: ['BTCUSDT'], start: START, tradesPerMinute });
  // Generate (and cache) every minute the run will cover before it starts: at millions of trades a minute, a minute
  // generated on the fly would stall the exchange for a second and then flood the client.
  const seconds = arg('--seconds', 60);
  for (let t = START; t <= START + 60_000 + seconds * 1000; t += 60_000) market.kline('BTCUSDT', 60_000, t, t + 60_000);
  const ex = await startReplayExchange({
    market,
    clock,
    aggTradesHistoryMs: Number.POSITIVE_INFINITY,
  });
  process.send?.({ type: 'ready', restUrl: ex.restUrl, wsUrl: ex.wsUrl });
  let running = false;
  process.on('message', (m: { type: string; seconds?: number }) => {
    if (m.type === 'run' && !running) {
      running = true;
      const end = clock.now() + (m.seconds ?? 30) * 1000;
      // Real time: every few ms the virtual clock catches up with the wall clock, however long the last step took
      // (advancing a fixed 10 ms per 10 ms timer would run slower than real time by the time the steps take).
      const wall0 = performance.now();
      const virtual0 = clock.now();
      const step = () => {
        if (clock.now() >= end) {
          process.send?.({ type: 'done', frames: ex.stats().framesSent });
          return;
        }
        if (realtime) {
          const due = Math.min(end, virtual0 + Math.floor(performance.now() - wall0)) - clock.now();
          if (due > 0) clock.advance(due);
          setTimeout(step, 1);
        } else {
          clock.advance(10);
          setImmediate(step);
        }
      };
      step();
    } else if (m.type === 'close') {
      void ex.close().then(() => process.exit(0));
    }
  });
}

const children: ChildProcess[] = [];

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function client(): Promise<void> {
  const seconds = arg('--seconds', 60);
  // --no-silver: records only (the latency of the source alone, without the sink's work on the same thread).
  const noSilver = process.argv.includes('--no-silver');
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--server', ...process.argv.slice(2)], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  });
  children.push(child);
  const ready = await new Promise<{ restUrl: string; wsUrl: string }>((resolve) =>
    child.on('message', (m: { type: string; restUrl: string; wsUrl: string }) => m.type === 'ready' && resolve(m)),
  );
  const drain = new AbortController();
  // High-resolution clock so that ingested_at carries sub-millisecond receive times.
  const hr = () => performance.timeOrigin + performance.now();
  const live = liveIngest({
    restUrl: ready.restUrl,
    wsUrl: ready.wsUrl,
    symbol: 'BTCUSDT',
    streams: ['aggTrade', 'kline_1m'],
    drainSignal: drain.signal,
    raw: false,
    now: hr,
    ws: { stallTimeoutMs: 30_000 },
  });
  const latencies = new Float64Array(8_000_000);
  // When each row arrived (ms after the first): the steady-state figure leaves out the first second (JIT warm-up,
  // the start-up REST repair), which a short run would otherwise weigh as much as a long one does not.
  const arrivals = new Float32Array(latencies.length);
  let n = 0;
  let rows = 0;
  let firstAt = 0;
  let lastAt = 0;
  let cpu0: NodeJS.CpuUsage | null = null;
  let serverFrames = 0;
  child.on('message', (m: { type: string; frames: number }) => {
    if (m.type === 'done') {
      serverFrames = m.frames;
      setTimeout(() => drain.abort(), 500);
    }
  });
  // Rows go on into a silver sink (partition upsert into zstd Parquet, in memory) on the same thread.
  const toSilver = new AsyncQueue<Batch<AggTrade>>();
  async function* silverInput(): AsyncIterable<Batch<AggTrade>> {
    for (;;) {
      const batches = await toSilver.takeAll();
      if (batches.length === 0) return;
      for (const b of batches) yield b;
    }
  }
  const silverDone = openLake(memoryStore()).silver('agg_trades').write(silverInput(), createStageContext());
  // How long the event loop was blocked (ms): latency beyond this comes from queueing, not from one long task.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  // Wait until the client is subscribed before driving the clock.
  setTimeout(() => child.send({ type: 'run', seconds }), 300);
  for await (const b of live) {
    if (b.kind !== 'rows' || b.table !== 'agg_trades') continue;
    const t = hr();
    if (firstAt === 0) {
      firstAt = t;
      cpu0 = process.cpuUsage();
    }
    lastAt = t;
    for (const r of b.rows) {
      if (n < latencies.length) {
        arrivals[n] = t - firstAt;
        latencies[n++] = t - r.ingested_at;
      }
      // ingested_at carried a sub-ms receive time for the latency; silver holds whole milliseconds.
      (r as { ingested_at: number }).ingested_at = Math.floor(r.ingested_at);
    }
    rows += b.rows.length;
    if (!noSilver) toSilver.push(b.rows);
  }
  toSilver.end();
  const silver = await silverDone;
  const silverAt = hr();
  const cpu = process.cpuUsage(cpu0 ?? undefined);
  child.send({ type: 'close' });
  const wallS = (lastAt - firstAt) / 1000;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const steady = latencies.subarray(0, n).filter((_, i) => arrivals[i]! >= 1000).sort();
  const sorted = latencies.subarray(0, n).sort();
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`ws-ingest: ${fmt(rows)} aggTrade rows (${fmt(serverFrames)} frames sent incl. klines) in ${wallS.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU (client process)`);
  console.log(`  sustained: ${fmt(rows / wallS)} messages/s wall, ${fmt(rows / cpuS)} messages per CPU-second   (target ≥ 50,000)`);
  console.log(`  frame→record latency: p50 ${percentile(sorted, 0.5).toFixed(3)} ms, p99 ${percentile(sorted, 0.99).toFixed(3)} ms, max ${percentile(sorted, 1).toFixed(3)} ms   (target p99 < 2 ms)`);
  console.log(`  after the first second: p50 ${percentile(steady, 0.5).toFixed(3)} ms, p99 ${percentile(steady, 0.99).toFixed(3)} ms, max ${percentile(steady, 1).toFixed(3)} ms`);
  console.log(`  into silver: ${fmt(silver.rowsWritten)} rows in ${silver.filesWritten.length} Parquet partition(s), ${fmt(rows / ((silverAt - firstAt) / 1000))} messages/s wall from first frame to silver written`);
  loopDelay.disable();
  console.log(`  event-loop delay: p99 ${(loopDelay.percentile(99) / 1e6).toFixed(2)} ms, max ${(loopDelay.max / 1e6).toFixed(2)} ms`);
  console.log(`  repairs: ${live.stats.repairs}, duplicates: ${live.stats.duplicates}, invalid: ${live.stats.invalid}`);
}

if (process.argv.includes('--server')) await server();
else {
  try {
    await client();
  } finally {
    for (const c of children) c.kill();
  }
}
