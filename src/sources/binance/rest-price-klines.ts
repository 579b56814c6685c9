/**
 * REST mark-price, premium-index and index-price klines as paginated {@link Source}s.
 * @module
 */
import { type Source, source } from '../../core/stage.js';
import type { PriceKline } from '../../core/tables.js';
import { priceKlineFromRest, RawRestPriceKline } from './mappers/price-kline-rest.js';
import { pageKlines, type RestKlinesOptions } from './rest-klines.js';

/** Which price-index klines to read. */
export type PriceKlineKind = 'markPrice' | 'premiumIndex' | 'indexPrice';

/** Options of {@link restPriceKlines}: those of klines plus the kind. */
export interface RestPriceKlinesOptions extends RestKlinesOptions {
  /** `markPrice` (`/fapi/v1/markPriceKlines`), `premiumIndex` or `indexPrice` (queried by pair = symbol). */
  readonly kind: PriceKlineKind;
}

const PATHS: Readonly<Record<PriceKlineKind, string>> = {
  markPrice: '/fapi/v1/markPriceKlines',
  premiumIndex: '/fapi/v1/premiumIndexKlines',
  indexPrice: '/fapi/v1/indexPriceKlines',
};

/**
 * Closed price-index klines (rows of `mark_price_klines`, `premium_index_klines`, `index_price_klines`), paged by
 * open time like {@link restKlines}.
 *
 * @throws `INVALID_SYMBOL`, `INVALID_ARGUMENT`; what the HTTP client throws.
 * @example
 * ```ts
 * const src = restPriceKlines({ http, symbol: 'BTCUSDT', kind: 'markPrice', from: Date.UTC(2024, 0, 1) });
 * ```
 */
export function restPriceKlines(options: RestPriceKlinesOptions): Source<PriceKline> {
  const interval = options.interval ?? '1m';
  return source(`rest.${options.kind}Klines(${options.symbol} ${interval})`, (ctx) =>
    pageKlines(
      options,
      PATHS[options.kind],
      RawRestPriceKline,
      (r, c) => priceKlineFromRest(r, options.symbol, interval, c),
      ctx.signal,
      options.kind === 'indexPrice' ? 'pair' : 'symbol',
    ),
  );
}
