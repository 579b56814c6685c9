/**
 * `npm run bench`: every benchmark, one after the other, each in its own process (so that one's heap does not
 * weigh on the next). Each prints its own figures and, where DuckDB does the same job, DuckDB's time and the ratio.
 * Pass names to run a subset: `npm run bench -- import gold`.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES: readonly { name: string; file: string; args: string[]; what: string }[] = [
  { name: 'import', file: 'import.bench.ts', args: [], what: 'issue 2: import of a 2M-row aggTrades day vs DuckDB CSV → zstd Parquet' },
  { name: 'csv', file: 'csv-parse.bench.ts', args: [], what: 'CSV parsing + mapping vs DuckDB read_csv' },
  { name: 'parquet', file: 'parquet-write.bench.ts', args: [], what: 'Parquet encoding vs DuckDB COPY' },
  { name: 'transforms', file: 'transforms.bench.ts', args: [], what: 'validate / dedupe throughput' },
  { name: 'ws', file: 'ws-ingest.bench.ts', args: ['--seconds', '60'], what: 'issue 3: WS ingest against the replay exchange, as fast as the socket takes (600,000 trades)' },
  { name: 'realtime', file: 'ws-ingest.bench.ts', args: ['--seconds', '10', '--realtime'], what: 'issue 3: frame → record latency at 10,000 msg/s' },
  {
    name: 'realtime50k',
    file: 'ws-ingest.bench.ts',
    args: ['--seconds', '20', '--realtime', '--trades-per-minute', '3000000', '--no-silver'],
    what: 'issue 3: frame → record latency at the 50,000 msg/s target rate (the source alone)',
  },
  {
    name: 'realtime50k-silver',
    file: 'ws-ingest.bench.ts',
    args: ['--seconds', '20', '--realtime', '--trades-per-minute', '3000000'],
    what: 'issue 3: the same with the silver sink encoding Parquet on the same thread',
  },
  { name: 'gold', file: 'gold.bench.ts', args: [], what: 'issue 4: gold for one year of 1-minute data' },
];

const only = process.argv.slice(2);
let failed = 0;
for (const b of BENCHES) {
  if (only.length > 0 && !only.includes(b.name)) continue;
  console.log(`\n### ${b.name}: ${b.what}`);
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL(b.file, import.meta.url)), ...b.args], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    failed++;
    console.log(`(${b.name} exited with ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
