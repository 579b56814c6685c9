/**
 * Gold features: the Feature contract, trading-signals adapters, our own features, feature sets, trade bars,
 * labels, the gold engine (live) and the batch gold builder.
 * @module
 */
export { BookBatchSummaries, bookFeatures, bookImbalance, BookSums, bookSummary, bookSummaryAt, type BookSummary } from './book-features.js';
export type {
  Bar,
  BookMinute,
  Feature,
  FeatureInputKind,
  FeatureResult,
  GoldColumn,
  GoldColumnType,
  GoldFeature,
  MinuteInput,
  PerpMinute,
} from './feature.js';
export { featureSet, type FeatureRow, type FeatureSet, type FeatureValues, type FeatureSetEntry, type FeatureSetSpec } from './feature-set.js';
export { features, scalping } from './features.js';
export {
  buildGold,
  buildGoldColumns,
  type GoldBuild,
  type GoldBuildOptions,
  type GoldColumnsBuild,
  type GoldSources,
  type SilverBatch,
} from './gold-builder.js';
export { type GoldColumns, GoldEngine, type GoldEngineOptions, type GoldEngineReport } from './gold-engine.js';
export { GoldFeatures, goldSchemaOf, LABEL_COLUMNS } from './gold-schema.js';
export { klineFeatures } from './kline-features.js';
export { LabelBuffer } from './label-buffer.js';
export { orderFlowFeatures } from './order-flow-features.js';
export { perpFeatures } from './perp-features.js';
export { RollingWindow } from './rolling-window.js';
export { SIZE_BUCKETS, sizeBucket, TradeBarBuilder, tradeBars, type TradeBar, type TradeBarsOptions } from './trade-bars.js';
export {
  tradingSignalsFeature,
  type TradingSignalsFeatureOptions,
  type TradingSignalsIndicator,
} from './trading-signals-feature.js';
