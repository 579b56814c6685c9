import { ScalplakeError } from '../../core/errors.js';
import { runReplayCommand } from '../../replay/run-replay-command.js';
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

/** `scalplake replay`. */
export const replayCommand: Command = {
  summary: 'run the Binance-compatible replay exchange (REST + WebSocket) on loopback',
  usage: `Usage: scalplake replay [--port 9000] [--host 127.0.0.1] [--data PATH | --synthetic --seed 42] [--speed 10]
                        [--symbols BTCUSDT,ETHUSDT] [--faults SPEC]

Serves /fapi/v1/* REST and the /public and /market WebSocket roots like Binance USD-M futures, from recorded data
(data.binance.vision-named kline/aggTrades CSVs, WS captures) or a seeded synthetic market, at a chosen speed, with
Binance's limits, weights, 429/418 and optional faults, e.g.
  --faults 'drop@msg=500,stall@t=5m:300s,dup=0.01,reorder=0.01,malformed=0.01,pu-break@t=2m,http5xx=0.05'
Stop it with Ctrl-C.`,
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
  async run({ values, signal }) {
    const data = optionalFlag(values, 'data');
    const faults = optionalFlag(values, 'faults');
    const host = optionalFlag(values, 'host');
    const symbols = optionalFlag(values, 'symbols');
    const ex = await runReplayCommand({
      port: parseNumber(values, 'port', 9000),
      seed: parseNumber(values, 'seed', 42),
      speed: parseNumber(values, 'speed', 1),
      synthetic: values.synthetic === true || data === undefined,
      ...(data === undefined ? {} : { data }),
      ...(faults === undefined ? {} : { faults }),
      ...(host === undefined ? {} : { host }),
      ...(symbols === undefined ? {} : { symbols: symbols.split(',') }),
    });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await ex.close();
    return 0;
  },
};
