/**
 * Finding holes in sorted series: missing kline intervals and missing aggregate-trade ids.
 * @module
 */
import { ScalplakeError, throwIfAborted } from '../core/errors.js';
import type { GapEvent } from '../core/events.js';
import type { Operator } from '../core/stage.js';
import { operator } from '../core/stage.js';
import { INTERVAL_MS } from '../core/time.js';

/** Options of {@link detectGaps}. */
export interface DetectGapsOptions {
  /** `klines`: gaps in `open_time`; `agg_trades`: gaps in `agg_trade_id`. */
  readonly table: 'klines' | 'agg_trades';
  /** The column that tells series apart (default `'symbol'`). */
  readonly symbolColumn?: string;
  /** Klines only: the bar length in ms; by default read from each symbol's first row's `interval` (e.g. `'1m'`). */
  readonly intervalMs?: number;
}

/** What {@link detectGaps} publishes in `ctx.notes` under its stage name. */
export interface DetectGapsNote {
  /** Gap events emitted. */
  gaps: number;
  /** Missing intervals or ids, summed over the gaps. */
  missing: number;
}

interface SeriesState {
  last: number;
  interval: number;
}

/**
 * Passes rows through unchanged while tracking, per symbol, the last kline `open_time` or the last
 * `agg_trade_id`, and emits a `gap` event ({@link GapEvent}) on `ctx.events` for every hole: klines, kind
 * `'time'`, `from`/`to` the first and last missing open times; agg trades, kind `'id'`, the first and last
 * missing ids; with the count in `missing`. Input is assumed sorted per symbol: a row at or before the last seen
 * value (a duplicate or out-of-order row) is ignored for gap purposes, as is a row whose value is not a number.
 * Gaps across batch boundaries are found. The totals are kept in `ctx.notes.get(name)` as a {@link DetectGapsNote}.
 *
 * State: one entry (two numbers) per symbol.
 *
 * @throws `INVALID_ARGUMENT` for a non-positive `intervalMs`, or a klines row whose `interval` has no fixed length
 * when `intervalMs` is not given; `ABORTED` when `ctx.signal` aborts.
 * @example
 * ```ts
 * const run = pipeline('klines').from(source).pipe(detectGaps({ table: 'klines' })).to(sink).run();
 * run.on('gap', (g) => console.log(g.symbol, g.from, g.to, g.missing));
 * ```
 */
export function detectGaps<T>(options: DetectGapsOptions): Operator<T, T> {
  const table = options.table;
  const symbolColumn = options.symbolColumn ?? 'symbol';
  const fixedInterval = options.intervalMs;
  if (table !== 'klines' && table !== 'agg_trades') {
    throw new ScalplakeError('INVALID_ARGUMENT', `detectGaps: table ${JSON.stringify(table)} is not klines or agg_trades`, {
      context: { table },
    });
  }
  if (fixedInterval !== undefined && (!Number.isSafeInteger(fixedInterval) || fixedInterval < 1)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `detectGaps: intervalMs ${JSON.stringify(fixedInterval)} is not a positive integer`, {
      context: { intervalMs: fixedInterval },
    });
  }
  const isKlines = table === 'klines';
  const column = isKlines ? 'open_time' : 'agg_trade_id';
  const name = `detectGaps(${table}; ${symbolColumn},${column}${fixedInterval === undefined ? '' : `; interval ${fixedInterval} ms`})`;

  return operator<T, T>(name, async function* (input, ctx) {
    const series = new Map<unknown, SeriesState>();
    const note: DetectGapsNote = { gaps: 0, missing: 0 };
    ctx.notes.set(name, note);
    let lastSymbol: unknown;
    let state: SeriesState | undefined;
    for await (const batch of input) {
      throwIfAborted(ctx.signal);
      const n = batch.length;
      for (let i = 0; i < n; i++) {
        const row = batch[i] as Record<string, unknown>;
        const v = row[column];
        if (typeof v !== 'number' || v - v !== 0) continue;
        const symbol = row[symbolColumn];
        if (state === undefined || symbol !== lastSymbol) {
          lastSymbol = symbol;
          state = series.get(symbol);
          if (state === undefined) {
            state = { last: v, interval: isKlines ? (fixedInterval ?? intervalOf(row, name)) : 1 };
            series.set(symbol, state);
            continue;
          }
        }
        const last = state.last;
        if (v <= last) continue;
        state.last = v;
        const step = state.interval;
        if (v - last > step) {
          const gap = gapBetween(last, v, step, String(symbol), table, isKlines);
          if (gap !== null) {
            note.gaps++;
            note.missing += gap.missing;
            ctx.events.emit('gap', gap);
          }
        }
      }
      yield batch;
    }
  });
}

function intervalOf(row: Record<string, unknown>, stage: string): number {
  const interval = row['interval'];
  const ms = typeof interval === 'string' ? INTERVAL_MS[interval] : undefined;
  if (ms === undefined) {
    throw new ScalplakeError(
      'INVALID_ARGUMENT',
      `${stage}: interval ${JSON.stringify(interval)} has no fixed length; pass intervalMs`,
      { context: { interval } },
    );
  }
  return ms;
}

/**
 * The gap between two consecutive present values `last < next` of a series with step `step`, or `null` when
 * nothing lies between them on the grid `last + k·step`.
 */
function gapBetween(last: number, next: number, step: number, symbol: string, table: string, time: boolean): GapEvent | null {
  const missing = Math.ceil((next - last) / step) - 1;
  if (missing < 1) return null;
  return { table, symbol, kind: time ? 'time' : 'id', from: last + step, to: last + missing * step, missing };
}

/**
 * Lists the missing intervals of a sorted series of bar open times: one {@link GapEvent} (kind `'time'`) per
 * run of missing bars, `from`/`to` the first and last missing open time (UTC ms). Values at or before the
 * previous one are skipped.
 *
 * @param sortedTimes - Bar open times, UTC ms, ascending.
 * @param intervalMs - The bar length in ms.
 * @param symbol - Copied into the events.
 * @param table - Copied into the events.
 * @throws `INVALID_ARGUMENT` when `intervalMs` is not a positive integer.
 * @example
 * ```ts
 * findTimeGaps([0, 60_000, 240_000], 60_000, 'BTCUSDT', 'klines');
 * // [{ table: 'klines', symbol: 'BTCUSDT', kind: 'time', from: 120000, to: 180000, missing: 2 }]
 * ```
 */
export function findTimeGaps(sortedTimes: ArrayLike<number>, intervalMs: number, symbol: string, table: string): GapEvent[] {
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) {
    throw new ScalplakeError('INVALID_ARGUMENT', `findTimeGaps: intervalMs ${JSON.stringify(intervalMs)} is not a positive integer`, {
      context: { intervalMs },
    });
  }
  return findGaps(sortedTimes, intervalMs, symbol, table, true);
}

/**
 * Lists the missing ids of a sorted series of aggregate-trade ids: one {@link GapEvent} (kind `'id'`) per run
 * of missing ids. Values at or before the previous one are skipped.
 *
 * @param sortedIds - Ids, ascending.
 * @param symbol - Copied into the events.
 * @param table - Copied into the events.
 * @example
 * ```ts
 * findIdGaps([10, 11, 14], 'BTCUSDT', 'agg_trades');
 * // [{ table: 'agg_trades', symbol: 'BTCUSDT', kind: 'id', from: 12, to: 13, missing: 2 }]
 * ```
 */
export function findIdGaps(sortedIds: ArrayLike<number>, symbol: string, table: string): GapEvent[] {
  return findGaps(sortedIds, 1, symbol, table, false);
}

function findGaps(values: ArrayLike<number>, step: number, symbol: string, table: string, time: boolean): GapEvent[] {
  const out: GapEvent[] = [];
  const n = values.length;
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v - v !== 0) continue;
    if (Number.isNaN(last)) {
      last = v;
      continue;
    }
    if (v <= last) continue;
    if (v - last > step) {
      const gap = gapBetween(last, v, step, symbol, table, time);
      if (gap !== null) out.push(gap);
    }
    last = v;
  }
  return out;
}
