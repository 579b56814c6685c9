import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { backfill } from '../../src/lake/backfill.js';
import { openLake } from '../../src/lake/lake.js';
import { type ReplayExchange, startReplayExchange, syntheticMarket, virtualClock } from '../../src/replay/index.js';
import { duckdbRows } from '../helpers/duckdb.js';
import { createStageContext } from '../../src/pipeline/context.js';

const START = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
let ex: ReplayExchange | null = null;
let dir = '';
afterEach(async () => {
  await ex?.close();
  ex = null;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('backfill through REST against the replay exchange', () => {
  it('fills klines, aggTrades, funding and mark-price klines equal to the ground truth, then resumes with nothing to do', async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalplake-backfill-'));
    const clock = virtualClock(START + 3 * 24 * HOUR + 5 * 60_000);
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 3, symbols: ['BTCUSDT'], start: START }), clock });
    const lakeDir = join(dir, 'lake');
    const lake = openLake(lakeDir);
    const common = { symbol: 'BTCUSDT', restUrl: ex.restUrl, bulk: false, now: () => clock.now(), sleep: async (ms: number) => clock.advance(ms) };
    const report = await backfill(lake, { ...common, data: ['klines', 'fundingRate', 'markPrice'], from: START, to: START + 3 * 24 * HOUR });
    const trades = await backfill(lake, { ...common, data: ['aggTrades'], from: clock.now() - 6 * HOUR, to: clock.now() - 60_000 });
    expect(ex.stats().responses429).toBe(0);
    expect(report.rest.map((r) => [r.data, r.restRows])).toEqual([
      ['klines', 3 * 1440],
      ['fundingRate', 9],
      ['markPrice', 3 * 1440],
    ]);

    const silver = (t: string) => `read_parquet('${lakeDir}/silver/${t}/**/*.parquet', hive_partitioning = true)`;
    const k = await duckdbRows(`SELECT epoch_ms(open_time) AS t, open, high, low, close, volume, quote_volume, trade_count, taker_buy_volume FROM ${silver('klines')} ORDER BY 1`);
    const truthK = ex.truth.klines('BTCUSDT', START, START + 3 * 24 * HOUR - 60_000);
    expect(k.map((r) => [Number(r.t), r.open, r.high, r.low, r.close, r.volume, r.quote_volume, Number(r.trade_count), r.taker_buy_volume])).toEqual(
      truthK.map((r) => [r.open_time, r.open, r.high, r.low, r.close, r.volume, r.quote_volume, r.trade_count, r.taker_buy_volume]),
    );
    const a = await duckdbRows(`SELECT agg_trade_id AS id, price, quantity, epoch_ms(trade_time) AS t, is_buyer_maker AS m FROM ${silver('agg_trades')} ORDER BY 1`);
    const r0 = trades.rest[0]!;
    const truthA = ex.truth.aggTrades('BTCUSDT', { from: r0.restFrom, to: r0.restTo - 1 });
    expect(a.length).toBe(truthA.length);
    expect(a.map((r) => [Number(r.id), r.price, r.quantity, Number(r.t), r.m])).toEqual(
      truthA.map((r) => [r.agg_trade_id, r.price, r.quantity, r.trade_time, r.is_buyer_maker]),
    );
    const f = await duckdbRows(`SELECT epoch_ms(funding_time) AS t, funding_rate FROM ${silver('funding_rates')} ORDER BY 1`);
    expect(f.map((r) => [Number(r.t), r.funding_rate])).toEqual(
      ex.truth.fundingRates('BTCUSDT', START, START + 3 * 24 * HOUR - 1).map((r) => [r.funding_time, r.funding_rate]),
    );

    // REST pages are in bronze
    const [b] = await duckdbRows(`SELECT count(*) AS n FROM read_json_auto('${lakeDir}/bronze/rest/**/*.jsonl.gz')`);
    expect(Number(b?.n)).toBe(report.requests + trades.requests);

    // Resume: everything is there, nothing is fetched or rewritten.
    const again = await backfill(lake, { ...common, data: ['klines', 'fundingRate', 'markPrice'], from: START, to: START + 3 * 24 * HOUR });
    expect(again.rest.map((r) => r.rowsWritten)).toEqual([0, 0, 0]);
  });

  it('refuses REST aggTrades older than 24 hours with advice, and stops on a 418 with BINANCE_BANNED', async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalplake-backfill-'));
    const clock = virtualClock(START + 3 * 24 * HOUR);
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 3, symbols: ['BTCUSDT'], start: START }), clock });
    const lake = openLake(join(dir, 'lake'));
    const common = { symbol: 'BTCUSDT', restUrl: ex.restUrl, bulk: false, now: () => clock.now(), sleep: async (ms: number) => clock.advance(ms) };
    await expect(backfill(lake, { ...common, data: ['aggTrades'], from: START, to: START + 2 * HOUR })).rejects.toThrow(/bulk files/);
    ex.faults.add({ kind: 'ban', at: clock.now() });
    const e = await backfill(lake, { ...common, data: ['klines'], from: START, to: START + 24 * HOUR }).catch((x: unknown) => x);
    expect(isScalplakeError(e, 'BINANCE_BANNED')).toBe(true);
  });

  it('fetches klines and mark-price klines missing before the watermark again (holes, and an earlier --from), and nothing else', async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalplake-backfill-'));
    const clock = virtualClock(START + 2 * 24 * HOUR + 5 * 60_000);
    ex = await startReplayExchange({ market: syntheticMarket({ seed: 5, symbols: ['BTCUSDT'], start: START }), clock });
    const lakeDir = join(dir, 'lake');
    const lake = openLake(lakeDir);
    const common = { symbol: 'BTCUSDT', restUrl: ex.restUrl, bulk: false, now: () => clock.now(), sleep: async (ms: number) => clock.advance(ms) };
    const end = START + 2 * 24 * HOUR;
    // A complete lake, then a copy with holes: the first day from 06:00 on, minus 10:00-10:29 and the 13:00 bar.
    const full = openLake(join(dir, 'full'));
    await backfill(full, { ...common, data: ['klines', 'markPrice'], from: START, to: end });
    const holey = (t: number) => t >= START + 6 * HOUR && !(t >= START + 10 * HOUR && t < START + 10.5 * HOUR) && t !== START + 13 * HOUR;
    for (const table of ['klines', 'mark_price_klines'] as const) {
      async function* kept(): AsyncIterable<readonly { open_time: number }[]> {
        for await (const b of full.readSilver(table, 'BTCUSDT')) yield b.filter((r) => holey(r.open_time));
      }
      await lake.silver(table).write(kept() as never, createStageContext());
    }
    const report = await backfill(lake, { ...common, data: ['klines', 'markPrice'], from: START, to: end });
    expect(report.rest.map((r) => [r.data, r.holes, r.holeRowsWritten, r.rowsWritten])).toEqual([
      ['klines', 3, 360 + 30 + 1, 0],
      ['markPrice', 3, 360 + 30 + 1, 0],
    ]);
    const silver = (d: string, t: string) => `read_parquet('${d}/silver/${t}/**/*.parquet', hive_partitioning = true)`;
    const truthK = ex.truth.klines('BTCUSDT', START, end - 60_000);
    const k = await duckdbRows(`SELECT epoch_ms(open_time) AS t, open, close, volume FROM ${silver(lakeDir, 'klines')} ORDER BY 1`);
    expect(k.map((r) => [Number(r.t), r.open, r.close, r.volume])).toEqual(truthK.map((r) => [r.open_time, r.open, r.close, r.volume]));
    const sql = (d: string) => `SELECT epoch_ms(open_time) AS t, open, high, low, close FROM ${silver(d, 'mark_price_klines')} ORDER BY 1`;
    const m = await duckdbRows(sql(lakeDir));
    expect(m).toHaveLength(2 * 1440);
    expect(m).toEqual(await duckdbRows(sql(join(dir, 'full'))));

    // Nothing is missing any more: a second run finds no hole and asks REST for nothing.
    const before = ex.stats().requests;
    const again = await backfill(lake, { ...common, data: ['klines', 'markPrice'], from: START, to: end });
    expect(again.rest.map((r) => [r.holes, r.holeRowsWritten, r.rowsWritten])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(ex.stats().requests - before).toBe(1); // exchangeInfo only
  });
});
