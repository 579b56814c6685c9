import { ScalplakeError } from './errors.js';

const SYMBOL_RE = /^[A-Z0-9]{2,30}$/;

/**
 * Checks a market symbol before it reaches any path or URL and returns it unchanged.
 *
 * @throws `INVALID_SYMBOL` when `symbol` does not match `[A-Z0-9]{2,30}`.
 * @example
 * ```ts
 * assertSymbol('BTCUSDT'); // 'BTCUSDT'
 * assertSymbol('../etc'); // throws INVALID_SYMBOL
 * ```
 */
export function assertSymbol(symbol: string, where?: string): string {
  if (!SYMBOL_RE.test(symbol)) {
    throw new ScalplakeError(
      'INVALID_SYMBOL',
      `Symbol ${JSON.stringify(symbol)} does not match [A-Z0-9]{2,30}${where ? ` (${where})` : ''}`,
      { context: { symbol, ...(where ? { where } : {}) } },
    );
  }
  return symbol;
}
