/**
 * Bringing time columns to UTC epoch milliseconds, whatever unit or form they arrived in.
 * @module
 */
import { ScalplakeError, throwIfAborted } from '../core/errors.js';
import type { Batch, BatchOrigin, Operator } from '../core/stage.js';
import { operator } from '../core/stage.js';
import { detectTimeUnit, type TimeUnit, toUtcMillis } from '../core/time.js';

/** Options of {@link normalizeTime}. */
export interface NormalizeTimeOptions<K extends string = never> {
  /** The time columns to normalize, e.g. `['open_time', 'close_time']`. */
  readonly columns: readonly string[];
  /**
   * The unit of numeric values: `'auto'` (the default) detects it per value by magnitude (seconds below 1e11,
   * microseconds from 1e14, milliseconds between) and leaves millisecond values untouched; `'s'`, `'ms'` or
   * `'us'` force it. Text values (`"1503014400.0"`, `"2024-01-01 00:00:00"`) are parsed as UTC either way.
   */
  readonly unit?: TimeUnit | 'auto';
  /**
   * Rounds the result down to a multiple of this many milliseconds (UTC epoch based), e.g. `3_600_000` to put
   * funding times sent as `…:00:00.005` on the hour.
   */
  readonly floorTo?: number;
  /**
   * With `floorTo`, the column that receives the value before rounding (already in ms), so that the exact time
   * is kept beside the rounded one. Requires exactly one entry in `columns`; every output row gets the column
   * (`null` when the time column was null).
   */
  readonly keepRawAs?: K;
}

/**
 * Converts the given columns of every row to UTC epoch milliseconds with {@link toUtcMillis}: values in seconds
 * or microseconds (detected by magnitude, or forced by `unit`) and date or number text become ms `number`s;
 * millisecond numbers are left as they are. Optionally rounds down (`floorTo`) and keeps the unrounded time in
 * another column (`keepRawAs`).
 *
 * Rows are not mutated: a row that needs a change is copied (same field order); a row that needs none is passed
 * as is, and a batch that needs none is passed as is. `null`/`undefined` values stay as they are; values that are
 * not a time (`"abc"`, `NaN`) are also left unchanged so that a later `validate()` quarantines the row with its
 * value. The origin of a batch stays aligned (rows are neither added nor removed).
 *
 * State: none across batches.
 *
 * @throws `INVALID_ARGUMENT` when `columns` is empty, `floorTo` is not a positive integer, or `keepRawAs` is given
 * with other than one column or without `floorTo`; `ABORTED` when `ctx.signal` aborts.
 * @example
 * ```ts
 * // CryptoDataDownload rows may carry seconds ("1503014400.0") next to ms: normalize both.
 * normalizeTime({ columns: ['open_time'] });
 * // Funding settlements on the hour, exact time kept.
 * normalizeTime({ columns: ['funding_time'], floorTo: 3_600_000, keepRawAs: 'funding_time_raw' });
 * ```
 */
export function normalizeTime<T extends object, K extends string = never>(
  options: NormalizeTimeOptions<K>,
): Operator<T, T & { [P in K]: number | null }> {
  const columns = [...options.columns];
  const unit = options.unit ?? 'auto';
  const floorTo = options.floorTo;
  const keepRawAs = options.keepRawAs as string | undefined;
  if (columns.length === 0) {
    throw new ScalplakeError('INVALID_ARGUMENT', 'normalizeTime: columns is empty', { context: { columns } });
  }
  if (floorTo !== undefined && (!Number.isSafeInteger(floorTo) || floorTo < 1)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `normalizeTime: floorTo ${JSON.stringify(floorTo)} is not a positive integer`, {
      context: { floorTo },
    });
  }
  if (keepRawAs !== undefined && (columns.length !== 1 || floorTo === undefined)) {
    throw new ScalplakeError('INVALID_ARGUMENT', 'normalizeTime: keepRawAs needs exactly one column and floorTo', {
      context: { columns, keepRawAs, floorTo },
    });
  }
  const parts = [columns.join(','), `unit ${unit}`];
  if (floorTo !== undefined) parts.push(`floor ${floorTo}`);
  if (keepRawAs !== undefined) parts.push(`raw as ${keepRawAs}`);
  const name = `normalizeTime(${parts.join('; ')})`;
  const nCols = columns.length;

  /** The ms value of `v`, or `v` itself when it is not a convertible time (null, text that is not a time…). */
  const convert = (v: unknown): unknown => {
    if (typeof v === 'number') {
      if (v - v !== 0) return v;
      if (unit === 'ms' || (unit === 'auto' && detectTimeUnit(v) === 'ms')) return v;
      return toUtcMillis(v, unit) ?? v;
    }
    if (typeof v === 'string') return toUtcMillis(v, unit) ?? v;
    return v;
  };

  return operator<T, T & { [P in K]: number | null }>(name, async function* (input, ctx) {
    for await (const batch of input) {
      throwIfAborted(ctx.signal);
      const n = batch.length;
      let out: unknown[] | null = null;
      for (let i = 0; i < n; i++) {
        const row = batch[i] as Record<string, unknown>;
        let copy: Record<string, unknown> | null = null;
        for (let c = 0; c < nCols; c++) {
          const col = columns[c] as string;
          const v = row[col];
          let ms = convert(v);
          if (keepRawAs !== undefined) {
            copy ??= { ...row };
            copy[keepRawAs] = typeof ms === 'number' && ms - ms === 0 ? ms : null;
          }
          if (floorTo !== undefined && typeof ms === 'number' && ms - ms === 0) ms = Math.floor(ms / floorTo) * floorTo;
          if (!Object.is(ms, v)) {
            copy ??= { ...row };
            copy[col] = ms;
          }
        }
        if (copy !== null) {
          if (out === null) out = batch.slice(0, i);
          out.push(copy);
        } else if (out !== null) {
          out.push(row);
        }
      }
      const result = (out === null ? batch : withSameOrigin(out, batch.origin)) as Batch<T & { [P in K]: number | null }>;
      if (result.length > 0 || result.origin?.rejects !== undefined) yield result;
    }
  });
}

function withSameOrigin(rows: unknown[], origin: BatchOrigin | undefined): Batch<unknown> {
  if (origin !== undefined) (rows as unknown[] & { origin?: BatchOrigin }).origin = origin;
  return rows;
}
