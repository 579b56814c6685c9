/**
 * Deterministic generator of a data.binance.vision-style USD-M `aggTrades` day CSV, for benchmarks.
 * @module
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Options of {@link generateAggTradesCsv}. */
export interface GenerateAggTradesOptions {
  /** Rows to write (default 2,000,000: a busy BTCUSDT day). */
  readonly rows?: number;
  /** Seed of the pseudo-random sequence; the same seed writes the same bytes. Default 1. */
  readonly seed?: number;
  /** Whether to write the header row `agg_trade_id,price,…` (files since 2022-08 have one). Default true. */
  readonly header?: boolean;
  /** UTC epoch ms of the first trade (default 2025-10-22 00:00:00 UTC). */
  readonly startTime?: number;
  /** Keep an existing file at `path` instead of writing it again (default true). */
  readonly reuse?: boolean;
}

/** What {@link generateAggTradesCsv} wrote. */
export interface GeneratedFile {
  /** The file path. */
  readonly path: string;
  /** Data rows (without the header). */
  readonly rows: number;
  /** File size in bytes. */
  readonly bytes: number;
}

/**
 * Writes (or reuses) a deterministic aggTrades CSV in the data.binance.vision USD-M layout:
 * `agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker`, prices with 1 decimal,
 * quantities with 3, times in ms spread over one UTC day, `true`/`false` booleans.
 *
 * @example
 * ```ts
 * const file = await generateAggTradesCsv('bench/.data/BTCUSDT-aggTrades-2025-10-22.csv', { rows: 2_000_000 });
 * ```
 */
export async function generateAggTradesCsv(path: string, options: GenerateAggTradesOptions = {}): Promise<GeneratedFile> {
  const rows = options.rows ?? 2_000_000;
  const header = options.header ?? true;
  if ((options.reuse ?? true) && existsSync(path)) {
    return { path, rows, bytes: statSync(path).size };
  }
  mkdirSync(dirname(path), { recursive: true });
  let state = (options.seed ?? 1) >>> 0 || 1;
  // xorshift32: small, fast and the same on every platform.
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  const fd = openSync(`${path}.tmp`, 'w');
  try {
    let id = 2907604449;
    let tradeId = 6764565323;
    let tick = 1082538; // price in tenths of a dollar
    let time = options.startTime ?? 1761091200000;
    const span = Math.max(1, Math.floor((86_400_000 - 1000) / rows) * 2);
    let out = header ? 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n' : '';
    for (let i = 0; i < rows; i++) {
      const r = next();
      tick += r < 0.3 ? -1 : r > 0.7 ? 1 : 0;
      const qty = 1 + Math.floor(next() * next() * 5000);
      const fills = next() < 0.8 ? 0 : Math.floor(next() * 20);
      time += Math.floor(next() * span);
      const price = `${Math.floor(tick / 10)}.${tick % 10}`;
      const q = `${Math.floor(qty / 1000)}.${String(qty % 1000).padStart(3, '0')}`;
      out += `${id},${price},${q},${tradeId},${tradeId + fills},${time},${next() < 0.5 ? 'true' : 'false'}\n`;
      id++;
      tradeId += fills + 1;
      if (out.length > 1 << 20) {
        writeSync(fd, out);
        out = '';
      }
    }
    if (out.length > 0) writeSync(fd, out);
  } finally {
    closeSync(fd);
  }
  renameSync(`${path}.tmp`, path);
  return { path, rows, bytes: statSync(path).size };
}
