/**
 * Plans which data.binance.vision files cover a UTC date range: monthly files for whole months, daily files for
 * the partial months at the edges.
 * @module
 */
import { ScalplakeError } from '../../core/errors.js';
import { DAY_MS, requireUtcMillis, utcDate, utcDayStart } from '../../core/time.js';
import {
  DATAVISION_DAILY_INTERVALS,
  type DatavisionDataType,
  type DatavisionFile,
  type DatavisionPeriod,
  datavisionPeriods,
  datavisionUrl,
} from './datavision-url.js';

/** What to plan: one symbol, one data type (and interval), a UTC range of whole days. */
export interface BulkPlanOptions {
  /** Market symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** The data.binance.vision data type. */
  readonly dataType: DatavisionDataType;
  /** Kline interval for the kline types (`1m` …); refused for the others. */
  readonly interval?: string | undefined;
  /** First UTC day of the range (`YYYY-MM-DD`, any UTC date string, or epoch ms; truncated to its day). */
  readonly from: string | number;
  /** Last UTC day of the range, inclusive (same forms as `from`). */
  readonly to: string | number;
  /**
   * `auto` (default): monthly files for whole months, daily files at the edges; `daily`: only daily files;
   * `monthly`: only monthly files covering the range. Data types published in one period only always use it.
   */
  readonly period?: 'auto' | DatavisionPeriod | undefined;
  /** Base URL, default `https://data.binance.vision`. */
  readonly baseUrl?: string | undefined;
}

/** One file of a plan: its addresses and the UTC days it covers. */
export interface BulkFile extends DatavisionFile {
  /** First UTC day the file covers, `YYYY-MM-DD`. */
  readonly from: string;
  /** Last UTC day the file covers, inclusive, `YYYY-MM-DD`. */
  readonly to: string;
  /** Start of the covered range, UTC epoch ms (inclusive). */
  readonly startTime: number;
  /** End of the covered range, UTC epoch ms (exclusive: the start of the next day or month). */
  readonly endTime: number;
}

/**
 * Lists the data.binance.vision files to fetch for the UTC days `[from, to]`, oldest first: a monthly file for
 * each calendar month wholly inside the range, daily files for the days of partial months. `fundingRate` and the
 * monthly-only kline intervals (`3d`, `1w`, `1mo`) use monthly files (the months overlapping the range),
 * `bookDepth` daily files only.
 *
 * @throws `INVALID_ARGUMENT` for an unparseable date, `from` after `to`, or an invalid data type/interval
 * combination; `INVALID_SYMBOL` for a malformed symbol.
 * @example
 * ```ts
 * planBulkFiles({ symbol: 'BTCUSDT', dataType: 'aggTrades', from: '2024-01-15', to: '2024-03-10' })
 *   .map((f) => f.fileName);
 * // ['BTCUSDT-aggTrades-2024-01-15.zip', …, 'BTCUSDT-aggTrades-2024-01-31.zip',
 * //  'BTCUSDT-aggTrades-2024-02.zip',
 * //  'BTCUSDT-aggTrades-2024-03-01.zip', …, 'BTCUSDT-aggTrades-2024-03-10.zip']
 * ```
 */
export function planBulkFiles(options: BulkPlanOptions): BulkFile[] {
  const first = utcDayStart(requireUtcMillis(options.from, 'from'));
  const last = utcDayStart(requireUtcMillis(options.to, 'to'));
  if (first > last) {
    throw new ScalplakeError(
      'INVALID_ARGUMENT',
      `Range from ${JSON.stringify(utcDate(first))} is after to ${JSON.stringify(utcDate(last))}`,
      { context: { from: options.from, to: options.to } },
    );
  }
  const periods = datavisionPeriods(options.dataType);
  const wanted = options.period ?? 'auto';
  const daily = periods.includes('daily');
  const monthly = periods.includes('monthly');
  // Intervals published only monthly (3d, 1w, 1mo) are planned as monthly files covering the range.
  const monthlyInterval =
    options.interval !== undefined && !(DATAVISION_DAILY_INTERVALS as readonly string[]).includes(options.interval);
  const mode: 'daily' | 'monthly' | 'auto' = !monthly ? 'daily' : !daily || monthlyInterval ? 'monthly' : wanted;
  const end = last + DAY_MS;
  const files: BulkFile[] = [];
  let month = monthStart(first);
  while (month < end) {
    const next = nextMonth(month);
    const whole = month >= first && next <= end;
    if (mode === 'monthly' || (mode === 'auto' && whole)) {
      files.push(entry(options, 'monthly', utcDate(month).slice(0, 7), month, next));
    } else {
      const from = Math.max(month, first);
      const to = Math.min(next, end);
      for (let day = from; day < to; day += DAY_MS) {
        files.push(entry(options, 'daily', utcDate(day), day, day + DAY_MS));
      }
    }
    month = next;
  }
  return files;
}

function entry(
  options: BulkPlanOptions,
  period: DatavisionPeriod,
  date: string,
  startTime: number,
  endTime: number,
): BulkFile {
  const file = datavisionUrl({
    symbol: options.symbol,
    dataType: options.dataType,
    period,
    date,
    interval: options.interval,
    baseUrl: options.baseUrl,
  });
  return { ...file, from: utcDate(startTime), to: utcDate(endTime - DAY_MS), startTime, endTime };
}

function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
