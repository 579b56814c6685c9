/**
 * A replay market served from a silver lake: the lake's 1-minute klines and aggregate trades, replayed through the
 * same REST and WebSocket rules as recorded files.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import type { AggTrade, Kline } from '../core/tables.js';
import type { Lake, TimeRange } from '../lake/lake.js';
import { recordedMarket } from './recorded-market.js';
import type { ReplayMarket } from './replay-market.js';

/** Options of {@link lakeMarket}. */
export interface LakeMarketOptions extends TimeRange {
  /** Symbols to serve (default: every symbol with silver klines or aggTrades). */
  readonly symbols?: readonly string[];
  /** Seed of random faults; default 1. */
  readonly seed?: number;
}

/**
 * Reads a lake's silver klines (1m) and aggTrades over a time range into a replay market. The rows are held in
 * memory: give a range for large lakes.
 *
 * @throws `FORMAT_UNKNOWN` when the lake has neither klines nor aggTrades for the symbols and range.
 * @example
 * ```ts
 * const market = await lakeMarket(openLake('./lake'), { symbols: ['BTCUSDT'], from: '2024-01-01', to: '2024-01-02' });
 * const ex = await startReplayExchange({ market, clock: realClock({ start: market.start, speed: 10 }) });
 * ```
 */
export async function lakeMarket(lake: Lake, options: LakeMarketOptions = {}): Promise<ReplayMarket> {
  const symbols =
    options.symbols ??
    [...new Set([...(await lake.partitions('klines')), ...(await lake.partitions('agg_trades'))].map((p) => p.symbol))];
  const range = { ...(options.from === undefined ? {} : { from: options.from }), ...(options.to === undefined ? {} : { to: options.to }) };
  const klineRecords: Kline[] = [];
  const aggTradeRecords: AggTrade[] = [];
  for (const symbol of symbols) {
    for await (const batch of lake.readSilver('klines', symbol, range)) {
      for (const k of batch) if (k.interval === '1m') klineRecords.push(k);
    }
    for await (const batch of lake.readSilver('agg_trades', symbol, range)) for (const t of batch) aggTradeRecords.push(t);
  }
  if (klineRecords.length === 0 && aggTradeRecords.length === 0) {
    throw new ScalplakeError('FORMAT_UNKNOWN', `Lake ${lake.store.url} has no 1m klines or aggTrades for ${symbols.join(', ') || 'any symbol'}`, {
      context: { lake: lake.store.url, symbols },
    });
  }
  return recordedMarket({ klineRecords, aggTradeRecords, ...(options.seed === undefined ? {} : { seed: options.seed }) });
}
