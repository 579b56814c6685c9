/**
 * The download job: plan data.binance.vision files for a date range, download and verify each into bronze, import
 * it into silver. Re-running resumes: verified zips are not downloaded again and imported ones are not re-imported.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import type { GapEvent } from '../core/events.js';
import { assertSymbol } from '../core/symbol.js';
import type { TableName } from '../core/tables.js';
import { planBulkFiles } from '../sources/files/bulk-plan.js';
import {
  DATAVISION_DAILY_INTERVALS,
  DATAVISION_DATA_TYPES,
  type DatavisionDataType,
  datavisionPeriods,
} from '../sources/files/datavision-url.js';
import { downloadBulkFile, isMissingFile } from '../sources/files/download.js';
import { type FileImportReport, type ImportOptions, importBronzeZip, sumReports, type ImportSummary } from './import-files.js';
import type { Lake } from './lake.js';

/** The silver table each data.binance.vision data type feeds. */
export const DATA_TYPE_TABLES: Readonly<Partial<Record<DatavisionDataType, TableName>>> = {
  klines: 'klines',
  aggTrades: 'agg_trades',
  fundingRate: 'funding_rates',
  markPriceKlines: 'mark_price_klines',
  indexPriceKlines: 'index_price_klines',
  premiumIndexKlines: 'premium_index_klines',
  bookDepth: 'book_depth_bands',
};

/** Options of {@link downloadFiles}. */
export interface DownloadFilesOptions extends ImportOptions {
  /** The symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** data.binance.vision data types, e.g. `['klines', 'aggTrades', 'fundingRate']`. */
  readonly data: readonly string[];
  /** First UTC day (inclusive), `YYYY-MM-DD` or any time. */
  readonly from: string | number;
  /** Last UTC day (inclusive). */
  readonly to: string | number;
  /** Kline interval for the kline-like data types (default `1m`). */
  readonly interval?: string | undefined;
  /** Base URL of data.binance.vision (tests and mirrors). */
  readonly baseUrl?: string | undefined;
  /** Called before each file with its position in the plan. */
  readonly onFile?: ((file: { readonly url: string; readonly index: number; readonly count: number }) => void) | undefined;
}

/** What {@link downloadFiles} did: the import summary plus the files the server does not have. */
export interface DownloadSummary extends ImportSummary {
  /** Files that answered 404 (not published yet, or never): their days are gaps. */
  readonly missingFiles: readonly MissingFile[];
}

/** A planned file the server answered 404 for. */
export interface MissingFile {
  /** The zip's URL. */
  readonly url: string;
  /** First UTC day it covers (`YYYY-MM-DD`). */
  readonly from: string;
  /** Last UTC day it covers. */
  readonly to: string;
}

/**
 * Downloads, verifies and imports data.binance.vision files: monthly files for whole months in the range, daily
 * files for the partial months at its edges. A monthly file the server does not have (404: the running month, or a
 * month that ended days ago) is replaced by that month's daily files where the data type has them. A 404 is
 * recorded as a missing file (its days become gaps) and the job goes on; any other failure stops it with the
 * error, leaving what was imported before it complete.
 *
 * @throws `INVALID_SYMBOL`, `INVALID_ARGUMENT` (unknown data type, bad range), `CHECKSUM_MISMATCH`,
 *   `DOWNLOAD_FAILED`, and the errors of {@link importBronzeZip}.
 * @example
 * ```ts
 * await downloadFiles(openLake('./lake'), { symbol: 'BTCUSDT', data: ['klines'], from: '2024-01-01', to: '2024-01-31' });
 * ```
 */
export async function downloadFiles(lake: Lake, options: DownloadFilesOptions): Promise<DownloadSummary> {
  const symbol = assertSymbol(options.symbol, '--symbol');
  const planOptions = (dataType: DatavisionDataType, interval: string | undefined) => ({
    symbol,
    dataType,
    ...(interval === undefined ? {} : { interval }),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });
  const plans = options.data.map((d) => {
    if (!(DATAVISION_DATA_TYPES as readonly string[]).includes(d) || DATA_TYPE_TABLES[d as DatavisionDataType] === undefined) {
      throw new ScalplakeError(
        'INVALID_ARGUMENT',
        `Data type ${JSON.stringify(d)} is not one of ${Object.keys(DATA_TYPE_TABLES).join(', ')}`,
        { context: { data: d } },
      );
    }
    const dataType = d as DatavisionDataType;
    const interval = /Klines$|^klines$/.test(dataType) ? (options.interval ?? '1m') : undefined;
    return planBulkFiles({ ...planOptions(dataType, interval), from: options.from, to: options.to }).map((f) => ({
      file: f,
      table: DATA_TYPE_TABLES[dataType] as TableName,
      dataType,
      interval,
    }));
  });
  const all = plans.flat();
  const files: FileImportReport[] = [];
  const missingFiles: { url: string; from: string; to: string }[] = [];
  for (let index = 0; index < all.length; index++) {
    const { file, table, dataType, interval } = all[index]!;
    options.onFile?.({ url: file.url, index, count: all.length });
    let downloaded: Awaited<ReturnType<typeof downloadBulkFile>>;
    try {
      downloaded = await downloadBulkFile(file, {
        store: lake.store,
        dispatcher: options.dispatcher,
        signal: options.signal,
        retry: options.retry,
        onProgress: options.onProgress
          ? (bytes, total) =>
              options.onProgress?.({ stage: 'download', rows: 0, bytes, ...(total === undefined ? {} : { totalBytes: total }), detail: file.fileName })
          : undefined,
      });
    } catch (e) {
      if (isMissingFile(e)) {
        // A month's file is published some days after the month ends (never for the running month), while its
        // days are published daily: take those instead, and report the days the server has not either.
        if (file.period === 'monthly' && datavisionPeriods(dataType).includes('daily') && isDailyInterval(interval)) {
          const days = planBulkFiles({ ...planOptions(dataType, interval), from: file.from, to: file.to, period: 'daily' });
          all.splice(index + 1, 0, ...days.map((f) => ({ file: f, table, dataType, interval })));
          continue;
        }
        missingFiles.push({ url: file.url, from: file.from, to: file.to });
        continue;
      }
      throw e;
    }
    files.push(await importBronzeZip(lake, downloaded.key, downloaded.sha256, file.url, { ...options, symbol, table }));
  }
  return { files, totals: sumReports(files), missingFiles };
}

/** Whether data.binance.vision publishes daily files of this kline interval (no interval: not a kline type). */
function isDailyInterval(interval: string | undefined): boolean {
  return interval === undefined || (DATAVISION_DAILY_INTERVALS as readonly string[]).includes(interval);
}

/** Gap events of a download summary, flattened. */
export function summaryGaps(summary: ImportSummary): GapEvent[] {
  return summary.files.flatMap((f) => f.gaps);
}
