/**
 * The gold job: per symbol, read the silver tables in event-time order, build one feature row per minute and upsert
 * it into `gold/features_1m/symbol=<S>/date=<D>/part-0.parquet`. Incremental from a watermark (re-reading the
 * warm-up window and re-labelling the last minutes), idempotent, and it works when only klines exist.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import type { GapEvent, RunEvents } from '../core/events.js';
import { createRunEvents } from '../core/events.js';
import { assertSymbol } from '../core/symbol.js';
import type { TableName } from '../core/tables.js';
import { MINUTE_MS, requireUtcMillis } from '../core/time.js';
import { buildGoldColumns } from '../features/gold-builder.js';
import { goldSchemaOf } from '../features/gold-schema.js';
import { scalping } from '../features/features.js';
import type { FeatureSet } from '../features/feature-set.js';
import { createStageContext } from '../pipeline/context.js';
import { partitionedSink } from '../sinks/silver-sink.js';
import type { Lake } from './lake.js';

/** The gold table's name (folder under `gold/`). */
export const GOLD_TABLE = 'features_1m';

/** Minutes of look-ahead the labels need (label_fwd_return_15m). */
const LABEL_HORIZON_MS = 15 * MINUTE_MS;
/** Funding is settled every 1–8 h: read this far back so the latest rate is known at the first minute. */
const FUNDING_LOOKBACK_MS = 24 * 3_600_000;

/** Options of {@link buildGoldTable}. */
export interface GoldJobOptions {
  /** Symbols to build (default: every symbol with silver klines). */
  readonly symbols?: readonly string[] | undefined;
  /**
   * First minute to (re)build; the 15 minutes before it are re-labelled too (default: the watermark minus the label
   * horizon, or the first kline). The watermark only moves forward: silver written later for minutes before it (a
   * day imported after gold was built past it, late rows in a built day) is not read again by a build without
   * `from`. Rebuild from the first minute that changed to pick it up: the rows from there on then equal a full
   * rebuild's.
   */
  readonly from?: string | number | undefined;
  /** Build minutes before this (default: the end of the last kline partition). */
  readonly to?: string | number | undefined;
  /** A factory of the feature set (default `scalping`); called once per symbol, as sets hold state. */
  readonly features?: (() => FeatureSet) | undefined;
  /** |5-minute return| in bps above which `label_direction_5m` is ±1 (default 5). */
  readonly labelThresholdBps?: number | undefined;
  /** Receives `gap` and `flush` events. */
  readonly events?: RunEvents | undefined;
  /** Stops the build. */
  readonly signal?: AbortSignal | undefined;
}

/** What the gold job did for one symbol. */
export interface GoldSymbolReport {
  /** The symbol. */
  readonly symbol: string;
  /** First minute emitted (UTC ms): `from` minus the 15-minute label horizon, or the watermark minus it. */
  readonly from: number;
  /** End of the emitted range (UTC ms, exclusive). */
  readonly to: number;
  /** Rows emitted. */
  readonly rows: number;
  /** Rows inserted or replaced in gold. */
  readonly rowsWritten: number;
  /** Rows gold already held identically. */
  readonly unchanged: number;
  /** Kline gaps met (each reset the stateful features). */
  readonly gaps: readonly GapEvent[];
  /** Which optional inputs existed in silver. */
  readonly inputs: readonly TableName[];
  /** Gold files rewritten. */
  readonly filesWritten: readonly string[];
}

/**
 * Builds (or extends) the gold features table from silver.
 *
 * @throws `INVALID_SYMBOL`; `INVALID_ARGUMENT` for bad times or a symbol without silver klines; `PARQUET_READ`,
 *   `SINK_WRITE`, `ABORTED`.
 * @example
 * ```ts
 * const [btc] = await buildGoldTable(openLake('./lake'), { symbols: ['BTCUSDT'] });
 * console.log(btc.rows, btc.gaps.length);
 * ```
 */
export async function buildGoldTable(lake: Lake, options: GoldJobOptions = {}): Promise<GoldSymbolReport[]> {
  const symbols = options.symbols ?? [...new Set((await lake.partitions('klines')).map((p) => p.symbol))];
  const out: GoldSymbolReport[] = [];
  for (const symbol of symbols) out.push(await buildSymbol(lake, assertSymbol(symbol, 'gold'), options));
  return out;
}

async function buildSymbol(lake: Lake, symbol: string, options: GoldJobOptions): Promise<GoldSymbolReport> {
  const klineParts = await lake.partitions('klines', symbol);
  const first = klineParts[0];
  const last = klineParts.at(-1);
  if (first === undefined || last === undefined) {
    throw new ScalplakeError('INVALID_ARGUMENT', `No silver klines for ${symbol}: import or ingest klines first`, { context: { symbol } });
  }
  const watermarkName = `watermarks/gold/${symbol}`;
  const watermark = (await lake.state.get(watermarkName)) as { readonly lastMinute?: number } | undefined;
  // The 15 minutes before the rebuilt range are re-emitted too: their labels look into it. (From the watermark:
  // the last rows, whose labels were missing the closes that had not arrived yet.)
  const from =
    options.from !== undefined
      ? requireUtcMillis(options.from, 'from') - LABEL_HORIZON_MS
      : watermark?.lastMinute !== undefined
        ? Math.max(first.start, watermark.lastMinute - LABEL_HORIZON_MS)
        : first.start;
  const to = options.to !== undefined ? requireUtcMillis(options.to, 'to') : last.end;
  const features = options.features?.() ?? scalping();
  const readFrom = from - features.warmUpMinutes * MINUTE_MS;
  const readTo = to + LABEL_HORIZON_MS + MINUTE_MS;
  const range = { from: readFrom, to: readTo };

  const inputs: TableName[] = [];
  const optional = async <N extends TableName>(table: N, r = range) => {
    if ((await lake.partitions(table, symbol)).length === 0) return undefined;
    inputs.push(table);
    return lake.readSilverColumns(table, symbol, r);
  };
  const aggTrades = await optional('agg_trades');
  const bookDepth = await optional('book_depth');
  const markPrices = await optional('mark_prices');
  const fundingRates = await optional('funding_rates', { from: readFrom - FUNDING_LOOKBACK_MS, to: readTo });
  const events = options.events ?? createRunEvents();
  const build = buildGoldColumns(
    {
      // Columns, not records: no object per row (a book snapshot has 86 fields); the rows built are the same.
      klines: lake.readSilverColumns('klines', symbol, range),
      ...(aggTrades ? { aggTrades } : {}),
      ...(bookDepth ? { bookDepth } : {}),
      ...(markPrices ? { markPrices } : {}),
      ...(fundingRates ? { fundingRates } : {}),
    },
    {
      symbol,
      features,
      from,
      to,
      events,
      ...(options.labelThresholdBps === undefined ? {} : { labelThresholdBps: options.labelThresholdBps }),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  const sink = partitionedSink(lake.store, {
    name: GOLD_TABLE,
    schema: goldSchemaOf(features),
    key: ['symbol', 'open_time'],
    timeColumn: 'open_time',
    partitionBy: 'day',
    prefix: `gold/${GOLD_TABLE}/`,
  });
  const ctx = createStageContext({ events, ...(options.signal ? { signal: options.signal } : {}) });
  let lastMinute = Number.NEGATIVE_INFINITY;
  async function* tracked() {
    for await (const block of build) {
      // Column 1 is open_time (see GoldColumns).
      const times = block.cols[1] as Float64Array;
      if (block.n > 0 && times[block.n - 1]! > lastMinute) lastMinute = times[block.n - 1]!;
      yield block;
    }
  }
  const report = await sink.writeColumns(tracked(), ctx);
  if (Number.isFinite(lastMinute)) {
    await lake.state.put(watermarkName, { lastMinute: Math.max(lastMinute, watermark?.lastMinute ?? lastMinute) });
  }
  return {
    symbol,
    from,
    to,
    rows: build.report.rows,
    rowsWritten: report.rowsWritten,
    unchanged: report.unchanged ?? 0,
    gaps: build.report.gaps,
    inputs,
    filesWritten: report.filesWritten,
  };
}
