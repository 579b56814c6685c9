/**
 * The live job: Binance WebSocket streams (with REST gap repair) into the lake — raw frames to bronze, records to
 * silver (partition upserts on a flush schedule and at the end), rejected frames to quarantine — resuming from the
 * lake's watermarks so that a restart leaves no hole.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { RunEvents } from '../core/events.js';
import { createRunEvents } from '../core/events.js';
import type { Batch, RejectedRow } from '../core/stage.js';
import { assertSymbol } from '../core/symbol.js';
import type { TableName } from '../core/tables.js';
import { createStageContext } from '../pipeline/context.js';
import type { BinanceWsClientOptions } from '../sources/binance/ws-client.js';
import { type LiveBatch, type LiveMarker, liveIngest } from '../sources/binance/live-ingest.js';
import type { JsonlWriter } from '../sinks/jsonl-writer.js';
import type { Lake } from './lake.js';
import { lastSilverValue, toQuarantineRows } from './watermarks.js';

/** Options of {@link ingestLive}. */
export interface IngestLiveOptions {
  /** REST base URL (gap repair and snapshots), e.g. `https://fapi.binance.com` or a replay exchange's. */
  readonly restUrl: string;
  /** WebSocket base URL without the root (`/public` and `/market` are appended). */
  readonly wsUrl: string;
  /** The symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** Streams: `kline_1m`, `aggTrade`, `markPrice`, `depth20`, `depth`, `bookTicker` (default the first four). */
  readonly streams?: readonly string[] | undefined;
  /** Flush buffered silver rows at least this often (wall ms, default 60 000) and when 50 000 rows are buffered. */
  readonly flushIntervalMs?: number | undefined;
  /** Graceful stop (e.g. SIGINT, or the end of `--duration`): holes are repaired, every buffered row is written. */
  readonly drainSignal?: AbortSignal | undefined;
  /** Hard stop: buffered rows are still written, no final repair. */
  readonly signal?: AbortSignal | undefined;
  /** Receives `reconnect`, `gap` and `flush` events. */
  readonly events?: RunEvents | undefined;
  /** Called for each marker (disconnect, reconnect, book resync, unrepairable gap). */
  readonly onMarker?: ((marker: LiveMarker) => void) | undefined;
  /** undici dispatcher of the REST client. */
  readonly dispatcher?: Dispatcher | undefined;
  /** The clock (UTC ms) of `ingested_at` and REST budgets (tests: a replay exchange's virtual clock). */
  readonly now?: (() => number) | undefined;
  /** Sleep of the REST client (tests advance a virtual clock). */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** WebSocket client options (stall timeout, backoff, lifetime, rotation). */
  readonly ws?: Partial<Omit<BinanceWsClientOptions, 'url' | 'streams' | 'signal' | 'now'>> | undefined;
  /** Resume from the lake's last rows (default true): the hole since the last run is repaired through REST. */
  readonly resume?: boolean | undefined;
}

/** What a live run did. */
export interface IngestLiveReport {
  /** Rows handed to silver per table (inserted, replaced or already there). */
  readonly rows: Readonly<Record<string, number>>;
  /** Rows silver did not hold before. */
  readonly rowsWritten: number;
  /** Raw payloads written to bronze. */
  readonly bronze: number;
  /** Payloads quarantined. */
  readonly quarantined: number;
  /** Reconnects after drops or stalls. */
  readonly reconnects: number;
  /** WebSocket connections that opened (0: the WebSocket server was never reached). */
  readonly connections: number;
  /** REST repairs run, and rows they brought, per table. */
  readonly repairs: number;
  /** Rows obtained through REST repairs, per table. */
  readonly repaired: Readonly<Record<string, number>>;
  /** Markers seen (disconnects, reconnects, resyncs, gaps). */
  readonly markers: readonly LiveMarker[];
  /** Silver files written. */
  readonly filesWritten: readonly string[];
}

type SilverLiveTable = 'klines' | 'agg_trades' | 'mark_prices' | 'book_depth' | 'mark_price_klines';

const MAX_BUFFERED = 50_000;

/**
 * Runs live ingestion into the lake until `drainSignal` (graceful) or `signal` (hard) fires.
 *
 * @throws `INVALID_SYMBOL`; `BINANCE_BANNED` on a 418 (after writing what was buffered: the lake stays consistent);
 *   `SINK_WRITE`, `STORE_IO`.
 * @example
 * ```ts
 * const stop = new AbortController();
 * process.once('SIGINT', () => stop.abort());
 * const report = await ingestLive(openLake('./lake'), {
 *   restUrl: 'https://fapi.binance.com', wsUrl: 'wss://fstream.binance.com', symbol: 'BTCUSDT', drainSignal: stop.signal,
 * });
 * ```
 */
export async function ingestLive(lake: Lake, options: IngestLiveOptions): Promise<IngestLiveReport> {
  const symbol = assertSymbol(options.symbol, 'live');
  const events = options.events ?? createRunEvents();
  const resume = options.resume === false ? undefined : await lakeWatermarks(lake, symbol);
  const flushEvery = options.flushIntervalMs ?? 60_000;
  const buffers = new Map<SilverLiveTable, unknown[]>();
  const quarantines = new Map<string, JsonlWriter<import('../core/tables.js').QuarantineRow>>();
  const bronze = lake.bronze();
  const rows: Record<string, number> = {};
  const markers: LiveMarker[] = [];
  const files = new Set<string>();
  let rowsWritten = 0;
  let bronzeCount = 0;
  let quarantined = 0;
  let buffered = 0;
  let lastFlush = Date.now();

  const flush = async (): Promise<void> => {
    for (const [table, rowsOf] of buffers) {
      if (rowsOf.length === 0) continue;
      buffers.set(table, []);
      const ctx = createStageContext({ events });
      async function* once(): AsyncIterable<Batch<unknown>> {
        yield rowsOf;
      }
      let r: Awaited<ReturnType<ReturnType<Lake['silver']>['write']>>;
      try {
        r = await lake.silver(table as TableName).write(once() as never, ctx);
      } catch (e) {
        // Keep the rows for the next flush (at least the final one): a transient store error must not lose rows that
        // REST cannot give back (per-second mark prices, depth). Partitions already written are upserted again unchanged.
        buffers.set(table, rowsOf.concat(buffers.get(table) ?? []));
        throw e;
      }
      rows[table] = (rows[table] ?? 0) + rowsOf.length;
      rowsWritten += r.rowsWritten;
      for (const f of r.filesWritten) files.add(f);
    }
    buffered = 0;
    lastFlush = Date.now();
    await bronze.flush();
    for (const q of quarantines.values()) await q.flush();
  };
  const quarantine = async (table: string, rejected: readonly RejectedRow[]): Promise<void> => {
    let q = quarantines.get(table);
    if (!q) {
      q = lake.quarantine(table);
      quarantines.set(table, q);
    }
    await q.append(toQuarantineRows(table, rejected));
    quarantined += rejected.length;
  };

  const live = liveIngest({
    restUrl: options.restUrl,
    wsUrl: options.wsUrl,
    symbol,
    events,
    ...(options.streams ? { streams: options.streams } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.drainSignal ? { drainSignal: options.drainSignal } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.ws ? { ws: options.ws } : {}),
    ...(resume ? { resume } : {}),
  });
  try {
    for await (const b of live as AsyncIterable<LiveBatch>) {
      switch (b.kind) {
        case 'rows': {
          let buf = buffers.get(b.table);
          if (!buf) buffers.set(b.table, (buf = []));
          for (const r of b.rows) buf.push(r);
          buffered += b.rows.length;
          break;
        }
        case 'raw':
          await bronze.append(
            b.payloads.map((p) => ({
              received_at: p.received_at,
              source: p.source,
              endpoint: p.source === 'rest' ? new URL(p.endpoint).pathname : p.endpoint,
              symbol,
              payload: p.source === 'rest' ? { url: p.endpoint, body: p.text } : p.text,
            })),
          );
          bronzeCount += b.payloads.length;
          break;
        case 'rejects':
          await quarantine(b.table ?? 'ws_frames', b.rows);
          break;
        case 'marker':
          markers.push(b.marker);
          options.onMarker?.(b.marker);
          break;
        default:
          break; // forming klines and book tickers feed live features, not silver
      }
      if (buffered >= MAX_BUFFERED || Date.now() - lastFlush >= flushEvery) await flush();
    }
  } finally {
    // Whatever ended the run (drain, abort, a ban, a failed flush), rows already received reach silver, and the bronze
    // and quarantine writers are closed even when that last flush fails.
    try {
      await flush();
    } finally {
      try {
        await bronze.close();
      } finally {
        for (const q of quarantines.values()) await q.close();
      }
    }
  }
  return {
    rows,
    rowsWritten,
    bronze: bronzeCount,
    quarantined,
    reconnects: live.stats.reconnects,
    connections: live.stats.connections,
    repairs: live.stats.repairs,
    repaired: { ...live.stats.repaired },
    markers,
    filesWritten: [...files].sort(),
  };
}

/** Where a live run resumes: the lake's last rows. */
export interface LiveWatermarks {
  /** Open time of the last 1m kline (UTC ms). */
  readonly klineOpenTime?: number;
  /** Last aggregate-trade id. */
  readonly aggTradeId?: number;
  /** Event time of the last mark price (UTC ms). */
  readonly markPriceTime?: number;
}

/** The last kline open time, aggregate-trade id and mark-price time the lake holds for a symbol (for resuming). */
export async function lakeWatermarks(lake: Lake, symbol: string): Promise<LiveWatermarks> {
  const out: { klineOpenTime?: number; aggTradeId?: number; markPriceTime?: number } = {};
  const k = await lastSilverValue(lake, 'klines', symbol, (r) => (r.interval === '1m' ? r.open_time : Number.NEGATIVE_INFINITY));
  if (k !== undefined) out.klineOpenTime = k;
  const a = await lastSilverValue(lake, 'agg_trades', symbol, (r) => r.agg_trade_id);
  if (a !== undefined) out.aggTradeId = a;
  const m = await lastSilverValue(lake, 'mark_prices', symbol, (r) => r.event_time);
  if (m !== undefined) out.markPriceTime = m;
  return out;
}
