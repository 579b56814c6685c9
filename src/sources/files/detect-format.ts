/**
 * Detects what a CSV file is — data.binance.vision, CryptoDataDownload or a Kaggle-style OHLCV dump — from its
 * first bytes and its name: which table it feeds, whether it has a header, where each column is, the unit of its
 * times, its symbol and interval, and why.
 * @module
 */
import { parseDecimal } from '../../core/decimal.js';
import { ScalplakeError } from '../../core/errors.js';
import { assertSymbol } from '../../core/symbol.js';
import type { TableName } from '../../core/tables.js';
import { detectTimeUnit, INTERVAL_MS, NS_FROM, parseUtcDate, type TimeUnit } from '../../core/time.js';
import { CsvParser } from './csv-parser.js';
import type { CsvRows } from './csv-rows.js';
import { parseBinanceFileName } from './file-name.js';

/** The CSV families scalplake reads. */
export type CsvFormat = 'datavision' | 'cdd' | 'kaggle';

/** The tables a CSV file can feed. */
export const CSV_TABLES = [
  'klines',
  'agg_trades',
  'funding_rates',
  'book_depth_bands',
  'mark_price_klines',
  'index_price_klines',
  'premium_index_klines',
] as const;

/** One of {@link CSV_TABLES}. */
export type CsvTable = (typeof CSV_TABLES)[number];

/** What {@link detectFormat} is told: the file name and the user's overrides. */
export interface CsvDetectOptions {
  /** The file name or path (used for the symbol, interval, price-index kind and in messages). */
  readonly name: string;
  /** Force a format instead of detecting it (`'auto'`, the default, detects). */
  readonly format?: 'auto' | CsvFormat;
  /** Force the table (e.g. `mark_price_klines` for a kline-shaped file whose path does not say it). */
  readonly table?: TableName;
  /** The symbol; wins over the file name and the symbol column. */
  readonly symbol?: string;
  /** The kline interval (`1m`, `1h`, …); wins over the file name, the close time and the spacing of the times. */
  readonly interval?: string;
  /** Whether `sample` is the whole file (default false: its last line may be cut and is then ignored). */
  readonly complete?: boolean;
}

/** What {@link detectFormat} found, for the readers and for the run report ("what was detected"). */
export interface CsvDetection {
  /** The file name or path. */
  readonly name: string;
  /** The CSV family. */
  readonly format: CsvFormat;
  /** The table the rows feed. */
  readonly table: CsvTable;
  /** Whether the file starts with CryptoDataDownload's banner line. */
  readonly banner: boolean;
  /** Whether the file has a header row (data.binance.vision: iff its first field is not a number). */
  readonly hasHeader: boolean;
  /** The header's column names as written, or null. */
  readonly header: readonly string[] | null;
  /** The header line's text (to recognize it when it is repeated further down), or null. */
  readonly headerText: string | null;
  /** The 1-based line of the first data row. */
  readonly firstDataLine: number;
  /** The number of columns every row must have. */
  readonly columnCount: number;
  /** Output column (or `date`, a fallback time) → 0-based column of the file. */
  readonly columns: Readonly<Record<string, number>>;
  /** Columns beyond the known ones, ignored (header names, or `column 13` without a header). */
  readonly extraColumns: readonly string[];
  /** Unit of epoch times: `s`, `ms`, `us`, or `auto` when it may vary per row (CryptoDataDownload, Kaggle, dates). */
  readonly timeUnit: TimeUnit | 'auto';
  /** The symbol of every row; null only for a file without rows and without a symbol in its name or the options. */
  readonly symbol: string | null;
  /** Where the symbol came from. */
  readonly symbolFrom: 'option' | 'file-name' | 'column' | null;
  /** The kline interval, or null for tables without one. */
  readonly interval: string | null;
  /** Where the interval came from. */
  readonly intervalFrom: 'option' | 'file-name' | 'close-time' | 'spacing' | null;
  /** The interval in ms; 0 when it has no fixed length (`1mo`) or does not apply. */
  readonly intervalMs: number;
  /** Time order of the sampled rows (CryptoDataDownload files are newest first). */
  readonly order: 'ascending' | 'descending' | 'unknown';
  /** Whether the sample held no data row. */
  readonly empty: boolean;
  /** Which parts the user forced instead of letting them be detected. */
  readonly forced: {
    /** The format was given, not detected. */
    readonly format: boolean;
    /** The table was given, not detected. */
    readonly table: boolean;
  };
  /** Human-readable reasons for each decision, in order. */
  readonly reasons: readonly string[];
}

const DV_KLINE_HEADER = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
];
const KLINE_OUT = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'trade_count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
];
const AGG_OUT = ['agg_trade_id', 'price', 'quantity', 'first_trade_id', 'last_trade_id', 'trade_time', 'is_buyer_maker'];
const FUNDING_OUT = ['funding_time', 'funding_interval_hours', 'funding_rate'];
const DEPTH_OUT = ['timestamp', 'percentage', 'depth', 'notional'];
const PRICE_OUT = ['open_time', 'open', 'high', 'low', 'close', 'close_time', 'sample_count'];

/** Kaggle column names (normalized: lower case, spaces and dashes as `_`) for each kline field, by priority. */
const KAGGLE_NAMES: Readonly<Record<string, readonly string[]>> = {
  open_time: ['timestamp', 'open_time', 'time', 'date', 'datetime', 'unix', 'unix_timestamp', 'open_timestamp'],
  close_time: ['close_time'],
  open: ['open'],
  high: ['high'],
  low: ['low'],
  close: ['close'],
  volume: ['volume', 'base_volume', 'volume_base', 'base_asset_volume', 'vol'],
  quote_volume: ['quote_volume', 'quote_asset_volume', 'volume_quote', 'quote_av', 'volume_usdt', 'volume_usd'],
  trade_count: ['trade_count', 'trades', 'count', 'number_of_trades', 'num_trades', 'tradecount'],
  taker_buy_volume: ['taker_buy_volume', 'taker_buy_base_asset_volume', 'taker_buy_base_volume', 'taker_base_vol', 'tb_base_av'],
  taker_buy_quote_volume: [
    'taker_buy_quote_volume',
    'taker_buy_quote_asset_volume',
    'taker_quote_vol',
    'tb_quote_av',
  ],
};

/** Rows looked at for units, order and spacing. */
const SAMPLE_ROWS = 500;

/**
 * Detects the format, table, header, columns, time unit, symbol and interval of a CSV file from its first bytes
 * (a few tens of KB are enough) and its name; each part can be forced through the options. Rules:
 *
 * - CryptoDataDownload: a banner line `https://www.CryptoDataDownload.com`, or a header with `unix`/`date`/
 *   `symbol`/`Volume <asset>` (both header eras), or 10 columns without header whose 2nd is a date and 3rd a
 *   symbol (`BTC/USDT`); times per row in ms or seconds; rows newest first.
 * - data.binance.vision: a header iff the first field is not a number (nor a date); klines with 12 or 11 columns,
 *   aggTrades with 7 (spot: 8), fundingRate `calc_time,funding_interval_hours,last_funding_rate`, bookDepth
 *   `timestamp,percentage,depth,notional`; price-index klines only when the path names them or when forced;
 *   times in ms or µs (from the first row's magnitude; read per value when it is 1e17 or more: nanoseconds).
 * - Kaggle: a header naming a time column (timestamp, open_time, time, date, datetime, unix) and open, high, low,
 *   close, volume, in any order and case; times as epoch numbers of any unit (s, ms, µs, and ns from 1e17) or UTC
 *   date strings.
 *
 * The symbol comes from the options, else the data.binance.vision file name, else the symbol column; the interval
 * from the options, else the file name, else close_time − open_time + 1, else the most common spacing of the times.
 *
 * @throws `FORMAT_UNKNOWN` when the file matches no supported layout (or a forced one cannot apply);
 *   `INVALID_SYMBOL` when there is no valid symbol (the message says to pass `--symbol`); `INVALID_ARGUMENT` for a
 *   bad interval option, a forced table the format cannot feed, or a kline interval that cannot be found.
 * @example
 * ```ts
 * const d = detectFormat(firstBytes, { name: 'um_monthly_klines_BTCUSDT-1m-2019-09.csv' });
 * d.format;   // 'datavision'
 * d.table;    // 'klines'
 * d.hasHeader // false
 * d.symbol;   // 'BTCUSDT'
 * d.interval; // '1m'
 * ```
 */
export function detectFormat(sample: Uint8Array, options: CsvDetectOptions): CsvDetection {
  const name = options.name;
  const reasons: string[] = [];
  const parser = new CsvParser({ source: name, bufferBytes: sample.length + 64 });
  const blocks = [...parser.push(sample), ...(options.complete === true ? parser.end() : parser.drain())];
  const rows = blocks[0] ?? null;
  const nRows = rows === null ? 0 : Math.min(rows.count, SAMPLE_ROWS + 2);
  const fileName = parseBinanceFileName(name);
  if (fileName !== null) {
    reasons.push(
      `file name: symbol ${fileName.symbol}, ${fileName.dataType}${fileName.interval ? ` ${fileName.interval}` : ''}, ${fileName.period} ${fileName.date}`,
    );
  }
  const forcedFormat = options.format !== undefined && options.format !== 'auto' ? options.format : null;
  const forcedTable = (options.table ?? null) as CsvTable | null;
  if (forcedTable !== null && !(CSV_TABLES as readonly string[]).includes(forcedTable)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `${name}: table ${JSON.stringify(forcedTable)} cannot be read from a CSV file`, {
      context: { file: name, table: forcedTable },
    });
  }

  // Banner and header.
  const banner = rows !== null && nRows > 0 && /cryptodatadownload/i.test(rows.raw(0));
  const hIdx = banner ? 1 : 0;
  if (banner) reasons.push('line 1 is the CryptoDataDownload banner');
  let hasHeader = false;
  if (rows !== null && hIdx < nRows) {
    const first = firstNonEmpty(rows, hIdx);
    hasHeader = first !== null && parseDecimal(first) === null && parseUtcDate(first) === null;
  }
  const header = hasHeader && rows !== null ? fields(rows, hIdx) : null;
  const norm = header?.map(normalizeName) ?? null;
  const dataIdx = hIdx + (hasHeader ? 1 : 0);
  const empty = rows === null || dataIdx >= nRows;
  const firstDataLine = rows !== null && dataIdx < rows.count ? rows.line(dataIdx) : hIdx + (hasHeader ? 1 : 0) + 1;
  const columnCount = header !== null ? header.length : !empty && rows !== null ? commonFieldCount(rows, dataIdx, nRows) : 0;
  if (header !== null) reasons.push(`line ${rows!.line(hIdx)} is a header (${header.length} columns)`);
  else if (!empty) reasons.push(`no header: line ${firstDataLine} starts with a number or a date (${columnCount} columns)`);
  else reasons.push('the file holds no data row');

  // Format.
  let format: CsvFormat;
  if (forcedFormat !== null) {
    format = forcedFormat;
    reasons.push(`format ${format} forced`);
  } else if (banner) {
    format = 'cdd';
  } else if (norm !== null) {
    format = formatFromHeader(norm, name, header!);
    reasons.push(`header names say ${format}`);
  } else if (empty) {
    format = 'datavision';
    reasons.push('empty file: format datavision assumed');
  } else {
    format = formatFromRow(rows!, dataIdx, columnCount, name);
    reasons.push(`the first data row's layout says ${format}`);
  }

  const common = { name, rows, dataIdx, nRows, header, norm, columnCount, empty, fileName, reasons, options };
  const part =
    format === 'datavision' ? analyzeDatavision(common, forcedTable) : format === 'cdd' ? analyzeCdd(common) : analyzeKaggle(common);
  if (forcedTable !== null) {
    if (format !== 'datavision' && forcedTable !== 'klines') {
      throw new ScalplakeError('INVALID_ARGUMENT', `${name}: a ${format} file feeds klines only, not ${forcedTable}`, {
        context: { file: name, format, table: forcedTable },
      });
    }
    reasons.push(`table ${forcedTable} forced`);
  }

  // Symbol.
  let symbol: string | null = null;
  let symbolFrom: CsvDetection['symbolFrom'] = null;
  if (options.symbol !== undefined) {
    symbol = assertSymbol(options.symbol, 'the symbol option');
    symbolFrom = 'option';
    if (fileName !== null && fileName.symbol !== symbol) reasons.push(`symbol option ${symbol} overrides ${fileName.symbol} of the file name`);
  } else if (fileName !== null) {
    symbol = assertSymbol(fileName.symbol, `file name ${name}`);
    symbolFrom = 'file-name';
  } else if (part.symbolText !== null) {
    symbol = assertSymbol(part.symbolText.replace(/[/\-_ ]/g, '').toUpperCase(), `symbol column of ${name}`);
    symbolFrom = 'column';
    reasons.push(`symbol ${symbol} from the symbol column (${JSON.stringify(part.symbolText)})`);
  } else if (!empty) {
    throw new ScalplakeError(
      'INVALID_SYMBOL',
      `No symbol for ${name}: its name is not a data.binance.vision file name and it has no symbol column; pass --symbol (e.g. --symbol BTCUSDT)`,
      { context: { file: name } },
    );
  }

  // Interval.
  let interval: string | null = null;
  let intervalFrom: CsvDetection['intervalFrom'] = null;
  const needsInterval = part.table === 'klines' || part.table.endsWith('_price_klines');
  if (needsInterval) {
    if (options.interval !== undefined) {
      if (!/^\d+(s|m|h|d|w|mo|M)$/.test(options.interval)) {
        throw new ScalplakeError('INVALID_ARGUMENT', `Interval ${JSON.stringify(options.interval)} is not a kline interval`, {
          context: { interval: options.interval },
        });
      }
      interval = options.interval;
      intervalFrom = 'option';
    } else if (fileName?.interval) {
      interval = fileName.interval;
      intervalFrom = 'file-name';
    } else if (part.closeTimeInterval !== null) {
      interval = part.closeTimeInterval;
      intervalFrom = 'close-time';
    } else if (part.spacingInterval !== null) {
      interval = part.spacingInterval;
      intervalFrom = 'spacing';
    } else if (part.cddNameInterval !== null) {
      interval = part.cddNameInterval;
      intervalFrom = 'file-name';
    }
    if (interval === null && !empty) {
      throw new ScalplakeError('INVALID_ARGUMENT', `Could not detect the kline interval of ${name}; pass --interval (e.g. --interval 1m)`, {
        context: { file: name },
      });
    }
    if (interval !== null) reasons.push(`interval ${interval} from ${intervalFrom}`);
  }
  const intervalMs = interval === null ? 0 : (INTERVAL_MS[interval] ?? 0);
  if (interval !== null && intervalMs === 0 && part.computesCloseTime && !empty) {
    throw new ScalplakeError('INVALID_ARGUMENT', `${name}: interval ${interval} has no fixed length, so close_time cannot be computed`, {
      context: { file: name, interval },
    });
  }
  return {
    name,
    format,
    table: part.table,
    banner,
    hasHeader,
    header,
    headerText: hasHeader && rows !== null ? rows.raw(hIdx) : null,
    firstDataLine,
    columnCount,
    columns: part.columns,
    extraColumns: part.extraColumns,
    timeUnit: part.timeUnit,
    symbol,
    symbolFrom,
    interval,
    intervalFrom,
    intervalMs,
    order: part.order,
    empty,
    forced: { format: forcedFormat !== null, table: forcedTable !== null },
    reasons,
  };
}

/** What the per-format analysis found. */
interface FormatPart {
  table: CsvTable;
  columns: Record<string, number>;
  extraColumns: string[];
  timeUnit: TimeUnit | 'auto';
  order: CsvDetection['order'];
  symbolText: string | null;
  closeTimeInterval: string | null;
  spacingInterval: string | null;
  cddNameInterval: string | null;
  computesCloseTime: boolean;
}

interface Common {
  name: string;
  rows: CsvRows | null;
  dataIdx: number;
  nRows: number;
  header: readonly string[] | null;
  norm: readonly string[] | null;
  columnCount: number;
  empty: boolean;
  fileName: ReturnType<typeof parseBinanceFileName>;
  reasons: string[];
  options: CsvDetectOptions;
}

function formatFromHeader(norm: readonly string[], name: string, header: readonly string[]): CsvFormat {
  const first = norm[0];
  if ((norm.includes('unix') || norm.includes('date')) && norm.includes('symbol') && norm.some((n) => n.startsWith('volume_'))) {
    return 'cdd';
  }
  if (first === 'open_time' && DV_KLINE_HEADER.slice(0, 11).every((h, i) => norm[i] === h)) return 'datavision';
  if (first === 'agg_trade_id' || first === 'calc_time' || (first === 'timestamp' && norm[1] === 'percentage')) return 'datavision';
  if (first === 'id' || first === 'update_id' || first === 'create_time') {
    throw new ScalplakeError(
      'FORMAT_UNKNOWN',
      `${name}: data.binance.vision ${first === 'id' ? 'trades' : first === 'update_id' ? 'bookTicker' : 'metrics'} files are not supported (header ${JSON.stringify(header.join(','))})`,
      { context: { file: name, header: header.join(',') } },
    );
  }
  if (findColumn(norm, KAGGLE_NAMES.open_time!) >= 0 && ['open', 'high', 'low', 'close'].every((c) => norm.includes(c))) return 'kaggle';
  throw new ScalplakeError('FORMAT_UNKNOWN', `${name}: header ${JSON.stringify(header.join(','))} matches no known CSV layout`, {
    context: { file: name, header: header.join(',') },
  });
}

function formatFromRow(rows: CsvRows, i: number, count: number, name: string): CsvFormat {
  const f0 = rows.text(i, 0).trim();
  if (count === 10 && parseUtcDate(rows.text(i, 1).trim()) !== null && parseDecimal(rows.text(i, 2)) === null) return 'cdd';
  if (parseDecimal(f0) !== null) return 'datavision';
  if (count === 4 && parseUtcDate(f0) !== null) return 'datavision';
  throw new ScalplakeError('FORMAT_UNKNOWN', `${name}: line ${rows.line(i)} ${JSON.stringify(rows.raw(i).slice(0, 200))} matches no known CSV layout`, {
    context: { file: name, line: rows.line(i) },
  });
}

function analyzeDatavision(c: Common, forced: CsvTable | null): FormatPart {
  const { rows, dataIdx, norm, columnCount: n, empty, name, reasons, fileName } = c;
  let table: CsvTable;
  if (forced !== null) table = forced;
  else if (norm !== null) {
    const first = norm[0];
    table = first === 'agg_trade_id' ? 'agg_trades' : first === 'calc_time' ? 'funding_rates' : first === 'timestamp' ? 'book_depth_bands' : 'klines';
  } else if (empty) {
    table =
      fileName?.dataType === 'aggTrades'
        ? 'agg_trades'
        : fileName?.dataType === 'fundingRate'
          ? 'funding_rates'
          : fileName?.dataType === 'bookDepth'
            ? 'book_depth_bands'
            : 'klines';
  } else if (n >= 11) table = 'klines';
  else if (n === 7 || n === 8) table = 'agg_trades';
  else if (n === 3) table = 'funding_rates';
  else if (n === 4 && rows !== null && parseUtcDate(rows.text(dataIdx, 0).trim()) !== null) table = 'book_depth_bands';
  else {
    throw new ScalplakeError(
      'FORMAT_UNKNOWN',
      `${name}: ${n} columns without header match no data.binance.vision layout (klines 11–12, aggTrades 7–8, fundingRate 3, bookDepth 4)`,
      { context: { file: name, columns: n } },
    );
  }
  if (table === 'klines' && forced === null) {
    const kind = fileName?.priceKind ?? priceKindOf(name);
    if (kind !== null) {
      table = kind === 'markPriceKlines' ? 'mark_price_klines' : kind === 'indexPriceKlines' ? 'index_price_klines' : 'premium_index_klines';
      reasons.push(`the path names ${kind}`);
    }
  }
  if (forced === null) reasons.push(`table ${table}`);
  if (fileName !== null && forced === null) {
    const expected = { klines: 'klines', aggTrades: 'agg_trades', fundingRate: 'funding_rates', bookDepth: 'book_depth_bands' }[
      fileName.dataType as string
    ];
    if (expected !== undefined && expected !== table && !(expected === 'klines' && table.endsWith('_price_klines'))) {
      reasons.push(`note: the file name says ${fileName.dataType} but the content says ${table}`);
    }
  }
  const isKline = table === 'klines' || table.endsWith('_price_klines');
  const min = isKline ? 11 : table === 'agg_trades' ? 7 : table === 'funding_rates' ? 3 : 4;
  const known = isKline ? Math.min(n, 12) : table === 'agg_trades' ? Math.min(n, 8) : min;
  if (!empty && n < min) {
    throw new ScalplakeError('FORMAT_UNKNOWN', `${name}: ${n} columns, but ${table} rows need at least ${min}`, {
      context: { file: name, columns: n, table },
    });
  }
  const out = isKline ? (table === 'klines' ? KLINE_OUT : PRICE_OUT) : table === 'agg_trades' ? AGG_OUT : table === 'funding_rates' ? FUNDING_OUT : DEPTH_OUT;
  const columns: Record<string, number> = {};
  const positions = table === 'klines' || !isKline ? out.map((_, i) => i) : [0, 1, 2, 3, 4, 6, 8];
  for (let i = 0; i < out.length; i++) columns[out[i]!] = positions[i]!;
  const extraColumns = extras(c, known);
  if (table === 'agg_trades' && n >= 8) reasons.push('8th column is_best_match (spot) ignored');
  // Time unit from the first data row.
  let timeUnit: TimeUnit | 'auto' = table === 'book_depth_bands' ? 'auto' : 'ms';
  const timeCol = table === 'agg_trades' ? 5 : 0;
  if (!empty && rows !== null && table !== 'book_depth_bands') {
    const v = parseDecimal(rows.text(dataIdx, timeCol));
    if (v !== null && v >= NS_FROM) {
      // No unit of ours: read per value, where integers this large are nanoseconds (see toUtcMillis).
      timeUnit = 'auto';
      reasons.push(`times in ns (first value ${rows.text(dataIdx, timeCol)}), read per value`);
    } else if (v !== null) {
      timeUnit = detectTimeUnit(v);
      reasons.push(`times in ${timeUnit} (first value ${rows.text(dataIdx, timeCol)})`);
    } else {
      timeUnit = 'auto';
    }
  }
  let closeTimeInterval: string | null = null;
  let spacingInterval: string | null = null;
  if (isKline && !empty && rows !== null) {
    const open = rows.time(dataIdx, 0, timeUnit);
    const close = rows.time(dataIdx, 6, timeUnit);
    if (open !== null && close !== null) closeTimeInterval = intervalName(close - open + 1);
    spacingInterval = spacing(c, 0, -1, timeUnit).interval;
  }
  return {
    table,
    columns,
    extraColumns,
    timeUnit,
    order: !empty && rows !== null ? spacing(c, timeCol, -1, timeUnit).order : 'unknown',
    symbolText: null,
    closeTimeInterval,
    spacingInterval,
    cddNameInterval: null,
    computesCloseTime: false,
  };
}

function analyzeCdd(c: Common): FormatPart {
  const { rows, dataIdx, norm, empty, reasons, name } = c;
  const columns: Record<string, number> = {};
  let symbolCol = 2;
  if (norm !== null) {
    const at = (n: string) => norm.indexOf(n);
    columns.open_time = at('unix') >= 0 ? at('unix') : at('unix_timestamp');
    columns.date = at('date');
    symbolCol = at('symbol');
    for (const k of ['open', 'high', 'low', 'close'] as const) columns[k] = at(k);
    columns.trade_count = at('tradecount') >= 0 ? at('tradecount') : at('trade_count');
    const vols = norm.map((n, i) => [n, i] as const).filter(([n]) => n.startsWith('volume_'));
    const sym = (c.options.symbol ?? c.fileName?.symbol ?? (rows !== null && !empty ? rows.text(dataIdx, symbolCol) : '')).replace(/[/\-_ ]/g, '').toUpperCase();
    let base = -1;
    let quote = -1;
    for (const [n, i] of vols) {
      const asset = n.slice('volume_'.length).toUpperCase();
      if (base < 0 && sym.startsWith(asset)) base = i;
      else if (quote < 0 && sym.endsWith(asset)) quote = i;
    }
    if (base < 0 && vols[0] !== undefined && vols[0][1] !== quote) base = vols[0][1];
    if (quote < 0) quote = vols.find(([, i]) => i !== base)?.[1] ?? -1;
    columns.volume = base;
    columns.quote_volume = quote;
    const missing = ['open_time', 'open', 'high', 'low', 'close', 'volume'].filter((k) => (columns[k] ?? -1) < 0);
    if (columns.open_time! < 0 && columns.date! >= 0) missing.splice(missing.indexOf('open_time'), 1);
    if (missing.length > 0) {
      throw new ScalplakeError('FORMAT_UNKNOWN', `${name}: CryptoDataDownload header lacks ${missing.join(', ')}`, {
        context: { file: name, header: c.header?.join(',') },
      });
    }
    if (columns.open_time! < 0) columns.open_time = columns.date!;
    reasons.push(
      `CryptoDataDownload columns: ${c.header![columns.volume!] ?? '?'} → volume, ${columns.quote_volume! >= 0 ? c.header![columns.quote_volume!] : 'none'} → quote_volume`,
    );
  } else {
    Object.assign(columns, { open_time: 0, date: 1, open: 3, high: 4, low: 5, close: 6, volume: 7, quote_volume: 8, trade_count: 9 });
    if (!c.options.format || c.options.format === 'auto') {
      reasons.push('10 columns with a date and a symbol (BTC/USDT) in columns 2–3: CryptoDataDownload without banner and header');
    }
  }
  const used = new Set(Object.values(columns).filter((v) => v >= 0));
  used.add(symbolCol);
  let extraColumns: string[];
  if (c.header !== null) {
    extraColumns = c.header.filter((_, i) => !used.has(i));
    if (extraColumns.length > 0) reasons.push(`${extraColumns.length} unknown extra column(s) ignored: ${extraColumns.join(', ')}`);
  } else {
    extraColumns = extras(c, 10);
  }
  const sp = empty ? { interval: null, order: 'unknown' as const, units: '' } : spacing(c, columns.open_time!, columns.date ?? -1, 'auto');
  if (sp.units) reasons.push(`times per row: ${sp.units}`);
  if (sp.order === 'descending') reasons.push('rows are newest first');
  const symbolText = rows !== null && !empty && symbolCol >= 0 ? rows.text(dataIdx, symbolCol).trim() || null : null;
  return {
    table: 'klines',
    columns,
    extraColumns,
    timeUnit: 'auto',
    order: sp.order,
    symbolText,
    closeTimeInterval: null,
    spacingInterval: sp.interval,
    cddNameInterval: cddNameInterval(name),
    computesCloseTime: true,
  };
}

function analyzeKaggle(c: Common): FormatPart {
  const { rows, dataIdx, norm, empty, name, reasons } = c;
  if (norm === null) {
    throw new ScalplakeError('FORMAT_UNKNOWN', `${name}: no header row; Kaggle-style files are read by column name`, {
      context: { file: name },
    });
  }
  const columns: Record<string, number> = {};
  for (const [out, names] of Object.entries(KAGGLE_NAMES)) columns[out] = findColumn(norm, names);
  const missing = ['open_time', 'open', 'high', 'low', 'close', 'volume'].filter((k) => columns[k]! < 0);
  if (missing.length > 0) {
    throw new ScalplakeError('FORMAT_UNKNOWN', `${name}: no ${missing.join(', ')} column in header ${JSON.stringify(c.header!.join(','))}`, {
      context: { file: name, header: c.header!.join(',') },
    });
  }
  reasons.push(`time column ${JSON.stringify(c.header![columns.open_time!])}`);
  if (columns.quote_volume! < 0) reasons.push('no quote volume column: quote_volume is null');
  const symbolCol = norm.indexOf('symbol');
  const used = new Set(Object.values(columns).filter((v) => v >= 0));
  if (symbolCol >= 0) used.add(symbolCol);
  const extraColumns: string[] = [];
  c.header!.forEach((h, i) => {
    if (!used.has(i)) extraColumns.push(h || `column ${i + 1}`);
  });
  if (extraColumns.length > 0) reasons.push(`${extraColumns.length} unknown extra column(s) ignored: ${extraColumns.join(', ')}`);
  const sp = empty ? { interval: null, order: 'unknown' as const, units: '' } : spacing(c, columns.open_time!, -1, 'auto');
  if (sp.units) reasons.push(`times per row: ${sp.units}`);
  let closeTimeInterval: string | null = null;
  if (columns.close_time! >= 0 && rows !== null && !empty) {
    const open = rows.time(dataIdx, columns.open_time!, 'auto');
    const close = rows.time(dataIdx, columns.close_time!, 'auto');
    if (open !== null && close !== null) closeTimeInterval = intervalName(close - open + 1);
  }
  return {
    table: 'klines',
    columns,
    extraColumns,
    timeUnit: 'auto',
    order: sp.order,
    symbolText: symbolCol >= 0 && rows !== null && !empty ? rows.text(dataIdx, symbolCol).trim() || null : null,
    closeTimeInterval,
    spacingInterval: sp.interval,
    cddNameInterval: null,
    computesCloseTime: columns.close_time! < 0,
  };
}

/** Names the columns past the `known` first ones and records them in the reasons. */
function extras(c: Common, known: number): string[] {
  const out: string[] = [];
  for (let i = known; i < c.columnCount; i++) out.push(c.header?.[i] || `column ${i + 1}`);
  if (out.length > 0) c.reasons.push(`${out.length} unknown extra column(s) ignored: ${out.join(', ')}`);
  return out;
}

/** The most common gap between consecutive sampled times, as an interval name; the order; the units seen. */
function spacing(
  c: Common,
  col: number,
  dateCol: number,
  unit: TimeUnit | 'auto',
): { interval: string | null; order: CsvDetection['order']; units: string } {
  const { rows, dataIdx, nRows } = c;
  const counts = new Map<number, number>();
  const units = new Map<string, number>();
  const examples = new Map<string, string>();
  let up = 0;
  let down = 0;
  let prev: number | null = null;
  for (let i = dataIdx; rows !== null && i < nRows; i++) {
    let t = rows.time(i, col, unit);
    const text = rows.text(i, col).trim();
    const v = parseDecimal(text);
    const kind = v === null ? 'date string' : (v >= NS_FROM ? 'ns' : detectTimeUnit(v)) + (text.includes('.') ? ' with decimals' : '');
    units.set(kind, (units.get(kind) ?? 0) + 1);
    if (!examples.has(kind)) examples.set(kind, text);
    if (t === null && dateCol >= 0) t = rows.time(i, dateCol, 'auto');
    if (t === null) continue;
    if (prev !== null && t !== prev) {
      const d = Math.abs(t - prev);
      counts.set(d, (counts.get(d) ?? 0) + 1);
      if (t > prev) up++;
      else down++;
    }
    prev = t;
  }
  let best = 0;
  let bestCount = 0;
  for (const [d, k] of counts) {
    if (k > bestCount) {
      best = d;
      bestCount = k;
    }
  }
  const unitText = [...units].map(([k, n]) => `${n} × ${k} (e.g. ${JSON.stringify(examples.get(k))})`).join(', ');
  return {
    interval: bestCount > 0 ? intervalName(best) : null,
    order: up === 0 && down === 0 ? 'unknown' : down > up ? 'descending' : 'ascending',
    units: unitText,
  };
}

function intervalName(ms: number): string | null {
  for (const [name, v] of Object.entries(INTERVAL_MS)) if (v === ms) return name;
  return null;
}

function cddNameInterval(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? name;
  const m = /_(minute|1m|hour|1h|day|d|1d)(?:[_.]|$)/i.exec(base);
  if (m === null) return null;
  const t = m[1]!.toLowerCase();
  return t === 'minute' || t === '1m' ? '1m' : t === 'hour' || t === '1h' ? '1h' : '1d';
}

function priceKindOf(name: string): 'markPriceKlines' | 'indexPriceKlines' | 'premiumIndexKlines' | null {
  const n = name.toLowerCase();
  if (n.includes('markpriceklines')) return 'markPriceKlines';
  if (n.includes('indexpriceklines') && !n.includes('premiumindexklines')) return 'indexPriceKlines';
  if (n.includes('premiumindexklines')) return 'premiumIndexKlines';
  return null;
}

/** The most common number of fields among the sampled data rows (the first row's on a tie). */
function commonFieldCount(rows: CsvRows, from: number, to: number): number {
  const counts = new Map<number, number>();
  let best = rows.fieldCount(from);
  let bestCount = 0;
  for (let i = from; i < to; i++) {
    const n = rows.fieldCount(i);
    const k = (counts.get(n) ?? 0) + 1;
    counts.set(n, k);
    if (k > bestCount || (k === bestCount && n === rows.fieldCount(from))) {
      best = n;
      bestCount = k;
    }
  }
  return best;
}

function fields(rows: CsvRows, i: number): string[] {
  const n = rows.fieldCount(i);
  const out: string[] = [];
  for (let c = 0; c < n; c++) out.push(rows.text(i, c).trim());
  return out;
}

function firstNonEmpty(rows: CsvRows, i: number): string | null {
  const n = rows.fieldCount(i);
  for (let c = 0; c < n; c++) {
    const t = rows.text(i, c).trim();
    if (t !== '') return t;
  }
  return null;
}

/** Lower case, trimmed, spaces and dashes as `_`: `Volume BTC` → `volume_btc`. */
function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function findColumn(norm: readonly string[], names: readonly string[]): number {
  for (const n of names) {
    const i = norm.indexOf(n);
    if (i >= 0) return i;
  }
  return -1;
}
