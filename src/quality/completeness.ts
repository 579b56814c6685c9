/**
 * How complete a kline series is, per UTC day: bars expected, bars present, and the missing intervals.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import type { GapEvent } from '../core/events.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, requireUtcMillis } from '../core/time.js';

/** A run of missing bars: the open time of the first and of the last missing bar (UTC ms, both inclusive). */
export type MissingRange = readonly [from: number, to: number];

/** The completeness of one UTC day. */
export interface DayCompleteness {
  /** The UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  /** Bars expected in the part of the day inside the checked range. */
  readonly expected: number;
  /** Expected bars that are present. */
  readonly present: number;
  /** `present / expected` (1 when nothing is expected). */
  readonly ratio: number;
  /** The runs of missing bars within this day (a run crossing midnight is split at the day boundary). */
  readonly missing: readonly MissingRange[];
}

/** The completeness of a kline series over a range. */
export interface KlineCompleteness {
  /** The bar length in ms. */
  readonly intervalMs: number;
  /** Start of the checked range (UTC ms, inclusive). */
  readonly from: number;
  /** End of the checked range (UTC ms, exclusive). */
  readonly to: number;
  /** Bars expected over the whole range. */
  readonly expected: number;
  /** Expected bars that are present. */
  readonly present: number;
  /** `present / expected` (1 when nothing is expected). */
  readonly ratio: number;
  /** One entry per UTC day touched by the range, in order. */
  readonly days: readonly DayCompleteness[];
  /** The runs of missing bars over the whole range (runs crossing midnight are not split). */
  readonly missing: readonly MissingRange[];
}

/** Options of {@link klineCompleteness}. */
export interface KlineCompletenessOptions {
  /** Start of the range (UTC ms or a UTC date string, inclusive); default: the first bar. */
  readonly from?: number | string;
  /** End of the range (UTC ms or a UTC date string, exclusive); default: just after the last bar. */
  readonly to?: number | string;
}

/** The most bar slots {@link klineCompleteness} walks (about 30 years of 1-second bars). */
const MAX_SLOTS = 1e9;

/**
 * Measures how complete a kline series is. The expected bars are the grid `first bar + k·intervalMs` (the grid
 * is anchored at the first bar, or at `from` when there are none) within `[from, to)`; by default the range starts
 * at the first bar and ends with the last one. Bars off the grid are not counted; duplicates count once.
 *
 * @param openTimes - Bar open times, UTC ms, ascending (duplicates allowed).
 * @param intervalMs - The bar length in ms, e.g. `60_000`.
 * @param options - The range; see {@link KlineCompletenessOptions}.
 * @throws `INVALID_ARGUMENT` when `openTimes` is not sorted, `intervalMs` is not a positive integer, `from`/`to`
 * are not times or `from > to`, or the range holds more than 1e9 bars.
 * @example
 * ```ts
 * const report = klineCompleteness(openTimes, 60_000);
 * report.days[0]; // { date: '2019-09-08', expected: 363, present: 362, ratio: 0.997…, missing: [[1567969200000, 1567969200000]] }
 * ```
 */
export function klineCompleteness(
  openTimes: ArrayLike<number>,
  intervalMs: number,
  options: KlineCompletenessOptions = {},
): KlineCompleteness {
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) {
    throw new ScalplakeError('INVALID_ARGUMENT', `klineCompleteness: intervalMs ${JSON.stringify(intervalMs)} is not a positive integer`, {
      context: { intervalMs },
    });
  }
  const n = openTimes.length;
  for (let i = 1; i < n; i++) {
    if ((openTimes[i] as number) < (openTimes[i - 1] as number)) {
      throw new ScalplakeError(
        'INVALID_ARGUMENT',
        `klineCompleteness: openTimes are not sorted: ${openTimes[i]} follows ${openTimes[i - 1]} at index ${i}`,
        { context: { index: i } },
      );
    }
  }
  const fromOpt = options.from === undefined ? undefined : requireUtcMillis(options.from, 'from');
  const toOpt = options.to === undefined ? undefined : requireUtcMillis(options.to, 'to');
  const first = n > 0 ? (openTimes[0] as number) : fromOpt;
  const start = fromOpt ?? first;
  const end = toOpt ?? (n > 0 ? (openTimes[n - 1] as number) + intervalMs : undefined);
  if (first === undefined || start === undefined || end === undefined) {
    const at = start ?? end ?? 0;
    return { intervalMs, from: at, to: at, expected: 0, present: 0, ratio: 1, days: [], missing: [] };
  }
  if (start > end) {
    throw new ScalplakeError('INVALID_ARGUMENT', `klineCompleteness: from ${start} is after to ${end}`, {
      context: { from: start, to: end },
    });
  }
  const slot0 = first + Math.ceil((start - first) / intervalMs) * intervalMs;
  if ((end - slot0) / intervalMs > MAX_SLOTS) {
    throw new ScalplakeError('INVALID_ARGUMENT', `klineCompleteness: the range holds more than ${MAX_SLOTS} bars`, {
      context: { from: start, to: end, intervalMs },
    });
  }

  const days: DayCompleteness[] = [];
  const missingAll: MissingRange[] = [];
  let totalExpected = 0;
  let totalPresent = 0;
  let day = Number.NaN;
  let dayExpected = 0;
  let dayPresent = 0;
  let dayMissing: MissingRange[] = [];
  let dayRunStart = Number.NaN;
  let runStart = Number.NaN;
  let runEnd = Number.NaN;
  let p = 0;
  const closeDay = () => {
    if (!Number.isNaN(dayRunStart)) dayMissing.push([dayRunStart, runEnd]);
    days.push({
      date: new Date(day * DAY_MS).toISOString().slice(0, 10),
      expected: dayExpected,
      present: dayPresent,
      ratio: dayExpected === 0 ? 1 : dayPresent / dayExpected,
      missing: dayMissing,
    });
  };
  for (let s = slot0; s < end; s += intervalMs) {
    const d = Math.floor(s / DAY_MS);
    if (d !== day) {
      if (!Number.isNaN(day)) closeDay();
      day = d;
      dayExpected = 0;
      dayPresent = 0;
      dayMissing = [];
      dayRunStart = Number.NaN;
    }
    dayExpected++;
    while (p < n && (openTimes[p] as number) < s) p++;
    if (p < n && openTimes[p] === s) {
      dayPresent++;
      if (!Number.isNaN(dayRunStart)) {
        dayMissing.push([dayRunStart, runEnd]);
        dayRunStart = Number.NaN;
      }
      if (!Number.isNaN(runStart)) {
        missingAll.push([runStart, runEnd]);
        runStart = Number.NaN;
      }
    } else {
      if (Number.isNaN(dayRunStart)) dayRunStart = s;
      if (Number.isNaN(runStart)) runStart = s;
      runEnd = s;
    }
  }
  if (!Number.isNaN(day)) closeDay();
  if (!Number.isNaN(runStart)) missingAll.push([runStart, runEnd]);
  for (const d of days) {
    totalExpected += d.expected;
    totalPresent += d.present;
  }
  return {
    intervalMs,
    from: start,
    to: end,
    expected: totalExpected,
    present: totalPresent,
    ratio: totalExpected === 0 ? 1 : totalPresent / totalExpected,
    days,
    missing: missingAll,
  };
}

/**
 * Formats missing bars as human-readable lines with UTC times, one per run:
 * `2019-09-08 19:00 → 2019-09-08 19:00 (1 minute)` (the open times of the first and last missing bar, and the
 * length of the hole). Accepts a {@link klineCompleteness} report, or gap events (from `detectGaps`/`findTimeGaps`)
 * with the bar length; id gaps read `ids 12 → 13 (2 ids)`.
 *
 * @throws `INVALID_ARGUMENT` when gap events of kind `time` are given without a positive `intervalMs`.
 * @example
 * ```ts
 * formatGapsTable(klineCompleteness(openTimes, 60_000));
 * // ['2019-09-08 19:00 → 2019-09-08 19:00 (1 minute)']
 * formatGapsTable(findTimeGaps(openTimes, 60_000, 'BTCUSDT', 'klines'), 60_000);
 * ```
 */
export function formatGapsTable(report: KlineCompleteness): string[];
export function formatGapsTable(gaps: readonly GapEvent[], intervalMs: number): string[];
export function formatGapsTable(input: KlineCompleteness | readonly GapEvent[], intervalMs?: number): string[] {
  const out: string[] = [];
  if (!isGapList(input)) {
    const iv = input.intervalMs;
    for (const [from, to] of input.missing) out.push(timeLine(from, to, (to - from) / iv + 1, iv));
    return out;
  }
  for (const g of input) {
    if (g.kind === 'id') {
      out.push(`ids ${g.from} → ${g.to} (${plural(g.missing, 'id')})`);
      continue;
    }
    if (intervalMs === undefined || !Number.isSafeInteger(intervalMs) || intervalMs < 1) {
      throw new ScalplakeError('INVALID_ARGUMENT', `formatGapsTable: intervalMs ${JSON.stringify(intervalMs)} is needed for time gaps`, {
        context: { intervalMs },
      });
    }
    out.push(timeLine(g.from, g.to, g.missing, intervalMs));
  }
  return out;
}

function isGapList(input: KlineCompleteness | readonly GapEvent[]): input is readonly GapEvent[] {
  return Array.isArray(input);
}

function timeLine(from: number, to: number, bars: number, intervalMs: number): string {
  return `${shortUtc(from)} → ${shortUtc(to)} (${duration(bars * intervalMs)})`;
}

/** `YYYY-MM-DD HH:MM`, with `:SS` (and `.mmm`) only when the time has them. */
function shortUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  if (ms % MINUTE_MS === 0) return base;
  return ms % 1000 === 0 ? `${base}:${iso.slice(17, 19)}` : `${base}:${iso.slice(17, 23)}`;
}

function duration(ms: number): string {
  if (ms % DAY_MS === 0) return plural(ms / DAY_MS, 'day');
  if (ms % HOUR_MS === 0) return plural(ms / HOUR_MS, 'hour');
  if (ms % MINUTE_MS === 0) return plural(ms / MINUTE_MS, 'minute');
  if (ms % 1000 === 0) return plural(ms / 1000, 'second');
  return `${ms} ms`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
