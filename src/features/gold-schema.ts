/**
 * The gold table `features_1m`: one row per symbol per minute. The zod schema is the single source of truth for
 * the row type, the Parquet schema and the SQL DDL.
 * @module
 */
import { z } from 'zod';
import { col, type TableSchema } from '../core/schema.js';
import type { GoldColumn } from './feature.js';
import type { FeatureSet } from './feature-set.js';

const d = (description: string) => col.double(description).nullable();
const count = (description: string) => col.int64(description).nullable();

/** The label columns (the only forward-looking ones), appended after the features of any set. */
export const LABEL_COLUMNS: readonly GoldColumn[] = [
  { name: 'label_fwd_return_1m', type: 'double', description: 'close(t+1m) / close(t) − 1 (forward-looking label)' },
  { name: 'label_fwd_return_5m', type: 'double', description: 'close(t+5m) / close(t) − 1 (forward-looking label)' },
  { name: 'label_fwd_return_15m', type: 'double', description: 'close(t+15m) / close(t) − 1 (forward-looking label)' },
  {
    name: 'label_direction_5m',
    type: 'int32',
    description: '1 when label_fwd_return_5m > threshold, −1 when < −threshold, else 0 (forward-looking label)',
  },
];

/**
 * The standard gold table (`gold/features_1m`, partitioned `symbol=/date=`): keys `symbol`, `open_time`; the 56
 * columns of {@link scalping} (nullable doubles, counts nullable INT64), then the 4 labels.
 *
 * @example
 * ```ts
 * parquetSchemaOf(GoldFeatures); // explicit Parquet schema for the writer
 * type Row = GoldFeatures;       // { symbol: string; open_time: number; open: number | null; … }
 * ```
 */
export const GoldFeatures = z.object({
  /** Market symbol. */
  symbol: col.string('Market symbol'),
  /** Start of the minute (UTC); the row uses only events with event time < open_time + 60 s. */
  open_time: col.timestamp('Start of the minute (UTC); the row uses only events with event time < open_time + 60 s'),
  /** First trade price of the minute (quote currency). */
  open: d('First trade price of the minute (quote currency)'),
  /** Highest trade price of the minute. */
  high: d('Highest trade price of the minute'),
  /** Lowest trade price of the minute. */
  low: d('Lowest trade price of the minute'),
  /** Last trade price of the minute. */
  close: d('Last trade price of the minute'),
  /** Base-asset volume of the minute. */
  volume: d('Base-asset volume of the minute'),
  /** ln(close / close 1 minute earlier). */
  log_return_1m: d('ln(close / close 1 minute earlier)'),
  /** ln(close / close 5 minutes earlier). */
  log_return_5m: d('ln(close / close 5 minutes earlier)'),
  /** ln(close / close 15 minutes earlier). */
  log_return_15m: d('ln(close / close 15 minutes earlier)'),
  /** Wilder RSI over 14 minutes, 0..100. */
  rsi_14: d('Wilder RSI over 14 minutes, 0..100'),
  /** EMA(close, 12) − EMA(close, 26) (quote currency). */
  macd: d('EMA(close, 12) − EMA(close, 26) (quote currency)'),
  /** EMA(macd, 9). */
  macd_signal: d('EMA(macd, 9)'),
  /** macd − macd_signal. */
  macd_hist: d('macd − macd_signal'),
  /** EMA of close, k = 2/10. */
  ema_9: d('EMA of close, k = 2/10'),
  /** EMA of close, k = 2/22. */
  ema_21: d('EMA of close, k = 2/22'),
  /** ema_9 / ema_21. */
  ema_ratio_9_21: d('ema_9 / ema_21'),
  /** SMA of close over 20 minutes. */
  sma_20: d('SMA of close over 20 minutes'),
  /** sma_20 + 2 population standard deviations. */
  bb_upper_20: d('sma_20 + 2 population standard deviations'),
  /** sma_20 − 2 population standard deviations. */
  bb_lower_20: d('sma_20 − 2 population standard deviations'),
  /** (close − lower) / (upper − lower). */
  bb_pct_b_20: d('(close − lower) / (upper − lower)'),
  /** (upper − lower) / sma_20, a fraction. */
  bb_width_20: d('(upper − lower) / sma_20, a fraction'),
  /** Average true range, Wilder, 14 minutes (quote currency). */
  atr_14: d('Average true range, Wilder, 14 minutes (quote currency)'),
  /** 100 · atr_14 / close (percent). */
  natr_14: d('100 · atr_14 / close (percent)'),
  /** √Σ r² over the last 30 one-minute log returns (not annualized). */
  realized_vol_30m: d('√Σ r² over the last 30 one-minute log returns (not annualized)'),
  /** SMA(3) of the stochastic of RSI(14) over 14 values, 0..100. */
  stoch_rsi_k: d('SMA(3) of the stochastic of RSI(14) over 14 values, 0..100'),
  /** Average directional index, Wilder, 14 minutes, 0..100. */
  adx_14: d('Average directional index, Wilder, 14 minutes, 0..100'),
  /** Commodity channel index over 20 minutes. */
  cci_20: d('Commodity channel index over 20 minutes'),
  /** 100 · (close / close 10 minutes earlier − 1) (percent). */
  roc_10: d('100 · (close / close 10 minutes earlier − 1) (percent)'),
  /** On-balance volume since 00:00 UTC (base asset); null until the first midnight after a reset. */
  obv: d('On-balance volume since 00:00 UTC (base asset); null until the first midnight after a reset'),
  /** (volume − mean) / σ over the last 60 minutes. */
  volume_zscore_60m: d('(volume − mean) / σ over the last 60 minutes'),
  /** taker_buy_volume / volume of the kline. */
  taker_buy_ratio: d('taker_buy_volume / volume of the kline'),
  /** Σ quote volume / Σ volume over the last 60 minutes. */
  vwap_rolling_60m: d('Σ quote volume / Σ volume over the last 60 minutes'),
  /** (close − vwap_rolling_60m) / vwap_rolling_60m × 10 000. */
  close_vwap_dev_bps: d('(close − vwap_rolling_60m) / vwap_rolling_60m × 10 000'),
  /** Trades in the minute: Σ(last_trade_id − first_trade_id + 1) of the aggregate trades. */
  trade_count: count('Trades in the minute: Σ(last_trade_id − first_trade_id + 1) of the aggregate trades'),
  /** Base volume of taker buys. */
  buy_volume: d('Base volume of taker buys'),
  /** Base volume of taker sells. */
  sell_volume: d('Base volume of taker sells'),
  /** buy_volume − sell_volume. */
  volume_delta: d('buy_volume − sell_volume'),
  /** VWAP of the minute’s trades. */
  vwap_1m: d('VWAP of the minute’s trades'),
  /** Base volume / number of aggregate trades. */
  avg_trade_size: d('Base volume / number of aggregate trades'),
  /** Largest aggregate-trade quantity. */
  max_trade_size: d('Largest aggregate-trade quantity'),
  /** (buy − sell) / (buy + sell) aggregate-trade counts. */
  trade_imbalance: d('(buy − sell) / (buy + sell) aggregate-trade counts'),
  /** Cumulative volume delta since 00:00 UTC (null after a trade gap until the next midnight). */
  cvd: d('Cumulative volume delta since 00:00 UTC (null after a trade gap until the next midnight)'),
  /** Aggregate trades above the rolling 99th percentile of size (previous 60 minutes). */
  large_trade_count: count('Aggregate trades above the rolling 99th percentile of size (previous 60 minutes)'),
  /** (best ask − best bid) / mid × 10 000 as of the close. */
  spread_bps: d('(best ask − best bid) / mid × 10 000 as of the close'),
  /** (best bid + best ask) / 2 as of the close. */
  mid_price: d('(best bid + best ask) / 2 as of the close'),
  /** Quantity-weighted best bid/ask as of the close. */
  microprice: d('Quantity-weighted best bid/ask as of the close'),
  /** Top-5 quantity imbalance as of the close, −1..1. */
  book_imbalance_5: d('Top-5 quantity imbalance as of the close, −1..1'),
  /** Top-20 quantity imbalance as of the close, −1..1. */
  book_imbalance_20: d('Top-20 quantity imbalance as of the close, −1..1'),
  /** Σ price × qty of the top 20 bid levels (quote currency). */
  bid_depth_20_usd: d('Σ price × qty of the top 20 bid levels (quote currency)'),
  /** Σ price × qty of the top 20 ask levels (quote currency). */
  ask_depth_20_usd: d('Σ price × qty of the top 20 ask levels (quote currency)'),
  /** Mean top-5 imbalance over the snapshots inside the minute. */
  book_imbalance_5_mean: d('Mean top-5 imbalance over the snapshots inside the minute'),
  /** Rate of the latest funding settlement known at the close (fraction). */
  funding_rate: d('Rate of the latest funding settlement known at the close (fraction)'),
  /** Minutes from the close to the next funding settlement. */
  minutes_to_funding: d('Minutes from the close to the next funding settlement'),
  /** Latest mark price before the close. */
  mark_price: d('Latest mark price before the close'),
  /** Latest index price before the close. */
  index_price: d('Latest index price before the close'),
  /** (mark − index) / index × 10 000. */
  premium_bps: d('(mark − index) / index × 10 000'),
  /** (close − index) / index × 10 000. */
  basis_bps: d('(close − index) / index × 10 000'),
  /** close(t+1m) / close(t) − 1 (forward-looking label). */
  label_fwd_return_1m: d('close(t+1m) / close(t) − 1 (forward-looking label)'),
  /** close(t+5m) / close(t) − 1 (forward-looking label). */
  label_fwd_return_5m: d('close(t+5m) / close(t) − 1 (forward-looking label)'),
  /** close(t+15m) / close(t) − 1 (forward-looking label). */
  label_fwd_return_15m: d('close(t+15m) / close(t) − 1 (forward-looking label)'),
  /** 1 / 0 / −1: label_fwd_return_5m beyond ± the threshold in bps (forward-looking label). */
  label_direction_5m: col.int32('1 / 0 / −1: label_fwd_return_5m beyond ± the threshold in bps (forward-looking label)').nullable(),
});
/** A row of the standard gold table. */
export interface GoldFeatures extends z.infer<typeof GoldFeatures> {}

/**
 * Derives the gold table schema of a custom feature set: `symbol`, `open_time`, the set's columns (nullable), the
 * labels.
 *
 * @example
 * ```ts
 * const schema = goldSchemaOf(featureSet({ rsi_7: klineFeatures.rsi(7) }));
 * parquetSchemaOf(schema);
 * ```
 */
export function goldSchemaOf(set: FeatureSet): TableSchema {
  const shape: Record<string, z.ZodType> = {
    /** Market symbol. */
    symbol: col.string('Market symbol'),
    /** Start of the minute (UTC). */
    open_time: col.timestamp('Start of the minute (UTC)'),
  };
  for (const c of [...set.columns, ...LABEL_COLUMNS]) {
    const base = c.type === 'int64' ? col.int64(c.description) : c.type === 'int32' ? col.int32(c.description) : col.double(c.description);
    shape[c.name] = base.nullable();
  }
  return z.object(shape);
}
