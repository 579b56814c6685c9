/**
 * REST `/fapi/v1/premiumIndex` polled at an interval as a {@link Source} of mark prices.
 * @module
 */
import { type Source, source, withOrigin } from '../../core/stage.js';
import { assertSymbol } from '../../core/symbol.js';
import type { MarkPrice } from '../../core/tables.js';
import { defaultSleep, type BinanceHttpClient } from './http-client.js';
import { mapWith } from './mappers/mapped.js';
import { markPriceFromRest, RawRestPremiumIndex } from './mappers/mark-price-rest.js';

/** Options of {@link restPremiumIndex}. */
export interface RestPremiumIndexOptions {
  /** The REST client. */
  readonly http: BinanceHttpClient;
  /** Market symbol (weight 1 per poll). */
  readonly symbol: string;
  /** Milliseconds between polls (default 1000). */
  readonly intervalMs?: number;
  /** Stop after this many polls (default: until aborted). */
  readonly polls?: number;
  /** Sleeps between polls; defaults to a real timer (tests inject a fake clock's). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The `source` column value (default `rest`). */
  readonly origin?: string;
}

/**
 * Polls the mark price, index price and funding estimate; yields one-row batches, skipping a poll whose `time`
 * equals the previous one. Ends when aborted (without error) or after `polls` polls.
 *
 * @throws `INVALID_SYMBOL`; what the HTTP client throws.
 * @example
 * ```ts
 * for await (const [mark] of restPremiumIndex({ http, symbol: 'BTCUSDT', intervalMs: 3000 }).read(ctx)) console.log(mark?.mark_price);
 * ```
 */
export function restPremiumIndex(options: RestPremiumIndexOptions): Source<MarkPrice> {
  const { http, symbol } = options;
  const sleep = options.sleep ?? defaultSleep;
  return source(`rest.premiumIndex(${symbol})`, async function* (ctx) {
    assertSymbol(symbol, 'premiumIndex');
    let lastTime = -1;
    for (let n = 0; options.polls === undefined || n < options.polls; n++) {
      if (ctx.signal.aborted) return;
      if (n > 0) {
        try {
          await sleep(options.intervalMs ?? 1000, ctx.signal);
        } catch (err) {
          if (ctx.signal.aborted) return;
          throw err;
        }
      }
      const res = await http.get('/fapi/v1/premiumIndex', { symbol }, { signal: ctx.signal });
      const m = mapWith(RawRestPremiumIndex, markPriceFromRest, res.body, {
        source: res.url,
        line: n + 1,
        ingestedAt: res.receivedAt,
        origin: options.origin ?? 'rest',
      });
      if (!m.ok) yield withOrigin<MarkPrice>([], { source: res.url, rejects: [m.rejected] });
      else if (m.value.event_time !== lastTime) {
        lastTime = m.value.event_time;
        yield withOrigin([m.value], { source: res.url });
      }
    }
  });
}
