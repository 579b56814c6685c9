import { formatUtc } from '../../core/time.js';
import { ingestLive } from '../../lake/ingest-live.js';
import { openLake } from '../../lake/lake.js';
import { parseDuration } from '../../replay/fault-plan.js';
import type { Command } from '../main.js';
import { optionalFlag, requireFlag } from './import-command.js';

/** `scalplake live`. */
export const liveCommand: Command = {
  summary: 'stream Binance WebSocket data into bronze and silver, repairing every hole through REST',
  usage: `Usage: scalplake live --lake DIR --symbol BTCUSDT [--streams kline_1m,aggTrade,depth20,markPrice] [--duration 10m]
                      [--flush-every 60s] [--rest-url URL] [--ws-url URL] [--json]

Connects to /market (kline, aggTrade, markPrice) and /public (depth, bookTicker), writes raw frames to bronze and
records to silver on a flush schedule, and repairs gaps after reconnects and stalls through REST before newer rows
are written. It resumes from the lake's last rows, so a restart leaves no hole. Ctrl-C (or the end of --duration)
drains: holes are repaired, buffered rows written, then it exits.`,
  options: {
    lake: { type: 'string' },
    symbol: { type: 'string' },
    streams: { type: 'string' },
    duration: { type: 'string' },
    'flush-every': { type: 'string' },
    'rest-url': { type: 'string' },
    'ws-url': { type: 'string' },
  },
  async run({ values, out, signal }) {
    const lake = openLake(requireFlag(values, 'lake'));
    const drain = new AbortController();
    signal.addEventListener('abort', () => drain.abort(), { once: true });
    const duration = optionalFlag(values, 'duration');
    const timer = duration === undefined ? undefined : setTimeout(() => drain.abort(), parseDuration(duration));
    const flushEvery = optionalFlag(values, 'flush-every');
    const streams = optionalFlag(values, 'streams');
    try {
      const report = await ingestLive(lake, {
        symbol: requireFlag(values, 'symbol'),
        restUrl: optionalFlag(values, 'rest-url') ?? 'https://fapi.binance.com',
        wsUrl: optionalFlag(values, 'ws-url') ?? 'wss://fstream.binance.com',
        streams: streams?.split(',').map((s) => s.trim()),
        flushIntervalMs: flushEvery === undefined ? undefined : parseDuration(flushEvery),
        drainSignal: drain.signal,
        onMarker: (m) => out.line(`${formatUtc(m.at)} ${m.type} ${m.scope}: ${m.reason}`),
      });
      for (const [table, n] of Object.entries(report.rows)) out.line(`silver ${table}: ${n} rows`);
      out.line(
        `bronze ${report.bronze} payloads, quarantined ${report.quarantined}, reconnects ${report.reconnects}, REST repairs ${report.repairs}`,
      );
      out.result({ ok: true, ...report });
      return 0;
    } finally {
      if (timer) clearTimeout(timer);
    }
  },
};
