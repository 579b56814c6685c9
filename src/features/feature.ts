/**
 * The Feature contract: one streaming interface for every gold feature (trading-signals adapters, our own
 * microstructure features and user-written ones), and the per-minute input the gold builder feeds them.
 * @module
 */
import type { BookDepth } from '../core/tables.js';
import type { TradeBar } from './trade-bars.js';
import type { BookSummary } from './book-features.js';

/**
 * A streaming computation over a series of inputs: the same contract as trading-signals' indicators, plus
 * `reset()`. Updates are O(1) (amortized; a few features scan a fixed window of ≤ 20 values).
 *
 * - `add(input)` appends a new input (a new minute) and returns {@link Feature.getResult}.
 * - `replace(input)` overwrites the most recent input (the still-forming minute) and recomputes from the state
 *   before it, bit-identically to having called `add(input)` in its place; on an empty feature it acts as `add`.
 * - `getResult()` is `null` during warm-up, and `null` whenever the value is undefined (e.g. a ratio over 0).
 * - `reset()` forgets all history (a gap or a reconnect): the feature warms up again from scratch.
 *
 * An input is only valid during the call (the gold engine reuses its input objects): copy what must be kept.
 *
 * @typeParam I - the input of one step.
 * @typeParam R - the result: a number, or an array of numbers aligned with the feature's columns.
 * @example
 * ```ts
 * const f: Feature<number, number> = myFeature();
 * f.add(1); f.add(2); f.replace(2.5);
 * if (f.isStable) console.log(f.getResult());
 * f.reset();
 * ```
 */
export interface Feature<I, R> {
  /** Appends an input and returns the new result (`null` during warm-up). */
  add(input: I): R | null;
  /** Overwrites the latest input (the forming bar) and returns the recomputed result. */
  replace(input: I): R | null;
  /** The latest result, or `null` during warm-up or when undefined. */
  getResult(): R | null;
  /** True once enough inputs have arrived since construction or the last reset. */
  readonly isStable: boolean;
  /** Forgets all history; the next `add` starts a new warm-up. */
  reset(): void;
}

/**
 * The fields of a 1-minute bar the kline features read: a silver `Kline` record satisfies it, so does a
 * {@link TradeBar}. Prices in quote currency, volumes in base currency.
 *
 * @example
 * ```ts
 * const bar: Bar = { open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, quote_volume: 15, trade_count: 3, taker_buy_volume: 4 };
 * ```
 */
export interface Bar {
  /** First price of the minute. */
  readonly open: number;
  /** Highest price of the minute. */
  readonly high: number;
  /** Lowest price of the minute. */
  readonly low: number;
  /** Last price of the minute. */
  readonly close: number;
  /** Base-asset volume. */
  readonly volume: number;
  /** Quote-asset volume, when the source has it. */
  readonly quote_volume: number | null;
  /** Number of trades, when the source has it. */
  readonly trade_count: number | null;
  /** Base volume bought by takers, when the source has it. */
  readonly taker_buy_volume: number | null;
}

/**
 * The order book of one minute, as of its close: the last top-N snapshot with event time < minute close (and no
 * older than the builder's `bookMaxAgeMs`), and the mean top-5 imbalance over the snapshots inside the minute.
 * Like the whole {@link MinuteInput}, it may be reused for the next minute: copy what you keep.
 *
 * @example
 * ```ts
 * const book: BookMinute = { snapshot, imbalance_5_mean: 0.12, snapshot_count: 600 };
 * ```
 */
export interface BookMinute {
  /**
   * The last snapshot as of the minute's close. When silver is read as columns it is a record the engine writes
   * for each minute that reads it: copy the fields you keep (see {@link MinuteInput}).
   */
  readonly snapshot: BookDepth;
  /** Mean of (bid − ask)/(bid + ask) top-5 quantity imbalance over the snapshots inside the minute; `null` when none. */
  readonly imbalance_5_mean: number | null;
  /** Snapshots whose event time falls inside the minute. */
  readonly snapshot_count: number;
  /**
   * Sums over the levels of `snapshot`, computed once for the minute (the gold engine always gives them; a
   * hand-made input may leave them out). Read these rather than the levels: a snapshot read as columns is only
   * made a record when `snapshot` is read.
   */
  readonly summary?: BookSummary;
}

/**
 * Perpetual-contract state as of a minute's close.
 *
 * @example
 * ```ts
 * const perp: PerpMinute = { funding_rate: 0.0001, next_funding_time: 1704096000000, mark_price: 42000, index_price: 41990 };
 * ```
 */
export interface PerpMinute {
  /** Rate of the latest funding settlement known at the close, as a fraction (0.0001 = 0.01 %); `null` if unknown. */
  readonly funding_rate: number | null;
  /** Next funding settlement (UTC ms), from the mark-price stream or the last settlement + its interval. */
  readonly next_funding_time: number | null;
  /** Latest mark price, no older than `markMaxAgeMs`. */
  readonly mark_price: number | null;
  /** Latest index price, no older than `markMaxAgeMs`. */
  readonly index_price: number | null;
}

/**
 * Everything known about one minute of one symbol at its close (event time < `open_time + 60 s`). A part is
 * `null` when its source is absent or has no data for the minute: a feature that needs it is reset and gives
 * `null` for that minute, never a value carried across the hole.
 *
 * @example
 * ```ts
 * const input: MinuteInput = { open_time: 1704067200000, kline, trades: null, book: null, perp: null };
 * ```
 */
export interface MinuteInput {
  /** Start of the minute (UTC epoch ms). */
  readonly open_time: number;
  /** The exchange's 1-minute kline, or `null` in a kline gap. */
  readonly kline: Bar | null;
  /** The bar built from aggregate trades; `null` when trades are absent or incomplete for the minute. */
  readonly trades: TradeBar | null;
  /** The book as of the close; `null` without a fresh snapshot. */
  readonly book: BookMinute | null;
  /** Funding and mark/index prices as of the close; `null` when neither is known. */
  readonly perp: PerpMinute | null;
}

/** Which part of a {@link MinuteInput} a gold feature needs; when it is `null` the feature is reset and gives `null`. */
export type FeatureInputKind = 'kline' | 'trades' | 'book' | 'perp';

/** Storage type of a gold column: a nullable double, or an integer for counts and classes. */
export type GoldColumnType = 'double' | 'int64' | 'int32';

/**
 * One output column of a gold feature.
 *
 * @example
 * ```ts
 * const c: GoldColumn = { name: 'rsi_14', type: 'double', description: 'Wilder RSI over 14 minutes, 0..100' };
 * ```
 */
export interface GoldColumn {
  /** The snake_case column name. */
  readonly name: string;
  /** Storage type (all gold columns are nullable). */
  readonly type: GoldColumnType;
  /** One sentence with the unit. */
  readonly description: string;
}

/**
 * The result of a gold feature: one number, or the values of its columns. A multi-column result may be a buffer the
 * feature reuses (valid until its next call: copy it to keep it); `null`, `NaN` and ±Infinity entries mean `null`.
 *
 * @example
 * ```ts
 * const r: FeatureResult = new Float64Array([1.5, Number.NaN]); // second column null
 * ```
 */
export type FeatureResult = number | ArrayLike<number | null>;

/**
 * A feature the gold builder can run: a {@link Feature} over {@link MinuteInput}s that says which input it needs
 * and, when it fills several columns, which ones (its result is then an array aligned with `columns`).
 * A plain `Feature<MinuteInput, number>` is accepted by {@link featureSet} too (it needs the kline and fills
 * the one column named by its key).
 *
 * @example
 * ```ts
 * const range: GoldFeature = {
 *   requires: 'kline', warmUp: 1, isStable: true,
 *   add: (m) => (last = m.kline!.high - m.kline!.low), replace: (m) => (last = m.kline!.high - m.kline!.low),
 *   getResult: () => last, reset: () => { last = null; },
 * };
 * ```
 */
export interface GoldFeature extends Feature<MinuteInput, FeatureResult> {
  /** The input part this feature needs (default `kline`). */
  readonly requires?: FeatureInputKind;
  /**
   * Inputs (minutes) after a reset until every column has its value (1440 for a feature that restarts at 00:00 UTC):
   * an incremental build re-reads the largest warm-up of its set, so a shorter one leaves columns `null` there.
   */
  readonly warmUp?: number;
  /**
   * Minutes an incremental build must re-read before its first row for this feature's values to be bit-identical to a
   * full rebuild's (default `warmUp`). Longer than `warmUp` for EMA and Wilder smoothing, whose values depend on all
   * the history since their reset: the start is forgotten to double precision only after (1 − α)^n < 2^−53.
   */
  readonly lookback?: number;
  /** The columns, for a feature whose result is an array; omitted for a one-column feature. */
  readonly columns?: readonly GoldColumn[];
}
