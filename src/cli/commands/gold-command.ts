import { createRunEvents } from '../../core/events.js';
import { formatUtc } from '../../core/time.js';
import { buildGoldTable } from '../../lake/build-gold-table.js';
import { openLake } from '../../lake/lake.js';
import type { Command } from '../main.js';
import { optionalFlag, optionalTime, requireFlag } from './import-command.js';

/** `scalplake gold`. */
export const goldCommand: Command = {
  summary: 'build the gold features table (one row per symbol and minute) from silver',
  usage: `Usage: scalplake gold --lake DIR [--symbol S] [--from T] [--to T] [--json]

Builds gold/features_1m from the silver tables: OHLCV, 50+ point-in-time features and forward-looking labels per
minute. Incremental: without --from it continues from the last build's watermark (re-reading the warm-up window and
re-labelling the last 15 minutes); re-running changes nothing. Silver added later for minutes before the watermark (a
day imported late) is not read again: rebuild it with --from set to its first minute. Works with klines alone (other
columns null).`,
  options: {
    lake: { type: 'string' },
    symbol: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  async run({ values, out, signal }) {
    const lake = openLake(requireFlag(values, 'lake'));
    const symbol = optionalFlag(values, 'symbol');
    const from = optionalTime(values, 'from');
    const to = optionalTime(values, 'to');
    // Progress on a terminal: one partition (a UTC day) becomes visible at a time.
    const events = createRunEvents();
    let rows = 0;
    events.on('flush', (f) => {
      rows += f.rows;
      out.progress({ stage: 'gold', rows, detail: `gold ${f.files.at(-1) ?? f.table}` });
    });
    const reports = await buildGoldTable(lake, {
      symbols: symbol === undefined ? undefined : [symbol],
      from,
      to,
      events,
      signal,
    });
    out.endProgress();
    for (const r of reports) {
      out.line(
        `${r.symbol}: ${formatUtc(r.from)} → ${formatUtc(r.to)}, ${r.rows} rows (written ${r.rowsWritten}, unchanged ${r.unchanged}), ` +
          `inputs klines${r.inputs.map((i) => `, ${i}`).join('')}, ${r.gaps.length} kline gap(s), ${r.filesWritten.length} file(s)`,
      );
    }
    out.result({ ok: true, symbols: reports });
    return 0;
  },
};
