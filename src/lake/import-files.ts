/**
 * The bulk import job: a local CSV or zip, or a zip URL, into bronze (the original, verified) and silver (validated,
 * deduplicated, upserted), with rejected rows in quarantine and a per-file report.
 * @module
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { Dispatcher } from 'undici';
import { ScalplakeError } from '../core/errors.js';
import type { GapEvent, ProgressEvent } from '../core/events.js';
import { type Batch, operator, source } from '../core/stage.js';
import { TABLES, type TableName } from '../core/tables.js';
import { utcDayStart } from '../core/time.js';
import { pipeline } from '../pipeline/pipeline.js';
import type { RunReport } from '../pipeline/run-report.js';
import { verifyLocalZip } from '../sources/files/checksum.js';
import { type CsvOpenResult, type CsvRecord, openCsv } from '../sources/files/csv-records.js';
import type { CsvDetection, CsvFormat, CsvTable } from '../sources/files/detect-format.js';
import { downloadBulkFile } from '../sources/files/download.js';
import type { RetryOptions } from '../sources/files/http-retry.js';
import { teeAsync } from '../sources/files/tee-async.js';
import { openStoredZip, openZip } from '../sources/files/zip.js';
import { dedupe } from '../transforms/dedupe.js';
import { detectGaps } from '../transforms/detect-gaps.js';
import { type OnInvalid, validate } from '../transforms/validate.js';
import { findSilverGaps } from './find-silver-gaps.js';
import { bronzeFileKey } from './layout.js';
import type { Lake } from './lake.js';
import { toQuarantineRows } from './watermarks.js';

/** Options of {@link importFile} and {@link importFiles}. */
export interface ImportOptions {
  /** The symbol of the rows; needed when neither the file name nor the rows name it. */
  readonly symbol?: string | undefined;
  /** Force the CSV family (default: detected). */
  readonly format?: 'auto' | CsvFormat | undefined;
  /** Force the silver table (default: detected; price-index klines are recognized by path). */
  readonly table?: TableName | undefined;
  /** Force the kline interval (default: from the file name or the rows). */
  readonly interval?: string | undefined;
  /** What to do with invalid rows; default `'quarantine'`. */
  readonly onInvalid?: OnInvalid | undefined;
  /** Adds an in-stream dedupe remembering this many keys (default: none; the partition upsert dedupes exactly). */
  readonly dedupeWindow?: number | undefined;
  /** Skip files whose exact bytes were already imported into the same table (default true). */
  readonly resume?: boolean | undefined;
  /** The `ingested_at` stamped on new rows (default: now). */
  readonly ingestedAt?: number | undefined;
  /** undici dispatcher for URL inputs (tests pass an `Agent` bound to loopback). */
  readonly dispatcher?: Dispatcher | undefined;
  /** Retries of URL downloads. */
  readonly retry?: RetryOptions | undefined;
  /** Cancels the import. */
  readonly signal?: AbortSignal | undefined;
  /** Progress of downloads and of the rows flowing. */
  readonly onProgress?: ((p: ProgressEvent) => void) | undefined;
}

/** What importing one file did. */
export interface FileImportReport {
  /** The path or URL as given. */
  readonly input: string;
  /** The bronze key of the original file. */
  readonly bronzeKey: string;
  /** sha256 of the original file. */
  readonly sha256: string;
  /** `verified` against a `.CHECKSUM`, or `unverified` (a local file without one). */
  readonly checksum: 'verified' | 'unverified';
  /** True when the same bytes had been imported before and `resume` skipped them. */
  readonly skipped: boolean;
  /** The silver table written. */
  readonly table: TableName;
  /** The symbol of the rows. */
  readonly symbol: string | null;
  /** What the reader detected (format, header, columns, time unit, interval, reasons). */
  readonly detection: CsvDetection | null;
  /** Data rows read from the file. */
  readonly rowsRead: number;
  /** Rows inserted or replaced in silver. */
  readonly rowsWritten: number;
  /** Rows silver already held identically. */
  readonly unchanged: number;
  /** Rows removed as duplicates. */
  readonly duplicates: number;
  /** Rows quarantined (or passed to the callback). */
  readonly quarantined: number;
  /** Gaps in the table over the time span of the file (klines: missing intervals; agg_trades: missing ids). */
  readonly gaps: readonly GapEvent[];
  /** Silver (and quarantine) objects written. */
  readonly filesWritten: readonly string[];
  /** Wall time in ms. */
  readonly durationMs: number;
}

/** What importing several files did, with totals. */
export interface ImportSummary {
  /** One report per input, in order. */
  readonly files: readonly FileImportReport[];
  /** Sums over the files. */
  readonly totals: ImportTotals;
}

/** Sums over the files of an import. */
export interface ImportTotals {
  /** Data rows read. */
  readonly rowsRead: number;
  /** Rows inserted or replaced in silver. */
  readonly rowsWritten: number;
  /** Rows silver already held identically. */
  readonly unchanged: number;
  /** Rows removed as duplicates. */
  readonly duplicates: number;
  /** Rows quarantined. */
  readonly quarantined: number;
  /** Gaps found. */
  readonly gaps: number;
  /** Intervals or ids missing in those gaps. */
  readonly missing: number;
}

interface OpenedInput {
  readonly bronzeKey: string;
  /** Known up front for verified zips; for a local CSV it is computed by the bronze copy, run beside the import. */
  readonly sha256: string | Promise<string>;
  /** Resolves when the bronze copy is complete. */
  readonly bronzeDone?: Promise<unknown>;
  /** Releases what `open` started when the import stops before reading (e.g. an unknown format). */
  readonly abandon?: () => Promise<void>;
  /** A state key that identifies the input before its sha256 is known (local CSVs: path, size and mtime). */
  readonly fingerprint?: string;
  readonly checksum: 'verified' | 'unverified';
  /** The name the reader sees: carries the symbol, interval and data type. */
  readonly name: string;
  readonly open: () => Promise<AsyncIterable<Uint8Array>>;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/**
 * Imports one file into the lake: the original into bronze (a zip is verified against its `.CHECKSUM` first),
 * the rows into silver through validate → dedupe → partition upsert, rejected rows into quarantine.
 *
 * @throws `FILE_NOT_FOUND`, `CHECKSUM_MISMATCH`, `ZIP_INVALID`, `ZIP_UNSAFE_ENTRY`, `DOWNLOAD_FAILED`, `FORMAT_UNKNOWN`,
 *   `INVALID_SYMBOL`, `SCHEMA_INVALID` (with `onInvalid: 'throw'`), `SINK_WRITE`. Nothing reaches silver when the
 *   file fails its checksum or its zip is corrupt.
 * @example
 * ```ts
 * const lake = openLake('./lake');
 * const r = await importFile(lake, 'examples/data/BTCUSDT-1m-2019-09.zip');
 * console.log(r.rowsWritten, r.gaps);
 * ```
 */
export async function importFile(lake: Lake, input: string, options: ImportOptions = {}): Promise<FileImportReport> {
  const started = Date.now();
  return importOpened(lake, input, await openInput(lake, input, options), options, started);
}

/**
 * Imports a verified zip that is already in bronze (as `downloadBulkFile` leaves it).
 *
 * @throws As {@link importFile}.
 * @example
 * ```ts
 * const d = await downloadBulkFile(file, { store: lake.store });
 * await importBronzeZip(lake, d.key, d.sha256, file.url);
 * ```
 */
export async function importBronzeZip(
  lake: Lake,
  key: string,
  sha256: string,
  input: string,
  options: ImportOptions = {},
): Promise<FileImportReport> {
  const started = Date.now();
  const fileName = key.split('/').pop() ?? key;
  const opened: OpenedInput = {
    bronzeKey: key,
    sha256,
    checksum: 'verified',
    name: key,
    open: async () => (await openStoredZip(lake.store, key, { expect: 'datavision', name: fileName, signal: options.signal })).stream,
  };
  return importOpened(lake, input, opened, options, started);
}

async function importOpened(
  lake: Lake,
  input: string,
  opened: OpenedInput,
  options: ImportOptions,
  started: number,
): Promise<FileImportReport> {
  const knownSha = typeof opened.sha256 === 'string' ? opened.sha256 : undefined;
  const fingerprintSha = opened.fingerprint ? ((await lake.state.get(opened.fingerprint)) as { sha256?: string } | undefined)?.sha256 : undefined;
  const priorSha = knownSha ?? fingerprintSha;
  if (options.resume !== false && priorSha !== undefined) {
    const prior = (await lake.state.get(`imports/${priorSha}`)) as FileImportReport | undefined;
    // The same bytes go to the same rows only with the same forced table, symbol and interval: a file imported before
    // under another symbol (a wrong --symbol, a file without one in its name) is imported again, not skipped.
    if (
      prior &&
      (options.table === undefined || prior.table === options.table) &&
      (options.symbol === undefined || prior.symbol === options.symbol) &&
      (options.interval === undefined || prior.detection?.interval === options.interval)
    ) {
      return { ...prior, input, skipped: true, rowsWritten: 0, unchanged: 0, filesWritten: [], durationMs: Date.now() - started };
    }
  }

  const bytes = await opened.open();
  let csv: CsvOpenResult<CsvRecord>;
  try {
    csv = await openCsv(bytes, {
      name: opened.name,
      ingestedAt: options.ingestedAt ?? Date.now(),
      ...(options.format === undefined ? {} : { format: options.format }),
      ...(options.table === undefined ? {} : { table: options.table as CsvTable }),
      ...(options.symbol === undefined ? {} : { symbol: options.symbol }),
      ...(options.interval === undefined ? {} : { interval: options.interval }),
    });
  } catch (e) {
    await opened.abandon?.();
    throw e;
  }
  const { detection } = csv;
  const table = detection.table;
  const def = TABLES[table];
  const quarantine = lake.quarantine(table);
  const span = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
  const timeColumn = def.timeColumn;
  const track = operator<CsvRecord, CsvRecord>('span', async function* (inputBatches) {
    for await (const batch of inputBatches) {
      for (const row of batch) {
        const t = (row as unknown as Record<string, number>)[timeColumn] as number;
        if (t < span.min) span.min = t;
        if (t > span.max) span.max = t;
      }
      yield batch;
    }
  });

  // Rows in file order with a gap rule: find candidate gaps in the stream, so clean files need no read-back.
  const streamGaps = detection.order === 'ascending' && (table === 'klines' || table === 'agg_trades');
  const run = pipeline(`import ${opened.name}`)
    .from(source<CsvRecord>(`csv(${opened.name})`, () => csv.batches as AsyncIterable<Batch<CsvRecord>>))
    .pipe(
      validate(def.schema, {
        table,
        onInvalid: options.onInvalid ?? 'quarantine',
        quarantine: (rows) => quarantine.append(toQuarantineRows(table, rows)),
      }) as never,
    )
    // The in-stream dedupe is for live streams; here the partition upsert collapses duplicates exactly (and counts them).
    .$if(options.dedupeWindow !== undefined, (p) => p.pipe(dedupe<CsvRecord>({ key: [...def.key], window: options.dedupeWindow ?? 0 })))
    .$if(streamGaps, (p) => p.pipe(detectGaps<CsvRecord>({ table: table as 'klines' | 'agg_trades' })))
    .pipe(track)
    .to(lake.silver(table) as never)
    .run(options.signal ? { signal: options.signal } : {});
  if (options.onProgress) {
    const onProgress = options.onProgress;
    run.on('progress', (p) => onProgress({ ...p, detail: opened.name, bytes: csv.stats.bytes }));
  }
  let report: RunReport;
  try {
    report = await run.done;
  } finally {
    await quarantine.close();
    await opened.bronzeDone;
  }
  const sha256 = await opened.sha256;
  if (report.status === 'aborted') {
    throw new ScalplakeError('ABORTED', `Import of ${input} was aborted`, { context: { input } });
  }

  const symbol = detection.symbol;
  const gaps =
    symbol !== null && span.min <= span.max && (!streamGaps || report.gaps.length > 0)
      ? await findSilverGaps(lake, table, symbol, {
          from: table === 'klines' ? span.min : utcDayStart(span.min),
          to: span.max + 1,
          ...(detection.interval ? { interval: detection.interval } : {}),
        })
      : [];
  const result: FileImportReport = {
    input,
    bronzeKey: opened.bronzeKey,
    sha256,
    checksum: opened.checksum,
    skipped: false,
    table,
    symbol,
    detection,
    rowsRead: csv.stats.rows,
    rowsWritten: report.rowsOut,
    unchanged: report.unchanged,
    duplicates: report.duplicates,
    quarantined: report.invalid,
    gaps,
    filesWritten: [...report.filesWritten, ...quarantine.keysWritten],
    durationMs: Date.now() - started,
  };
  await lake.state.put(`imports/${sha256}`, { ...result, importedAt: Date.now() });
  if (opened.fingerprint) await lake.state.put(opened.fingerprint, { sha256 });
  return result;
}

/**
 * Imports files one after the other and sums their reports.
 *
 * @throws The first failing file's error; files imported before it stay imported (each is complete on its own).
 * @example
 * ```ts
 * const { totals } = await importFiles(openLake('./lake'), ['a.zip', 'b.csv'], { symbol: 'BTCUSDT' });
 * ```
 */
export async function importFiles(lake: Lake, inputs: readonly string[], options: ImportOptions = {}): Promise<ImportSummary> {
  const files: FileImportReport[] = [];
  for (const input of inputs) files.push(await importFile(lake, input, options));
  return { files, totals: sumReports(files) };
}

/** Sums file reports into the totals of an {@link ImportSummary}. */
export function sumReports(files: readonly FileImportReport[]): ImportTotals {
  const t = { rowsRead: 0, rowsWritten: 0, unchanged: 0, duplicates: 0, quarantined: 0, gaps: 0, missing: 0 };
  for (const f of files) {
    t.rowsRead += f.rowsRead;
    t.rowsWritten += f.rowsWritten;
    t.unchanged += f.unchanged;
    t.duplicates += f.duplicates;
    t.quarantined += f.quarantined;
    t.gaps += f.gaps.length;
    for (const g of f.gaps) t.missing += g.missing;
  }
  return t;
}

async function openInput(lake: Lake, input: string, options: ImportOptions): Promise<OpenedInput> {
  if (isUrl(input)) return openUrl(lake, input, options);
  try {
    const s = await stat(input);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (cause) {
    throw new ScalplakeError('FILE_NOT_FOUND', `File ${JSON.stringify(input)} does not exist or is not a file`, {
      context: { path: input },
      cause,
    });
  }
  const name = basename(input);
  if (/\.zip$/i.test(name)) {
    // Verify before anything is written: a mismatch throws CHECKSUM_MISMATCH here.
    const v = await verifyLocalZip(input);
    if (v.status === 'unverified') {
      // Without a checksum, inflate once to check every CRC, so a corrupt zip cannot half-import.
      for await (const _ of (await openZip(input, { signal: options.signal })).stream) {
        /* reading is the check */
      }
    }
    const bronze = await lake.bronzeFile('files', `${v.sha256.slice(0, 16)}/${name}`, createReadStream(input));
    return {
      bronzeKey: bronze.key,
      sha256: v.sha256,
      checksum: v.status,
      name: input,
      open: async () => (await openZip(input, { signal: options.signal })).stream,
    };
  }
  // One read of the file feeds both the parser and the bronze copy (which hashes it), side by side. The sha256 is
  // known only once the copy is done, so the copy is filed under the input's fingerprint (path, size, mtime): two
  // different files with the same name (other folders, or the file changed in place) keep their own originals.
  const st = await stat(input);
  const fingerprint = createHash('sha256').update(`${resolve(input)}|${st.size}|${st.mtimeMs}`).digest('hex');
  const bronzePath = `by-name/${fingerprint.slice(0, 16)}/${name}`;
  const bronzeKey = bronzeFileKey('files', bronzePath);
  let startBronze!: (body: AsyncIterable<Uint8Array>) => void;
  let parser: AsyncIterable<Uint8Array> | undefined;
  const bronze = new Promise<AsyncIterable<Uint8Array>>((r) => {
    startBronze = r;
  }).then((body) => lake.bronzeFile('files', bronzePath, body));
  bronze.catch(() => {});
  // Awaited only after the rows were read: a failed bronze copy surfaces through `bronzeDone` (awaited first), and
  // must not be an unhandled rejection meanwhile (Node would end the process).
  const sha256 = bronze.then((b) => b.sha256);
  sha256.catch(() => {});
  return {
    bronzeKey,
    sha256,
    bronzeDone: bronze,
    fingerprint: `import-fingerprints/${fingerprint}`,
    checksum: 'unverified',
    name: input,
    open: async () => {
      const [toBronze, toParser] = teeAsync(createReadStream(input, { highWaterMark: 1 << 20 }));
      parser = toParser;
      startBronze(toBronze);
      return toParser;
    },
    abandon: async () => {
      await (parser as AsyncGenerator<Uint8Array> | undefined)?.return(undefined);
      await bronze.catch(() => {});
    },
  };
}

async function openUrl(lake: Lake, url: string, options: ImportOptions): Promise<OpenedInput> {
  const { pathname } = new URL(url);
  const fileName = decodeURIComponent(pathname.split('/').pop() ?? '');
  if (!/\.zip$/i.test(fileName)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `URL ${url} is not a .zip: only zips with a .CHECKSUM are downloaded`, {
      context: { url },
    });
  }
  const dv = pathname.indexOf('/data/futures/um/');
  const rest = dv >= 0 ? pathname.slice(dv + '/data/futures/um/'.length) : `urls/${fileName}`;
  const key = dv >= 0 ? `bronze/datavision/futures/um/${rest}` : `bronze/files/${rest}`;
  const result = await downloadBulkFile(
    { url, checksumUrl: `${url}.CHECKSUM`, fileName, key },
    {
      store: lake.store,
      dispatcher: options.dispatcher,
      signal: options.signal,
      retry: options.retry,
      onProgress: options.onProgress
        ? (bytes, total) =>
            options.onProgress?.({ stage: 'download', rows: 0, bytes, ...(total === undefined ? {} : { totalBytes: total }), detail: fileName })
        : undefined,
    },
  );
  return {
    bronzeKey: result.key,
    sha256: result.sha256,
    checksum: 'verified',
    name: pathname,
    open: async () => (await openStoredZip(lake.store, result.key, { name: fileName, signal: options.signal })).stream,
  };
}
