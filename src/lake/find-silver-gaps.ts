import type { GapEvent } from '../core/events.js';
import type { TableName } from '../core/tables.js';
import { intervalMs } from '../core/time.js';
import { findIdGaps, findTimeGaps } from '../transforms/detect-gaps.js';
import type { Lake, TimeRange } from './lake.js';

/** Options of {@link findSilverGaps}. */
export interface SilverGapOptions extends TimeRange {
  /** Klines: the interval to check (default `1m`); rows of other intervals are ignored. */
  readonly interval?: string;
}

/**
 * Reads a symbol's silver table over a time range and lists its gaps: missing kline intervals (kind `time`) or
 * missing aggregate-trade ids (kind `id`). Other tables have no gap rule and give an empty list.
 *
 * @throws `INVALID_ARGUMENT` for an unknown interval; `INVALID_SYMBOL`; `PARQUET_READ` for an unreadable partition.
 * @example
 * ```ts
 * const gaps = await findSilverGaps(openLake('./lake'), 'klines', 'BTCUSDT', { from: '2019-09-08', to: '2019-10-01' });
 * ```
 */
export async function findSilverGaps(lake: Lake, table: TableName, symbol: string, options: SilverGapOptions = {}): Promise<GapEvent[]> {
  if (table === 'klines') {
    const interval = options.interval ?? '1m';
    const step = intervalMs(interval);
    const times: number[] = [];
    for await (const batch of lake.readSilver('klines', symbol, options)) {
      for (const row of batch) if (row.interval === interval) times.push(row.open_time);
    }
    return findTimeGaps(times, step, symbol, table);
  }
  if (table === 'agg_trades') {
    const ids: number[] = [];
    for await (const batch of lake.readSilver('agg_trades', symbol, options)) {
      for (const row of batch) ids.push(row.agg_trade_id);
    }
    return findIdGaps(ids, symbol, table);
  }
  return [];
}
