/**
 * The backfill job: data.binance.vision bulk files for whole past days, then REST for the recent tail, each table
 * resuming from the lake's watermark; REST pages go to bronze, rows through validation into silver.
 * @module
 */
import type { Dispatcher } from 'undici';
import { ScalplakeError } from '../core/errors.js';
import type { GapEvent, RunEvents } from '../core/events.js';
import type { Source } from '../core/stage.js';
import { assertSymbol } from '../core/symbol.js';
import { TABLES, type TableName } from '../core/tables.js';
import { DAY_MS, MINUTE_MS, requireUtcMillis, utcDate, utcDayStart } from '../core/time.js';
import { pipeline } from '../pipeline/pipeline.js';
import { createBinanceHttpClient } from '../sources/binance/http-client.js';
import { restAggTrades } from '../sources/binance/rest-agg-trades.js';
import { restFundingRates } from '../sources/binance/rest-funding-rates.js';
import { restKlines } from '../sources/binance/rest-klines.js';
import { restPriceKlines } from '../sources/binance/rest-price-klines.js';
import { findTimeGaps } from '../transforms/detect-gaps.js';
import { validate } from '../transforms/validate.js';
import { type DownloadSummary, downloadFiles } from './download-files.js';
import type { Lake } from './lake.js';
import { lastSilverValue, toQuarantineRows } from './watermarks.js';

/** The data a backfill can fetch, with the silver table each feeds and its bulk data type. */
const DATA: Readonly<Record<string, { readonly table: TableName; readonly bulk: string }>> = {
  klines: { table: 'klines', bulk: 'klines' },
  aggTrades: { table: 'agg_trades', bulk: 'aggTrades' },
  fundingRate: { table: 'funding_rates', bulk: 'fundingRate' },
  markPrice: { table: 'mark_price_klines', bulk: 'markPriceKlines' },
};

/** aggTrades older than this are not served by REST any more (Binance, 2026): they come from bulk files. */
const AGG_TRADES_REST_HISTORY_MS = 24 * 3_600_000;

/** Options of {@link backfill}. */
export interface BackfillOptions {
  /** The symbol. */
  readonly symbol: string;
  /** What to fetch: `klines`, `aggTrades`, `fundingRate`, `markPrice` (mark-price klines). */
  readonly data: readonly string[];
  /**
   * Start (UTC); a table that already has rows resumes after its last one. Klines and mark-price klines missing
   * between the start and that last row (holes) are fetched again too: REST serves them for any time.
   */
  readonly from: string | number;
  /** End (UTC, exclusive; default now). */
  readonly to?: string | number | undefined;
  /** REST base URL (default `https://fapi.binance.com`). */
  readonly restUrl?: string | undefined;
  /** data.binance.vision base URL for the bulk part. */
  readonly bulkBaseUrl?: string | undefined;
  /** Fetch whole past days from bulk files (default true); false: everything through REST. */
  readonly bulk?: boolean | undefined;
  /** undici dispatcher (tests). */
  readonly dispatcher?: Dispatcher | undefined;
  /** Clock of the REST budget and of "now" (tests: a replay exchange's virtual clock). */
  readonly now?: (() => number) | undefined;
  /** Sleep of the REST client (tests advance a virtual clock). */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Receives progress and gap events of the REST runs. */
  readonly events?: RunEvents | undefined;
  /** Stops the backfill. */
  readonly signal?: AbortSignal | undefined;
}

/** What a backfill did for one data type. */
export interface BackfillTableReport {
  /** The data type asked for. */
  readonly data: string;
  /** The silver table. */
  readonly table: TableName;
  /** Where the REST part started (after the watermark) and ended (UTC ms); equal when nothing was left. */
  readonly restFrom: number;
  /** End of the REST part (UTC ms, exclusive). */
  readonly restTo: number;
  /** Rows the REST part brought. */
  readonly restRows: number;
  /** Rows silver did not hold before. */
  readonly rowsWritten: number;
  /** Rows quarantined. */
  readonly quarantined: number;
  /** Runs of missing 1-minute bars found before the watermark (klines and mark-price klines; 0 for the others). */
  readonly holes: number;
  /** Rows those holes got from REST (an interval REST has no bar for, e.g. before the listing, stays empty). */
  readonly holeRowsWritten: number;
}

/** What {@link backfill} did. */
export interface BackfillReport {
  /** The bulk part (absent when skipped or empty). */
  readonly bulk?: DownloadSummary;
  /** The REST part, per data type. */
  readonly rest: readonly BackfillTableReport[];
  /** REST requests sent, and the highest used weight seen. */
  readonly requests: number;
}

/**
 * Backfills a symbol: bulk files for whole UTC days that ended before yesterday, REST for the rest, each table
 * resuming after its last stored row. Never provokes a 429: the REST client keeps within the weight budget.
 *
 * @throws `INVALID_SYMBOL`, `INVALID_ARGUMENT` (unknown data, bad times), `BINANCE_BANNED` (418: stops at once,
 *   what was written stays consistent), `BINANCE_HTTP`, `CHECKSUM_MISMATCH`, `DOWNLOAD_FAILED`.
 * @example
 * ```ts
 * await backfill(openLake('./lake'), { symbol: 'BTCUSDT', data: ['klines', 'aggTrades'], from: '2024-01-01' });
 * ```
 */
export async function backfill(lake: Lake, options: BackfillOptions): Promise<BackfillReport> {
  const symbol = assertSymbol(options.symbol, '--symbol');
  for (const d of options.data) {
    if (DATA[d] === undefined) {
      throw new ScalplakeError('INVALID_ARGUMENT', `--data ${JSON.stringify(d)} is not one of ${Object.keys(DATA).join(', ')}`, {
        context: { data: d },
      });
    }
  }
  const now = options.now ?? Date.now;
  const from = requireUtcMillis(options.from, 'from');
  const to = options.to === undefined ? now() : requireUtcMillis(options.to, 'to');
  if (from >= to) throw new ScalplakeError('INVALID_ARGUMENT', `--from ${utcDate(from)} is not before --to ${utcDate(to)}`);

  // Whole days that ended before yesterday come from bulk files (published the next day).
  const bulkEnd = options.bulk === false ? from : Math.max(from, Math.min(utcDayStart(to), utcDayStart(now()) - DAY_MS));
  let bulk: DownloadSummary | undefined;
  if (bulkEnd - utcDayStart(from) >= DAY_MS && utcDayStart(from) === from) {
    bulk = await downloadFiles(lake, {
      symbol,
      data: options.data.map((d) => DATA[d]!.bulk),
      from: utcDate(from),
      to: utcDate(bulkEnd - DAY_MS),
      ...(options.bulkBaseUrl ? { baseUrl: options.bulkBaseUrl } : {}),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  const restStart = bulk ? bulkEnd : from;

  let requests = 0;
  const bronze = lake.bronze();
  const http = createBinanceHttpClient({
    baseUrl: options.restUrl ?? 'https://fapi.binance.com',
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    onResponse: (r) => {
      requests++;
      // Not awaited (the page is being read): a failed bronze write keeps its lines in the writer, and the close at
      // the end writes them or throws; it must not be an unhandled rejection meanwhile.
      bronze.append([
        { received_at: r.receivedAt, source: 'rest', endpoint: r.path, symbol, payload: { url: r.url, body: r.text } },
      ]).catch(() => {});
    },
  });
  /** Fetches `data` over [from, to] (inclusive, UTC ms) through REST into silver, invalid rows to quarantine. */
  const runRest = async (d: string, from: number, to: number) => {
    const { table } = DATA[d]!;
    const source = restSource(d, { http, symbol, from, to });
    const quarantine = lake.quarantine(table);
    const run = pipeline(`backfill ${symbol} ${d}`)
      .from(source)
      .pipe(
        validate(TABLES[table].schema, {
          table,
          quarantine: (rows) => quarantine.append(toQuarantineRows(table, rows)),
        }) as never,
      )
      .to(lake.silver(table) as never)
      .run(options.signal ? { signal: options.signal } : {});
    if (options.events) {
      const events = options.events;
      run.on('gap', (g) => events.emit('gap', g));
      run.on('progress', (p) => events.emit('progress', p));
    }
    try {
      const report = await run.done;
      // An abort that found the stages between batches ends 'aborted' rather than rejecting: not a success.
      if (report.status === 'aborted') throw new ScalplakeError('ABORTED', `backfill of ${d} for ${symbol} was aborted`, { context: { data: d, symbol } });
      return report;
    } finally {
      await quarantine.close();
    }
  };
  const rest: BackfillTableReport[] = [];
  try {
    await http.loadExchangeInfo();
    for (const d of options.data) {
      const { table } = DATA[d]!;
      // REST brings 1m bars: kline tables may also hold other intervals, which say nothing about the 1m rows.
      const timeColumn = TABLES[table].timeColumn;
      const keyed = TABLES[table].key.includes('interval');
      const lastTime = await lastSilverValue(lake, table, symbol, (r) => {
        const row = r as unknown as Record<string, number | string>;
        return keyed && row.interval !== '1m' ? Number.NEGATIVE_INFINITY : (row[timeColumn] as number);
      });
      // Several aggregate trades can share a millisecond, and the lake may end between two of them (a live flush, a
      // bounded-memory flush before a crash): resume at that millisecond itself; the upsert keeps the trades it holds.
      // Klines, funding and price klines have one row per time: resume after it.
      const resumeAt = lastTime === undefined ? undefined : table === 'agg_trades' ? lastTime : lastTime + 1;
      let restFrom = Math.max(restStart, resumeAt ?? restStart);
      if (d === 'aggTrades' && to - restFrom > AGG_TRADES_REST_HISTORY_MS && now() - restFrom > AGG_TRADES_REST_HISTORY_MS) {
        throw new ScalplakeError(
          'INVALID_ARGUMENT',
          `aggTrades from ${utcDate(restFrom)} are older than REST serves (24 h): fetch whole days from bulk files (omit --no-bulk)`,
          { context: { from: restFrom } },
        );
      }
      if (table !== 'agg_trades') restFrom = Math.ceil(restFrom / MINUTE_MS) * MINUTE_MS;
      // Holes before the watermark (a run that crashed between partitions, a live outage, deleted files): REST serves
      // klines and price klines for any time, so they are fetched again; aggTrades holes older than 24 h need bulk files.
      let holes = 0;
      let holeRowsWritten = 0;
      if (lastTime !== undefined && (d === 'klines' || d === 'markPrice')) {
        const start = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
        for (const h of await minuteHoles(lake, table as 'klines' | 'mark_price_klines', symbol, start, Math.min(lastTime + 1, to))) {
          holes++;
          holeRowsWritten += (await runRest(d, h.from, h.to + MINUTE_MS - 1)).rowsOut;
        }
      }
      if (restFrom >= to) {
        rest.push({ data: d, table, restFrom, restTo: to, restRows: 0, rowsWritten: 0, quarantined: 0, holes, holeRowsWritten });
        continue;
      }
      // REST sources take an inclusive end; ours is exclusive.
      const report = await runRest(d, restFrom, to - 1);
      rest.push({ data: d, table, restFrom, restTo: to, restRows: report.rowsIn, rowsWritten: report.rowsOut, quarantined: report.invalid, holes, holeRowsWritten });
    }
  } finally {
    await bronze.close();
  }
  return { ...(bulk ? { bulk } : {}), rest, requests };
}

function restSource(data: string, o: { http: ReturnType<typeof createBinanceHttpClient>; symbol: string; from: number; to: number }): Source<unknown> {
  switch (data) {
    case 'klines':
      return restKlines({ http: o.http, symbol: o.symbol, from: o.from, to: o.to }) as Source<unknown>;
    case 'aggTrades':
      return restAggTrades({ http: o.http, symbol: o.symbol, from: o.from, to: o.to }) as Source<unknown>;
    case 'fundingRate':
      return restFundingRates({ http: o.http, symbol: o.symbol, from: o.from, to: o.to }) as Source<unknown>;
    default:
      return restPriceKlines({ http: o.http, symbol: o.symbol, from: o.from, to: o.to, kind: 'markPrice' }) as Source<unknown>;
  }
}

/**
 * The runs of missing 1-minute bars of a kline table over [from, to): between stored bars, and before the first one.
 * `from` and `to` are UTC ms; `from` is a minute start.
 */
async function minuteHoles(lake: Lake, table: 'klines' | 'mark_price_klines', symbol: string, from: number, to: number): Promise<GapEvent[]> {
  const times: number[] = [];
  for await (const batch of lake.readSilver(table, symbol, { from, to })) {
    for (const row of batch) if (row.interval === '1m') times.push(row.open_time);
  }
  if (times.length === 0) return [];
  const holes = findTimeGaps(times, MINUTE_MS, symbol, table);
  const first = times[0]!;
  if (first > from) holes.unshift({ table, symbol, kind: 'time', from, to: first - MINUTE_MS, missing: (first - from) / MINUTE_MS });
  return holes;
}
