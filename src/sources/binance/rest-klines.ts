/**
 * REST klines as a paginated {@link Source} of closed bars.
 * @module
 */
import type { z } from 'zod';
import { ScalplakeError } from '../../core/errors.js';
import { type Batch, type Source, source, withOrigin } from '../../core/stage.js';
import { assertSymbol } from '../../core/symbol.js';
import type { Kline } from '../../core/tables.js';
import { intervalMs } from '../../core/time.js';
import type { BinanceHttpClient } from './http-client.js';
import { mapPage } from './map-page.js';
import { klineFromRest, RawRestKline } from './mappers/kline-rest.js';
import type { MapContext } from './mappers/mapped.js';

/** Options of {@link restKlines}. */
export interface RestKlinesOptions {
  /** The REST client (owns the base URL, weights and retries). */
  readonly http: BinanceHttpClient;
  /** Market symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** Kline interval (default `1m`). */
  readonly interval?: string;
  /** First bar open time wanted (UTC ms, inclusive). */
  readonly from: number;
  /** Last bar open time wanted (UTC ms, inclusive); default: up to the last closed bar. */
  readonly to?: number;
  /** Page size (default and maximum 1500). */
  readonly limit?: number;
  /** The `source` column value (default `rest`). */
  readonly origin?: string;
}

/** @internal Pages any kline-shaped endpoint by open time, keeping only closed bars in `[from, to]`. */
export async function* pageKlines<S extends z.ZodType, T extends { open_time: number; close_time: number }>(
  o: RestKlinesOptions,
  path: string,
  schema: S,
  map: (raw: z.infer<S>, ctx: MapContext) => T | string,
  signal: AbortSignal,
  symbolParam: 'symbol' | 'pair' = 'symbol',
): AsyncGenerator<Batch<T>> {
  assertSymbol(o.symbol, path);
  const interval = o.interval ?? '1m';
  const step = intervalMs(interval);
  const limit = o.limit ?? 1500;
  if (!(limit >= 1 && limit <= 1500)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `limit ${limit} is outside 1…1500 for ${path}`, { context: { limit } });
  }
  let cursor = Math.ceil(o.from / step) * step;
  for (;;) {
    const now = o.http.serverNow();
    const to = Math.min(o.to ?? Number.POSITIVE_INFINITY, now - step);
    if (cursor > to) return;
    const res = await o.http.get(
      path,
      { [symbolParam]: o.symbol, interval, startTime: cursor, endTime: Number.isFinite(to) ? to : undefined, limit },
      { signal },
    );
    const ctx: MapContext = { source: res.url, line: null, ingestedAt: res.receivedAt, origin: o.origin ?? 'rest' };
    const page = mapPage(res.body, schema, map, ctx);
    const rows: T[] = [];
    let last = -1;
    let open = false;
    for (const r of page.rows) {
      if (r.open_time > last) last = r.open_time;
      if (r.close_time >= now) {
        open = true;
        continue;
      }
      if (r.open_time >= cursor && r.open_time <= to) rows.push(r);
    }
    if (rows.length > 0 || page.rejects.length > 0) {
      yield withOrigin(rows, { source: res.url, rejects: page.rejects });
    }
    const received = Array.isArray(res.body) ? res.body.length : 0;
    if (received < limit || open || last < 0) return;
    cursor = last + step;
  }
}

/**
 * Closed klines of one symbol through `/fapi/v1/klines`, paged by open time (1500 bars per request, weight 10),
 * from `from` to `to` or the last closed bar. Rows failing their schema arrive in `batch.origin.rejects`.
 *
 * @throws `INVALID_SYMBOL`, `INVALID_ARGUMENT` (interval, limit); what {@link BinanceHttpClient.get} throws.
 * @example
 * ```ts
 * for await (const batch of restKlines({ http, symbol: 'BTCUSDT', from: Date.UTC(2024, 0, 1) }).read(ctx)) {
 *   console.log(batch.length, batch[0]?.open_time);
 * }
 * ```
 */
export function restKlines(options: RestKlinesOptions): Source<Kline> {
  const interval = options.interval ?? '1m';
  return source(`rest.klines(${options.symbol} ${interval})`, (ctx) =>
    pageKlines(options, '/fapi/v1/klines', RawRestKline, (r, c) => klineFromRest(r, options.symbol, interval, c), ctx.signal),
  );
}
