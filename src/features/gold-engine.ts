/**
 * The per-symbol gold engine shared by the batch builder and the live path: it assembles each minute from the
 * events with event time < minute close (as-of join), steps the feature set and attaches the labels.
 * @module
 */
import type { GapEvent } from '../core/events.js';
import { type AggTrade, BookDepth, type FundingRate, type MarkPrice } from '../core/tables.js';
import { HOUR_MS, MINUTE_MS, utcMinuteStart } from '../core/time.js';
import { BookBatchSummaries, BookSums, bookImbalance, bookSummary, bookSummaryAt } from './book-features.js';
import type { Bar, BookMinute, MinuteInput, PerpMinute } from './feature.js';
import { type FeatureRow, type FeatureSet, type FeatureValues, writesAt } from './feature-set.js';
import { scalping } from './features.js';
import { goldSchemaOf, LABEL_COLUMNS } from './gold-schema.js';
import { LabelBuffer } from './label-buffer.js';
import { TradeBarBuilder } from './trade-bars.js';
import { columnIndex, columnsOf } from '../core/schema.js';
import { compileRowPacker, type PackedRows, type RowPacker } from '../sinks/row-packer.js';

/** Options of a {@link GoldEngine}. */
export interface GoldEngineOptions {
  /** The symbol written into every row. */
  readonly symbol: string;
  /** The feature set (one per symbol; default `scalping()`). */
  readonly features?: FeatureSet;
  /** |5-minute return| in basis points above which `label_direction_5m` is ±1 (default 5). */
  readonly labelThresholdBps?: number;
  /** Oldest book snapshot, relative to the minute close, still used as of the close (ms; default 60 000). */
  readonly bookMaxAgeMs?: number;
  /** Oldest mark-price update, relative to the minute close, still used (ms; default 60 000). */
  readonly markMaxAgeMs?: number;
  /**
   * Whether aggregate trades are being fed (default true). Without them the order-flow columns are `null`;
   * with them a minute without trades is an empty bar if its kline says 0 trades, and missing otherwise.
   */
  readonly hasTrades?: boolean;
  /** Rows whose open_time is below this are computed (warm-up) but not emitted (UTC ms). */
  readonly emitFrom?: number;
  /** Rows whose open_time is at or after this are not emitted (UTC ms). */
  readonly emitTo?: number;
  /** Called for each kline gap once it has ended (the next kline arrived). */
  readonly onGap?: (gap: GapEvent) => void;
  /** Rows per block of {@link GoldEngine.drainColumns} (default 1024). */
  readonly blockRows?: number;
}

/**
 * Gold rows held as columns, index-aligned with `columnsOf(goldSchemaOf(features))`: `symbol` (strings),
 * `open_time`, the feature columns, then the labels; numbers in `Float64Array`s, `null` marked by a 1 in `nulls`.
 * What the gold job writes (see `PartitionedSink.writeColumns`), without one object per row.
 *
 * @example
 * ```ts
 * for (const block of engine.drainColumns()) {
 *   const rsi = block.cols[2 + engine.features.columns.findIndex((c) => c.name === 'rsi_14')] as Float64Array;
 *   console.log(block.n, rsi[0]); // check block.nulls[…][0] === 0 first
 * }
 * ```
 */
export type GoldColumns = PackedRows;

/** What a {@link GoldEngine} has done so far. */
export interface GoldEngineReport {
  /** Rows emitted (labels complete or flushed). */
  rows: number;
  /** Minutes finalized, emitted or not. */
  minutes: number;
  /** Kline gaps found (each resets the kline features). */
  readonly gaps: GapEvent[];
  /** Events older than the minute being assembled, or whose time is not a finite number, dropped. */
  lateEvents: number;
  /** Jumps in aggregate-trade ids: the minute's order-flow columns are `null` and its stateful features reset. */
  tradeIdGaps: number;
  /** Explicit resets (reconnects). */
  resets: number;
}

const SLOTS = 4;
/** The slot of a minute start (SLOTS is a power of 2; `&` takes the quotient as an int32, exactly mod 4). */
const slotOf = (minute: number): number => (minute / MINUTE_MS) & (SLOTS - 1);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A minute's last book snapshot: a record, or a row of a column batch (made a record only when a minute uses it).
 * `time` is its event time, `NaN` when there is none.
 */
class BookRef {
  row: BookDepth | null = null;
  batch: BookBatchSummaries | null = null;
  index = -1;
  time = Number.NaN;
  setRow(b: BookDepth): void {
    this.row = b;
    this.batch = null;
    this.time = b.event_time;
  }
  setAt(batch: BookBatchSummaries, i: number, time: number): void {
    this.row = null;
    this.batch = batch;
    this.index = i;
    this.time = time;
  }
  copy(o: BookRef): void {
    this.row = o.row;
    this.batch = o.batch;
    this.index = o.index;
    this.time = o.time;
  }
  clear(): void {
    this.row = null;
    this.batch = null;
    this.time = Number.NaN;
  }
  /** The snapshot as a record: its own, or its row of the column batch written into `scratch`. */
  record(scratch: BookDepth): BookDepth {
    if (this.row !== null) return this.row;
    BOOK_PACKER.rowInto(this.batch!.rows, this.index, scratch as unknown as Record<string, unknown>);
    return scratch;
  }
  /** The sums over the levels of the snapshot, without making a record of a column row. */
  summarize(into: BookSums): void {
    if (this.row !== null) bookSummary(this.row, into);
    // A minute's last snapshot is the last of its minute in its batch: summed with the batch, column by column.
    else if (this.batch!.summary(this.index, into) === null) bookSummaryAt(this.batch!.rows, this.index, into);
  }
}

/** The {@link BookMinute} the engine hands to features: `snapshot` becomes a record only when a feature reads it. */
class BookMinuteView implements BookMinute {
  ref = new BookRef();
  readonly summary = new BookSums();
  imbalance_5_mean: number | null = null;
  snapshot_count = 0;
  // The record a snapshot read as columns is written into (reused: inputs are only valid during the call).
  private readonly record = BOOK_PACKER.row(BOOK_PACKER.create(1), 0) as unknown as BookDepth;
  get snapshot(): BookDepth {
    return this.ref.record(this.record);
  }
}

/** The latest mark-price update and funding settlement of a minute, or carried as of a close: numbers, `NaN` for null. */
class PerpState {
  markTime = Number.NaN;
  markPrice = Number.NaN;
  indexPrice = Number.NaN;
  nextFunding = Number.NaN;
  fundingTime = Number.NaN;
  fundingRate = Number.NaN;
  fundingHours = Number.NaN;
  clear(): void {
    this.markTime = Number.NaN;
    this.fundingTime = Number.NaN;
  }
  /** Takes the mark and the funding that `o` has (a finished minute folded into the as-of state). */
  fold(o: PerpState): void {
    if (!Number.isNaN(o.markTime)) {
      this.markTime = o.markTime;
      this.markPrice = o.markPrice;
      this.indexPrice = o.indexPrice;
      this.nextFunding = o.nextFunding;
    }
    if (!Number.isNaN(o.fundingTime)) {
      this.fundingTime = o.fundingTime;
      this.fundingRate = o.fundingRate;
      this.fundingHours = o.fundingHours;
    }
  }
}

class Slot {
  minute = -1;
  readonly trades: TradeBarBuilder;
  tradeGap = false;
  readonly book = new BookRef();
  imbSum = 0;
  imbCount = 0;
  bookCount = 0;
  readonly perp = new PerpState();
  constructor(symbol: string) {
    this.trades = new TradeBarBuilder(symbol, true);
  }
  open(minute: number): void {
    this.minute = minute;
    this.trades.start(minute, 0);
    this.tradeGap = false;
    this.book.clear();
    this.imbSum = 0;
    this.imbCount = 0;
    this.bookCount = 0;
    this.perp.clear();
  }
}

const BOOK_PACKER = compileRowPacker(columnsOf(BookDepth));
const BOOK_TIME = columnIndex(BookDepth, 'event_time');

/** A row object from the feature values `v[at…]`. */
type RowFactory = (symbol: string, openTime: number, v: FeatureValues, at: number) => FeatureRow;

function rowFactory(features: readonly string[], labels: readonly string[]): RowFactory {
  // v[i] - v[i] === 0 is false exactly for NaN and ±Infinity, which become null.
  const body = [
    ...features.map((n, i) => `${JSON.stringify(n)}: v[at + ${i}] - v[at + ${i}] === 0 ? v[at + ${i}] : null`),
    ...labels.map((n) => `${JSON.stringify(n)}: null`),
  ].join(', ');
  // Built once per engine: one object literal per row, every row with the same shape (fields in the same order).
  return new Function('symbol', 'open_time', 'v', 'at', `return { symbol: symbol, open_time: open_time, ${body} };`) as RowFactory;
}

// Released rows (row-major in the label ring, row i at ring offset at[i]) → block columns (offset 2: symbol and
// open_time come first). v − v === 0 is false exactly for NaN and ±Infinity, which become null.
function transpose1(ring: Float64Array, at: Int32Array, n: number, c: number, cols: PackedRows['cols'], nulls: Uint8Array[]): void {
  const col = cols[2 + c] as Float64Array;
  const mask = nulls[2 + c]!;
  for (let i = 0; i < n; i++) {
    const v = ring[at[i]! + c]!;
    if (v - v === 0) col[i] = v;
    else mask[i] = 1;
  }
}

function transpose4(ring: Float64Array, at: Int32Array, n: number, c: number, cols: PackedRows['cols'], nulls: Uint8Array[]): void {
  const c0 = cols[2 + c] as Float64Array;
  const c1 = cols[3 + c] as Float64Array;
  const c2 = cols[4 + c] as Float64Array;
  const c3 = cols[5 + c] as Float64Array;
  const m0 = nulls[2 + c]!;
  const m1 = nulls[3 + c]!;
  const m2 = nulls[4 + c]!;
  const m3 = nulls[5 + c]!;
  for (let i = 0; i < n; i++) {
    const o = at[i]! + c;
    const v0 = ring[o]!;
    const v1 = ring[o + 1]!;
    const v2 = ring[o + 2]!;
    const v3 = ring[o + 3]!;
    if (v0 - v0 === 0) c0[i] = v0;
    else m0[i] = 1;
    if (v1 - v1 === 0) c1[i] = v1;
    else m1[i] = 1;
    if (v2 - v2 === 0) c2[i] = v2;
    else m2[i] = 1;
    if (v3 - v3 === 0) c3[i] = v3;
    else m3[i] = 1;
  }
}

/**
 * Builds gold rows for one symbol from events fed in event-time order. Klines drive the minutes: feed every
 * trade, book snapshot, mark price and funding settlement of a minute before its closed kline; events of later
 * minutes may arrive before it (up to 3 minutes ahead), so a live feed needs no extra buffering.
 *
 * Live: call `kline(k, false)` for each forming-kline update (features see it through `replace`) and get a
 * provisional row; `kline(k, true)` for the closed one. The finalized rows are identical to a batch rebuild.
 * A minute without a kline becomes a row with `null` kline columns and resets the kline features (a gap).
 *
 * @example
 * ```ts
 * const engine = new GoldEngine({ symbol: 'BTCUSDT' });
 * engine.trade(t1); engine.book(b1); engine.mark(m1);
 * engine.kline(forming, false);   // provisional row, labels null
 * engine.kline(closed, true);
 * for (const row of engine.drain()) console.log(row.open_time, row.rsi_14, row.label_fwd_return_5m);
 * engine.flush();                  // end of data: release the rows still waiting for labels
 * ```
 */
export class GoldEngine {
  /** The symbol. */
  readonly symbol: string;
  /** The feature set. */
  readonly features: FeatureSet;
  /** Counters, gaps. */
  readonly report: GoldEngineReport = { rows: 0, minutes: 0, gaps: [], lateEvents: 0, tradeIdGaps: 0, resets: 0 };
  private readonly set: FeatureSet;
  private readonly labels: LabelBuffer;
  private readonly bookMaxAge: number;
  private readonly markMaxAge: number;
  private readonly hasTrades: boolean;
  private readonly emitFrom: number;
  private readonly emitTo: number;
  private readonly onGap: ((gap: GapEvent) => void) | undefined;
  private readonly newRow: RowFactory;
  private readonly slots: Slot[] = [];
  private lastSlot: Slot;
  private base = -1; // earliest minute not finalized; -1 before the first event
  private started = false; // a kline has been seen: missing minutes are gaps from now on
  private provisional = -1; // minute that features have seen through add (not yet final)
  private lastAggId = -1;
  private readonly carryBook = new BookRef();
  private bookBatch: BookBatchSummaries | null = null;
  private readonly carryPerp = new PerpState();
  private gapStart = -1;
  private gapCount = 0;
  private readonly packer: RowPacker;
  private readonly blockRows: number;
  private full: GoldColumns[] = [];
  private fullRows = 0; // rows of the blocks in `full`
  // Features write each minute's values straight into the label ring, which holds `blockRows` rows more than the
  // labels need: a released row stays where it is (its offset is staged) until `blockRows` of them are moved into a
  // block's columns, or the rows are drained. No row is copied on its way from the features to the block.
  private readonly ring: Float64Array;
  private readonly stageAt: Int32Array;
  /** The row a set not made by `featureSet` writes into (it may ignore `at`), copied into the ring; else null. */
  private readonly scratch: Float64Array | null;
  private staged = 0;
  /** Ring offset of the row `advance` wrote last (what `kline` returns as a row object). */
  private lastAt = 0;

  /** @param options - see {@link GoldEngineOptions}. */
  constructor(options: GoldEngineOptions) {
    this.symbol = options.symbol;
    this.set = options.features ?? scalping();
    this.features = this.set;
    this.blockRows = Math.max(1, Math.floor(options.blockRows ?? 1024));
    // A staged row is overwritten blockRows + 1 pushes after its release, and a full stage is sealed before that.
    const rows = LabelBuffer.ROWS + this.blockRows;
    this.labels = new LabelBuffer(options.labelThresholdBps ?? 5, this.set.columns.length, undefined, rows);
    this.ring = this.labels.ring;
    this.bookMaxAge = options.bookMaxAgeMs ?? MINUTE_MS;
    this.markMaxAge = options.markMaxAgeMs ?? MINUTE_MS;
    this.hasTrades = options.hasTrades ?? true;
    this.emitFrom = options.emitFrom ?? Number.NEGATIVE_INFINITY;
    this.emitTo = options.emitTo ?? Number.POSITIVE_INFINITY;
    this.onGap = options.onGap;
    this.newRow = rowFactory(
      this.set.columns.map((c) => c.name),
      LABEL_COLUMNS.map((c) => c.name),
    );
    this.packer = compileRowPacker(columnsOf(goldSchemaOf(this.set)));
    this.stageAt = new Int32Array(this.blockRows);
    this.scratch = writesAt(this.set) ? null : new Float64Array(this.set.columns.length);
    for (let i = 0; i < SLOTS; i++) this.slots.push(new Slot(options.symbol));
    this.lastSlot = this.slots[0]!;
  }

  /** {@link GoldEngine.slot} of the minute holding `time`; an event in the previous event's minute costs two comparisons. */
  private slotAt(time: number): Slot | null {
    const last = this.lastSlot;
    const m = last.minute;
    // −1 marks a retired slot (a real minute start is a multiple of 60 000).
    if (time >= m && time < m + MINUTE_MS && m !== -1) return last;
    return this.slot(utcMinuteStart(time));
  }

  /** Returns the slot of `minute`, finalizing older minutes when it is too far ahead; null for a late event. */
  private slot(minute: number): Slot | null {
    // Fast path: the slot of the previous event's minute is still open (a slot keeps its minute until retired).
    const last = this.lastSlot;
    if (last.minute === minute) return last;
    // A time that is not a finite number (NaN, ±Infinity) has no minute: dropped, as a late event is.
    if (!Number.isFinite(minute)) {
      this.report.lateEvents++;
      return null;
    }
    if (this.base < 0) this.base = minute;
    if (minute < this.base) {
      this.report.lateEvents++;
      return null;
    }
    // Too far ahead: finish the oldest minute (a kline gap), or before the first kline just fold it into the as-of state.
    while (minute >= this.base + SLOTS * MINUTE_MS) {
      if (this.started) this.advance(null);
      else this.discard();
    }
    const s = this.slots[slotOf(minute)]!;
    if (s.minute !== minute) s.open(minute);
    this.lastSlot = s;
    return s;
  }

  /** Feeds one aggregate trade. */
  trade(t: AggTrade): void {
    this.tradeValues(t.trade_time, t.agg_trade_id, t.price, t.quantity, t.last_trade_id - t.first_trade_id + 1, t.is_buyer_maker);
  }

  /**
   * Feeds one aggregate trade given by its fields (what a reader of column batches has): trade time, aggregate id,
   * price, quantity, fills (last_trade_id − first_trade_id + 1), whether the buyer was the maker.
   */
  tradeValues(time: number, id: number, price: number, quantity: number, fills: number, buyerMaker: boolean): void {
    if (id <= this.lastAggId) {
      this.report.lateEvents++;
      return;
    }
    const s = this.slotAt(time);
    const jumped = this.lastAggId >= 0 && id !== this.lastAggId + 1;
    this.lastAggId = id;
    if (s === null) return;
    if (jumped) {
      s.tradeGap = true;
      this.report.tradeIdGaps++;
    }
    s.trades.addValues(price, quantity, fills, buyerMaker);
  }

  /** Feeds one top-N book snapshot. */
  book(b: BookDepth): void {
    const s = this.slotAt(b.event_time);
    if (s === null) return;
    s.book.setRow(b);
    this.countBook(s, bookImbalance(b, 5));
  }

  /**
   * Feeds the top-N book snapshot at row `i` of a column batch aligned with `columnsOf(BookDepth)` (a silver
   * `book_depth` read as columns); it becomes a record only if a feature reads `BookMinute.snapshot`. The engine
   * keeps referring to the batch (the last snapshot is carried into later minutes): do not refill a batch once fed,
   * as with records.
   */
  bookAt(rows: PackedRows, i: number): void {
    this.prepareBooks(rows);
    const batch = this.bookBatch!;
    const time = (rows.cols[BOOK_TIME] as Float64Array)[i]!;
    const s = this.slotAt(time);
    if (s === null) return;
    s.book.setAt(batch, i, time);
    const imb = batch.imbalance5[i]!;
    this.countBook(s, !Number.isNaN(imb) ? imb : null);
  }

  /**
   * Sums the levels of a column batch of book snapshots for {@link GoldEngine.bookAt}, once per batch, a column at a
   * time (see BookBatchSummaries); a batch that grew is summed again. Optional: `bookAt` calls it for a batch it has
   * not seen; a reader calling it when it loads a batch keeps this once-a-batch work out of its hot feeding loop.
   *
   * @example
   * ```ts
   * engine.prepareBooks(batch);                            // once, when the batch is read
   * for (let i = 0; i < batch.n; i++) engine.bookAt(batch, i); // in event-time order with the other streams
   * ```
   */
  prepareBooks(rows: PackedRows): void {
    if (this.bookBatch === null || this.bookBatch.rows !== rows || this.bookBatch.n !== rows.n) this.bookBatch = new BookBatchSummaries(rows);
  }

  /** Counts a snapshot of slot `s` and its top-5 imbalance (`null`: both sides empty) into the minute's mean. */
  private countBook(s: Slot, imb: number | null): void {
    s.bookCount++;
    if (imb !== null) {
      s.imbSum += imb;
      s.imbCount++;
    }
  }

  /** Feeds one mark-price update. */
  mark(m: MarkPrice): void {
    this.markValues(m.event_time, m.mark_price, m.index_price ?? Number.NaN, m.next_funding_time ?? Number.NaN);
  }

  /** Feeds one mark-price update given by its fields (`NaN` for a null index price or next funding time). */
  markValues(time: number, markPrice: number, indexPrice: number, nextFundingTime: number): void {
    const s = this.slotAt(time);
    if (s === null) return;
    const p = s.perp;
    p.markTime = time;
    p.markPrice = markPrice;
    p.indexPrice = indexPrice;
    p.nextFunding = nextFundingTime;
  }

  /** Feeds one funding settlement. */
  funding(f: FundingRate): void {
    this.fundingValues(f.funding_time, f.funding_rate, f.funding_interval_hours ?? Number.NaN);
  }

  /** Feeds one funding settlement given by its fields (`NaN` for a null interval: 8 hours is assumed). */
  fundingValues(time: number, rate: number, intervalHours: number): void {
    const s = this.slotAt(time);
    if (s === null) return;
    const p = s.perp;
    p.fundingTime = time;
    p.fundingRate = rate;
    p.fundingHours = intervalHours;
  }

  /**
   * Feeds a 1-minute kline: forming (`closed = false`, returns a provisional row with `null` labels) or closed
   * (returns the finalized row's features, labels `null`: the row comes out of {@link GoldEngine.drain} with its
   * labels once they are known). Returns `null` for a kline older than the minute being assembled (counted as late).
   */
  kline(k: Bar & { readonly open_time: number }, closed = true): FeatureRow | null {
    if (!this.accept(k.open_time)) return null;
    const m = k.open_time;
    if (!closed) {
      const input = this.input(m, k, false);
      // Into the ring row the minute will occupy, not committed: the closing kline re-steps it there.
      const at = this.labels.nextOffset;
      this.step(input, at);
      this.provisional = m;
      return this.newRow(this.symbol, m, this.ring, at);
    }
    this.advance(k);
    return this.newRow(this.symbol, m, this.ring, this.lastAt);
  }

  /**
   * Feeds a closed 1-minute kline like `kline(k, true)`, without building a row object (the batch path: rows
   * come out of {@link GoldEngine.drainColumns} or {@link GoldEngine.drain}). Returns false for a late kline.
   */
  closeKline(k: Bar & { readonly open_time: number }): boolean {
    if (!this.accept(k.open_time)) return false;
    this.advance(k);
    return true;
  }

  /** Moves `base` up to minute `m` (gaps become rows); false when `m` is older than the minute being assembled. */
  private accept(m: number): boolean {
    if (!Number.isFinite(m)) {
      this.report.lateEvents++;
      return false;
    }
    if (!this.started) {
      // Minutes before the first kline are not rows: fold them into the as-of state. Rows start at this kline.
      while (this.base >= 0 && this.base < m) this.discard();
      this.base = m;
      this.started = true;
    }
    if (m < this.base) {
      this.report.lateEvents++;
      return false;
    }
    while (this.base < m) this.advance(null);
    return true;
  }

  /** Finalizes the minute `base` with kline `k` (or as a gap) and moves on. */
  private advance(k: Bar | null): void {
    const m = this.base;
    const input = this.input(m, k, true);
    const row = this.labels.nextOffset;
    this.step(input, row);
    this.lastAt = row;
    this.provisional = -1;
    this.report.minutes++;
    if (k === null) {
      if (this.gapStart < 0) this.gapStart = m;
      this.gapCount++;
    } else if (this.gapStart >= 0) {
      this.endGap();
    }
    this.retire(m);
    this.base = m + MINUTE_MS;
    const at = this.labels.commit(m, k === null ? null : k.close);
    if (at >= 0) this.emit(at);
  }

  private endGap(): void {
    const gap: GapEvent = {
      table: 'klines',
      symbol: this.symbol,
      kind: 'time',
      from: this.gapStart,
      to: this.gapStart + (this.gapCount - 1) * MINUTE_MS,
      missing: this.gapCount,
    };
    this.report.gaps.push(gap);
    this.onGap?.(gap);
    this.gapStart = -1;
    this.gapCount = 0;
  }

  /** Steps the features with minute `base` (re-steps a forming one) into the ring row at `at`. */
  private step(input: MinuteInput, at: number): void {
    const replace = this.provisional === this.base;
    if (this.scratch === null) {
      if (replace) this.set.replace(input, this.ring, at);
      else this.set.add(input, this.ring, at);
      return;
    }
    // A set of its own making, which may write from out[0]: through a row of its own.
    if (replace) this.set.replace(input, this.scratch);
    else this.set.add(input, this.scratch);
    this.ring.set(this.scratch, at);
  }

  /** Stages the released row at ring offset `at` for the next block, if it is in the emitted range. */
  private emit(at: number): void {
    const t = this.labels.openTime(at);
    if (t < this.emitFrom) return;
    if (t >= this.emitTo) {
      // No later row is staged: seal now, before the ring reuses the staged rows.
      if (this.staged > 0) this.seal();
      return;
    }
    if (this.staged === this.blockRows) this.seal();
    const i = this.staged;
    this.stageAt[i] = at;
    this.staged = i + 1;
    this.report.rows++;
  }

  /** Turns the staged rows into a block of columns (queued for draining). */
  private seal(): void {
    const n = this.staged;
    const b = this.packer.create(this.blockRows);
    const symbols = b.cols[0] as (string | null)[];
    for (let i = 0; i < n; i++) symbols[i] = this.symbol;
    const times = b.cols[1] as Float64Array;
    for (let i = 0; i < n; i++) times[i] = this.labels.openTime(this.stageAt[i]!);
    const stride = this.labels.stride;
    // Four columns per pass over the staged rows: each row's values are read from one cache line, not four.
    let c = 0;
    for (; c + 4 <= stride; c += 4) transpose4(this.ring, this.stageAt, n, c, b.cols, b.nulls);
    for (; c < stride; c++) transpose1(this.ring, this.stageAt, n, c, b.cols, b.nulls);
    b.n = n;
    this.full.push(b);
    this.fullRows += n;
    this.staged = 0;
  }

  /** Drops the minute `base` before the first kline, keeping its as-of state. */
  private discard(): void {
    this.retire(this.base);
    this.base += MINUTE_MS;
  }

  /** Folds a finished minute's last book/mark/funding into the as-of state and frees its slot. */
  private retire(minute: number): void {
    const s = this.slots[slotOf(minute)]!;
    if (s.minute !== minute) return;
    if (!Number.isNaN(s.book.time)) this.carryBook.copy(s.book);
    this.carryPerp.fold(s.perp);
    s.minute = -1;
  }

  /** Assembles the minute as of its close. */
  private input(m: number, k: Bar | null, final: boolean): MinuteInput {
    const s0 = this.slots[slotOf(m)]!;
    const s = s0.minute === m ? s0 : null;
    const close = m + MINUTE_MS;
    // trades
    let trades = null;
    // Complete: the fills add up to the kline's trade count when it has one; otherwise no agg-id jump in the minute.
    const counted = final && k !== null && k.trade_count !== null;
    const complete = s === null || (counted ? s.trades.fills === k.trade_count : !s.tradeGap);
    if (this.hasTrades && complete) {
      if (s !== null && s.trades.aggTrades > 0) trades = s.trades.view();
      else if (k !== null && (!final || k.trade_count === 0)) {
        const b = s !== null ? s.trades : this.emptyBuilder;
        b.start(m, k.open);
        trades = b.view();
      }
    }
    // book
    let book: BookMinute | null = null;
    const snap = s !== null && !Number.isNaN(s.book.time) ? s.book : this.carryBook;
    if (snap.time >= close - this.bookMaxAge) {
      const b = this.bookScratch;
      b.ref = snap;
      snap.summarize(b.summary);
      b.imbalance_5_mean = s !== null && s.imbCount > 0 ? s.imbSum / s.imbCount : null;
      b.snapshot_count = s !== null ? s.bookCount : 0;
      book = b;
    }
    // perpetual
    const own = s !== null ? s.perp : null;
    const mk = own !== null && !Number.isNaN(own.markTime) ? own : this.carryPerp;
    const fresh = mk.markTime >= close - this.markMaxAge;
    const fu = own !== null && !Number.isNaN(own.fundingTime) ? own : this.carryPerp;
    let fundingRate: number | null = null;
    // A mark sent before a settlement still names it as the next one: then the next comes from the settlement.
    let next: number | null = fresh && mk.nextFunding >= close ? mk.nextFunding : null;
    if (!Number.isNaN(fu.fundingTime)) {
      const interval = (!Number.isNaN(fu.fundingHours) ? fu.fundingHours : 8) * HOUR_MS;
      const settled = utcMinuteStart(fu.fundingTime);
      if (close <= settled + interval + MINUTE_MS) {
        fundingRate = fu.fundingRate;
        if (next === null) next = settled + interval;
      }
    }
    let perp: PerpMinute | null = null;
    if (fresh || fundingRate !== null) {
      const p = this.perpScratch;
      p.funding_rate = fundingRate;
      p.next_funding_time = next;
      p.mark_price = fresh && !Number.isNaN(mk.markPrice) ? mk.markPrice : null;
      p.index_price = fresh && !Number.isNaN(mk.indexPrice) ? mk.indexPrice : null;
      perp = p;
    }
    const input = this.inputScratch;
    input.open_time = m;
    input.kline = k;
    input.trades = trades;
    input.book = book;
    input.perp = perp;
    return input;
  }

  private readonly emptyBuilder = new TradeBarBuilder('', true);

  // Reused per minute: features must not keep a reference to their input (see the Feature contract).
  private readonly inputScratch: Mutable<MinuteInput> = { open_time: 0, kline: null, trades: null, book: null, perp: null };
  private readonly bookScratch = new BookMinuteView();
  private readonly perpScratch: Mutable<PerpMinute> = { funding_rate: null, next_funding_time: null, mark_price: null, index_price: null };

  /** Rows ready to be drained. */
  get pending(): number {
    return this.staged + this.fullRows;
  }

  /** Rows whose labels are complete (or flushed), in minute order, as column blocks; empties the queue. */
  drainColumns(): GoldColumns[] {
    if (this.staged > 0) this.seal();
    const out = this.full;
    this.full = [];
    this.fullRows = 0;
    return out;
  }

  /** Rows whose labels are complete (or flushed), in minute order, as row objects; empties the queue. */
  drain(): FeatureRow[] {
    const blocks = this.drainColumns();
    if (blocks.length === 1) return this.packer.unpack(blocks[0]!) as FeatureRow[];
    return blocks.flatMap((b) => this.packer.unpack(b) as FeatureRow[]);
  }

  /** Unpacks a block of {@link GoldEngine.drainColumns} into row objects (what {@link GoldEngine.drain} returns). */
  toRows(block: GoldColumns): FeatureRow[] {
    return this.packer.unpack(block) as FeatureRow[];
  }

  /** End of data: records a trailing gap and releases the rows still waiting for labels (their later labels `null`). */
  flush(): void {
    if (this.gapStart >= 0) this.endGap();
    for (const at of this.labels.flush()) this.emit(at);
  }

  /** A reconnect: resets every feature (they warm up again) and forgets the trade-id chain. */
  reset(): void {
    this.set.reset();
    this.lastAggId = -1;
    this.provisional = -1;
    this.report.resets++;
  }
}
