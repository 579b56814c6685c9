/**
 * The offline demo (`npm run demo`): imports the bundled real Binance sample files into ./lake — bronze (verified
 * originals), silver (validated, deduplicated, upserted Parquet) and quarantine — then reads the silver tables back
 * with DuckDB. No network.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatUtc, importFiles, openLake } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const data = join(root, 'examples', 'data');
const lakeDir = join(root, 'lake');

async function main(): Promise<void> {
  await rm(lakeDir, { recursive: true, force: true });
  const lake = openLake(lakeDir);
  console.log(`scalplake demo: lake at ${lakeDir}\n`);

  console.log('1. Bronze + silver from bulk files (checksum verified, format detected, rows validated)');
  const summary = await importFiles(lake, [
    join(data, 'BTCUSDT-1m-2019-09.zip'),
    join(data, 'BTCUSDT-aggTrades-2025-10-22.csv'),
    join(data, 'BTCUSDT_Binance_futures_data_hour.csv'),
  ]);
  for (const f of summary.files) {
    const d = f.detection;
    console.log(
      `   ${f.input.slice(data.length + 1).padEnd(40)} ${d?.format.padEnd(10)} → ${f.table.padEnd(10)} ${String(d?.interval ?? '').padEnd(3)} ` +
        `read ${f.rowsRead}, written ${f.rowsWritten}, duplicates ${f.duplicates}, quarantined ${f.quarantined}, checksum ${f.checksum}`,
    );
    for (const g of f.gaps) console.log(`      gap: ${formatUtc(g.from)} → ${formatUtc(g.to)} (${g.missing} missing)`);
  }

  console.log('\n2. Import the same zip again: nothing changes (partition upsert, byte-identical)');
  const again = await importFiles(lake, [join(data, 'BTCUSDT-1m-2019-09.zip')], { resume: false });
  console.log(`   written ${again.totals.rowsWritten}, unchanged ${again.totals.unchanged}`);

  console.log('\n3. Silver read back by DuckDB');
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run("SET TimeZone = 'UTC'");
  await c.run(lake.ddl('klines', 'duckdb').replace(`'silver/`, `'${lakeDir}/silver/`));
  const rows = await c.runAndReadAll(`
    SELECT interval, count(*) AS bars, strftime(min(open_time), '%Y-%m-%d %H:%M') AS first,
           strftime(max(open_time), '%Y-%m-%d %H:%M') AS last, round(sum(volume), 3) AS volume
    FROM klines GROUP BY interval ORDER BY interval`);
  console.table(rows.getRowObjectsJson());
  const day = await c.runAndReadAll(`
    SELECT strftime(date_trunc('day', open_time), '%Y-%m-%d') AS day, count(*) AS bars, min(low) AS low, max(high) AS high
    FROM klines WHERE interval = '1m' GROUP BY 1 ORDER BY 1 LIMIT 3`);
  console.table(day.getRowObjectsJson());
  c.closeSync();
  console.log(`\nDone. Explore with DuckDB: SELECT * FROM read_parquet('lake/silver/klines/**/*.parquet', hive_partitioning = true);`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
