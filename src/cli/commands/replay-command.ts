import { ScalplakeError } from '../../core/errors.js';
import { runReplayCommand } from '../../replay/run-replay-command.js';
import { Writable } from 'node:stream';
import type { Command } from '../main.js';
import { optionalFlag } from './import-command.js';

function parseNumber(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = optionalFlag(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ScalplakeError('INVALID_ARGUMENT', `--${name} ${JSON.stringify(raw)} is not a positive number`, { context: { [name]: raw } });
  }
  return n;
}

function parseInteger(values: Record<string, unknown>, name: string, fallback: number, max: number, what: string): number {
  const raw = optionalFlag(values, name);
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > max) {
    throw new ScalplakeError('INVALID_ARGUMENT', `--${name} ${JSON.stringify(raw)} is not ${what}`, { context: { [name]: raw } });
  }
  return n;
}

/** Discards what is written to it (the human banner, with --json). */
const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

/** `scalplake replay`. */
export const replayCommand: Command = {
  summary: 'run the Binance-compatible replay exchange (REST + WebSocket) on loopback',
  usage: `Usage: scalplake replay [--port 9000] [--host 127.0.0.1] [--data PATH | --synthetic --seed 42] [--speed 10]
                        [--symbols BTCUSDT,ETHUSDT] [--faults SPEC] [--json]

Serves /fapi/v1/* REST and the /public and /market WebSocket roots like Binance USD-M futures, from recorded data
(data.binance.vision-named kline/aggTrades CSVs, WS captures) or a seeded synthetic market, at a chosen speed, with
Binance's limits, weights, 429/418 and optional faults, e.g.
  --faults 'drop@msg=500,stall@t=5m:300s,dup=0.01,reorder=0.01,malformed=0.01,pu-break@t=2m,http5xx=0.05'
--port 0 picks a free port. With --json the banner is one JSON line on stdout once the exchange listens:
{"ok":true,"restUrl":…,"wsUrl":…,"seed":…,"symbols":[…]}. Stop it with Ctrl-C (exit 0).`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    synthetic: { type: 'boolean' },
    seed: { type: 'string' },
    speed: { type: 'string' },
    symbols: { type: 'string' },
    faults: { type: 'string' },
  },
  async run({ values, out, signal }) {
    const data = optionalFlag(values, 'data');
    const faults = optionalFlag(values, 'faults');
    const host = optionalFlag(values, 'host');
    const symbols = optionalFlag(values, 'symbols');
    const seed = parseInteger(values, 'seed', 42, Number.MAX_SAFE_INTEGER, 'a seed (an integer ≥ 0)');
    const ex = await runReplayCommand({
      port: parseInteger(values, 'port', 9000, 65_535, 'a port (an integer from 0 to 65535)'),
      seed,
      speed: parseNumber(values, 'speed', 1),
      synthetic: values.synthetic === true || data === undefined,
      ...(data === undefined ? {} : { data }),
      ...(faults === undefined ? {} : { faults }),
      ...(host === undefined ? {} : { host }),
      ...(symbols === undefined ? {} : { symbols: symbols.split(',').map((x) => x.trim()) }),
      ...(out.json ? { out: discard } : {}),
    });
    // One line, printed once it listens: a script reads it to learn the URLs (with --port 0, the port).
    if (out.json) {
      process.stdout.write(
        `${JSON.stringify({ ok: true, restUrl: ex.restUrl, wsUrl: ex.wsUrl, seed, symbols: ex.market.symbols })}\n`,
      );
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await ex.close();
    return 0;
  },
};
