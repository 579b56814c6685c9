/**
 * The stage contracts: a {@link Source} yields batches, an {@link Operator} maps an async iterable of batches to
 * another, a {@link Sink} consumes one and returns a report. Batches, not single records, flow between stages:
 * per-record async iteration costs ~20× more per row.
 * @module
 */
import type { RunEvents } from './events.js';

/** Where the rows of a batch came from, so that a rejected row can be quarantined with its position. */
export interface BatchOrigin {
  /** The file path, URL or stream name. */
  readonly source: string;
  /** The 1-based line (or message offset) of each row of the batch, index-aligned with the rows. */
  readonly lines?: ArrayLike<number>;
  /** The raw text of row `index` of the batch, read lazily (only rejected rows need it). */
  rawText?(index: number): string;
  /** Rows the reader could not turn into records at all (ragged rows, bad numbers), with their reasons. */
  readonly rejects?: readonly RejectedRow[];
}

/** A row a source or operator rejected, before or after it became a record. */
export interface RejectedRow {
  /** The file path, URL or stream name. */
  readonly source: string;
  /** 1-based line or message offset; `null` when unknown. */
  readonly line: number | null;
  /** The raw text of the row or payload. */
  readonly raw: string;
  /** Why it was rejected, naming the column and the value. */
  readonly reason: string;
}

/** A readonly array of records of one table, optionally carrying where they came from. */
export type Batch<T> = readonly T[] & {
  /** Where the rows came from, when the producer knows (files, streams). */
  readonly origin?: BatchOrigin;
};

/**
 * Attaches an origin to an array of rows, making it a {@link Batch}.
 *
 * @example
 * ```ts
 * const batch = withOrigin(rows, { source: 'BTCUSDT-1m-2024-01.csv', lines: [2, 3, 4] });
 * ```
 */
export function withOrigin<T>(rows: T[], origin: BatchOrigin): Batch<T> {
  (rows as T[] & { origin?: BatchOrigin }).origin = origin;
  return rows;
}

/** Counters every stage may add to; the run report sums them. */
export interface RunCounters {
  /** Rows the sources produced. */
  rowsIn: number;
  /** Rows the sinks accepted. */
  rowsOut: number;
  /** Rows removed as duplicates of an earlier row with the same key. */
  duplicates: number;
  /** Rows rejected by validation (quarantined, thrown or passed to a callback). */
  invalid: number;
  /** Rows that arrived out of order beyond a reorder window (kept, but counted). */
  late: number;
}

/** What every stage is handed when it runs: cancellation, events and counters. */
export interface StageContext {
  /** Aborts the run; every stage stops reading and releases what it holds. */
  readonly signal: AbortSignal;
  /** The run's event emitter: progress, invalid, gap, flush, reconnect. */
  readonly events: RunEvents;
  /** Counters that stages add to and the run report reads. */
  readonly counters: RunCounters;
  /** Information stages publish for the report (detected formats, symbols, files), by stage name. */
  readonly notes: Map<string, unknown>;
}

/** A producer of batches. */
export interface Source<T> {
  /** Tells stage kinds apart at run time. */
  readonly kind: 'source';
  /** A short name for plans and reports, e.g. `datavision.klines(BTCUSDT-1m-2024-01.zip)`. */
  readonly name: string;
  /** Starts reading; the iterable must release its resources when the consumer stops early. */
  read(ctx: StageContext): AsyncIterable<Batch<T>>;
}

/** A transformation of a stream of batches. */
export interface Operator<I, O> {
  /** Tells stage kinds apart at run time. */
  readonly kind: 'operator';
  /** A short name for plans and reports, e.g. `dedupe(agg_trade_id, window 100000)`. */
  readonly name: string;
  /** Applies the operator. */
  apply(input: AsyncIterable<Batch<I>>, ctx: StageContext): AsyncIterable<Batch<O>>;
}

/** What a sink reports when it has consumed its input. */
export interface SinkReport {
  /** Rows written. */
  readonly rowsWritten: number;
  /** Files (object keys) written, relative to the store root. */
  readonly filesWritten: readonly string[];
  /** Rows dropped because the store already held an identical row with the same key. */
  readonly unchanged?: number;
}

/** A consumer of batches. */
export interface Sink<T> {
  /** Tells stage kinds apart at run time. */
  readonly kind: 'sink';
  /** A short name for plans and reports, e.g. `silver(klines)`. */
  readonly name: string;
  /** Consumes the input and resolves when everything is durably written. */
  write(input: AsyncIterable<Batch<T>>, ctx: StageContext): Promise<SinkReport>;
}

/**
 * Builds an {@link Operator} from a function over async iterables of batches.
 *
 * @example
 * ```ts
 * const upper = operator<{ s: string }, { s: string }>('upper', async function* (input) {
 *   for await (const batch of input) yield batch.map((r) => ({ s: r.s.toUpperCase() }));
 * });
 * ```
 */
export function operator<I, O>(
  name: string,
  apply: (input: AsyncIterable<Batch<I>>, ctx: StageContext) => AsyncIterable<Batch<O>>,
): Operator<I, O> {
  return { kind: 'operator', name, apply };
}

/**
 * Builds a {@link Source} from a function returning an async iterable of batches.
 *
 * @example
 * ```ts
 * const rows = source('fixed', async function* () { yield [{ a: 1 }, { a: 2 }]; });
 * ```
 */
export function source<T>(name: string, read: (ctx: StageContext) => AsyncIterable<Batch<T>>): Source<T> {
  return { kind: 'source', name, read };
}
