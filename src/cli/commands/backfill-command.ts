import { createRunEvents } from '../../core/events.js';
import { formatUtc } from '../../core/time.js';
import { backfill } from '../../lake/backfill.js';
import { openLake } from '../../lake/lake.js';
import type { Command } from '../main.js';
import { optionalFlag, optionalTime, printSummary, requireFlag, requireList, requireTime } from './import-command.js';

/** `scalplake backfill`. */
export const backfillCommand: Command = {
  summary: 'backfill history: bulk files for whole past days, REST for the recent tail, resuming from the lake',
  usage: `Usage: scalplake backfill --lake DIR --symbol BTCUSDT --data klines,aggTrades,fundingRate,markPrice --from T [--to T]
                          [--rest-url URL] [--base-url URL] [--no-bulk] [--json]

Whole UTC days that ended before yesterday come from data.binance.vision (verified, kept in bronze); the rest
through REST within Binance's weight budget (no 429), REST pages kept in bronze. Each table resumes after its last
stored row; klines and mark-price klines missing between --from and that row (holes) are fetched again. REST
serves aggTrades of the last 24 hours only: older ones need the bulk files.`,
  options: {
    lake: { type: 'string' },
    symbol: { type: 'string' },
    data: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'rest-url': { type: 'string' },
    'base-url': { type: 'string' },
    'no-bulk': { type: 'boolean' },
  },
  async run({ values, out, signal }) {
    const lake = openLake(requireFlag(values, 'lake'));
    // Progress of the REST runs on a terminal (the bulk part reports its files when done).
    const events = createRunEvents();
    events.on('progress', (p) => out.progress(p));
    const report = await backfill(lake, {
      symbol: requireFlag(values, 'symbol'),
      data: requireList(values, 'data'),
      from: requireTime(values, 'from'),
      to: optionalTime(values, 'to'),
      restUrl: optionalFlag(values, 'rest-url'),
      bulkBaseUrl: optionalFlag(values, 'base-url'),
      bulk: values['no-bulk'] !== true,
      events,
      signal,
    });
    out.endProgress();
    if (report.bulk) printSummary(out, report.bulk);
    for (const r of report.rest) {
      out.line(`REST ${r.data} → ${r.table}: ${formatUtc(r.restFrom)} → ${formatUtc(r.restTo)}, ${r.restRows} rows, ${r.rowsWritten} new, ${r.quarantined} quarantined`);
      if (r.holes > 0) out.line(`  ${r.holes} hole(s) before the last stored bar: ${r.holeRowsWritten} rows filled from REST`);
    }
    out.line(`${report.requests} REST requests`);
    out.result({ ok: true, ...report });
    return 0;
  },
};
