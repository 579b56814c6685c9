/**
 * Which WebSocket root serves a stream since Binance's 2026 split: book streams on `/public`, the rest on `/market`.
 * @module
 */

/** The two market-data roots. */
export type WsRoot = 'public' | 'market';

/**
 * The root that serves a stream: `@depth…` and `@bookTicker` on `/public`, everything else (`@kline_…`,
 * `@aggTrade`, `@markPrice…`, `@ticker`, …) on `/market`.
 *
 * @example
 * ```ts
 * streamRoot('btcusdt@depth20@100ms'); // 'public'
 * streamRoot('btcusdt@kline_1m');      // 'market'
 * ```
 */
export function streamRoot(stream: string): WsRoot {
  const at = stream.indexOf('@');
  const kind = at < 0 ? stream : stream.slice(at + 1);
  return kind.startsWith('depth') || kind.startsWith('bookTicker') || kind.startsWith('rpiDepth') ? 'public' : 'market';
}

/**
 * Expands a short stream name to the full one: `depth` → `depth@100ms`, `depth20` → `depth20@100ms`,
 * `markPrice` → `markPrice@1s`; anything else is kept. The symbol is lower-cased and prefixed.
 *
 * @example
 * ```ts
 * streamName('BTCUSDT', 'depth20'); // 'btcusdt@depth20@100ms'
 * ```
 */
export function streamName(symbol: string, short: string): string {
  let s = short;
  if (s === 'depth' || s === 'depth5' || s === 'depth10' || s === 'depth20') s = `${s}@100ms`;
  else if (s === 'markPrice') s = 'markPrice@1s';
  return `${symbol.toLowerCase()}@${s}`;
}
