/**
 * The batch gold builder: merges one symbol's silver streams in event-time order and turns them into gold rows
 * through a {@link GoldEngine}.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import type { RunEvents } from '../core/events.js';
import type { Batch } from '../core/stage.js';
import type { AggTrade, BookDepth, FundingRate, Kline, MarkPrice } from '../core/tables.js';
import { MINUTE_MS } from '../core/time.js';
import type { FeatureRow, FeatureSet } from './feature-set.js';
import { scalping } from './features.js';
import { LABEL_COLUMNS } from './gold-schema.js';
import { type GoldColumns, GoldEngine, type GoldEngineReport } from './gold-engine.js';

/** One symbol's silver streams, each sorted by its event time (klines by open_time). */
export interface GoldSources {
  /** 1-minute klines (rows of other intervals are skipped). Required: klines drive the minutes. */
  readonly klines: AsyncIterable<Batch<Kline>>;
  /** Aggregate trades, by trade_time. */
  readonly aggTrades?: AsyncIterable<Batch<AggTrade>>;
  /** Top-N book snapshots, by event_time. */
  readonly bookDepth?: AsyncIterable<Batch<BookDepth>>;
  /** Mark-price updates, by event_time. */
  readonly markPrices?: AsyncIterable<Batch<MarkPrice>>;
  /** Funding settlements, by funding_time. */
  readonly fundingRates?: AsyncIterable<Batch<FundingRate>>;
}

/** Options of {@link buildGold}. */
export interface GoldBuildOptions {
  /** The symbol written into the rows. */
  readonly symbol: string;
  /** The feature set (default `scalping()`); a set holds state: use a new one per build. */
  readonly features?: FeatureSet;
  /** |5-minute return| in bps above which `label_direction_5m` is ±1 (default 5). */
  readonly labelThresholdBps?: number;
  /** Max age of the book snapshot used as of a minute's close (ms, default 60 000). */
  readonly bookMaxAgeMs?: number;
  /** Max age of the mark price used as of a minute's close (ms, default 60 000). */
  readonly markMaxAgeMs?: number;
  /**
   * First minute to emit (UTC ms). Earlier klines still warm the features up: feed at least
   * `features.warmUpMinutes` before it.
   */
  readonly from?: number;
  /** Emit minutes before this (UTC ms); klines up to 15 minutes later are read for the labels. */
  readonly to?: number;
  /**
   * Rows per yielded batch (default 512). Small batches let rows die young in V8's young generation; a 60-column
   * row object is expensive to keep (its doubles are boxed).
   */
  readonly batchSize?: number;
  /** Receives a `gap` event per kline gap. */
  readonly events?: RunEvents;
  /** Stops the build. */
  readonly signal?: AbortSignal;
}

/** The rows of a gold build, with a report filled as it runs (complete once iteration ends). */
export interface GoldBuild extends AsyncIterable<Batch<FeatureRow>> {
  /** Rows, minutes, kline gaps, late events, trade-id gaps. */
  readonly report: GoldEngineReport;
}

const K_TRADE = 0;
const K_BOOK = 1;
const K_MARK = 2;
const K_FUNDING = 3;

type AnyEvent = AggTrade | BookDepth | MarkPrice | FundingRate;

class Cursor {
  readonly kind: number;
  private readonly it: AsyncIterator<Batch<AnyEvent>>;
  batch: Batch<AnyEvent> = [];
  i = 0;
  done = false;
  constructor(kind: number, src: AsyncIterable<Batch<AnyEvent>>) {
    this.kind = kind;
    this.it = src[Symbol.asyncIterator]();
  }
  /** Loads the next non-empty batch; false at the end. */
  async load(): Promise<boolean> {
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      if (r.value.length > 0) {
        this.batch = r.value;
        this.i = 0;
        return true;
      }
    }
    return false;
  }
  time(i: number): number {
    const e = this.batch[i]!;
    switch (this.kind) {
      case K_TRADE:
        return (e as AggTrade).trade_time;
      case K_FUNDING:
        return (e as FundingRate).funding_time;
      default:
        return (e as BookDepth | MarkPrice).event_time;
    }
  }
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}

/**
 * Builds gold rows for one symbol from its silver streams: the row of the minute opening at t uses only events
 * with event time < t + 60 s (klines: open_time = t), labels look up to 15 minutes ahead. Rows come out in minute
 * order, one per minute from the first to the last kline (kline gaps included, with `null` kline columns).
 *
 * @throws `ABORTED` when `signal` is aborted.
 * @example
 * ```ts
 * const build = buildGold({ klines, aggTrades, bookDepth, markPrices, fundingRates }, { symbol: 'BTCUSDT' });
 * for await (const rows of build) for (const row of rows) console.log(row.open_time, row.rsi_14);
 * console.log(build.report.gaps);
 * ```
 */
export function buildGold(sources: GoldSources, options: GoldBuildOptions): GoldBuild {
  const report: GoldEngineReport = { rows: 0, minutes: 0, gaps: [], lateEvents: 0, tradeIdGaps: 0, resets: 0 };
  async function* rows(): AsyncGenerator<Batch<FeatureRow>> {
    const blocks = run(sources, options, report);
    for await (const block of blocks) yield blocks.engine.toRows(block);
  }
  return { report, [Symbol.asyncIterator]: () => rows() };
}

/**
 * What {@link buildGoldColumns} returns: the gold rows as column blocks, and the report once they are consumed.
 *
 * @example
 * ```ts
 * const build = buildGoldColumns({ klines }, { symbol: 'BTCUSDT' });
 * for await (const block of build) console.log(build.columns[1], block.cols[1]); // 'open_time', its values
 * ```
 */
export interface GoldColumnsBuild extends AsyncIterable<GoldColumns> {
  /** Rows, minutes, kline gaps, late events, trade-id gaps. */
  readonly report: GoldEngineReport;
  /** The name of each column of the blocks: `symbol`, `open_time`, the feature columns, the labels. */
  readonly columns: readonly string[];
}

/**
 * {@link buildGold} with the rows as column blocks (`GoldColumns`, index-aligned with
 * `columnsOf(goldSchemaOf(features))`, at most `batchSize` rows each) rather than row objects: the same values,
 * without a 60-field object per minute. What the gold job writes (`PartitionedSink.writeColumns`).
 *
 * @throws `ABORTED` when `signal` is aborted.
 * @example
 * ```ts
 * const build = buildGoldColumns({ klines }, { symbol: 'BTCUSDT' });
 * for await (const block of build) console.log(block.n, block.cols[1]); // rows, open_time
 * ```
 */
export function buildGoldColumns(sources: GoldSources, options: GoldBuildOptions): GoldColumnsBuild {
  const report: GoldEngineReport = { rows: 0, minutes: 0, gaps: [], lateEvents: 0, tradeIdGaps: 0, resets: 0 };
  const set = options.features ?? scalping();
  const columns = ['symbol', 'open_time', ...[...set.columns, ...LABEL_COLUMNS].map((c) => c.name)];
  return { report, columns, [Symbol.asyncIterator]: () => run(sources, options, report) };
}

function run(sources: GoldSources, o: GoldBuildOptions, report: GoldEngineReport): AsyncGenerator<GoldColumns> & { engine: GoldEngine } {
  const batchSize = Math.max(1, o.batchSize ?? 512);
  const engine = new GoldEngine({
    blockRows: batchSize,
    symbol: o.symbol,
    ...(o.features !== undefined ? { features: o.features } : {}),
    ...(o.labelThresholdBps !== undefined ? { labelThresholdBps: o.labelThresholdBps } : {}),
    ...(o.bookMaxAgeMs !== undefined ? { bookMaxAgeMs: o.bookMaxAgeMs } : {}),
    ...(o.markMaxAgeMs !== undefined ? { markMaxAgeMs: o.markMaxAgeMs } : {}),
    ...(o.from !== undefined ? { emitFrom: o.from } : {}),
    ...(o.to !== undefined ? { emitTo: o.to } : {}),
    hasTrades: sources.aggTrades !== undefined,
    ...(o.events !== undefined ? { onGap: (g) => o.events!.emit('gap', g) } : {}),
  });
  const cursors: Cursor[] = [];
  if (sources.aggTrades) cursors.push(new Cursor(K_TRADE, sources.aggTrades));
  if (sources.bookDepth) cursors.push(new Cursor(K_BOOK, sources.bookDepth));
  if (sources.markPrices) cursors.push(new Cursor(K_MARK, sources.markPrices));
  if (sources.fundingRates) cursors.push(new Cursor(K_FUNDING, sources.fundingRates));
  return Object.assign(generate(engine, sources, cursors, batchSize, o, report), { engine });
}

async function* generate(
  engine: GoldEngine,
  sources: GoldSources,
  cursors: Cursor[],
  batchSize: number,
  o: GoldBuildOptions,
  report: GoldEngineReport,
): AsyncGenerator<GoldColumns> {
  const stopAt = o.to === undefined ? Number.POSITIVE_INFINITY : o.to + 15 * MINUTE_MS;
  const klineIt = sources.klines[Symbol.asyncIterator]();

  // Loads the next batch of every exhausted stream (the only awaits; most klines need none).
  const refill = async (): Promise<void> => {
    throwIfAborted(o.signal);
    for (const c of cursors) if (c.i >= c.batch.length && !c.done) await c.load();
  };
  // Feeds every event with time < limit in minute order: all events of a minute (of every stream) before any event
  // of a later minute. Within one minute the order across streams does not matter to the engine (each event only
  // touches its own minute's slot and stream state, and a minute's first event finalizes older minutes whatever its
  // stream), so each stream's events of the minute are fed in one tight, monomorphic loop. Returns false when a
  // stream ran dry of its batch before the limit (refill and call again: it resumes where it stopped).
  const feedSync = (limit: number): boolean => {
    for (;;) {
      // The earliest pending event across the streams.
      let first = limit;
      for (let j = 0; j < cursors.length; j++) {
        const c = cursors[j]!;
        if (c.i >= c.batch.length) {
          if (!c.done) return false;
          continue;
        }
        const t = c.time(c.i);
        if (t < first) first = t;
      }
      if (first >= limit) return true;
      const next = first - (first % MINUTE_MS) + MINUTE_MS;
      const until = Math.min(next, limit);
      for (let j = 0; j < cursors.length; j++) {
        const c = cursors[j]!;
        const b = c.batch;
        const n = b.length;
        let i = c.i;
        switch (c.kind) {
          case K_TRADE:
            for (; i < n; i++) {
              const e = b[i] as AggTrade;
              if (e.trade_time >= until) break;
              engine.trade(e);
            }
            break;
          case K_BOOK:
            for (; i < n; i++) {
              const e = b[i] as BookDepth;
              if (e.event_time >= until) break;
              engine.book(e);
            }
            break;
          case K_MARK:
            for (; i < n; i++) {
              const e = b[i] as MarkPrice;
              if (e.event_time >= until) break;
              engine.mark(e);
            }
            break;
          default:
            for (; i < n; i++) {
              const e = b[i] as FundingRate;
              if (e.funding_time >= until) break;
              engine.funding(e);
            }
        }
        c.i = i;
        // Out of events before `until`: the next batch may hold more of this minute.
        if (i >= n && !c.done) return false;
      }
    }
  };

  try {
    outer: for (;;) {
      throwIfAborted(o.signal);
      const r = await klineIt.next();
      if (r.done) break;
      const klines = r.value;
      for (let j = 0; j < klines.length; j++) {
        const k = klines[j]!;
        if (k.interval !== '1m') continue;
        if (k.open_time >= stopAt) break outer;
        const limit = k.open_time + MINUTE_MS;
        while (!feedSync(limit)) await refill();
        engine.closeKline(k);
        if (engine.pending >= batchSize) {
          sync(report, engine.report);
          yield* engine.drainColumns();
        }
      }
    }
    engine.flush();
    sync(report, engine.report);
    if (engine.pending > 0) yield* engine.drainColumns();
  } finally {
    sync(report, engine.report);
    await klineIt.return?.();
    for (const c of cursors) await c.close();
  }
}

function sync(to: GoldEngineReport, from: GoldEngineReport): void {
  to.rows = from.rows;
  to.minutes = from.minutes;
  to.lateEvents = from.lateEvents;
  to.tradeIdGaps = from.tradeIdGaps;
  to.resets = from.resets;
  for (let i = to.gaps.length; i < from.gaps.length; i++) to.gaps.push(from.gaps[i]!);
}
