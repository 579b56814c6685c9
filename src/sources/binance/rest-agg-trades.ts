/**
 * REST aggregate trades as a {@link Source} paged by `fromId`, limited to what REST still serves (24 h).
 * @module
 */
import { ScalplakeError } from '../../core/errors.js';
import { type Source, source, withOrigin } from '../../core/stage.js';
import { assertSymbol } from '../../core/symbol.js';
import type { AggTrade } from '../../core/tables.js';
import { HOUR_MS } from '../../core/time.js';
import type { BinanceHttpClient } from './http-client.js';
import { mapPage } from './map-page.js';
import { aggTradeFromRest, RawRestAggTrade } from './mappers/agg-trade-rest.js';
import type { MapContext } from './mappers/mapped.js';

/** How long REST keeps aggregate trades (24 h since 2026-05); older ones come from data.binance.vision files. */
export const AGG_TRADES_REST_HISTORY_MS = 24 * HOUR_MS;

/** Options of {@link restAggTrades}. */
export interface RestAggTradesOptions {
  /** The REST client. */
  readonly http: BinanceHttpClient;
  /** Market symbol. */
  readonly symbol: string;
  /** First trade time wanted (UTC ms, inclusive); ignored when `fromId` is given. */
  readonly from?: number;
  /** First aggregate trade id wanted (inclusive): pages from it directly. */
  readonly fromId?: number;
  /** Last trade time wanted (UTC ms, inclusive); default: the server's now when the source starts. */
  readonly to?: number;
  /** Stop after this aggregate trade id (inclusive), e.g. the first id a live stream delivered minus one. */
  readonly toId?: number;
  /** Page size (default and maximum 1000). */
  readonly limit?: number;
  /**
   * What to do when `from` is older than REST serves: `throw` (default) an `INVALID_ARGUMENT` that says bulk files
   * are needed, or `clip` to start at the oldest available time and publish the missing span as a `gap` event.
   */
  readonly tooOld?: 'throw' | 'clip';
  /** Trades kept by REST (default {@link AGG_TRADES_REST_HISTORY_MS}). */
  readonly historyMs?: number;
  /** The `source` column value (default `rest`). */
  readonly origin?: string;
}

/**
 * Aggregate trades through `/fapi/v1/aggTrades` (weight 20): the first id is found with a `startTime` window of
 * under one hour (skipping empty hours), then pages follow by `fromId` (1000 per request) until `to` / `toId`.
 * Data older than 24 h is not served by REST: asking for it throws (or, with `tooOld: 'clip'`, is reported as a
 * gap) with the advice to use data.binance.vision bulk files.
 *
 * @throws `INVALID_ARGUMENT` for a range older than REST serves (bulk files needed); `INVALID_SYMBOL`; what the
 * HTTP client throws (`BINANCE_HTTP` with code -4166 when the server refuses old data).
 * @example
 * ```ts
 * const src = restAggTrades({ http, symbol: 'BTCUSDT', from: Date.now() - 6 * 3_600_000 });
 * for await (const batch of src.read(ctx)) sink.push(batch);
 * ```
 */
export function restAggTrades(options: RestAggTradesOptions): Source<AggTrade> {
  const { http, symbol } = options;
  return source(`rest.aggTrades(${symbol})`, async function* (ctx) {
    assertSymbol(symbol, 'aggTrades');
    const limit = options.limit ?? 1000;
    const origin = options.origin ?? 'rest';
    const startNow = http.serverNow();
    const to = options.to ?? startNow;
    const toId = options.toId ?? Number.POSITIVE_INFINITY;
    let fromId = options.fromId;
    if (fromId === undefined) {
      let from = options.from ?? startNow - HOUR_MS;
      const oldest = startNow - (options.historyMs ?? AGG_TRADES_REST_HISTORY_MS);
      if (from < oldest) {
        if ((options.tooOld ?? 'throw') === 'throw') {
          throw new ScalplakeError(
            'INVALID_ARGUMENT',
            `aggTrades for ${symbol} from ${new Date(from).toISOString()} are older than REST serves (the last 24 h, since ${new Date(oldest).toISOString()}): use data.binance.vision bulk files for that span`,
            { context: { symbol, from, oldestAvailable: oldest, use: 'bulk files (data.binance.vision aggTrades)' } },
          );
        }
        const clipped = oldest + 60_000;
        ctx.events.emit('gap', { table: 'agg_trades', symbol, kind: 'time', from, to: clipped - 1, missing: clipped - from });
        ctx.notes.set(`rest.aggTrades(${symbol})`, { unavailableFrom: from, unavailableTo: clipped - 1, reason: 'older than REST serves: use bulk files' });
        from = clipped;
      }
      // Find the first id: windows of under one hour, skipping empty ones.
      while (fromId === undefined && from <= to) {
        const end = Math.min(from + HOUR_MS - 1, to);
        const res = await http.get('/fapi/v1/aggTrades', { symbol, startTime: from, endTime: end, limit: 1 }, { signal: ctx.signal });
        const first = Array.isArray(res.body) ? RawRestAggTrade.safeParse(res.body[0]) : null;
        if (first?.success) fromId = first.data.a;
        else from = end + 1;
      }
    }
    if (fromId === undefined) return;
    let nextId: number = fromId;
    for (;;) {
      if (nextId > toId) return;
      const res = await http.get('/fapi/v1/aggTrades', { symbol, fromId: nextId, limit }, { signal: ctx.signal });
      const mctx: MapContext = { source: res.url, line: null, ingestedAt: res.receivedAt, origin };
      const page = mapPage(res.body, RawRestAggTrade, (r, c) => aggTradeFromRest(r, symbol, c), mctx);
      const rows: AggTrade[] = [];
      let done = false;
      let lastId: number = nextId - 1;
      for (const r of page.rows) {
        if (r.agg_trade_id > lastId) lastId = r.agg_trade_id;
        if (r.agg_trade_id < nextId) continue;
        if (r.trade_time > to || r.agg_trade_id > toId) {
          done = true;
          continue;
        }
        rows.push(r);
      }
      if (rows.length > 0 || page.rejects.length > 0) yield withOrigin(rows, { source: res.url, rejects: page.rejects });
      const received = Array.isArray(res.body) ? res.body.length : 0;
      if (done || received < limit || lastId < nextId) return;
      nextId = lastId + 1;
    }
  });
}
