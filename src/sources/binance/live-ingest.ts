/**
 * Live ingestion of one symbol over the `/public` and `/market` WebSocket roots with gap repair: after any
 * reconnect, stall, lost or malformed frame, the missing interval is backfilled through REST from the watermark
 * (klines by open time, aggTrades by id) before newer live rows are emitted, so each table comes out complete,
 * in order and without duplicates. Disconnects are also emitted as markers so that stateful features reset.
 * @module
 */
import type { Dispatcher } from 'undici';
import { isScalplakeError, ScalplakeError } from '../../core/errors.js';
import { createRunEvents, type RunEvents } from '../../core/events.js';
import type { Batch, RejectedRow, RunCounters, Source, StageContext } from '../../core/stage.js';
import { assertSymbol } from '../../core/symbol.js';
import type { AggTrade, BookDepth, Kline, MarkPrice, PriceKline, TableRows } from '../../core/tables.js';
import { intervalMs } from '../../core/time.js';
import { AsyncQueue } from './async-queue.js';
import { type BinanceHttpClient, createBinanceHttpClient, type HttpResponse } from './http-client.js';
import { aggTradeFromWs, aggTradeFromWsFast, RawWsAggTrade } from './mappers/agg-trade-ws.js';
import { type BookTicker, bookTickerFromWs, RawWsBookTicker } from './mappers/book-ticker-ws.js';
import { depthDiffFromWs, RawWsDepth } from './mappers/depth-diff-ws.js';
import { bookDepthFromPartial } from './mappers/depth-partial-ws.js';
import { klineFromWs, RawWsKline } from './mappers/kline-ws.js';
import { type MapContext, type Mapped, mapWith } from './mappers/mapped.js';
import { markPriceFromWs, RawWsMarkPrice } from './mappers/mark-price-ws.js';
import { bookCadence, OrderBookSync } from './order-book.js';
import { AGG_TRADES_REST_HISTORY_MS, restAggTrades } from './rest-agg-trades.js';
import { restDepthSnapshot } from './rest-depth-snapshot.js';
import { restKlines } from './rest-klines.js';
import { restPriceKlines } from './rest-price-klines.js';
import { streamName, streamRoot, type WsRoot } from './stream-route.js';
import { BinanceWsClient, type BinanceWsClientOptions, type WsEvent } from './ws-client.js';

/** Options of {@link liveIngest}. */
export interface LiveIngestOptions {
  /** REST base URL, e.g. `https://fapi.binance.com`. */
  readonly restUrl: string;
  /** WebSocket base URL without the root, e.g. `wss://fstream.binance.com` (`/public` and `/market` are appended). */
  readonly wsUrl: string;
  /** Market symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /**
   * Streams, short or full: `kline_1m`, `aggTrade`, `markPrice` (= `markPrice@1s`), `depth20` (= `depth20@100ms`),
   * `depth` (= `depth@100ms`: a local book from diffs), `bookTicker`. Default `kline_1m,aggTrade,markPrice,depth20`.
   */
  readonly streams?: readonly string[];
  /** Hard stop: sockets and REST calls are aborted, the iterable ends without a final repair. */
  readonly signal?: AbortSignal;
  /** Graceful stop: sockets close, remaining holes are repaired through REST, the iterable then ends. */
  readonly drainSignal?: AbortSignal;
  /** The REST client to use (its `onResponse` is not captured to bronze); one is created when omitted. */
  readonly http?: BinanceHttpClient;
  /** undici dispatcher for the created REST client. */
  readonly dispatcher?: Dispatcher;
  /** Sleep of the created REST client (tests advance a virtual clock). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock (UTC ms) for `ingested_at`, connection lifetimes and the REST budget; `Date.now` by default. */
  readonly now?: () => number;
  /** WebSocket client options (stall timeout, backoff, lifetime, rotation, …). */
  readonly ws?: Partial<Omit<BinanceWsClientOptions, 'url' | 'streams' | 'signal' | 'now'>>;
  /** Watermarks to resume from (e.g. read from the lake's `_state`): the hole up to the first live row is repaired. */
  readonly resume?: {
    /** Open time of the last stored final kline (UTC ms). */
    readonly klineOpenTime?: number;
    /** Last stored aggregate trade id. */
    readonly aggTradeId?: number;
    /** Event time of the last stored mark price (UTC ms). */
    readonly markPriceTime?: number;
  };
  /** Out-of-order frames held while waiting for a missing id before repairing through REST (default 64). */
  readonly reorderWindow?: number;
  /** Event-time span (ms) an aggTrade hole may stay open before it is repaired through REST (default 2000). */
  readonly reorderMs?: number;
  /** Cadence of top-N rows from the local book, in event-time ms (default 1000; 0 = every diff). */
  readonly bookCadenceMs?: number;
  /** Snapshot size for the local book (default 1000). */
  readonly depthSnapshotLimit?: number;
  /** Also yield raw frames and REST pages for bronze (default true). */
  readonly raw?: boolean;
  /** The run's event emitter: `reconnect` and `gap` are published on it. */
  readonly events?: RunEvents;
  /** The `source` column of live rows (default `ws`; REST-repaired rows say `rest`). */
  readonly origin?: string;
}

/** A frame or REST page exactly as received, for the bronze layer. */
export interface RawPayload {
  /** When it was received (UTC ms). */
  readonly received_at: number;
  /** `ws` or `rest`. */
  readonly source: 'ws' | 'rest';
  /** The stream name (WS) or the URL (REST). */
  readonly endpoint: string;
  /** The payload text. */
  readonly text: string;
}

/** Something downstream must know to stay correct: a disconnect (reset stateful features), a book resync, a hole. */
export interface LiveMarker {
  /** `disconnect`: data may be missing until repaired; `reconnect`: live again; `book-resync`: the local book
   * restarts from a snapshot; `gap`: a hole REST could not fill (mark prices, vanished ids). */
  readonly type: 'disconnect' | 'reconnect' | 'book-resync' | 'gap';
  /** The WS root (`public`/`market`) or the table of a gap. */
  readonly scope: string;
  /** What happened. */
  readonly reason: string;
  /** When (UTC ms). */
  readonly at: number;
  /** For `gap`: first missing time or id (inclusive). */
  readonly from?: number;
  /** For `gap`: last missing time or id (inclusive). */
  readonly to?: number;
}

/** Silver rows of one table: `table` names the table, `rows` its records in key order. */
export interface LiveTableRows<K extends 'klines' | 'agg_trades' | 'mark_prices' | 'book_depth' | 'mark_price_klines'> {
  /** Always `rows`. */
  readonly kind: 'rows';
  /** The silver table. */
  readonly table: K;
  /** The records, in key order, without duplicates. */
  readonly rows: Batch<TableRows[K]>;
}

/** Silver rows of one of the live tables. */
export type LiveRows =
  | LiveTableRows<'klines'>
  | LiveTableRows<'agg_trades'>
  | LiveTableRows<'mark_prices'>
  | LiveTableRows<'book_depth'>
  | LiveTableRows<'mark_price_klines'>;

/** Klines still forming (`x: false`), for live features; never written to silver. */
export interface LiveForming {
  /** Always `forming`. */
  readonly kind: 'forming';
  /** The bars so far (close = last price). */
  readonly rows: readonly Kline[];
}

/** Best bid/ask updates. */
export interface LiveBookTickers {
  /** Always `bookTicker`. */
  readonly kind: 'bookTicker';
  /** The updates, in arrival order. */
  readonly rows: readonly BookTicker[];
}

/** Raw frames and REST pages for bronze. */
export interface LiveRaw {
  /** Always `raw`. */
  readonly kind: 'raw';
  /** The payloads, in arrival order. */
  readonly payloads: readonly RawPayload[];
}

/** Rejected payloads for quarantine. */
export interface LiveRejects {
  /** Always `rejects`. */
  readonly kind: 'rejects';
  /** The table the payloads were meant for; `null` when the frame could not be attributed (not JSON). */
  readonly table: string | null;
  /** The rejected payloads with their reasons. */
  readonly rows: readonly RejectedRow[];
}

/** A marker for downstream state. */
export interface LiveMarkerBatch {
  /** Always `marker`. */
  readonly kind: 'marker';
  /** The marker. */
  readonly marker: LiveMarker;
}

/** What {@link liveIngest} yields. */
export type LiveBatch = LiveRows | LiveForming | LiveBookTickers | LiveRaw | LiveRejects | LiveMarkerBatch;

/** The async iterable {@link liveIngest} returns, with its live counters. */
export interface LiveIngest extends AsyncIterable<LiveBatch> {
  /** Counters, updated as the run goes. */
  readonly stats: LiveStats;
}

/** Counters of a live run. */
export interface LiveStats extends RunCounters {
  /** Rows obtained through REST repairs, per table. */
  repaired: Record<string, number>;
  /** REST repairs run. */
  repairs: number;
  /** Reconnects (after a drop or a stall). */
  reconnects: number;
  /** WebSocket connections that opened (0: the WebSocket server was never reached). */
  connections: number;
}

type Handler = 'kline' | 'aggTrade' | 'markPrice' | 'depth' | 'partial' | 'bookTicker';

interface Out {
  klines: Kline[];
  forming: Kline[];
  aggTrades: AggTrade[];
  markPrices: MarkPrice[];
  markKlines: PriceKline[];
  book: BookDepth[];
  tickers: BookTicker[];
  raw: RawPayload[];
  rejects: Map<string | null, RejectedRow[]>;
  markers: LiveMarker[];
}

const newOut = (): Out => ({
  klines: [],
  forming: [],
  aggTrades: [],
  markPrices: [],
  markKlines: [],
  book: [],
  tickers: [],
  raw: [],
  rejects: new Map(),
  markers: [],
});

const TABLE_OF: Readonly<Record<Handler, string>> = {
  kline: 'klines',
  aggTrade: 'agg_trades',
  markPrice: 'mark_prices',
  depth: 'book_depth',
  partial: 'book_depth',
  bookTicker: 'book_ticker',
};

/**
 * Streams one symbol live into per-table batches: final klines, aggregate trades, mark prices and top-N book rows
 * (from `depth20` frames or a local book kept from `depth` diffs), plus forming klines, book tickers, raw payloads
 * for bronze, rejects for quarantine and markers. Every hole (reconnect, stall, lost or malformed frame) is repaired
 * through REST before newer rows of that table are emitted; mark prices, which REST keeps only as 1-minute mark
 * price klines, are repaired as `mark_price_klines` rows plus a `gap` marker.
 *
 * @throws `INVALID_SYMBOL`, `INVALID_ARGUMENT` (streams); `BINANCE_BANNED` and `BINANCE_HTTP` from REST repairs.
 * @example
 * ```ts
 * const ac = new AbortController();
 * for await (const b of liveIngest({ restUrl: 'https://fapi.binance.com', wsUrl: 'wss://fstream.binance.com', symbol: 'BTCUSDT', signal: ac.signal })) {
 *   if (b.kind === 'rows') await lake.silver(b.table).append(b.rows);
 *   else if (b.kind === 'raw') await lake.bronze('ws').append(b.payloads);
 * }
 * ```
 */
export function liveIngest(options: LiveIngestOptions): LiveIngest {
  const stats: LiveStats = { rowsIn: 0, rowsOut: 0, duplicates: 0, invalid: 0, late: 0, repaired: {}, repairs: 0, reconnects: 0, connections: 0 };
  return {
    stats,
    [Symbol.asyncIterator]: () => run(options, stats)[Symbol.asyncIterator](),
  };
}

/**
 * {@link liveIngest} as a {@link Source} of one table's rows (the other outputs are dropped; rejects go to the
 * run's `invalid` event).
 *
 * @example
 * ```ts
 * const src = liveSource('agg_trades', { restUrl, wsUrl, symbol: 'BTCUSDT', streams: ['aggTrade'] });
 * ```
 */
export function liveSource<T extends LiveRows['table']>(
  table: T,
  options: Omit<LiveIngestOptions, 'signal' | 'events'>,
): Source<TableRows[T]> {
  return {
    kind: 'source',
    name: `binance.live.${table}(${options.symbol})`,
    async *read(ctx: StageContext) {
      for await (const b of liveIngest({ ...options, signal: ctx.signal, events: ctx.events, raw: false })) {
        if (b.kind === 'rows' && b.table === table) yield b.rows as Batch<TableRows[T]>;
        else if (b.kind === 'rejects') for (const r of b.rows) ctx.events.emit('invalid', r);
      }
    },
  };
}

async function* run(o: LiveIngestOptions, stats: LiveStats): AsyncGenerator<LiveBatch> {
  const symbol = assertSymbol(o.symbol, 'liveIngest');
  const now = o.now ?? Date.now;
  const origin = o.origin ?? 'ws';
  const wantRaw = o.raw ?? true;
  const events = o.events ?? createRunEvents();
  const hard = new AbortController();
  const onAbort = () => hard.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let out = newOut();
  const ownHttp = o.http === undefined;
  const http =
    o.http ??
    createBinanceHttpClient({
      baseUrl: o.restUrl,
      now,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
      ...(o.sleep ? { sleep: o.sleep } : {}),
      ...(wantRaw ? { onResponse: (r: HttpResponse) => out.raw.push({ received_at: r.receivedAt, source: 'rest', endpoint: r.url, text: r.text }) } : {}),
    });
  // Repairs decide which bars are closed by the server's clock, not the local one (which may run ahead): a client we
  // create learns the offset from exchangeInfo before its first repair (a given client is expected to have done so).
  let clockSynced = !ownHttp;
  const syncClock = async () => {
    if (clockSynced) return;
    clockSynced = true;
    await http.loadExchangeInfo({ signal: hard.signal });
  };
  const restCtx: StageContext = {
    signal: hard.signal,
    events,
    counters: { rowsIn: 0, rowsOut: 0, duplicates: 0, invalid: 0, late: 0 },
    notes: new Map(),
  };

  // Streams → handlers and roots.
  const shorts = o.streams ?? ['kline_1m', 'aggTrade', 'markPrice', 'depth20'];
  const handlers = new Map<string, Handler>();
  const byRoot: Record<WsRoot, string[]> = { public: [], market: [] };
  let klineInterval: string | null = null;
  let markStep = 1000;
  for (const short of shorts) {
    const full = streamName(symbol, short);
    const kind = full.slice(full.indexOf('@') + 1);
    let h: Handler;
    if (kind.startsWith('kline_')) {
      h = 'kline';
      klineInterval = kind.slice(6);
      intervalMs(klineInterval);
    } else if (kind === 'aggTrade') h = 'aggTrade';
    else if (kind.startsWith('markPrice')) {
      h = 'markPrice';
      markStep = kind === 'markPrice' ? 3000 : 1000;
    } else if (kind.startsWith('depth@') || kind === 'depth') h = 'depth';
    else if (/^depth(5|10|20)/.test(kind)) h = 'partial';
    else if (kind === 'bookTicker') h = 'bookTicker';
    else throw new ScalplakeError('INVALID_ARGUMENT', `Stream ${JSON.stringify(short)} is not supported by liveIngest`, { context: { stream: short } });
    handlers.set(full, h);
    byRoot[streamRoot(full)].push(full);
  }
  const klineStep = klineInterval === null ? 60_000 : intervalMs(klineInterval);

  // State and watermarks.
  let klineWm: number | null = o.resume?.klineOpenTime ?? null;
  let klineHole = klineWm !== null;
  /** Without a watermark: the first bar seen live (forming or final), where the run starts. */
  let klineFirstOpen: number | null = null;
  let aggWm: number | null = o.resume?.aggTradeId ?? null;
  let aggHole = aggWm !== null;
  const aggPending = new Map<number, AggTrade>();
  let aggPendingMin = Number.POSITIVE_INFINITY;
  let aggPendingMinTime = Number.POSITIVE_INFINITY;
  let aggPendingMaxTime = 0;
  let markWm: number | null = o.resume?.markPriceTime ?? null;
  let markHole = markWm !== null;
  const markPending: MarkPrice[] = [];
  let markKlineWm = -1;
  let partialLastU = -1;
  const sync = handlersHas(handlers, 'depth') ? new OrderBookSync({ symbol }) : null;
  const cadence = bookCadence(o.bookCadenceMs ?? 1000);
  let snapshotRetryAt = 0;
  const reorderWindow = o.reorderWindow ?? 64;
  const reorderMs = o.reorderMs ?? 2000;

  const reject = (table: string | null, r: RejectedRow) => {
    stats.invalid++;
    let list = out.rejects.get(table);
    if (!list) out.rejects.set(table, (list = []));
    list.push(r);
  };
  const marker = (m: LiveMarker) => out.markers.push(m);
  const noteRepaired = (table: string, n: number) => {
    stats.repaired[table] = (stats.repaired[table] ?? 0) + n;
  };

  // --- klines ---
  const emitKline = (k: Kline) => {
    out.klines.push(k);
    klineWm = k.open_time;
    stats.rowsOut++;
  };
  const repairKlines = async (from: number, to: number | undefined) => {
    if (klineInterval === null) return;
    await syncClock();
    stats.repairs++;
    const src = restKlines({ http, symbol, interval: klineInterval, from, ...(to !== undefined ? { to } : {}) });
    for await (const batch of src.read(restCtx)) {
      for (const r of batch.origin?.rejects ?? []) reject('klines', r);
      for (const k of batch) {
        if (klineWm !== null && k.open_time <= klineWm) continue;
        emitKline(k);
        noteRepaired('klines', 1);
      }
    }
  };
  const onFinalKline = async (k: Kline) => {
    // The run starts at the first bar seen, even when only its forming pushes arrived (its final one is repaired).
    if (klineWm === null) klineWm = Math.min(k.open_time, klineFirstOpen ?? k.open_time) - klineStep;
    if (k.open_time <= klineWm) {
      stats.duplicates++;
      return;
    }
    if (k.open_time > klineWm + klineStep) await repairKlines(klineWm + klineStep, k.open_time - klineStep);
    klineHole = false;
    if (k.open_time > klineWm) emitKline(k);
  };

  // --- aggTrades ---
  const emitAgg = (t: AggTrade) => {
    out.aggTrades.push(t);
    aggWm = t.agg_trade_id;
    stats.rowsOut++;
  };
  const recomputePending = () => {
    aggPendingMin = Number.POSITIVE_INFINITY;
    aggPendingMinTime = Number.POSITIVE_INFINITY;
    aggPendingMaxTime = 0;
    for (const t of aggPending.values()) {
      if (t.agg_trade_id < aggPendingMin) aggPendingMin = t.agg_trade_id;
      if (t.trade_time < aggPendingMinTime) aggPendingMinTime = t.trade_time;
      if (t.trade_time > aggPendingMaxTime) aggPendingMaxTime = t.trade_time;
    }
  };
  const flushAgg = () => {
    if (aggPending.size === 0) return;
    for (;;) {
      const next = aggPending.get((aggWm as number) + 1);
      if (!next) break;
      aggPending.delete(next.agg_trade_id);
      emitAgg(next);
    }
    recomputePending();
  };
  const repairAgg = async (toId: number, toTime = Number.MAX_SAFE_INTEGER) => {
    if (aggWm === null || toId <= aggWm) return;
    await syncClock();
    stats.repairs++;
    const from = aggWm + 1;
    const bound = { ...(Number.isFinite(toId) ? { toId } : {}), to: toTime };
    const read = async (src: Source<AggTrade>, missing: string) => {
      for await (const batch of src.read(restCtx)) {
        for (const r of batch.origin?.rejects ?? []) reject('agg_trades', r);
        for (const t of batch) {
          if (t.agg_trade_id <= (aggWm as number)) continue;
          if (t.agg_trade_id !== (aggWm as number) + 1) gapMarker('agg_trades', (aggWm as number) + 1, t.agg_trade_id - 1, missing);
          emitAgg(t);
          noteRepaired('agg_trades', 1);
        }
      }
    };
    try {
      await read(restAggTrades({ http, symbol, fromId: from, ...bound }), 'ids missing from REST too');
    } catch (err) {
      // -4166: the watermark is older than REST keeps aggTrades (24 h), e.g. a resume after a long downtime. Go on from
      // the oldest trade REST still serves and report the rest as a gap (bulk files have it), instead of failing forever.
      if (!isScalplakeError(err, 'BINANCE_HTTP') || err.context.code !== -4166) throw err;
      const oldest = http.serverNow() - AGG_TRADES_REST_HISTORY_MS + 60_000;
      await read(restAggTrades({ http, symbol, from: oldest, ...bound }), 'older than REST serves (24 h): use data.binance.vision bulk files');
    }
    if (Number.isFinite(toId) && (aggWm as number) < toId) {
      gapMarker('agg_trades', (aggWm as number) + 1, toId, 'ids missing from REST too');
      aggWm = toId;
    }
    flushAgg();
  };
  const holdPending = (t: AggTrade) => {
    aggPending.set(t.agg_trade_id, t);
    if (t.agg_trade_id < aggPendingMin) aggPendingMin = t.agg_trade_id;
    if (t.trade_time < aggPendingMinTime) aggPendingMinTime = t.trade_time;
    if (t.trade_time > aggPendingMaxTime) aggPendingMaxTime = t.trade_time;
  };
  const onAggTrade = async (t: AggTrade) => {
    if (aggWm === null) {
      // No watermark yet: the run starts at the lowest id seen within the reorder window, so that a frame that
      // arrives late at the very start is not mistaken for a duplicate.
      if (aggPending.has(t.agg_trade_id)) {
        stats.duplicates++;
        return;
      }
      holdPending(t);
      if (aggPending.size <= reorderWindow && aggPendingMaxTime - aggPendingMinTime <= reorderMs) return;
      aggWm = aggPendingMin - 1;
      flushAgg();
      aggHole = false;
      return;
    }
    if (t.agg_trade_id <= aggWm || aggPending.has(t.agg_trade_id)) {
      stats.duplicates++;
      return;
    }
    if (t.agg_trade_id === aggWm + 1 && aggPending.size === 0) {
      emitAgg(t);
      aggHole = false;
      return;
    }
    holdPending(t);
    flushAgg();
    if (aggPending.size > 0 && (aggHole || aggPending.size > reorderWindow || aggPendingMaxTime - aggPendingMinTime > reorderMs)) {
      await repairAgg(aggPendingMin - 1);
    }
    aggHole = false;
  };

  // --- mark prices ---
  const gapMarker = (table: string, from: number, to: number, reason: string) => {
    const kind = table === 'agg_trades' ? 'id' : 'time';
    events.emit('gap', { table, symbol, kind, from, to, missing: kind === 'id' ? to - from + 1 : Math.max(1, Math.round((to - from) / markStep) + 1) });
    marker({ type: 'gap', scope: table, reason, at: now(), from, to });
  };
  const emitMark = (m: MarkPrice) => {
    out.markPrices.push(m);
    markWm = m.event_time;
    stats.rowsOut++;
  };
  const markKlineNeeded: number[] = [];
  const repairMarkKlines = async (from: number, to: number) => {
    // REST has no per-second mark prices: report the gap and fill its minutes with mark-price klines once closed.
    gapMarker('mark_prices', from, to, 'per-second mark prices are not served by REST; mark_price_klines repaired instead');
    const lastNeeded = markKlineNeeded.length > 0 ? markKlineNeeded[markKlineNeeded.length - 1]! : markKlineWm;
    for (let m = Math.floor(from / 60_000) * 60_000; m <= to; m += 60_000) {
      if (m > markKlineWm && m > lastNeeded) markKlineNeeded.push(m);
    }
    await flushMarkKlines();
  };
  const flushMarkKlines = async () => {
    if (markKlineNeeded.length === 0) return;
    await syncClock();
    const closedBefore = http.serverNow();
    const first = markKlineNeeded[0]!;
    let last = -1;
    for (const m of markKlineNeeded) if (m + 60_000 <= closedBefore) last = m;
    if (last < first) return;
    stats.repairs++;
    const src = restPriceKlines({ http, symbol, kind: 'markPrice', interval: '1m', from: first, to: last });
    const wanted = new Set(markKlineNeeded.filter((m) => m <= last));
    for await (const batch of src.read(restCtx)) {
      for (const r of batch.origin?.rejects ?? []) reject('mark_price_klines', r);
      for (const k of batch) {
        if (k.open_time <= markKlineWm || !wanted.has(k.open_time)) continue;
        out.markKlines.push(k);
        markKlineWm = k.open_time;
        noteRepaired('mark_price_klines', 1);
      }
    }
    while (markKlineNeeded.length > 0 && markKlineNeeded[0]! <= last) markKlineNeeded.shift();
  };
  const contiguousMark = (t: number) => markWm === null || t - markWm <= markStep * 1.5;
  const flushMarks = () => {
    markPending.sort((a, b) => a.event_time - b.event_time);
    while (markPending.length > 0 && contiguousMark(markPending[0]!.event_time)) {
      const m = markPending.shift()!;
      if (markWm !== null && m.event_time <= markWm) {
        stats.duplicates++;
        continue;
      }
      emitMark(m);
    }
  };
  const onMark = async (m: MarkPrice) => {
    if (markWm !== null && m.event_time <= markWm) {
      stats.duplicates++;
      return;
    }
    if (markPending.length === 0 && contiguousMark(m.event_time) && !markHole) {
      emitMark(m);
      return;
    }
    if (markPending.some((p) => p.event_time === m.event_time)) {
      stats.duplicates++;
      return;
    }
    markPending.push(m);
    flushMarks();
    if (markPending.length > 0 && (markHole || markPending.length > 3)) {
      const firstPending = markPending[0]!.event_time;
      if (markWm !== null) await repairMarkKlines(markWm + markStep, firstPending - markStep);
      markWm = firstPending - markStep;
      flushMarks();
    }
    markHole = false;
  };

  // --- books ---
  const onDepthDiff = async (m: Mapped<ReturnType<typeof depthDiffFromWs>>, receivedAt: number) => {
    if (!sync || !m.ok) return;
    const outcome = sync.push(m.value);
    if (outcome === 'break') marker({ type: 'book-resync', scope: 'public', reason: 'pu chain broken', at: now() });
    if (outcome === 'applied' && cadence(m.value.event_time)) out.book.push(sync.topRow(origin, receivedAt));
    // Fetch a snapshot once a diff is buffered; after a stale one, wait for a few more diffs before retrying.
    if (sync.needsSnapshot && sync.buffered > 0 && sync.buffered >= snapshotRetryAt) {
      snapshotRetryAt = sync.buffered + 5;
      const snap = await restDepthSnapshot(http, symbol, o.depthSnapshotLimit ?? 1000, hard.signal);
      const r = sync.onSnapshot(snap);
      if (r.status === 'synced') out.book.push(sync.topRow(origin, now()));
      if (r.status !== 'stale') snapshotRetryAt = 0;
    }
  };

  // --- frames ---
  const handleEvent = async (root: WsRoot, e: WsEvent) => {
    if (e.type === 'open') {
      if (e.reason === 'reconnect') {
        stats.reconnects++;
        events.emit('reconnect', { stream: `${root}:${byRoot[root].join('/')}`, reason: 'reconnect', attempt: e.attempt });
        marker({ type: 'reconnect', scope: root, reason: `connection ${e.connectionId} open`, at: e.at });
      }
      return;
    }
    if (e.type === 'down') {
      marker({ type: 'disconnect', scope: root, reason: e.reason, at: e.at });
      if (root === 'market') {
        klineHole = true;
        aggHole = true;
        markHole = true;
      } else if (sync) {
        sync.reset();
        snapshotRetryAt = 0;
        marker({ type: 'book-resync', scope: root, reason: 'reconnect', at: e.at });
      }
      return;
    }
    if (wantRaw) out.raw.push({ received_at: e.receivedAt, source: 'ws', endpoint: e.type === 'frame' ? e.stream : root, text: e.raw });
    if (e.type === 'malformed') {
      reject(null, { source: `${o.wsUrl}/${root}`, line: e.seq, raw: e.raw, reason: e.reason });
      // A lost frame may hide a row: look for holes at the next row of each table.
      if (root === 'market') {
        aggHole = true;
        markHole = markWm !== null;
      }
      return;
    }
    const h = handlers.get(e.stream);
    if (h === undefined) return;
    stats.rowsIn++;
    const ctx: MapContext = { source: `${o.wsUrl}/${root}#${e.stream}`, line: e.seq, ingestedAt: e.receivedAt, origin };
    switch (h) {
      case 'aggTrade': {
        const fast = aggTradeFromWsFast(e.data, ctx);
        if (fast !== null) {
          await onAggTrade(fast);
          return;
        }
        const m = mapWith(RawWsAggTrade, aggTradeFromWs, e.data, ctx);
        if (m.ok) await onAggTrade(m.value);
        else {
          reject(TABLE_OF[h], m.rejected);
          aggHole = true;
        }
        return;
      }
      case 'kline': {
        const m = mapWith(RawWsKline, klineFromWs, e.data, ctx);
        if (!m.ok) reject(TABLE_OF[h], m.rejected);
        else if (m.value.final) await onFinalKline(m.value.kline);
        else {
          out.forming.push(m.value.kline);
          if (klineWm === null && klineFirstOpen === null) klineFirstOpen = m.value.kline.open_time;
          if (klineHole && klineWm === null && klineFirstOpen !== null) klineWm = klineFirstOpen - klineStep;
          if (klineHole && klineWm !== null && m.value.kline.open_time > klineWm + klineStep) {
            await repairKlines(klineWm + klineStep, m.value.kline.open_time - klineStep);
            klineHole = false;
          }
        }
        return;
      }
      case 'markPrice': {
        const m = mapWith(RawWsMarkPrice, markPriceFromWs, e.data, ctx);
        if (m.ok) await onMark(m.value);
        else {
          reject(TABLE_OF[h], m.rejected);
          markHole = true;
        }
        return;
      }
      case 'partial': {
        const m = mapWith(RawWsDepth, bookDepthFromPartial, e.data, ctx);
        if (!m.ok) reject(TABLE_OF[h], m.rejected);
        else if (m.value.final_update_id <= partialLastU) stats.duplicates++;
        else {
          partialLastU = m.value.final_update_id;
          out.book.push(m.value);
        }
        return;
      }
      case 'depth': {
        const m = mapWith(RawWsDepth, depthDiffFromWs, e.data, ctx);
        if (!m.ok) reject(TABLE_OF[h], m.rejected);
        await onDepthDiff(m, e.receivedAt);
        return;
      }
      case 'bookTicker': {
        const m = mapWith(RawWsBookTicker, bookTickerFromWs, e.data, ctx);
        if (m.ok) out.tickers.push(m.value);
        else reject(TABLE_OF[h], m.rejected);
        return;
      }
    }
  };

  /** The hot path: an in-order aggTrade frame is handled synchronously (no zod, no promise). */
  const fastAgg = (e: WsEvent): boolean => {
    if (e.type !== 'frame' || aggWm === null || aggPending.size !== 0 || handlers.get(e.stream) !== 'aggTrade') return false;
    const t = aggTradeFromWsFast(e.data, { source: e.stream, line: e.seq, ingestedAt: e.receivedAt, origin });
    if (t === null || t.agg_trade_id !== aggWm + 1) return false;
    if (wantRaw) out.raw.push({ received_at: e.receivedAt, source: 'ws', endpoint: e.stream, text: e.raw });
    stats.rowsIn++;
    emitAgg(t);
    aggHole = false;
    return true;
  };

  function* drain(): Generator<LiveBatch> {
    const b = out;
    out = newOut();
    for (const m of b.markers) yield { kind: 'marker', marker: m };
    if (b.klines.length) yield { kind: 'rows', table: 'klines', rows: b.klines };
    if (b.aggTrades.length) yield { kind: 'rows', table: 'agg_trades', rows: b.aggTrades };
    if (b.markPrices.length) yield { kind: 'rows', table: 'mark_prices', rows: b.markPrices };
    if (b.markKlines.length) yield { kind: 'rows', table: 'mark_price_klines', rows: b.markKlines };
    if (b.book.length) yield { kind: 'rows', table: 'book_depth', rows: b.book };
    if (b.forming.length) yield { kind: 'forming', rows: b.forming };
    if (b.tickers.length) yield { kind: 'bookTicker', rows: b.tickers };
    for (const [table, rows] of b.rejects) yield { kind: 'rejects', table, rows };
    if (b.raw.length) yield { kind: 'raw', payloads: b.raw };
  }

  // Connections, merged into one queue.
  const merged = new AsyncQueue<{ root: WsRoot; events: WsEvent[] }>();
  const stopSockets = new AbortController();
  const onDrain = () => stopSockets.abort();
  o.drainSignal?.addEventListener('abort', onDrain, { once: true });
  hard.signal.addEventListener('abort', () => stopSockets.abort(), { once: true });
  const clients: BinanceWsClient[] = [];
  let live = 0;
  for (const root of ['market', 'public'] as const) {
    if (byRoot[root].length === 0) continue;
    const client = new BinanceWsClient({ ...o.ws, url: `${o.wsUrl.replace(/\/+$/, '')}/${root}`, streams: byRoot[root], signal: stopSockets.signal, now });
    clients.push(client);
    live++;
    void (async () => {
      try {
        for await (const evs of client.events()) merged.push({ root, events: evs });
      } catch (err) {
        merged.fail(err);
      } finally {
        if (--live === 0) merged.end();
      }
    })();
  }
  if (o.drainSignal?.aborted) stopSockets.abort();

  try {
    // Resume: repair from stored watermarks before the first live row (klines need no live row to start).
    if (klineHole && klineWm !== null) {
      await repairKlines(klineWm + klineStep, undefined);
      klineHole = true;
    }
    yield* drain();
    for (;;) {
      const chunk = await merged.takeAll(64);
      if (chunk.length === 0) break;
      // Rows leave after each connection batch (≤ 64 frames), not after the whole chunk: latency of a burst's first rows.
      for (const { root, events: evs } of chunk) {
        for (const e of evs) if (!fastAgg(e)) await handleEvent(root, e);
        await flushMarkKlines();
        yield* drain();
      }
    }
    if (!hard.signal.aborted) {
      // Graceful end: close the remaining holes.
      if (aggWm === null && aggPending.size > 0) aggWm = aggPendingMin - 1; // still holding the first trades
      if (aggPending.size > 0) {
        let max = 0;
        for (const id of aggPending.keys()) if (id > max) max = id;
        await repairAgg(max);
      }
      // Trades after the last delivered one (lost with the last connection) up to now.
      if (aggWm !== null && handlersHas(handlers, 'aggTrade')) await repairAgg(Number.POSITIVE_INFINITY, http.serverNow());
      if (klineWm !== null && klineInterval !== null) await repairKlines(klineWm + klineStep, undefined);
      if (markPending.length > 0) {
        const firstPending = markPending[0]!.event_time;
        if (markWm !== null) await repairMarkKlines(markWm + markStep, firstPending - markStep);
        markWm = firstPending - markStep;
        markPending.sort((a, b) => a.event_time - b.event_time);
        for (const m of markPending.splice(0)) if (m.event_time > (markWm as number)) emitMark(m);
      } else if (markHole && markWm !== null) {
        // Mark prices lost with the last connection (nothing arrived since it went down), up to now.
        await syncClock();
        const lag = http.serverNow() - markWm;
        if (lag > markStep * 1.5) await repairMarkKlines(markWm + markStep, markWm + Math.floor(lag / markStep) * markStep);
      }
      await flushMarkKlines();
      yield* drain();
    }
  } finally {
    stopSockets.abort();
    for (const c of clients) c.close();
    stats.connections = clients.reduce((n, c) => n + c.opened, 0);
    o.signal?.removeEventListener('abort', onAbort);
    o.drainSignal?.removeEventListener('abort', onDrain);
  }
}

function handlersHas(handlers: Map<string, Handler>, h: Handler): boolean {
  for (const v of handlers.values()) if (v === h) return true;
  return false;
}
