/**
 * `scalplake replay`: starts the replay exchange with a real clock and prints its URLs.
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { openLake } from '../lake/lake.js';
import { lakeMarket } from './lake-market.js';
import { ScalplakeError } from '../core/errors.js';
import { MINUTE_MS } from '../core/time.js';
import { realClock } from './replay-clock.js';
import { type ReplayExchange, startReplayExchange } from './replay-exchange.js';
import { type RecordedFile, recordedMarket, type RecordedCapture } from './recorded-market.js';
import type { ReplayMarket } from './replay-market.js';
import { syntheticMarket } from './synthetic-market.js';

/** Options of {@link runReplayCommand} (the `scalplake replay` flags). */
export interface ReplayCommandOptions {
  /** Port; default 9000 (0 picks a free one). */
  readonly port?: number;
  /** Host; default 127.0.0.1. */
  readonly host?: string;
  /** A file or folder of recorded data (kline/aggTrades CSVs named like data.binance.vision's, captures), or a lake folder (its silver 1m klines and aggTrades). */
  readonly data?: string;
  /** Serve the synthetic market (the default when `data` is absent). */
  readonly synthetic?: boolean;
  /** Seed of the synthetic market and of random faults; default 42. */
  readonly seed?: number;
  /** Exchange ms per wall ms; default 1. */
  readonly speed?: number;
  /** Fault spec string. */
  readonly faults?: string;
  /** Symbols of the synthetic market; default `['BTCUSDT']`. */
  readonly symbols?: readonly string[];
  /** Where to print the URLs; default `process.stdout`. */
  readonly out?: Writable;
}

function filesOf(path: string): string[] {
  if (statSync(path).isDirectory()) return readdirSync(path).map((f) => join(path, f)).filter((f) => statSync(f).isFile());
  return [path];
}

function recordedFrom(path: string, seed: number): ReplayMarket {
  const klines: RecordedFile[] = [];
  const aggTrades: RecordedFile[] = [];
  const captures: RecordedCapture[] = [];
  for (const f of filesOf(path)) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    const m = /([A-Z0-9]{2,30})-(aggTrades|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d)-/.exec(name);
    if (m !== null && name.endsWith('.csv')) (m[2] === 'aggTrades' ? aggTrades : klines).push({ symbol: m[1]!, path: f });
    else if (/\.(gz|log|jsonl|dat)$/.test(name)) captures.push({ path: f });
  }
  return recordedMarket({ klines, aggTrades, captures, seed });
}

/**
 * Starts the replay exchange for the CLI with `realClock({ speed })`, prints the REST and WS URLs, and returns the
 * running exchange (close it to stop).
 *
 * @throws `FILE_NOT_FOUND` / `FORMAT_UNKNOWN` for unusable `data`, `INVALID_ARGUMENT` for a bad fault spec or speed.
 * @example
 * ```ts
 * const ex = await runReplayCommand({ port: 9000, synthetic: true, seed: 42, speed: 10, faults: 'drop@every=2m' });
 * ```
 */
export async function runReplayCommand(options: ReplayCommandOptions = {}): Promise<ReplayExchange> {
  const seed = options.seed ?? 42;
  const out = options.out ?? process.stdout;
  let market: ReplayMarket;
  let clockStart: number;
  if (options.data !== undefined && options.synthetic !== true) {
    try {
      // A folder with a silver/ layer is a lake: serve its klines and aggTrades; otherwise recorded files.
      market = existsSync(join(options.data, 'silver'))
        ? await lakeMarket(openLake(options.data), { seed })
        : recordedFrom(options.data, seed);
    } catch (e) {
      if (e instanceof ScalplakeError) throw e;
      throw new ScalplakeError('FILE_NOT_FOUND', `Cannot read replay data ${JSON.stringify(options.data)}`, {
        context: { data: options.data },
        cause: e,
      });
    }
    clockStart = market.start;
  } else {
    clockStart = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    market = syntheticMarket({ seed, symbols: options.symbols ?? ['BTCUSDT'], start: clockStart - 86_400_000 });
  }
  const ex = await startReplayExchange({
    market,
    clock: realClock({ start: clockStart, speed: options.speed ?? 1 }),
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 9000,
    seed,
    ...(options.faults !== undefined ? { faults: options.faults } : {}),
  });
  out.write(
    `replay exchange ${options.data !== undefined && options.synthetic !== true ? `(data ${options.data})` : `(synthetic, seed ${seed})`} at ${new Date(clockStart).toISOString()} ×${options.speed ?? 1}\n` +
      `  REST ${ex.restUrl}/fapi/v1/…\n` +
      `  WS   ${ex.wsUrl}/market/stream?streams=…  ${ex.wsUrl}/public/stream?streams=…\n` +
      `  symbols ${market.symbols.join(', ')}\n`,
  );
  return ex;
}
