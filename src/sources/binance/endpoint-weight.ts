/**
 * The request weights of the Binance USD-M market-data endpoints, as documented (see BINANCE-FORMATS.md §1).
 * @module
 */

/** Query parameters of a REST request. */
export type QueryParams = Readonly<Record<string, string | number | undefined>>;

const KLINE_PATHS = new Set([
  '/fapi/v1/klines',
  '/fapi/v1/continuousKlines',
  '/fapi/v1/markPriceKlines',
  '/fapi/v1/indexPriceKlines',
  '/fapi/v1/premiumIndexKlines',
]);

/**
 * The REQUEST_WEIGHT a GET costs: klines-like by `limit` (1/2/5/10), aggTrades 20, depth by `limit` (2/5/10/20),
 * premiumIndex 1 with a symbol and 10 without, everything else 1.
 *
 * @example
 * ```ts
 * endpointWeight('/fapi/v1/klines', { limit: 1500 }); // 10
 * endpointWeight('/fapi/v1/depth', { limit: 1000 });  // 20
 * ```
 */
export function endpointWeight(path: string, params: QueryParams = {}): number {
  if (KLINE_PATHS.has(path)) {
    const limit = Number(params.limit ?? 500);
    if (limit < 100) return 1;
    if (limit < 500) return 2;
    if (limit <= 1000) return 5;
    return 10;
  }
  switch (path) {
    case '/fapi/v1/aggTrades':
      return 20;
    case '/fapi/v1/depth': {
      const limit = Number(params.limit ?? 500);
      if (limit <= 50) return 2;
      if (limit <= 100) return 5;
      if (limit <= 500) return 10;
      return 20;
    }
    case '/fapi/v1/premiumIndex':
      return params.symbol === undefined ? 10 : 1;
    default:
      return 1;
  }
}

/** Paths that share the separate 500 requests / 5 minutes bucket instead of (only) the weight budget. */
export const FUNDING_BUCKET_PATHS: ReadonlySet<string> = new Set(['/fapi/v1/fundingRate', '/fapi/v1/fundingInfo']);
