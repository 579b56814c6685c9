/**
 * The batch gold builder: merges one symbol's silver streams in event-time order and turns them into gold rows
 * through a {@link GoldEngine}.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import type { RunEvents } from '../core/events.js';
import type { Batch } from '../core/stage.js';
import { columnIndex, columnsOf } from '../core/schema.js';
import { AggTrade, BookDepth, FundingRate, Kline, MarkPrice } from '../core/tables.js';
import { compileRowPacker, type PackedRows } from '../sinks/row-packer.js';
import { MINUTE_MS, utcMinuteStart } from '../core/time.js';
import type { FeatureRow, FeatureSet } from './feature-set.js';
import { scalping } from './features.js';
import { LABEL_COLUMNS } from './gold-schema.js';
import { type GoldColumns, GoldEngine, type GoldEngineReport } from './gold-engine.js';

/**
 * A batch of one silver table: records, or the same rows as columns (`PackedRows` index-aligned with
 * `columnsOf(<table schema>)`, what `lake.readSilverColumns` yields). Columns spare the reader and the builder one
 * object per row (a book snapshot has 86 fields); the rows built are the same.
 *
 * @example
 * ```ts
 * const books: AsyncIterable<SilverBatch<BookDepth>> = lake.readSilverColumns('book_depth', 'BTCUSDT');
 * buildGoldColumns({ klines: lake.readSilverColumns('klines', 'BTCUSDT'), bookDepth: books }, { symbol: 'BTCUSDT' });
 * ```
 */
export type SilverBatch<T> = Batch<T> | PackedRows;

/** One symbol's silver streams, each sorted by its event time (klines by open_time); batches of records or columns. */
export interface GoldSources {
  /** 1-minute klines (rows of other intervals are skipped). Required: klines drive the minutes. */
  readonly klines: AsyncIterable<SilverBatch<Kline>>;
  /** Aggregate trades, by trade_time. */
  readonly aggTrades?: AsyncIterable<SilverBatch<AggTrade>>;
  /** Top-N book snapshots, by event_time. */
  readonly bookDepth?: AsyncIterable<SilverBatch<BookDepth>>;
  /** Mark-price updates, by event_time. */
  readonly markPrices?: AsyncIterable<SilverBatch<MarkPrice>>;
  /** Funding settlements, by funding_time. */
  readonly fundingRates?: AsyncIterable<SilverBatch<FundingRate>>;
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

const TRADE = (name: string) => columnIndex(AggTrade, name);
const TRADE_COLS = {
  time: TRADE('trade_time'),
  id: TRADE('agg_trade_id'),
  price: TRADE('price'),
  qty: TRADE('quantity'),
  first: TRADE('first_trade_id'),
  last: TRADE('last_trade_id'),
  maker: TRADE('is_buyer_maker'),
};
const MARK = (name: string) => columnIndex(MarkPrice, name);
const MARK_COLS = { time: MARK('event_time'), price: MARK('mark_price'), index: MARK('index_price'), next: MARK('next_funding_time') };
const FUNDING = (name: string) => columnIndex(FundingRate, name);
const FUNDING_COLS = { time: FUNDING('funding_time'), rate: FUNDING('funding_rate'), hours: FUNDING('funding_interval_hours') };
const BOOK_TIME = columnIndex(BookDepth, 'event_time');
const KLINE_INTERVAL = columnIndex(Kline, 'interval');
const KLINE_OPEN_TIME = columnIndex(Kline, 'open_time');
const KLINE_PACKER = compileRowPacker(columnsOf(Kline));
/** The column of each stream kind's event time in its column batches. */
const TIME_COLUMN = [TRADE_COLS.time, BOOK_TIME, MARK_COLS.time, FUNDING_COLS.time];

const num = (p: PackedRows, k: number): Float64Array => p.cols[k] as Float64Array;

class Cursor {
  readonly kind: number;
  private readonly it: AsyncIterator<SilverBatch<AnyEvent>>;
  batch: Batch<AnyEvent> = [];
  /** The current batch when it is columns (then `batch` is empty and `times` its event times). */
  packed: PackedRows | null = null;
  times: Float64Array = new Float64Array(0);
  n = 0;
  i = 0;
  done = false;
  constructor(kind: number, src: AsyncIterable<SilverBatch<AnyEvent>>) {
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
      const b = r.value;
      if (Array.isArray(b)) {
        if (b.length === 0) continue;
        this.batch = b;
        this.packed = null;
        this.n = b.length;
      } else {
        const p = b as PackedRows;
        if (p.n === 0) continue;
        this.batch = [];
        this.packed = p;
        this.times = num(p, TIME_COLUMN[this.kind]!);
        this.n = p.n;
      }
      this.i = 0;
      return true;
    }
    return false;
  }
  time(i: number): number {
    if (this.packed !== null) return this.times[i]!;
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
 * Feeds the events of a column batch `c` from `c.i` while their time is < `until`; returns where it stopped. One
 * function per stream kind (indexed by kind in {@link FEED_COLUMNS}): each is optimized on its own, and the rare
 * funding settlements (every 8 hours) never sit in optimized code before they have type feedback, which would
 * deoptimize it (and the caller it is inlined into) at the next settlement.
 */
function feedTrades(engine: GoldEngine, c: Cursor, until: number): number {
  const p = c.packed!;
  const t = c.times;
  const n = c.n;
  let i = c.i;
  const K = TRADE_COLS;
  const id = num(p, K.id);
  const price = num(p, K.price);
  const qty = num(p, K.qty);
  const first = num(p, K.first);
  const last = num(p, K.last);
  const maker = num(p, K.maker);
  for (; i < n && t[i]! < until; i++) engine.tradeValues(t[i]!, id[i]!, price[i]!, qty[i]!, last[i]! - first[i]! + 1, maker[i] === 1);
  return i;
}

function feedBooks(engine: GoldEngine, c: Cursor, until: number): number {
  const p = c.packed!;
  const t = c.times;
  const n = c.n;
  let i = c.i;
  for (; i < n && t[i]! < until; i++) engine.bookAt(p, i);
  return i;
}

function feedMarks(engine: GoldEngine, c: Cursor, until: number): number {
  const p = c.packed!;
  const t = c.times;
  const n = c.n;
  let i = c.i;
  const K = MARK_COLS;
  const price = num(p, K.price);
  const index = num(p, K.index);
  const indexNull = p.nulls[K.index]!;
  const next = num(p, K.next);
  const nextNull = p.nulls[K.next]!;
  for (; i < n && t[i]! < until; i++) {
    engine.markValues(t[i]!, price[i]!, indexNull[i] === 1 ? Number.NaN : index[i]!, nextNull[i] === 1 ? Number.NaN : next[i]!);
  }
  return i;
}

function feedFunding(engine: GoldEngine, c: Cursor, until: number): number {
  const p = c.packed!;
  const t = c.times;
  const n = c.n;
  let i = c.i;
  const K = FUNDING_COLS;
  const rate = num(p, K.rate);
  const hours = num(p, K.hours);
  const hoursNull = p.nulls[K.hours]!;
  for (; i < n && t[i]! < until; i++) engine.fundingValues(t[i]!, rate[i]!, hoursNull[i] === 1 ? Number.NaN : hours[i]!);
  return i;
}

/** The feeder of column batches of each stream kind (K_TRADE, K_BOOK, K_MARK, K_FUNDING). */
const FEED_COLUMNS: readonly ((engine: GoldEngine, c: Cursor, until: number) => number)[] = [feedTrades, feedBooks, feedMarks, feedFunding];

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
  const batchSize = Math.max(1, Math.floor(o.batchSize ?? 512));
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

/** A batch of klines being closed, and where {@link closeKlines} resumes. */
class KlineBatch {
  packed: PackedRows | null = null;
  rows: Batch<Kline> | null = null;
  intervals: (string | null)[] | null = null;
  openTimes: Float64Array | null = null;
  n = 0;
  /** The next kline to close. */
  j = 0;
  load(batch: SilverBatch<Kline>): void {
    const packed = Array.isArray(batch) ? null : (batch as PackedRows);
    this.packed = packed;
    this.rows = packed === null ? (batch as Batch<Kline>) : null;
    this.n = packed === null ? this.rows!.length : packed.n;
    this.intervals = packed === null ? null : (packed.cols[KLINE_INTERVAL] as (string | null)[]);
    this.openTimes = packed === null ? null : (packed.cols[KLINE_OPEN_TIME] as Float64Array);
    this.j = 0;
  }
}

/** What {@link closeKlines} stopped for. */
const DONE = 0; // the end of the batch
const REFILL = 1; // a stream ran dry of its batch: load the next ones, then call again
const DRAIN = 2; // a block of rows is ready
const STOP = 3; // the end of the range (`to`)

/**
 * Closes the 1-minute klines of `kb` from `kb.j` on, each after feeding the events of its minute (`feed`), until the
 * end of the batch or until it must stop for the caller (see DONE…STOP; `kb.j` is where to resume). The loop over the
 * minutes is kept out of the async generator: V8 optimizes this small function cheaply (~3 ms of compilation), while
 * the generator, entered once a block, no longer becomes hot; optimizing it cost ~18 ms of compilation for no gain.
 */
function closeKlines(
  kb: KlineBatch,
  engine: GoldEngine,
  feed: (limit: number) => boolean,
  stopAt: number,
  batchSize: number,
  record: Record<string, unknown>,
): number {
  const packed = kb.packed;
  const rows = kb.rows;
  const intervals = kb.intervals;
  const openTimes = kb.openTimes;
  const n = kb.n;
  for (let j = kb.j; j < n; j++) {
    if ((packed === null ? rows![j]!.interval : intervals![j]) !== '1m') continue;
    const openTime = packed === null ? rows![j]!.open_time : openTimes![j]!;
    if (openTime >= stopAt) {
      kb.j = j;
      return STOP;
    }
    if (!feed(openTime + MINUTE_MS)) {
      kb.j = j;
      return REFILL;
    }
    let k: Kline;
    if (packed === null) k = rows![j]!;
    else {
      KLINE_PACKER.rowInto(packed, j, record);
      k = record as unknown as Kline;
    }
    engine.closeKline(k);
    if (engine.pending >= batchSize) {
      kb.j = j + 1;
      return DRAIN;
    }
  }
  kb.j = n;
  return DONE;
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
  // A kline of a column batch is written into this record, reused per minute (features keep no reference to their input).
  const klineRecord = KLINE_PACKER.row(KLINE_PACKER.create(1), 0);

  // Loads the next batch of every exhausted stream (the only awaits; most klines need none).
  const refill = async (): Promise<void> => {
    throwIfAborted(o.signal);
    for (const c of cursors) {
      // A new batch of book snapshots is summed here rather than by its first bookAt: code that runs once a batch
      // stays out of the hot feeding loop (optimized code meeting it for the first time would be deoptimized).
      if (c.i >= c.n && !c.done && (await c.load()) && c.kind === K_BOOK && c.packed !== null) engine.prepareBooks(c.packed);
    }
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
        if (c.i >= c.n) {
          if (!c.done) return false;
          continue;
        }
        const t = c.time(c.i);
        if (t < first) first = t;
      }
      if (first >= limit) return true;
      const next = utcMinuteStart(first) + MINUTE_MS;
      const until = Math.min(next, limit);
      for (let j = 0; j < cursors.length; j++) {
        const c = cursors[j]!;
        const b = c.batch;
        const n = c.n;
        let i = c.i;
        if (c.packed !== null) {
          // Called only when the batch has an event before `until` (one call site for every kind: no inlining, no
          // deoptimization when a kind's first event comes after this function was optimized).
          if (i < n && c.times[i]! < until) i = FEED_COLUMNS[c.kind]!(engine, c, until);
        } else switch (c.kind) {
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
        // Out of events before `until`: the next batch may hold more of this minute. (`done` read on every pass, not
        // only at the end of a batch, so that optimized code has seen it.)
        const done = c.done;
        if (i >= n && !done) return false;
      }
    }
  };

  const kb = new KlineBatch();
  try {
    outer: for (;;) {
      throwIfAborted(o.signal);
      const r = await klineIt.next();
      if (r.done) break;
      kb.load(r.value);
      for (;;) {
        const step = closeKlines(kb, engine, feedSync, stopAt, batchSize, klineRecord);
        if (step === DONE) break;
        if (step === STOP) break outer;
        if (step === REFILL) await refill();
        else {
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
