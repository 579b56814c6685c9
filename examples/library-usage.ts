/**
 * The README's library example, type-checked in CI: one CSV file into silver through the builder, with quarantine,
 * progress and gap events. Run: `npx tsx examples/library-usage.ts path/to/BTCUSDT-1m-2019-09.csv ./lake`.
 */
import { openLake, pipeline, toQuarantineRows } from '../src/index.js';
import { csvFileSource } from '../src/sources/index.js';
import { dedupe, detectGaps, validate } from '../src/transforms/index.js';

const [file = 'BTCUSDT-1m-2019-09.csv', lakeDir = './lake'] = process.argv.slice(2);
const lake = openLake(lakeDir);
const quarantine = lake.quarantine('klines');
const run = pipeline('btc-klines')
  .from(csvFileSource<'klines'>(file, { ingestedAt: Date.now() }))
  .pipe(validate('klines', { quarantine: (rows) => quarantine.append(toQuarantineRows('klines', rows)) }))
  .pipe(dedupe({ key: ['symbol', 'interval', 'open_time'] }))
  .pipe(detectGaps({ table: 'klines' }))
  .to(lake.silver('klines'))
  .run({ signal: AbortSignal.timeout(600_000) });

run.on('progress', (p) => console.log(p.stage, p.rows));
run.on('gap', (g) => console.log('missing', g.missing, 'intervals from', new Date(g.from).toISOString()));
const report = await run.done; // rows in/out, duplicates, invalid, gaps, files written, durations
await quarantine.close();
console.log(report.rowsIn, 'rows in,', report.rowsOut, 'written,', report.invalid, 'quarantined,', report.gaps.length, 'gaps');
