import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestLive } from '../../src/lake/ingest-live.js';
import { openLake } from '../../src/lake/lake.js';
import { type ReplayExchange, startReplayExchange, syntheticMarket, virtualClock } from '../../src/replay/index.js';
import { duckdbRows } from '../helpers/duckdb.js';

const START = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const wall = (ms: number) => new Promise((r) => setTimeout(r, ms));
let ex: ReplayExchange | null = null;
let dir = '';
afterEach(async () => {
  await ex?.close();
  ex = null;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function runLive(lakeDir: string, minutes: number, faults?: string) {
  const clock = virtualClock(START + 10 * MIN);
  ex = await startReplayExchange({
    market: syntheticMarket({ seed: 11, symbols: ['BTCUSDT'], start: START }),
    clock,
    aggTradesHistoryMs: Number.POSITIVE_INFINITY,
    ...(faults ? { faults } : {}),
  });
  const drain = new AbortController();
  const run = ingestLive(openLake(lakeDir), {
    restUrl: ex.restUrl,
    wsUrl: ex.wsUrl,
    symbol: 'BTCUSDT',
    streams: ['kline_1m', 'aggTrade', 'markPrice'],
    now: () => clock.now(),
    sleep: async (ms) => clock.advance(ms),
    drainSignal: drain.signal,
    flushIntervalMs: 50,
    ws: { stallTimeoutMs: 400, backoffBaseMs: 20, backoffMaxMs: 100 },
  });
  run.catch(() => {});
  for (let i = 0; i < 200 && ex.connections().filter((c) => c.streams.length > 0).length < 1; i++) await wall(10);
  const end = clock.now() + minutes * MIN;
  while (clock.now() < end) {
    clock.advance(1000);
    await wall(2);
  }
  await wall(100);
  drain.abort();
  return { report: await run, clock, ex };
}

describe('ingestLive into the lake, against the replay exchange', () => {
  it('writes silver equal to the exchange ground truth through drops, duplicates and malformed frames', async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalplake-live-'));
    const lakeDir = join(dir, 'lake');
    const { report, ex: exchange } = await runLive(lakeDir, 6, 'drop@every=2m,dup=0.02,reorder=0.02,malformed=0.01');
    expect(report.reconnects).toBeGreaterThan(0);
    expect(report.quarantined).toBeGreaterThan(0);
    expect(report.bronze).toBeGreaterThan(0);

    const silver = (t: string) => `read_parquet('${lakeDir}/silver/${t}/**/*.parquet', hive_partitioning = true)`;
    const [k] = await duckdbRows(`SELECT min(epoch_ms(open_time)) AS first, max(epoch_ms(open_time)) AS last, count(*) AS n,
      count(DISTINCT open_time) AS d FROM ${silver('klines')}`);
    expect(k?.n).toBe(k?.d); // no duplicates
    const truthK = exchange.truth.klines('BTCUSDT', Number(k?.first), Number(k?.last));
    expect(Number(k?.n)).toBe(truthK.length); // no holes
    const lakeK = await duckdbRows(`SELECT epoch_ms(open_time) AS t, open, high, low, close, volume, trade_count FROM ${silver('klines')} ORDER BY 1`);
    expect(lakeK.map((r) => [Number(r.t), r.open, r.close, r.volume, Number(r.trade_count)])).toEqual(
      truthK.map((r) => [r.open_time, r.open, r.close, r.volume, r.trade_count]),
    );

    const [a] = await duckdbRows(`SELECT min(agg_trade_id) AS lo, max(agg_trade_id) AS hi, count(*) AS n, count(DISTINCT agg_trade_id) AS d FROM ${silver('agg_trades')}`);
    expect(a?.n).toBe(a?.d);
    expect(Number(a?.n)).toBe(Number(a?.hi) - Number(a?.lo) + 1); // contiguous ids: nothing lost
    const truthA = exchange.truth.aggTrades('BTCUSDT', { fromId: Number(a?.lo), toId: Number(a?.hi) });
    const lakeA = await duckdbRows(`SELECT agg_trade_id AS id, price, quantity, epoch_ms(trade_time) AS t, is_buyer_maker AS m FROM ${silver('agg_trades')} ORDER BY 1`);
    expect(lakeA.map((r) => [Number(r.id), r.price, r.quantity, Number(r.t), r.m])).toEqual(
      truthA.map((r) => [r.agg_trade_id, r.price, r.quantity, r.trade_time, r.is_buyer_maker]),
    );

    const [q] = await duckdbRows(`SELECT count(*) AS n, count(reason) AS with_reason FROM read_json_auto('${lakeDir}/quarantine/**/*.jsonl.gz')`);
    expect(Number(q?.n)).toBe(report.quarantined);
    expect(q?.with_reason).toBe(q?.n);
  });
});
