/**
 * The whole medallion system, offline (`npm run demo`):
 *
 *  1. bulk history: the bundled real Binance files → bronze (verified originals) + silver (validated, upserted);
 *  2. the replay exchange: a Binance-compatible REST + WebSocket server on loopback serving a seeded synthetic
 *     market `SIMUSDT` (klines, aggTrades, depth, mark prices, funding), with injected faults;
 *  3. REST backfill of the synthetic market's last day (within the weight budget), REST pages to bronze;
 *  4. live WebSocket ingestion for 10 exchange minutes through dropped connections, duplicated and malformed frames,
 *     every hole repaired through REST;
 *  5. gold: one row of 50+ point-in-time features and labels per symbol and minute;
 *  6. quality: gaps per table, and DuckDB reading the Parquet tables back.
 *
 * No network beyond 127.0.0.1. The lake goes to ./lake (ignored by git).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  backfill,
  buildGoldTable,
  findSilverGaps,
  formatUtc,
  importFiles,
  ingestLive,
  openLake,
} from '../src/index.js';
import { startReplayExchange, syntheticMarket, virtualClock } from '../src/replay/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const data = join(root, 'examples', 'data');
const lakeDir = join(root, 'lake');
const MIN = 60_000;
const wall = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  await rm(lakeDir, { recursive: true, force: true });
  const lake = openLake(lakeDir);
  console.log(`scalplake: the whole medallion pipeline, offline. Lake: ${lakeDir}\n`);

  // 1. Bulk history files.
  console.log('1. Bulk files → bronze + silver (checksum verified, format detected, rows validated, upserted)');
  const bulk = await importFiles(lake, [
    join(data, 'BTCUSDT-1m-2019-09.zip'),
    join(data, 'BTCUSDT-aggTrades-2025-10-22.csv'),
    join(data, 'BTCUSDT_Binance_futures_data_hour.csv'),
  ]);
  for (const f of bulk.files) {
    const d = f.detection;
    console.log(
      `   ${f.input.slice(data.length + 1).padEnd(38)} ${String(d?.format).padEnd(10)} → ${f.table.padEnd(10)} ${String(d?.interval ?? '').padEnd(3)}` +
        ` read ${f.rowsRead}, written ${f.rowsWritten}, quarantined ${f.quarantined}, checksum ${f.checksum}`,
    );
    for (const g of f.gaps) console.log(`      gap: ${formatUtc(g.from)} → ${formatUtc(g.to)} (${g.missing} missing)`);
  }
  const again = await importFiles(lake, [join(data, 'BTCUSDT-1m-2019-09.zip')], { resume: false });
  console.log(`   re-import of the same zip: written ${again.totals.rowsWritten}, unchanged ${again.totals.unchanged} (byte-identical silver)`);

  // 2. The replay exchange.
  const start = Date.UTC(2024, 0, 1);
  const clock = virtualClock(start + 24 * 60 * MIN);
  const exchange = await startReplayExchange({
    market: syntheticMarket({ seed: 42, symbols: ['SIMUSDT'], start, tradesPerMinute: 120 }),
    clock,
    faults: 'drop@every=3m,dup=0.01,reorder=0.01,malformed=0.005',
  });
  console.log(`\n2. Replay exchange on ${exchange.restUrl} and ${exchange.wsUrl} (synthetic SIMUSDT, faults injected)`);
  try {
    // 3. REST backfill of the last day (aggTrades: the last hour, as REST only serves 24 h of them).
    const rest = { symbol: 'SIMUSDT', restUrl: exchange.restUrl, bulk: false, now: () => clock.now(), sleep: async (ms: number) => clock.advance(ms) };
    const filled = await backfill(lake, { ...rest, data: ['klines', 'fundingRate', 'markPrice'], from: start, to: clock.now() });
    const trades = await backfill(lake, { ...rest, data: ['aggTrades'], from: clock.now() - 60 * MIN, to: clock.now() });
    console.log('\n3. REST backfill (weight budget kept, pages in bronze)');
    for (const r of [...filled.rest, ...trades.rest]) console.log(`   ${r.data.padEnd(11)} → ${r.table.padEnd(17)} ${r.restRows} rows`);
    console.log(`   ${filled.requests + trades.requests} requests, ${exchange.stats().responses429} answered 429`);

    // 4. Live ingestion for 10 exchange minutes.
    console.log('\n4. Live WebSocket ingestion, 10 exchange minutes (drops every 3 minutes, duplicated/reordered/malformed frames)');
    const drain = new AbortController();
    const live = ingestLive(lake, {
      ...rest,
      wsUrl: exchange.wsUrl,
      streams: ['kline_1m', 'aggTrade', 'markPrice', 'depth20'],
      drainSignal: drain.signal,
      flushIntervalMs: 500,
      ws: { stallTimeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 200 },
    });
    live.catch(() => {});
    for (let i = 0; i < 300 && exchange.connections().filter((c) => c.streams.length > 0).length < 2; i++) await wall(10);
    const liveEnd = clock.now() + 10 * MIN;
    while (clock.now() < liveEnd) {
      clock.advance(500);
      await wall(3);
    }
    await wall(200);
    drain.abort();
    const liveReport = await live;
    for (const [table, n] of Object.entries(liveReport.rows)) console.log(`   silver ${table.padEnd(12)} +${n} rows`);
    console.log(
      `   bronze ${liveReport.bronze} frames, quarantined ${liveReport.quarantined} malformed, ${liveReport.reconnects} reconnects, ${liveReport.repairs} REST repairs`,
    );
  } finally {
    await exchange.close();
  }

  // 5. Gold.
  console.log('\n5. Gold features (one row per symbol and minute, point-in-time, labels look ahead)');
  for (const r of await buildGoldTable(lake)) {
    console.log(`   ${r.symbol.padEnd(8)} ${r.rows} rows, inputs klines${r.inputs.map((i) => `, ${i}`).join('')}; ${r.gaps.length} kline gap(s)`);
  }

  // 6. Quality and SQL.
  console.log('\n6. Quality: gaps in silver');
  for (const [table, symbol] of [['klines', 'BTCUSDT'], ['klines', 'SIMUSDT'], ['agg_trades', 'SIMUSDT']] as const) {
    const gaps = await findSilverGaps(lake, table, symbol);
    console.log(`   ${table}/${symbol}: ${gaps.length === 0 ? 'complete' : gaps.map((g) => (g.kind === 'time' ? `${formatUtc(g.from)} (${g.missing})` : `ids ${g.from}–${g.to}`)).join(', ')}`);
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run("SET TimeZone = 'UTC'");
  const tables = await c.runAndReadAll(`
    SELECT 'silver/' || split_part(file, '/silver/', 2) AS t, count(*) AS rows FROM (
      SELECT regexp_extract(filename, '(.*/silver/[a-z_]+)/', 1) AS file FROM read_parquet('${lakeDir}/silver/**/*.parquet', filename = true, union_by_name = true)
    ) GROUP BY 1 ORDER BY 1`);
  console.log('\n   DuckDB over silver:');
  console.table(tables.getRowObjectsJson());
  const gold = await c.runAndReadAll(`
    SELECT symbol, strftime(open_time, '%Y-%m-%d %H:%M') AS minute, round(close, 2) AS close, round(rsi_14, 1) AS rsi_14,
           round(book_imbalance_5, 3) AS book_imb_5, trade_count, round(label_fwd_return_5m * 1e4, 2) AS fwd_5m_bps
    FROM read_parquet('${lakeDir}/gold/features_1m/**/*.parquet', hive_partitioning = true)
    WHERE symbol = 'SIMUSDT' AND book_imbalance_5 IS NOT NULL AND label_fwd_return_5m IS NOT NULL ORDER BY open_time DESC LIMIT 5`);
  console.log('   DuckDB over gold (latest SIMUSDT minutes with every input and a 5-minute label):');
  console.table(gold.getRowObjectsJson());
  c.closeSync();
  console.log(`Done. Explore: SELECT * FROM read_parquet('lake/gold/features_1m/**/*.parquet', hive_partitioning = true);`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
