/**
 * The `features` namespace: the standard scalping set and every feature factory, for composing custom sets.
 * @module
 */
import { bookFeatures } from './book-features.js';
import { featureSet, type FeatureSet } from './feature-set.js';
import { klineFeatures } from './kline-features.js';
import { orderFlowFeatures } from './order-flow-features.js';
import { perpFeatures } from './perp-features.js';

/**
 * Creates the standard scalping feature set (the `gold/features_1m` columns, labels aside): 32 kline columns,
 * 10 order-flow, 8 book and 6 perpetual columns. Each call returns new feature instances (one set per symbol).
 *
 * @example
 * ```ts
 * const set = scalping();
 * set.columns.length; // 56
 * ```
 */
export function scalping(): FeatureSet {
  return featureSet({
    ohlcv: klineFeatures.ohlcv(),
    log_returns: klineFeatures.logReturns([1, 5, 15]),
    rsi_14: klineFeatures.rsi(14),
    macd: klineFeatures.macd(12, 26, 9),
    ema: klineFeatures.emaPair(9, 21),
    // sma_20 is Bollinger's middle band: one window for both.
    bb: klineFeatures.bollinger(20, 2, { sma: true }),
    atr: klineFeatures.atr(14),
    realized_vol_30m: klineFeatures.realizedVol(30),
    stoch_rsi_k: klineFeatures.stochRsi(14, 14, 3),
    adx_14: klineFeatures.adx(14),
    cci_20: klineFeatures.cci(20),
    roc_10: klineFeatures.roc(10),
    obv: klineFeatures.obv(),
    volume_zscore_60m: klineFeatures.volumeZScore(60),
    taker_buy_ratio: klineFeatures.takerBuyRatio(),
    vwap: klineFeatures.rollingVwap(60),
    flow: orderFlowFeatures.flow(),
    cvd: orderFlowFeatures.cvd(),
    large_trades: orderFlowFeatures.largeTrades(0.99, 60),
    book: bookFeatures.book(),
    perp: perpFeatures.perpetual(),
  });
}

/**
 * The feature namespace: `features.scalping()` returns the standard set; `features.kline`, `.orderFlow`,
 * `.book`, `.perp` hold the factories to compose custom sets with {@link featureSet}.
 *
 * @example
 * ```ts
 * const mine = featureSet({ ...{ rsi_7: features.kline.rsi(7) }, flow: features.orderFlow.flow() });
 * const std = features.scalping();
 * ```
 */
export const features = {
  /** The standard scalping set. */
  scalping,
  /** Composes a custom set. */
  set: featureSet,
  /** Kline feature factories. */
  kline: klineFeatures,
  /** Order-flow feature factories. */
  orderFlow: orderFlowFeatures,
  /** Book feature factories. */
  book: bookFeatures,
  /** Perpetual-contract feature factories. */
  perp: perpFeatures,
};
