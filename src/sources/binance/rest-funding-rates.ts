/**
 * REST funding-rate history as a paginated {@link Source}.
 * @module
 */
import { type Source, source, withOrigin } from '../../core/stage.js';
import { assertSymbol } from '../../core/symbol.js';
import type { FundingRate } from '../../core/tables.js';
import type { BinanceHttpClient } from './http-client.js';
import { mapPage } from './map-page.js';
import { fundingRateFromRest, RawRestFundingRate } from './mappers/funding-rate-rest.js';
import type { MapContext } from './mappers/mapped.js';

/** Options of {@link restFundingRates}. */
export interface RestFundingRatesOptions {
  /** The REST client (keeps fundingRate's own 500 requests / 5 min bucket). */
  readonly http: BinanceHttpClient;
  /** Market symbol. */
  readonly symbol: string;
  /** First funding time wanted (UTC ms, inclusive). */
  readonly from: number;
  /** Last funding time wanted (UTC ms, inclusive); default: now. */
  readonly to?: number;
  /** Page size (default and maximum 1000). */
  readonly limit?: number;
  /** Hours between settlements when known, written to `funding_interval_hours` (default `null`). */
  readonly fundingIntervalHours?: number | null;
  /** The `source` column value (default `rest`). */
  readonly origin?: string;
}

/**
 * Funding settlements through `/fapi/v1/fundingRate` (1000 per request), paged by funding time.
 *
 * @throws `INVALID_SYMBOL`; what the HTTP client throws.
 * @example
 * ```ts
 * const src = restFundingRates({ http, symbol: 'BTCUSDT', from: Date.UTC(2024, 0, 1) });
 * ```
 */
export function restFundingRates(options: RestFundingRatesOptions): Source<FundingRate> {
  const { http, symbol } = options;
  return source(`rest.fundingRate(${symbol})`, async function* (ctx) {
    assertSymbol(symbol, 'fundingRate');
    const limit = options.limit ?? 1000;
    const to = options.to ?? http.serverNow();
    const hours = options.fundingIntervalHours ?? null;
    let cursor = options.from;
    while (cursor <= to) {
      const res = await http.get('/fapi/v1/fundingRate', { symbol, startTime: cursor, endTime: to, limit }, { signal: ctx.signal });
      const mctx: MapContext = { source: res.url, line: null, ingestedAt: res.receivedAt, origin: options.origin ?? 'rest' };
      const page = mapPage(res.body, RawRestFundingRate, (r, c) => fundingRateFromRest(r, hours, c), mctx);
      let last = cursor - 1;
      const rows: FundingRate[] = [];
      for (const r of page.rows) {
        if (r.funding_time > last) last = r.funding_time;
        if (r.funding_time >= cursor && r.funding_time <= to) rows.push(r);
      }
      if (rows.length > 0 || page.rejects.length > 0) yield withOrigin(rows, { source: res.url, rejects: page.rejects });
      const received = Array.isArray(res.body) ? res.body.length : 0;
      if (received < limit || last < cursor) return;
      cursor = last + 1;
    }
  });
}
