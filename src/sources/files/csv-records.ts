/**
 * The CSV reader's entry point: detect the format from the first bytes, then stream every row into records of the
 * detected table, in batches that remember each row's line and raw text and carry the rejected rows.
 * @module
 */
import { ScalplakeError } from '../../core/errors.js';
import { type Batch, type BatchOrigin, type RejectedRow, withOrigin } from '../../core/stage.js';
import type { TableName, TableRows } from '../../core/tables.js';
import { CsvParser } from './csv-parser.js';
import type { CsvRows } from './csv-rows.js';
import { type CsvDetection, type CsvFormat, type CsvTable, detectFormat } from './detect-format.js';
import { cddKline } from './mappers/cdd-kline.js';
import type { CsvMapContext, CsvRowMapper, KlineColumns } from './mappers/csv-map-context.js';
import { datavisionAggTrade } from './mappers/datavision-agg-trade.js';
import { datavisionBookDepth } from './mappers/datavision-book-depth.js';
import { datavisionFundingRate } from './mappers/datavision-funding-rate.js';
import { datavisionKline } from './mappers/datavision-kline.js';
import { datavisionPriceKline } from './mappers/datavision-price-kline.js';
import { kaggleKline } from './mappers/kaggle-kline.js';

/** The record type of a CSV table. */
export type CsvRecord<T extends CsvTable = CsvTable> = TableRows[T];

/** Options of {@link openCsv}. */
export interface CsvOptions {
  /** The file name or path: gives the symbol, interval and price-index kind, and names the rows' origin. */
  readonly name: string;
  /** Force the format (`'auto'`, the default, detects it). */
  readonly format?: 'auto' | CsvFormat;
  /** Force the table (e.g. `mark_price_klines`). */
  readonly table?: TableName;
  /** The symbol; wins over the file name and the file's symbol column. */
  readonly symbol?: string;
  /** The kline interval; wins over the file name and what the rows say. */
  readonly interval?: string;
  /** The `ingested_at` of every record (UTC ms): one value for a whole import. */
  readonly ingestedAt: number;
  /** Most records per batch (default 4096). */
  readonly batchSize?: number;
  /** Bytes read before detecting the format (default 64 KiB; more when the first chunk is bigger). */
  readonly sniffBytes?: number;
}

/** Counters of an {@link openCsv} stream, updated as it is read. */
export interface CsvStats {
  /** Bytes read. */
  bytes: number;
  /** Data rows seen (header and banner excluded). */
  rows: number;
  /** Records produced. */
  records: number;
  /** Rows rejected (in `origin.rejects`). */
  rejected: number;
  /** Blank lines skipped. */
  blankLines: number;
}

/** What {@link openCsv} returns. */
export interface CsvOpenResult<R> {
  /** What was detected (format, table, header, columns, unit, symbol, interval, reasons). */
  readonly detection: CsvDetection;
  /** The records, in file order, in batches of at most `batchSize`; each batch's `origin` has lines, raw text and rejects. */
  readonly batches: AsyncIterable<Batch<R>>;
  /** Counters, complete once `batches` is exhausted. */
  readonly stats: CsvStats;
}

const MAPPERS: Readonly<Record<CsvFormat, Partial<Record<CsvTable, CsvRowMapper<CsvRecord>>>>> = {
  datavision: {
    klines: datavisionKline,
    agg_trades: datavisionAggTrade,
    funding_rates: datavisionFundingRate,
    book_depth_bands: datavisionBookDepth,
    mark_price_klines: datavisionPriceKline,
    index_price_klines: datavisionPriceKline,
    premium_index_klines: datavisionPriceKline,
  },
  cdd: { klines: cddKline },
  kaggle: { klines: kaggleKline },
};

const NO_COLUMNS: KlineColumns = {
  openTime: -1,
  date: -1,
  closeTime: -1,
  open: -1,
  high: -1,
  low: -1,
  close: -1,
  volume: -1,
  quoteVolume: -1,
  tradeCount: -1,
  takerBuyVolume: -1,
  takerBuyQuoteVolume: -1,
};

/**
 * Opens a CSV byte stream: reads the first chunk(s) to detect the format (see {@link detectFormat}), then streams
 * every row through the matching mapper into records of the detected table. Rows that cannot be mapped (wrong
 * column count, non-numeric value, empty required field, a repeated header, an unterminated quote) are not records:
 * they are listed in the batch's `origin.rejects` with their line, raw text and reason. Each batch's
 * `origin.lines[i]` is the 1-based line of record `i` and `origin.rawText(i)` its text. Memory stays bounded
 * whatever the input size: the stream is read as the batches are consumed.
 *
 * @throws `FORMAT_UNKNOWN`, `INVALID_SYMBOL` (pass `symbol`), `INVALID_ARGUMENT` from detection; `CSV_PARSE`
 *   while streaming, for a row longer than 16 MiB.
 * @example
 * ```ts
 * const { detection, batches } = await openCsv(createReadStream(path), { name: path, ingestedAt: Date.now() });
 * console.log(detection.format, detection.table, detection.symbol, detection.interval);
 * for await (const batch of batches) {
 *   for (const r of batch.origin?.rejects ?? []) console.warn(`${r.source}:${r.line} ${r.reason}`);
 * }
 * ```
 */
export async function openCsv<T extends CsvTable = CsvTable>(
  bytes: AsyncIterable<Uint8Array>,
  options: CsvOptions & { readonly table?: T },
): Promise<CsvOpenResult<CsvRecord<T>>> {
  const sniffBytes = options.sniffBytes ?? 64 * 1024;
  const iterator = bytes[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let done = false;
  try {
    while (headBytes < sniffBytes) {
      const r = await iterator.next();
      if (r.done) {
        done = true;
        break;
      }
      head.push(r.value);
      headBytes += r.value.length;
    }
  } catch (e) {
    await iterator.return?.();
    throw e;
  }
  const sample = head.length === 1 ? head[0]! : Buffer.concat(head);
  let detection: CsvDetection;
  try {
    detection = detectFormat(sample, {
      name: options.name,
      complete: done,
      ...(options.format !== undefined ? { format: options.format } : {}),
      ...(options.table !== undefined ? { table: options.table } : {}),
      ...(options.symbol !== undefined ? { symbol: options.symbol } : {}),
      ...(options.interval !== undefined ? { interval: options.interval } : {}),
    });
  } catch (e) {
    await iterator.return?.();
    throw e;
  }
  const mapper = MAPPERS[detection.format][detection.table];
  if (mapper === undefined) {
    await iterator.return?.();
    throw new ScalplakeError('FORMAT_UNKNOWN', `${options.name}: no ${detection.format} reader for table ${detection.table}`, {
      context: { file: options.name, format: detection.format, table: detection.table },
    });
  }
  const stats: CsvStats = { bytes: 0, rows: 0, records: 0, rejected: 0, blankLines: 0 };
  const ctx = mapContext(detection, options.ingestedAt);
  const batchSize = Math.max(1, options.batchSize ?? 4096);

  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const c of head) yield c;
    head.length = 0;
    if (done) return;
    for (;;) {
      const r = await iterator.next();
      if (r.done) return;
      yield r.value;
    }
  }

  async function* batches(): AsyncGenerator<Batch<CsvRecord<T>>> {
    const parser = new CsvParser({ source: options.name, skipLines: detection.firstDataLine - 1 });
    const out = new BatchBuilder<CsvRecord<T>>(options.name, batchSize, detection.headerText, stats);
    try {
      for await (const chunk of chunks()) {
        stats.bytes += chunk.length;
        for (const rows of parser.push(chunk)) yield* out.add(rows, mapper as CsvRowMapper<CsvRecord<T>>, ctx);
      }
      for (const rows of parser.end()) yield* out.add(rows, mapper as CsvRowMapper<CsvRecord<T>>, ctx);
      const last = out.take();
      if (last !== null) yield last;
      stats.blankLines = parser.blankLines;
    } finally {
      if (!done) await iterator.return?.();
    }
  }

  return { detection, batches: batches(), stats };
}

/** Builds the per-file mapper context from a detection. */
function mapContext(d: CsvDetection, ingestedAt: number): CsvMapContext {
  const col = (k: string) => d.columns[k] ?? -1;
  const columns: KlineColumns =
    d.format === 'datavision'
      ? NO_COLUMNS
      : {
          openTime: col('open_time'),
          date: col('date'),
          closeTime: col('close_time'),
          open: col('open'),
          high: col('high'),
          low: col('low'),
          close: col('close'),
          volume: col('volume'),
          quoteVolume: col('quote_volume'),
          tradeCount: col('trade_count'),
          takerBuyVolume: col('taker_buy_volume'),
          takerBuyQuoteVolume: col('taker_buy_quote_volume'),
        };
  return {
    symbol: d.symbol ?? '',
    interval: d.interval ?? '',
    intervalMs: d.intervalMs,
    source: d.format,
    ingestedAt,
    timeUnit: d.timeUnit,
    columnCount: d.columnCount,
    columns,
  };
}

const FLAG_REASONS = ['', 'unterminated quoted field', 'text after the closing quote of a quoted field'];

/**
 * Accumulates records into batches of exactly `size` (the last one smaller), remembering for each record the
 * block and row it came from (for its line and lazily read raw text), and the rejects met on the way.
 */
class BatchBuilder<R> {
  private records: R[] = [];
  private lines: Float64Array;
  private rowIndex: Int32Array;
  private blocks: CsvRows[] = [];
  private blockEnds: number[] = [];
  private rejects: RejectedRow[] = [];

  constructor(
    private readonly source: string,
    private readonly size: number,
    private readonly headerText: string | null,
    private readonly stats: CsvStats,
  ) {
    this.lines = new Float64Array(size);
    this.rowIndex = new Int32Array(size);
  }

  /** Maps a block of rows; yields every batch that fills up. */
  *add(rows: CsvRows, mapper: CsvRowMapper<R>, ctx: CsvMapContext): Generator<Batch<R>> {
    const stats = this.stats;
    const n = rows.count;
    const size = this.size;
    stats.rows += n;
    // The batch under construction, in locals for the hot loop (reloaded after each finished batch).
    let records = this.records;
    let lines = this.lines;
    let rowIndex = this.rowIndex;
    let k = records.length;
    for (let i = 0; i < n; i++) {
      const flag = rows.flag(i);
      const r = flag === 0 ? mapper(rows, i, ctx) : (FLAG_REASONS[flag] ?? 'malformed row');
      if (typeof r === 'string') {
        this.reject(rows, i, r);
        continue;
      }
      records.push(r);
      lines[k] = rows.line(i);
      rowIndex[k] = i;
      k++;
      if (k === size) {
        this.endBlock(rows, k);
        yield this.finish();
        records = this.records;
        lines = this.lines;
        rowIndex = this.rowIndex;
        k = 0;
      }
    }
    if (k > 0) this.endBlock(rows, k);
  }

  /** Records row `i` as rejected (a repeated header gets its own reason). */
  private reject(rows: CsvRows, i: number, reason: string): void {
    const raw = rows.raw(i);
    this.rejects.push({
      source: this.source,
      line: rows.line(i),
      raw,
      reason: this.headerText !== null && raw.trim() === this.headerText.trim() ? 'header row repeated' : reason,
    });
    this.stats.rejected++;
  }

  /** The partly filled batch (or one holding only rejects), or null when there is nothing. */
  take(): Batch<R> | null {
    if (this.records.length === 0 && this.rejects.length === 0) return null;
    return this.finish();
  }

  private endBlock(rows: CsvRows, end: number): void {
    if (this.blocks[this.blocks.length - 1] === rows) this.blockEnds[this.blockEnds.length - 1] = end;
    else {
      this.blocks.push(rows);
      this.blockEnds.push(end);
    }
  }

  private finish(): Batch<R> {
    const records = this.records;
    const n = records.length;
    this.stats.records += n;
    const lines = n === this.size ? this.lines : this.lines.slice(0, n);
    const rowIndex = this.rowIndex;
    const blocks = this.blocks;
    const blockEnds = this.blockEnds;
    const origin: BatchOrigin = {
      source: this.source,
      lines,
      rawText(i: number): string {
        let b = 0;
        while (b < blockEnds.length - 1 && i >= blockEnds[b]!) b++;
        return blocks[b]!.raw(rowIndex[i]!);
      },
      rejects: this.rejects,
    };
    this.records = [];
    this.lines = new Float64Array(this.size);
    this.rowIndex = new Int32Array(this.size);
    this.blocks = [];
    this.blockEnds = [];
    this.rejects = [];
    return withOrigin(records, origin);
  }
}
