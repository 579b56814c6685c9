/**
 * The contract between the replay exchange's server and its data: a {@link ReplayMarket} answers point-in-time
 * questions ("what is known at `now`") in Binance's wire formats and generates the WebSocket frames due in a time
 * range. Synthetic and recorded markets implement it.
 * @module
 */

/** A kline as `/fapi/v1/klines` sends it: `[openTime, o, h, l, c, volume, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, "0"]`. */
export type WireKline = [number, string, string, string, string, string, number, string, number, string, string, string];

/** An aggregate trade as `/fapi/v1/aggTrades` sends it (times UTC ms, decimals as text). */
export interface WireAggTrade {
  /** Aggregate trade id. */
  readonly a: number;
  /** Price. */
  readonly p: string;
  /** Quantity (base asset). */
  readonly q: string;
  /** First trade id. */
  readonly f: number;
  /** Last trade id. */
  readonly l: number;
  /** Trade time (UTC ms). */
  readonly T: number;
  /** Buyer was the maker (taker sold). */
  readonly m: boolean;
}

/** A funding settlement as `/fapi/v1/fundingRate` sends it. */
export interface WireFundingRate {
  /** Symbol. */
  readonly symbol: string;
  /** Funding rate as a fraction, 8 decimals. */
  readonly fundingRate: string;
  /** Settlement time (UTC ms). */
  readonly fundingTime: number;
  /** Mark price at settlement. */
  readonly markPrice: string;
}

/** `/fapi/v1/premiumIndex` for one symbol. */
export interface WirePremiumIndex {
  /** Symbol. */
  readonly symbol: string;
  /** Mark price. */
  readonly markPrice: string;
  /** Index price. */
  readonly indexPrice: string;
  /** Estimated settle price. */
  readonly estimatedSettlePrice: string;
  /** The rate of the next settlement as estimated now. */
  readonly lastFundingRate: string;
  /** Interest rate. */
  readonly interestRate: string;
  /** Next settlement (UTC ms). */
  readonly nextFundingTime: number;
  /** Time of this value (UTC ms). */
  readonly time: number;
}

/** A `/fapi/v1/depth` answer: bids descending, asks ascending, `[price, qty]` text pairs. */
export interface WireDepth {
  /** Update id of the last applied book change. */
  readonly lastUpdateId: number;
  /** Message output time (UTC ms). */
  readonly E: number;
  /** Matching-engine time (UTC ms). */
  readonly T: number;
  /** Bid levels, best first. */
  readonly bids: [string, string][];
  /** Ask levels, best first. */
  readonly asks: [string, string][];
}

/** Which price series a price kline is built from. */
export type PriceKlineKind = 'mark' | 'index' | 'premium';

/** Static facts about a symbol, as exchangeInfo reports them. */
export interface SymbolInfo {
  /** Symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** Base asset, e.g. `BTC`. */
  readonly baseAsset: string;
  /** Quote asset, e.g. `USDT`. */
  readonly quoteAsset: string;
  /** Decimals of prices. */
  readonly pricePrecision: number;
  /** Decimals of quantities. */
  readonly quantityPrecision: number;
  /** Tick size as text. */
  readonly tickSize: string;
  /** Lot step as text. */
  readonly stepSize: string;
  /** First time with data (UTC ms). */
  readonly onboardDate: number;
}

/** Receives one due WebSocket frame: its exchange time, its canonical stream name and its JSON payload text. */
export type FrameSink = (time: number, stream: string, payload: string) => void;

/**
 * A source of market data for the replay exchange. Every question is asked "at `now`": nothing after `now` may be
 * returned (the last kline may be still forming).
 */
export interface ReplayMarket {
  /** The symbols served, upper case. */
  readonly symbols: readonly string[];
  /** The first time with data (UTC ms). */
  readonly start: number;
  /** The seed (synthetic markets) used also for random faults. */
  readonly seed: number;
  /** Facts about a symbol (one of {@link ReplayMarket.symbols}). */
  symbolInfo(symbol: string): SymbolInfo;
  /** The kline of `intervalMs` opening at `openTime` as known at `now`, or `null` when there is none. */
  kline(symbol: string, intervalMs: number, openTime: number, now: number): WireKline | null;
  /** A mark/index/premium kline opening at `openTime` as known at `now`, or `null`. */
  priceKline(kind: PriceKlineKind, symbol: string, intervalMs: number, openTime: number, now: number): WireKline | null;
  /** The first aggregate trade id with trade time ≥ `time` (may be an id not yet traded at `now`). */
  aggTradeIdAt(symbol: string, time: number): number;
  /** Up to `limit` aggregate trades with id ≥ `fromId` and trade time ≤ `maxTime`, ascending. */
  aggTradesFrom(symbol: string, fromId: number, limit: number, maxTime: number): WireAggTrade[];
  /** The lowest aggregate trade id held, or `null` when the market has no trades for the symbol. */
  firstAggTradeId(symbol: string): number | null;
  /** Funding settlements with `from ≤ fundingTime ≤ min(to, now)`, ascending. */
  fundingRates(symbol: string, from: number, to: number, now: number): WireFundingRate[];
  /** Mark price and funding at `now`, or `null` when unknown. */
  premiumIndex(symbol: string, now: number): WirePremiumIndex | null;
  /** The order book at `now`, at most `limit` levels a side, or `null` when the market has none. */
  depth(symbol: string, limit: number, now: number): WireDepth | null;
  /** Maps a subscribed stream name (lower-case symbol) to the canonical name frames are emitted under, or `null`. */
  canonicalStream(stream: string): string | null;
  /** Emits, in time order, every frame of the given canonical streams with time in `(from, to]`. */
  frames(from: number, to: number, streams: ReadonlySet<string>, sink: FrameSink): void;
}
