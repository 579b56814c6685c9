/**
 * The replay exchange: a Binance-USD-M-compatible market-data server for tests, demos and users' bots.
 * @module
 */
export { type BanFault, type BurstFault, type DropFault, type Fault, type FaultPlan, type PuBreakFault, type RandomFault, type StallFault, parseDuration, parseFaultSpec } from './fault-plan.js';
export { type ClockListener, type RealClockOptions, type ReplayClock, realClock, virtualClock } from './replay-clock.js';
export {
  type ReplayExchange,
  type ReplayExchangeOptions,
  type ReplayFaults,
  type ReplayStats,
  startReplayExchange,
} from './replay-exchange.js';
export type {
  FrameSink,
  PriceKlineKind,
  ReplayMarket,
  SymbolInfo,
  WireAggTrade,
  WireDepth,
  WireFundingRate,
  WireKline,
  WirePremiumIndex,
} from './replay-market.js';
export type {
  AggTradeTruth,
  BookTruth,
  FundingRateTruth,
  KlineTruth,
  MarkPriceTruth,
  PriceKlineTruth,
  ReplayTruth,
} from './replay-truth.js';
export {
  type RecordedCapture,
  type RecordedFile,
  type RecordedMarketOptions,
  recordedMarket,
} from './recorded-market.js';
export { type LakeMarketOptions, lakeMarket } from './lake-market.js';
export { type ReplayCommandOptions, runReplayCommand } from './run-replay-command.js';
export { type SyntheticMarketOptions, syntheticMarket } from './synthetic-market.js';
export type { ConnectionInfo } from './ws-hub.js';
