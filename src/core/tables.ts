/**
 * The silver tables: one zod schema each (the single source of truth: type, Parquet schema, SQL), and the
 * registry that says how each is keyed, ordered and partitioned.
 * @module
 */
import { z } from 'zod';
import { col, type TableSchema } from './schema.js';

const common = {
  /** Where the row came from: `datavision`, `cdd`, `kaggle`, `rest`, `ws`, `replay`. */
  source: col.string('Where the row came from: datavision, cdd, kaggle, rest, ws or replay'),
  /** When scalplake first ingested the row (UTC ms). */
  ingested_at: col.timestamp('When scalplake first ingested the row (UTC)'),
};

const klineShape = {
  /** Market symbol, e.g. BTCUSDT. */
  symbol: col.string('Market symbol, e.g. BTCUSDT'),
  /** Kline interval, e.g. 1m. */
  interval: col.string('Kline interval, e.g. 1m'),
  /** Start of the bar (UTC, inclusive). */
  open_time: col.timestamp('Start of the bar (UTC, inclusive)'),
  /** End of the bar: open_time + interval − 1 ms (UTC). */
  close_time: col.timestamp('End of the bar: open_time + interval − 1 ms (UTC)'),
  /** First trade price in the bar. */
  open: col.double('First trade price in the bar'),
  /** Highest trade price in the bar. */
  high: col.double('Highest trade price in the bar'),
  /** Lowest trade price in the bar. */
  low: col.double('Lowest trade price in the bar'),
  /** Last trade price in the bar. */
  close: col.double('Last trade price in the bar'),
  /** Base-asset volume (e.g. BTC). */
  volume: col.double('Base-asset volume (e.g. BTC)'),
  /** Quote-asset volume (e.g. USDT); null when the file has none. */
  quote_volume: col.double('Quote-asset volume (e.g. USDT); null when the file has none').nullable(),
  /** Number of trades in the bar. */
  trade_count: col.int64('Number of trades in the bar').nullable(),
  /** Base volume bought by takers. */
  taker_buy_volume: col.double('Base volume bought by takers').nullable(),
  /** Quote volume bought by takers. */
  taker_buy_quote_volume: col.double('Quote volume bought by takers').nullable(),
  ...common,
};

const ohlc = (v: { high: number; low: number; open: number; close: number }) =>
  v.high >= v.low && v.high >= Math.min(v.open, v.close) && v.low <= Math.max(v.open, v.close);

/** A 1-minute (or other interval) futures kline. Keyed by symbol, interval, open_time. */
export const Kline = z
  .object(klineShape)
  .refine(ohlc, { message: 'high/low do not bound open/close', path: ['high'] })
  .refine((v) => v.close_time > v.open_time, { message: 'close_time is not after open_time', path: ['close_time'] });
/** A kline record: the row type of the `klines` table. */
export interface Kline extends z.infer<typeof Kline> {}

/** A price-index kline (mark, index or premium index): the kline shape without trade volumes. */
export const PriceKline = z.object({
  /** Market symbol, e.g. BTCUSDT. */
  symbol: klineShape.symbol,
  /** Kline interval, e.g. 1m. */
  interval: klineShape.interval,
  /** Start of the bar (UTC, inclusive). */
  open_time: klineShape.open_time,
  /** End of the bar: open_time + interval − 1 ms (UTC). */
  close_time: klineShape.close_time,
  /** Index value at the start of the bar. */
  open: col.double('Index value at the start of the bar'),
  /** Highest index value in the bar. */
  high: col.double('Highest index value in the bar'),
  /** Lowest index value in the bar. */
  low: col.double('Lowest index value in the bar'),
  /** Index value at the end of the bar. */
  close: col.double('Index value at the end of the bar'),
  /** Number of basic samples in the bar. */
  sample_count: col.int64('Number of basic samples in the bar').nullable(),
  ...common,
});
/** A price-index kline record: the row type of `mark_price_klines`, `index_price_klines`, `premium_index_klines`. */
export interface PriceKline extends z.infer<typeof PriceKline> {}

/** An aggregate trade. Keyed by symbol, agg_trade_id. */
export const AggTrade = z
  .object({
    /** Market symbol. */
    symbol: col.string('Market symbol'),
    /** Aggregate trade id (increasing per symbol). */
    agg_trade_id: col.int64('Aggregate trade id (increasing per symbol)'),
    /** Trade price. */
    price: col.double('Trade price').positive(),
    /** Base quantity. */
    quantity: col.double('Base quantity').nonnegative(),
    /** First trade id in the aggregate. */
    first_trade_id: col.int64('First trade id in the aggregate'),
    /** Last trade id in the aggregate. */
    last_trade_id: col.int64('Last trade id in the aggregate'),
    /** Trade time (UTC). */
    trade_time: col.timestamp('Trade time (UTC)'),
    /** True when the buyer was the maker, i.e. the taker sold. */
    is_buyer_maker: col.boolean('True when the buyer was the maker, i.e. the taker sold'),
    ...common,
  })
  .refine((v) => v.last_trade_id >= v.first_trade_id, {
    message: 'last_trade_id is below first_trade_id',
    path: ['last_trade_id'],
  });
/** An aggregate trade record: the row type of the `agg_trades` table. */
export interface AggTrade extends z.infer<typeof AggTrade> {}

/** Levels kept per side in `book_depth` rows. */
export const BOOK_LEVELS = 20;

type Level = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20;
type LevelColumns = {
  [K in `${'bid' | 'ask'}_${'price' | 'qty'}_${Level}`]: z.ZodNullable<ReturnType<typeof col.double>>;
};

function levelColumns(): LevelColumns {
  const out: Record<string, z.ZodNullable<ReturnType<typeof col.double>>> = {};
  for (const side of ['bid', 'ask'] as const) {
    for (const what of ['price', 'qty'] as const) {
      for (let i = 1; i <= BOOK_LEVELS; i++) {
        out[`${side}_${what}_${i}`] = col.double(`${side} ${what} at level ${i} (null when the book is thinner)`).nullable();
      }
    }
  }
  return out as LevelColumns;
}

/** A top-N order book snapshot. Keyed by symbol, event_time, final_update_id. */
export const BookDepth = z.object({
  /** Market symbol. */
  symbol: col.string('Market symbol'),
  /** Event time of the book update (UTC). */
  event_time: col.timestamp('Event time of the book update (UTC)'),
  /** Matching-engine time of the update (UTC). */
  transaction_time: col.timestamp('Matching-engine time of the update (UTC)').nullable(),
  /** Final update id of the book update. */
  final_update_id: col.int64('Final update id of the book update'),
  ...levelColumns(),
  ...common,
});
/** A top-N book snapshot record: the row type of the `book_depth` table. */
export interface BookDepth extends z.infer<typeof BookDepth> {}

/** data.binance.vision `bookDepth`: cumulative depth within ±1…5 % of the mid price, about every 30 s. */
export const BookDepthBand = z.object({
  /** Market symbol. */
  symbol: col.string('Market symbol'),
  /** Snapshot time (UTC, whole seconds). */
  timestamp: col.timestamp('Snapshot time (UTC, whole seconds)'),
  /** Band edge in percent from mid: negative bids, positive asks. */
  percentage: col.double('Band edge in percent from mid: negative bids, positive asks'),
  /** Cumulative base quantity within the band. */
  depth: col.double('Cumulative base quantity within the band'),
  /** Cumulative quote notional within the band. */
  notional: col.double('Cumulative quote notional within the band'),
  ...common,
});
/** A depth-band record: the row type of the `book_depth_bands` table. */
export interface BookDepthBand extends z.infer<typeof BookDepthBand> {}

/** A funding settlement. Keyed by symbol, funding_time. */
export const FundingRate = z.object({
  /** Market symbol. */
  symbol: col.string('Market symbol'),
  /** Funding settlement time (UTC, as sent: may carry a few ms). */
  funding_time: col.timestamp('Funding settlement time (UTC, as sent: may carry a few ms)'),
  /** Funding rate as a fraction (0.0001 = 0.01 %). */
  funding_rate: col.double('Funding rate as a fraction (0.0001 = 0.01 %)'),
  /** Mark price at settlement. */
  mark_price: col.double('Mark price at settlement').nullable(),
  /** Hours between settlements. */
  funding_interval_hours: col.int32('Hours between settlements').nullable(),
  ...common,
});
/** A funding-rate record: the row type of the `funding_rates` table. */
export interface FundingRate extends z.infer<typeof FundingRate> {}

/** A mark-price update. Keyed by symbol, event_time. */
export const MarkPrice = z.object({
  /** Market symbol. */
  symbol: col.string('Market symbol'),
  /** Event time (UTC). */
  event_time: col.timestamp('Event time (UTC)'),
  /** Mark price. */
  mark_price: col.double('Mark price'),
  /** Index price. */
  index_price: col.double('Index price').nullable(),
  /** Estimated settle price (meaningful in the last hour before settlement). */
  estimated_settle_price: col.double('Estimated settle price (meaningful in the last hour before settlement)').nullable(),
  /** Current funding rate estimate. */
  funding_rate: col.double('Current funding rate estimate').nullable(),
  /** Next funding settlement (UTC). */
  next_funding_time: col.timestamp('Next funding settlement (UTC)').nullable(),
  ...common,
});
/** A mark-price record: the row type of the `mark_prices` table. */
export interface MarkPrice extends z.infer<typeof MarkPrice> {}

/** A row that failed validation, kept in the quarantine table with the reason. */
export const QuarantineRow = z.object({
  /** The table the row was meant for. */
  table: col.string('The table the row was meant for'),
  /** File path, URL or stream the row came from. */
  source: col.string('File path, URL or stream the row came from'),
  /** 1-based line in the file, or message offset in the stream. */
  line: col.int64('1-based line in the file, or message offset in the stream').nullable(),
  /** The raw text of the row or payload. */
  raw: col.string('The raw text of the row or payload'),
  /** Why the row was rejected. */
  reason: col.string('Why the row was rejected'),
  /** When the row was quarantined (UTC). */
  quarantined_at: col.timestamp('When the row was quarantined (UTC)'),
});
/** A quarantined row. */
export interface QuarantineRow extends z.infer<typeof QuarantineRow> {}

/** How a table is keyed, ordered and partitioned. */
export interface TableDef<S extends TableSchema = TableSchema> {
  /** The table name (folder under `silver/`). */
  readonly name: TableName;
  /** The zod schema of one row. */
  readonly schema: S;
  /** Columns that identify a row; later rows with the same key replace earlier ones. */
  readonly key: readonly string[];
  /** The event-time column: sort order, `date=` (and `hour=`) partitions, watermarks. */
  readonly timeColumn: string;
  /** A monotonically increasing id column used for gap detection, if any. */
  readonly idColumn?: string;
  /** `day`: `symbol=/date=`; `hour`: `symbol=/date=/hour=`. */
  readonly partitionBy: 'day' | 'hour';
}

/** The silver table names. */
export const TABLE_NAMES = [
  'klines',
  'agg_trades',
  'book_depth',
  'funding_rates',
  'mark_prices',
  'mark_price_klines',
  'index_price_klines',
  'premium_index_klines',
  'book_depth_bands',
] as const;
/** One of {@link TABLE_NAMES}. */
export type TableName = (typeof TABLE_NAMES)[number];

/** The row type of each silver table. */
export interface TableRows {
  /** 1-minute (or other interval) klines. */
  klines: Kline;
  /** Aggregate trades. */
  agg_trades: AggTrade;
  /** Top-N book snapshots. */
  book_depth: BookDepth;
  /** Funding settlements. */
  funding_rates: FundingRate;
  /** Mark-price updates. */
  mark_prices: MarkPrice;
  /** Mark-price klines. */
  mark_price_klines: PriceKline;
  /** Index-price klines. */
  index_price_klines: PriceKline;
  /** Premium-index klines. */
  premium_index_klines: PriceKline;
  /** data.binance.vision depth bands. */
  book_depth_bands: BookDepthBand;
}

const priceKlineDef = (name: TableName): TableDef => ({
  name,
  schema: PriceKline as unknown as TableSchema,
  key: ['symbol', 'interval', 'open_time'],
  timeColumn: 'open_time',
  partitionBy: 'day',
});

/** The registry of silver tables. */
export const TABLES: { readonly [K in TableName]: TableDef } = {
  klines: {
    name: 'klines',
    schema: Kline as unknown as TableSchema,
    key: ['symbol', 'interval', 'open_time'],
    timeColumn: 'open_time',
    partitionBy: 'day',
  },
  agg_trades: {
    name: 'agg_trades',
    schema: AggTrade as unknown as TableSchema,
    key: ['symbol', 'agg_trade_id'],
    timeColumn: 'trade_time',
    idColumn: 'agg_trade_id',
    partitionBy: 'hour',
  },
  book_depth: {
    name: 'book_depth',
    schema: BookDepth as unknown as TableSchema,
    key: ['symbol', 'event_time', 'final_update_id'],
    timeColumn: 'event_time',
    partitionBy: 'day',
  },
  funding_rates: {
    name: 'funding_rates',
    schema: FundingRate as unknown as TableSchema,
    key: ['symbol', 'funding_time'],
    timeColumn: 'funding_time',
    partitionBy: 'day',
  },
  mark_prices: {
    name: 'mark_prices',
    schema: MarkPrice as unknown as TableSchema,
    key: ['symbol', 'event_time'],
    timeColumn: 'event_time',
    partitionBy: 'day',
  },
  mark_price_klines: priceKlineDef('mark_price_klines'),
  index_price_klines: priceKlineDef('index_price_klines'),
  premium_index_klines: priceKlineDef('premium_index_klines'),
  book_depth_bands: {
    name: 'book_depth_bands',
    schema: BookDepthBand as unknown as TableSchema,
    key: ['symbol', 'timestamp', 'percentage'],
    timeColumn: 'timestamp',
    partitionBy: 'day',
  },
};
