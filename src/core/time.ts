/**
 * Time in scalplake is UTC epoch milliseconds held in a `number`. This module turns every form Binance and the
 * third-party files use (seconds, seconds with `.0`, milliseconds, microseconds, UTC date strings) into that,
 * and never consults the local time zone.
 * @module
 */
import { ScalplakeError } from './errors.js';

/** The unit of an epoch number: seconds, milliseconds or microseconds. */
export type TimeUnit = 's' | 'ms' | 'us';

/** Milliseconds in one minute. */
export const MINUTE_MS = 60_000;
/** Milliseconds in one hour. */
export const HOUR_MS = 3_600_000;
/** Milliseconds in one UTC day. */
export const DAY_MS = 86_400_000;

/**
 * Guesses the unit of an epoch number from its magnitude: above 1e14 microseconds, above 1e11 milliseconds,
 * otherwise seconds. Valid for dates between 1973 and 5138.
 *
 * @example
 * ```ts
 * detectTimeUnit(1567965420);        // 's'
 * detectTimeUnit(1567965420000);     // 'ms'
 * detectTimeUnit(1789430400000000);  // 'us'
 * ```
 */
export function detectTimeUnit(value: number): TimeUnit {
  const a = Math.abs(value);
  if (a >= 1e14) return 'us';
  if (a >= 1e11) return 'ms';
  return 's';
}

/**
 * Converts an epoch number (or its text, e.g. `"1503014400.0"`) or a UTC date string to UTC epoch milliseconds.
 * With `unit` `'auto'` (the default) the unit of a number is detected by {@link detectTimeUnit}, and a number of 1e17
 * or more is read as nanoseconds. Returns `null` for empty or unparseable input, never `NaN`.
 *
 * Date strings are read as UTC: `2024-01-01 00:00:00`, `2024-01-01T00:00:00Z`, `2024-01-01`,
 * `2017-08-17 05-AM` (CryptoDataDownload's old hourly form), with optional fractional seconds.
 *
 * @example
 * ```ts
 * toUtcMillis('1503014400.0');          // 1503014400000
 * toUtcMillis(1789430400000000);        // 1789430400000 (µs)
 * toUtcMillis('1567965480123456789');   // 1567965480123 (ns)
 * toUtcMillis('2017-08-17 05-AM');      // 1502946000000
 * toUtcMillis('1567965420000', 'ms');   // 1567965420000
 * ```
 */
export function toUtcMillis(value: string | number, unit: TimeUnit | 'auto' = 'auto'): number | null {
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else {
    const text = value.trim();
    if (text === '') return null;
    if (!NUMERIC_RE.test(text)) return parseUtcDate(text);
    n = Number(text);
  }
  if (!Number.isFinite(n)) return null;
  if (unit === 'auto' && Math.abs(n) >= NS_FROM) {
    // Epoch nanoseconds (pandas writes datetime64 columns cast to int64 so): read as µs they would be past the year
    // 5138. An integer text gives exact ms (its digits before the last six); a number is floored from its double.
    if (typeof value === 'string' && INTEGER_RE.test(value.trim())) return Number(value.trim().replace(/^\+/, '').slice(0, -6));
    return Math.floor(n / 1e6);
  }
  const u = unit === 'auto' ? detectTimeUnit(n) : unit;
  const ms = u === 'ms' ? n : u === 's' ? n * 1000 : n / 1000;
  return Math.floor(ms + 1e-6);
}

const NUMERIC_RE = /^[+-]?\d+(\.\d+)?$/;
const INTEGER_RE = /^\+?\d+$/;

/**
 * With unit `'auto'`, epoch numbers from here up are nanoseconds (see {@link toUtcMillis}).
 *
 * @example
 * ```ts
 * 1567965480123456789 >= NS_FROM; // true: read as ns
 * ```
 */
export const NS_FROM = 1e17;
const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2})(?:[:-](\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:[- ]?([AaPp][Mm]))?)?(?:Z|[+-]00:?00| UTC)?$/;

/**
 * Parses a date string as UTC, never as local time. Returns `null` when the text is not a valid date
 * (including impossible dates such as `2023-02-29`).
 *
 * @example
 * ```ts
 * parseUtcDate('2024-02-29 23:59:00'); // 1709251140000
 * parseUtcDate('2023-02-29');          // null
 * ```
 */
export function parseUtcDate(text: string): number | null {
  const m = DATE_RE.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  let hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000 + 1e-6);
  const ampm = m[8]?.toUpperCase();
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (ampm === 'PM' ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 2023-02-29 over to March 1st: reject dates that do not round-trip.
  const check = new Date(ms);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  return ms;
}

/**
 * Like {@link toUtcMillis} but throws `INVALID_ARGUMENT` naming the input, for options and CLI flags.
 *
 * @example
 * ```ts
 * requireUtcMillis('2024-01-01', '--from'); // 1704067200000
 * ```
 */
export function requireUtcMillis(value: string | number, what: string): number {
  const ms = toUtcMillis(value);
  if (ms === null) {
    throw new ScalplakeError('INVALID_ARGUMENT', `${what}: ${JSON.stringify(value)} is not a time`, {
      context: { [what]: value },
    });
  }
  return ms;
}

/**
 * Formats UTC epoch milliseconds as `YYYY-MM-DD` (the Hive `date=` partition value).
 *
 * @example
 * ```ts
 * utcDate(1568070000000); // '2019-09-09'
 * ```
 */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Formats UTC epoch milliseconds as `YYYY-MM-DD HH:MM:SS` (or with `.mmm` when there are milliseconds).
 *
 * @example
 * ```ts
 * formatUtc(1567969200000); // '2019-09-08 19:00:00'
 * ```
 */
export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return ms % 1000 === 0 ? base : `${base}.${iso.slice(20, 23)}`;
}

/**
 * Start of the UTC day that contains `ms`.
 *
 * @example
 * ```ts
 * utcDayStart(1567969200000); // 1567900800000
 * ```
 */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * The start of the UTC minute holding `ms`. ⌊ms / 60 000⌋ · 60 000 is exact for every integer below 2^53, and costs a
 * division, where `ms - (ms % 60_000)` costs a call to C's fmod (V8 has no inline `%` for doubles beyond 2^31).
 *
 * @example
 * ```ts
 * utcMinuteStart(1567969234567); // 1567969200000
 * ```
 */
export function utcMinuteStart(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** Milliseconds per kline interval, for the intervals Binance serves (`1M` and `1mo` are calendar months: not fixed). */
export const INTERVAL_MS: Readonly<Record<string, number>> = {
  '1s': 1000,
  '1m': MINUTE_MS,
  '3m': 3 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': HOUR_MS,
  '2h': 2 * HOUR_MS,
  '4h': 4 * HOUR_MS,
  '6h': 6 * HOUR_MS,
  '8h': 8 * HOUR_MS,
  '12h': 12 * HOUR_MS,
  '1d': DAY_MS,
  '3d': 3 * DAY_MS,
  '1w': 7 * DAY_MS,
};

/**
 * The length of a kline interval in milliseconds.
 *
 * @throws `INVALID_ARGUMENT` for an interval that has no fixed length or is unknown.
 * @example
 * ```ts
 * intervalMs('5m'); // 300000
 * ```
 */
export function intervalMs(interval: string): number {
  const ms = INTERVAL_MS[interval];
  if (ms === undefined) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Interval ${JSON.stringify(interval)} is not supported`, {
      context: { interval },
    });
  }
  return ms;
}
