/**
 * Addresses of the data.binance.vision bulk files of Binance USD-M futures: the zip, its `.CHECKSUM` and the
 * bronze key under which the original zip is kept.
 * @module
 */
import { ScalplakeError } from '../../core/errors.js';
import { assertSymbol } from '../../core/symbol.js';
import { parseUtcDate } from '../../core/time.js';

/** The public base URL of the bulk files; never contacted by the tests. */
export const DATAVISION_BASE_URL = 'https://data.binance.vision';

/** The USD-M futures data types scalplake downloads from data.binance.vision. */
export const DATAVISION_DATA_TYPES = [
  'klines',
  'markPriceKlines',
  'premiumIndexKlines',
  'indexPriceKlines',
  'aggTrades',
  'fundingRate',
  'bookDepth',
] as const;

/** One of {@link DATAVISION_DATA_TYPES}. */
export type DatavisionDataType = (typeof DATAVISION_DATA_TYPES)[number];

/** Daily files cover one UTC day, monthly files one UTC calendar month. */
export type DatavisionPeriod = 'daily' | 'monthly';

/** Kline intervals published as daily files. */
export const DATAVISION_DAILY_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
] as const;

/** Kline intervals published as monthly files (the daily ones plus `3d`, `1w` and `1mo`; `1mo`, not `1M`). */
export const DATAVISION_MONTHLY_INTERVALS = [...DATAVISION_DAILY_INTERVALS, '3d', '1w', '1mo'] as const;

/** Which periods each data type is published in, and whether its files sit in an interval folder. */
const LAYOUT: { readonly [K in DatavisionDataType]: { readonly periods: readonly DatavisionPeriod[]; readonly interval: boolean } } = {
  klines: { periods: ['daily', 'monthly'], interval: true },
  markPriceKlines: { periods: ['daily', 'monthly'], interval: true },
  premiumIndexKlines: { periods: ['daily', 'monthly'], interval: true },
  indexPriceKlines: { periods: ['daily', 'monthly'], interval: true },
  aggTrades: { periods: ['daily', 'monthly'], interval: false },
  fundingRate: { periods: ['monthly'], interval: false },
  bookDepth: { periods: ['daily'], interval: false },
};

/**
 * Tells which periods a data type is published in: `fundingRate` only monthly, `bookDepth` only daily, the
 * others both.
 *
 * @throws `INVALID_ARGUMENT` for an unknown data type.
 * @example
 * ```ts
 * datavisionPeriods('fundingRate'); // ['monthly']
 * ```
 */
export function datavisionPeriods(dataType: DatavisionDataType): readonly DatavisionPeriod[] {
  return layoutOf(dataType).periods;
}

/**
 * Tells whether a data type's files sit in an interval folder (klines and the three price-kline types).
 *
 * @throws `INVALID_ARGUMENT` for an unknown data type.
 * @example
 * ```ts
 * datavisionHasInterval('markPriceKlines'); // true
 * datavisionHasInterval('aggTrades');       // false
 * ```
 */
export function datavisionHasInterval(dataType: DatavisionDataType): boolean {
  return layoutOf(dataType).interval;
}

/** What identifies one data.binance.vision file. */
export interface DatavisionFileSpec {
  /** Market symbol, e.g. `BTCUSDT` (checked with `assertSymbol`). */
  readonly symbol: string;
  /** The data type folder, e.g. `klines` or `aggTrades`. */
  readonly dataType: DatavisionDataType;
  /** `daily` or `monthly`. */
  readonly period: DatavisionPeriod;
  /** The UTC day `YYYY-MM-DD` of a daily file, or the UTC month `YYYY-MM` of a monthly file. */
  readonly date: string;
  /** Kline interval (`1m` … `1d`, monthly also `3d` `1w` `1mo`); required for the kline types, refused otherwise. */
  readonly interval?: string | undefined;
  /** Base URL without trailing path, default {@link DATAVISION_BASE_URL}. */
  readonly baseUrl?: string | undefined;
}

/** The addresses of one data.binance.vision file. */
export interface DatavisionFile {
  /** The zip's URL. */
  readonly url: string;
  /** The URL of its `.zip.CHECKSUM` file (sha256sum format). */
  readonly checksumUrl: string;
  /** The zip's file name, e.g. `BTCUSDT-1m-2024-01.zip`. */
  readonly fileName: string;
  /** The name of the single CSV inside the zip, e.g. `BTCUSDT-1m-2024-01.csv`. */
  readonly entryName: string;
  /** The object-store key of the original zip in bronze. */
  readonly key: string;
  /** `daily` or `monthly`. */
  readonly period: DatavisionPeriod;
  /** The data type. */
  readonly dataType: DatavisionDataType;
  /** The symbol. */
  readonly symbol: string;
  /** The interval for the kline types, `undefined` otherwise. */
  readonly interval: string | undefined;
}

/** The bronze prefix under which original data.binance.vision zips are kept. */
export const DATAVISION_BRONZE_PREFIX = 'bronze/datavision/futures/um';

/**
 * Builds the URL, checksum URL, file name and bronze key of one USD-M futures data.binance.vision file
 * (`${baseUrl}/data/futures/um/{daily|monthly}/{dataType}/{SYMBOL}/[{interval}/]{file}.zip`).
 *
 * @throws `INVALID_SYMBOL` for a malformed symbol; `INVALID_ARGUMENT` for an unknown data type, a period the data
 * type is not published in (fundingRate daily, bookDepth monthly), a missing, unexpected or unknown interval, or a
 * date not in the period's form.
 * @example
 * ```ts
 * const f = datavisionUrl({ symbol: 'BTCUSDT', dataType: 'klines', period: 'monthly', interval: '1m', date: '2024-01' });
 * f.url; // 'https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip'
 * f.key; // 'bronze/datavision/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip'
 * ```
 */
export function datavisionUrl(spec: DatavisionFileSpec): DatavisionFile {
  const symbol = assertSymbol(spec.symbol, 'data.binance.vision file');
  const { dataType, period, date } = spec;
  const layout = layoutOf(dataType);
  if (!layout.periods.includes(period)) {
    throw invalid(
      `Data type ${JSON.stringify(dataType)} has no ${JSON.stringify(period)} files on data.binance.vision (only ${layout.periods.join(', ')})`,
      { dataType, period },
    );
  }
  checkDate(period, date);
  let interval: string | undefined;
  if (layout.interval) {
    interval = checkInterval(dataType, period, spec.interval);
  } else if (spec.interval !== undefined) {
    throw invalid(`Data type ${JSON.stringify(dataType)} takes no interval (got ${JSON.stringify(spec.interval)})`, {
      dataType,
      interval: spec.interval,
    });
  }
  const base = `${symbol}-${interval ?? dataType}-${date}`;
  const fileName = `${base}.zip`;
  const path = `${period}/${dataType}/${symbol}/${interval === undefined ? '' : `${interval}/`}${fileName}`;
  const baseUrl = (spec.baseUrl ?? DATAVISION_BASE_URL).replace(/\/+$/, '');
  const url = `${baseUrl}/data/futures/um/${path}`;
  return {
    url,
    checksumUrl: `${url}.CHECKSUM`,
    fileName,
    entryName: `${base}.csv`,
    key: `${DATAVISION_BRONZE_PREFIX}/${path}`,
    period,
    dataType,
    symbol,
    interval,
  };
}

function layoutOf(dataType: DatavisionDataType): (typeof LAYOUT)[DatavisionDataType] {
  const layout = Object.hasOwn(LAYOUT, dataType) ? LAYOUT[dataType] : undefined;
  if (layout === undefined) {
    throw invalid(
      `Data type ${JSON.stringify(dataType)} is not supported (expected one of ${DATAVISION_DATA_TYPES.join(', ')})`,
      { dataType },
    );
  }
  return layout;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_RE = /^\d{4}-\d{2}$/;

function checkDate(period: DatavisionPeriod, date: string): void {
  const ok =
    period === 'daily'
      ? DAY_RE.test(date) && parseUtcDate(date) !== null
      : MONTH_RE.test(date) && parseUtcDate(`${date}-01`) !== null;
  if (!ok) {
    throw invalid(
      `Date ${JSON.stringify(date)} is not a ${period === 'daily' ? 'UTC day YYYY-MM-DD' : 'UTC month YYYY-MM'} for a ${period} file`,
      { period, date },
    );
  }
}

function checkInterval(dataType: DatavisionDataType, period: DatavisionPeriod, interval: string | undefined): string {
  if (interval === undefined) {
    throw invalid(`Data type ${JSON.stringify(dataType)} needs an interval`, { dataType });
  }
  const allowed: readonly string[] = period === 'daily' ? DATAVISION_DAILY_INTERVALS : DATAVISION_MONTHLY_INTERVALS;
  if (!allowed.includes(interval)) {
    const hint = interval === '1M' ? ' (data.binance.vision spells the month interval "1mo")' : '';
    throw invalid(
      `Interval ${JSON.stringify(interval)} has no ${period} ${dataType} files on data.binance.vision${hint}; expected one of ${allowed.join(' ')}`,
      { dataType, period, interval },
    );
  }
  return interval;
}

function invalid(message: string, context: Record<string, unknown>): ScalplakeError {
  return new ScalplakeError('INVALID_ARGUMENT', message, { context });
}
