/**
 * Binance USD-M futures sources: the REST client (weights, retries, bans), paginated REST sources, the WebSocket
 * client (routing, reconnects, rotation), live ingestion with gap repair, the local order book, and one mapper per
 * payload kind.
 * @module
 */
export { AsyncQueue } from './async-queue.js';
export { endpointWeight, FUNDING_BUCKET_PATHS, type QueryParams } from './endpoint-weight.js';
export {
  type BinanceHttpClient,
  type BinanceHttpClientOptions,
  createBinanceHttpClient,
  defaultSleep,
  type GetOptions,
  type HttpClientStats,
  type HttpResponse,
} from './http-client.js';
export {
  type LiveBatch,
  type LiveBookTickers,
  type LiveForming,
  type LiveIngest,
  type LiveMarkerBatch,
  type LiveRaw,
  type LiveRejects,
  type LiveTableRows,
  type LiveIngestOptions,
  type LiveMarker,
  type LiveRows,
  type LiveStats,
  liveIngest,
  liveSource,
  type RawPayload,
} from './live-ingest.js';
export { type MappedPage, mapPage } from './map-page.js';
export { aggTradeFromRest, RawRestAggTrade } from './mappers/agg-trade-rest.js';
export { aggTradeFromWs, aggTradeFromWsFast, RawWsAggTrade } from './mappers/agg-trade-ws.js';
export { type BookDepthHeader, type BookSide, bookDepthRow } from './mappers/book-depth-row.js';
export { type BookTicker, bookTickerFromWs, RawWsBookTicker } from './mappers/book-ticker-ws.js';
export { type DepthDiff, depthDiffFromWs, type Level, RawWsDepth } from './mappers/depth-diff-ws.js';
export { bookDepthFromPartial, RawWsPartialDepth } from './mappers/depth-partial-ws.js';
export { type DepthSnapshot, depthSnapshotFromRest, RawRestDepth } from './mappers/depth-snapshot-rest.js';
export { type ExchangeInfo, exchangeInfoFromRest, RawExchangeInfo, type SymbolInfo } from './mappers/exchange-info-rest.js';
export { fundingRateFromRest, RawRestFundingRate } from './mappers/funding-rate-rest.js';
export { klineFromRest, RawRestKline } from './mappers/kline-rest.js';
export { klineFromWs, RawWsKline, type WsKline } from './mappers/kline-ws.js';
export { type MapContext, type Mapped, type MappedOk, type MappedRejected, mapWith, rejectPayload, zodReason } from './mappers/mapped.js';
export { markPriceFromRest, RawRestPremiumIndex } from './mappers/mark-price-rest.js';
export { markPriceFromWs, RawWsMarkPrice } from './mappers/mark-price-ws.js';
export { priceKlineFromRest, RawRestPriceKline } from './mappers/price-kline-rest.js';
export { rawDecimal, rawInteger, rawLevel, rawOptionalDecimal } from './mappers/raw-fields.js';
export {
  BookLadder,
  bookCadence,
  type DiffOutcome,
  type OrderBookStats,
  OrderBookSync,
  type OrderBookSyncOptions,
  type SnapshotOutcome,
} from './order-book.js';
export { AGG_TRADES_REST_HISTORY_MS, type RestAggTradesOptions, restAggTrades } from './rest-agg-trades.js';
export { DEPTH_LIMITS, restDepthSnapshot } from './rest-depth-snapshot.js';
export { type RestFundingRatesOptions, restFundingRates } from './rest-funding-rates.js';
export { type RestKlinesOptions, restKlines } from './rest-klines.js';
export { type RestPremiumIndexOptions, restPremiumIndex } from './rest-premium-index.js';
export { type PriceKlineKind, type RestPriceKlinesOptions, restPriceKlines } from './rest-price-klines.js';
export { streamName, streamRoot, type WsRoot } from './stream-route.js';
export {
  BinanceWsClient,
  type BinanceWsClientOptions,
  type WsClientStats,
  type WsDown,
  type WsEvent,
  type WsFrame,
  type WsMalformed,
  type WsOpen,
} from './ws-client.js';
