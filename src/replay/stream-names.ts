/**
 * Binance stream names: parsing, canonical forms, routing roots, bar alignment and the kline push payload.
 * @module
 */
import { DAY_MS, INTERVAL_MS } from '../core/time.js';
import type { WireKline } from './replay-market.js';

/** A parsed stream name. */
export interface ParsedStream {
  /** Lower-case symbol. */
  readonly symbol: string;
  /** Stream kind: `aggTrade`, `trade`, `kline`, `depth`, `depthN`, `markPrice`, `bookTicker`. */
  readonly kind: string;
  /** The name frames are emitted under (e.g. `btcusdt@depth@100ms` for `btcusdt@depth`). */
  readonly canonical: string;
  /** The root that serves it. */
  readonly root: 'public' | 'market';
  /** Kline interval text (`1m`), kline streams only. */
  readonly interval?: string;
  /** Kline interval length (ms), kline streams only. */
  readonly intervalMs?: number;
  /** Push cadence (ms) of the diff and partial depth streams: 100, 250 (the default) or 500. */
  readonly speedMs?: number;
}

/** Depth speed suffix → push cadence (ms). `@0ms` (real time, undocumented) is served at the 100 ms cadence. */
const DEPTH_SPEEDS: ReadonlyMap<string, number> = new Map([
  ['', 250],
  ['@250ms', 250],
  ['@500ms', 500],
  ['@100ms', 100],
  ['@0ms', 100],
]);
const PARTIAL_SPEEDS: ReadonlyMap<string, number> = new Map([
  ['', 250],
  ['@250ms', 250],
  ['@500ms', 500],
  ['@100ms', 100],
]);
const SPEED_SUFFIX: Readonly<Record<number, string>> = { 100: '@100ms', 250: '', 500: '@500ms' };

/**
 * Parses a stream name such as `btcusdt@kline_1m` or `btcusdt@depth20@100ms`; `null` when it is not one the
 * replay exchange knows.
 *
 * @example
 * ```ts
 * parseStream('btcusdt@depth@0ms')?.canonical; // 'btcusdt@depth@100ms'
 * parseStream('btcusdt@depth')?.speedMs; // 250
 * parseStream('btcusdt@kline_5m')?.intervalMs; // 300000
 * ```
 */
export function parseStream(name: string): ParsedStream | null {
  const at = name.indexOf('@');
  if (at <= 0) return null;
  const symbol = name.slice(0, at);
  if (symbol !== symbol.toLowerCase()) return null;
  const rest = name.slice(at + 1);
  if (rest === 'aggTrade' || rest === 'trade') return { symbol, kind: rest, canonical: name, root: 'market' };
  if (rest === 'markPrice' || rest === 'markPrice@1s') return { symbol, kind: 'markPrice', canonical: name, root: 'market' };
  if (rest === 'bookTicker') return { symbol, kind: rest, canonical: name, root: 'public' };
  if (rest.startsWith('kline_')) {
    const interval = rest.slice(6);
    const intervalMs = INTERVAL_MS[interval];
    if (intervalMs === undefined || interval === '1s') return null;
    return { symbol, kind: 'kline', canonical: name, root: 'market', interval, intervalMs };
  }
  if (rest.startsWith('depth')) {
    const tail = rest.slice(5);
    const speedMs = DEPTH_SPEEDS.get(tail);
    if (speedMs !== undefined) {
      return { symbol, kind: 'depth', canonical: `${symbol}@depth${SPEED_SUFFIX[speedMs]}`, root: 'public', speedMs };
    }
    for (const lv of ['5', '10', '20']) {
      const speed = tail.startsWith(lv) ? PARTIAL_SPEEDS.get(tail.slice(lv.length)) : undefined;
      if (speed !== undefined) {
        return { symbol, kind: `depth${lv}`, canonical: `${symbol}@depth${lv}${SPEED_SUFFIX[speed]}`, root: 'public', speedMs: speed };
      }
    }
  }
  return null;
}

/**
 * The root that serves a stream by Binance's 2026 routing: depth and bookTicker on `/public`, everything else on
 * `/market`.
 *
 * @example
 * ```ts
 * streamRoot('btcusdt@depth@0ms'); // 'public'
 * streamRoot('btcusdt@aggTrade');  // 'market'
 * ```
 */
export function streamRoot(name: string): 'public' | 'market' {
  const at = name.indexOf('@');
  const rest = at < 0 ? name : name.slice(at + 1);
  return rest.startsWith('depth') || rest.startsWith('bookTicker') || rest.startsWith('rpiDepth') ? 'public' : 'market';
}

/**
 * The open time of the bar of `intervalMs` that contains `t` (weekly bars open on Mondays, like Binance's).
 *
 * @example
 * ```ts
 * barOpen(Date.UTC(2024, 0, 1, 0, 7, 30), 300_000); // Date.UTC(2024, 0, 1, 0, 5)
 * ```
 */
export function barOpen(t: number, intervalMs: number): number {
  if (intervalMs === 7 * DAY_MS) return Math.floor((t - 4 * DAY_MS) / intervalMs) * intervalMs + 4 * DAY_MS;
  return Math.floor(t / intervalMs) * intervalMs;
}

/**
 * Builds the `<symbol>@kline_<interval>` push payload from a REST-shaped kline.
 *
 * @example
 * ```ts
 * klineToWs('BTCUSDT', '1m', kline, 5000000, 5000099, true, kline[6] + 101);
 * ```
 */
export function klineToWs(
  symbol: string,
  interval: string,
  k: WireKline,
  first: number,
  last: number,
  closed: boolean,
  eventTime: number,
): string {
  return `{"e":"kline","E":${eventTime},"s":"${symbol}","k":{"t":${k[0]},"T":${k[6]},"s":"${symbol}","i":"${interval}","f":${first},"L":${last},"o":"${k[1]}","c":"${k[4]}","h":"${k[2]}","l":"${k[3]}","v":"${k[5]}","n":${k[8]},"x":${closed},"q":"${k[7]}","V":"${k[9]}","Q":"${k[10]}","B":"0"}}`;
}
