import { downloadFiles } from '../../lake/download-files.js';
import { openLake } from '../../lake/lake.js';
import type { Command } from '../main.js';
import { optionalFlag, printSummary, requireFlag, requireList, requireTime } from './import-command.js';

/** `scalplake download`. */
export const downloadCommand: Command = {
  summary: 'download, verify and import data.binance.vision files for a date range',
  usage: `Usage: scalplake download --lake DIR --symbol BTCUSDT --data klines,aggTrades,fundingRate --from 2024-01-01 --to 2024-01-31
                          [--interval 1m] [--base-url URL] [--json]

Plans monthly files for whole months in the range and daily files otherwise (fundingRate is monthly only, bookDepth
daily only), verifies each zip's sha256 against its .CHECKSUM before importing, keeps the zip in bronze, and imports
it. Re-running resumes: verified zips are not downloaded again and imported ones are skipped. A month whose monthly
file is not published (the running month, or one that ended days ago) is fetched as daily files. A file the server
does not have (404) is reported as missing and the run goes on. --from and --to are UTC days, both included.
Data types: klines, aggTrades, fundingRate, markPriceKlines, indexPriceKlines, premiumIndexKlines, bookDepth.`,
  options: {
    lake: { type: 'string' },
    symbol: { type: 'string' },
    data: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    interval: { type: 'string' },
    'base-url': { type: 'string' },
  },
  async run({ values, out, signal }) {
    const lake = openLake(requireFlag(values, 'lake'));
    const summary = await downloadFiles(lake, {
      symbol: requireFlag(values, 'symbol'),
      data: requireList(values, 'data'),
      from: requireTime(values, 'from'),
      to: requireTime(values, 'to'),
      interval: optionalFlag(values, 'interval'),
      baseUrl: optionalFlag(values, 'base-url'),
      signal,
      onProgress: (p) => out.progress(p),
      onFile: (f) => out.progress({ stage: 'download', rows: 0, detail: `[${f.index + 1}/${f.count}] ${f.url}` }),
    });
    out.endProgress();
    printSummary(out, summary);
    for (const m of summary.missingFiles) out.line(`missing on the server (404): ${m.url} (${m.from} → ${m.to})`);
    out.result({ ok: true, ...summary });
    return 0;
  },
};
