/**
 * REST `/fapi/v1/depth` snapshot, typed for the local order book.
 * @module
 */
import { ScalplakeError } from '../../core/errors.js';
import { assertSymbol } from '../../core/symbol.js';
import type { BinanceHttpClient } from './http-client.js';
import { type DepthSnapshot, depthSnapshotFromRest, RawRestDepth } from './mappers/depth-snapshot-rest.js';
import { mapWith } from './mappers/mapped.js';

/** The depth limits Binance accepts. */
export const DEPTH_LIMITS = [5, 10, 20, 50, 100, 500, 1000] as const;

/**
 * GETs a depth snapshot (limit 1000 by default: weight 20).
 *
 * @throws `INVALID_ARGUMENT` for a limit Binance does not accept; `SCHEMA_INVALID` when the body is not a depth
 * snapshot; what the HTTP client throws.
 * @example
 * ```ts
 * const snap = await restDepthSnapshot(http, 'BTCUSDT');
 * snap.last_update_id;
 * ```
 */
export async function restDepthSnapshot(http: BinanceHttpClient, symbol: string, limit = 1000, signal?: AbortSignal): Promise<DepthSnapshot> {
  assertSymbol(symbol, 'depth');
  if (!(DEPTH_LIMITS as readonly number[]).includes(limit)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `depth limit ${limit} is not one of ${DEPTH_LIMITS.join(', ')}`, { context: { limit } });
  }
  const res = await http.get('/fapi/v1/depth', { symbol, limit }, signal ? { signal } : {});
  const m = mapWith(RawRestDepth, (r, c) => depthSnapshotFromRest(r, symbol, c), res.body, {
    source: res.url,
    line: null,
    ingestedAt: res.receivedAt,
    origin: 'rest',
  });
  if (!m.ok) {
    throw new ScalplakeError('SCHEMA_INVALID', `GET ${res.url} did not answer a depth snapshot: ${m.rejected.reason}`, {
      context: { url: res.url },
    });
  }
  return m.value;
}
