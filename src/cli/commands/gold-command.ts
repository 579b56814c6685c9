import { formatUtc } from '../../core/time.js';
import { buildGoldTable } from '../../lake/build-gold-table.js';
import { openLake } from '../../lake/lake.js';
import type { Command } from '../main.js';
import { optionalFlag, requireFlag } from './import-command.js';

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
    const reports = await buildGoldTable(lake, {
      symbols: symbol === undefined ? undefined : [symbol],
      from: optionalFlag(values, 'from'),
      to: optionalFlag(values, 'to'),
      signal,
    });
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
