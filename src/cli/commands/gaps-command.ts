import { ScalplakeError } from '../../core/errors.js';
import { formatUtc, intervalMs, requireUtcMillis } from '../../core/time.js';
import { findSilverGaps } from '../../lake/find-silver-gaps.js';
import { openLake } from '../../lake/lake.js';
import { formatGapsTable, klineCompleteness } from '../../quality/completeness.js';
import type { Command } from '../main.js';
import { optionalFlag, optionalTime, parseTable, requireFlag } from './import-command.js';

/** `scalplake gaps`. */
export const gapsCommand: Command = {
  summary: 'missing kline intervals (or aggTrade ids) and completeness per day',
  usage: `Usage: scalplake gaps --lake DIR --table klines|agg_trades --symbol S [--interval 1m] [--from T] [--to T] [--json]

Reads the silver table and lists what is missing: for klines the missing intervals and the completeness of each UTC
day; for agg_trades the missing id ranges. Times are UTC; --from is inclusive and --to exclusive (--from 2024-01-01
--to 2024-01-02 checks January 1st). Without --from the range starts with the first bar, without --to it ends with
the last one; with both, a range holding no bar at all is reported 0 % complete. Exits 0 whatever is missing: read
the result: with --json, klines give present, expected, ratio, days[] and missing[] ([first, last] missing open
times, UTC ms), agg_trades give gaps[] ({ from, to, missing } ids).`,
  options: {
    lake: { type: 'string' },
    table: { type: 'string' },
    symbol: { type: 'string' },
    interval: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  async run({ values, out }) {
    const lake = openLake(requireFlag(values, 'lake'));
    const table = parseTable(optionalFlag(values, 'table') ?? 'klines');
    const symbol = requireFlag(values, 'symbol');
    const from = optionalTime(values, 'from');
    const to = optionalTime(values, 'to');
    if (from !== undefined && to !== undefined && requireUtcMillis(from, '--from') > requireUtcMillis(to, '--to')) {
      throw new ScalplakeError(
        'INVALID_ARGUMENT',
        `--from ${formatUtc(requireUtcMillis(from, '--from'))} is after --to ${formatUtc(requireUtcMillis(to, '--to'))}`,
        { context: { from, to } },
      );
    }
    const range = { ...(from ? { from } : {}), ...(to ? { to } : {}) };
    if (table === 'klines') {
      const interval = optionalFlag(values, 'interval') ?? '1m';
      const step = intervalMs(interval);
      const times: number[] = [];
      for await (const batch of lake.readSilver('klines', symbol, range)) {
        for (const row of batch) if (row.interval === interval) times.push(row.open_time);
      }
      // With both ends given the expected grid is known: a range without any bar is 0 % complete, not an error.
      if (times.length === 0 && (from === undefined || to === undefined)) {
        throw new ScalplakeError('INVALID_ARGUMENT', `No ${interval} klines for ${symbol} in ${lake.store.url}`, {
          context: { symbol, interval },
        });
      }
      const report = klineCompleteness(times, step, range);
      out.line(`${symbol} ${interval} klines: ${report.present}/${report.expected} bars, ${(100 * report.ratio).toFixed(3)} % complete`);
      for (const day of report.days) {
        if (day.present < day.expected) {
          out.line(`  ${day.date}  ${day.present}/${day.expected}  ${(100 * day.ratio).toFixed(2)} %`);
        }
      }
      out.line(report.missing.length === 0 ? 'no missing intervals' : 'missing (UTC):');
      for (const line of formatGapsTable(report)) out.line(`  ${line}`);
      out.result({ ok: true, table, symbol, interval, ...report });
      return 0;
    }
    if (table !== 'agg_trades') {
      throw new ScalplakeError('INVALID_ARGUMENT', `gaps supports --table klines or agg_trades, not ${JSON.stringify(table)}`);
    }
    const gaps = await findSilverGaps(lake, table, symbol, range);
    for (const g of gaps) out.line(`missing agg_trade_id ${g.from} → ${g.to} (${g.missing})`);
    out.line(`${gaps.length} gap(s), ${gaps.reduce((n, g) => n + g.missing, 0)} missing id(s)`);
    out.result({ ok: true, table, symbol, gaps });
    return 0;
  },
};
