import { ScalplakeError } from '../../core/errors.js';
import { formatUtc } from '../../core/time.js';
import { ingestLive } from '../../lake/ingest-live.js';
import { openLake } from '../../lake/lake.js';
import { parseDuration } from '../../replay/fault-plan.js';
import type { Command } from '../main.js';
import { optionalFlag, requireFlag } from './import-command.js';

/** Reads a duration flag: a positive number with its unit (`90s`, `10m`, `1.5h`; a bare number is refused, not read as ms). */
function durationFlag(values: Record<string, unknown>, name: string): number | undefined {
  const raw = optionalFlag(values, name);
  if (raw === undefined) return undefined;
  const ms = /^\s*\d+(?:\.\d+)?(?:ms|s|m|h|d)\s*$/.test(raw) ? parseDuration(raw) : 0;
  if (!(ms > 0)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `--${name} ${JSON.stringify(raw)} is not a duration like 250ms, 90s, 10m or 2h`, {
      context: { [name]: raw },
    });
  }
  return ms;
}

/** The longest delay `setTimeout` takes; a longer one fires at once (after 1 ms) with a warning. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Calls `fn` after `ms` (any length, e.g. `--duration 30d`); returns the cancel function. */
function after(ms: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const end = Date.now() + ms;
  const arm = (left: number) => {
    timer = setTimeout(() => {
      const rest = end - Date.now();
      if (rest > 0) arm(rest);
      else fn();
    }, Math.min(left, MAX_TIMEOUT_MS));
  };
  arm(ms);
  return () => clearTimeout(timer);
}

/** `scalplake live`. */
export const liveCommand: Command = {
  summary: 'stream Binance WebSocket data into bronze and silver, repairing every hole through REST',
  usage: `Usage: scalplake live --lake DIR --symbol BTCUSDT [--streams kline_1m,aggTrade,depth20,markPrice] [--duration 10m]
                      [--flush-every 60s] [--rest-url URL] [--ws-url URL] [--json]

Connects to /market (kline, aggTrade, markPrice) and /public (depth, bookTicker), writes raw frames to bronze and
records to silver on a flush schedule, and repairs gaps after reconnects and stalls through REST before newer rows
are written. It resumes from the lake's last rows, so a restart leaves no hole. Ctrl-C (or the end of --duration)
drains: holes are repaired, buffered rows written, then it exits (with WS_UNAVAILABLE, non-zero, if no WebSocket
connection ever opened).`,
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
    const duration = durationFlag(values, 'duration');
    const flushEvery = durationFlag(values, 'flush-every');
    const streamsFlag = optionalFlag(values, 'streams');
    const streams = streamsFlag?.split(',').map((s) => s.trim()).filter(Boolean);
    if (streams?.length === 0) {
      throw new ScalplakeError('INVALID_ARGUMENT', `--streams ${JSON.stringify(streamsFlag)} names no stream`, { context: { streams: streamsFlag } });
    }
    const wsUrl = optionalFlag(values, 'ws-url') ?? 'wss://fstream.binance.com';
    const cancel = duration === undefined ? undefined : after(duration, () => drain.abort());
    try {
      const report = await ingestLive(lake, {
        symbol: requireFlag(values, 'symbol'),
        restUrl: optionalFlag(values, 'rest-url') ?? 'https://fapi.binance.com',
        wsUrl,
        streams,
        flushIntervalMs: flushEvery,
        drainSignal: drain.signal,
        onMarker: (m) => out.line(`${formatUtc(m.at)} ${m.type} ${m.scope}: ${m.reason}`),
      });
      for (const [table, n] of Object.entries(report.rows)) out.line(`silver ${table}: ${n} rows`);
      out.line(
        `bronze ${report.bronze} payloads, quarantined ${report.quarantined}, reconnects ${report.reconnects}, REST repairs ${report.repairs}`,
      );
      if (report.connections === 0) {
        // A cron job must not see success when the WebSocket server was never reached (silver then holds only what
        // REST repairs fetched, and nothing for the streams REST cannot replay).
        throw new ScalplakeError(
          'WS_UNAVAILABLE',
          `no WebSocket connection to ${wsUrl} opened during the run (${report.reconnects} reconnect attempts); silver holds only what REST repairs fetched`,
          { context: { wsUrl, reconnects: report.reconnects } },
        );
      }
      out.result({ ok: true, ...report });
      return 0;
    } finally {
      cancel?.();
    }
  },
};
