/**
 * Bars from trades: 1-minute bars built from aggregate trades, equal to Binance's own klines.
 * @module
 */
import type { Batch } from '../core/stage.js';
import type { AggTrade } from '../core/tables.js';
import { MINUTE_MS } from '../core/time.js';

/** Number of trade-size buckets in {@link TradeBar.size_histogram}. */
export const SIZE_BUCKETS = 256;

/**
 * The bucket of a trade size: eighth-octave (≈ 9 %) log2 buckets, 128 + ⌊8·log2(size)⌋ clamped to 0..255 (sizes
 * from 2^-16 to 2^16 base units are resolved; 0 goes to bucket 0).
 *
 * @example
 * ```ts
 * sizeBucket(1);   // 128
 * sizeBucket(2);   // 136
 * ```
 */
export function sizeBucket(size: number): number {
  if (!(size >= LOWER[1]!)) return 0;
  if (size >= LOWER[SIZE_BUCKETS - 1]!) return SIZE_BUCKETS - 1;
  F64[0] = size;
  const hi = U32[HI]!;
  // 8 buckets an octave: the exponent gives the octave, the top 4 mantissa bits the bucket or the one before it
  // (each sixteenth of an octave holds at most one boundary); one comparison with the exact boundary decides.
  const b = ((hi >>> 20) - 1007) * 8 + EIGHTHS[(hi >>> 16) & 15]!;
  return size >= LOWER[b + 1]! ? b + 1 : b;
}

/** 128 + ⌊8·log2(size)⌋ clamped, the definition of {@link sizeBucket}, as V8 computes it (builds LOWER). */
const bucketByLog = (size: number): number => {
  if (!(size > 0)) return 0;
  const b = 128 + Math.floor(Math.log2(size) * 8);
  return b < 0 ? 0 : Math.min(b, SIZE_BUCKETS - 1);
};

// Math.log2 is a call into C (~15 ns); a table of the exact bucket boundaries gives the same buckets from the bits.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
F64[0] = 1;
/** The index of the high (sign, exponent) word of a double in {@link U32}. */
const HI = U32[1] === 0x3ff00000 ? 1 : 0;
const EIGHTHS = Uint8Array.from({ length: 16 }, (_, i) => Math.floor(8 * Math.log2(1 + i / 16)));
/** LOWER[b]: the smallest double in bucket b or above by {@link bucketByLog}, found by stepping ulp by ulp from 2^((b−128)/8). */
const LOWER = new Float64Array(SIZE_BUCKETS + 1);
{
  /** The next positive double after (dir 1) or before (dir −1) x, by its bit pattern. */
  const step = (x: number, dir: 1 | -1): number => {
    F64[0] = x;
    const lo = U32[1 - HI]! + dir;
    U32[1 - HI] = lo; // wraps modulo 2^32
    if (lo === 2 ** 32 || lo === -1) U32[HI] = U32[HI]! + dir;
    return F64[0]!;
  };
  for (let b = 1; b < SIZE_BUCKETS; b++) {
    let x = 2 ** ((b - 128) / 8);
    while (bucketByLog(x) >= b) x = step(x, -1);
    while (bucketByLog(x) < b) x = step(x, 1);
    LOWER[b] = x;
  }
  LOWER[SIZE_BUCKETS] = Number.POSITIVE_INFINITY;
}

/**
 * A 1-minute bar built from aggregate trades. The kline fields follow Binance's kline definition: trade count
 * is Σ(last_trade_id − first_trade_id + 1), taker buy volume sums trades with `is_buyer_maker = false`. A minute
 * without trades repeats the previous close as open/high/low/close with zero volume (as Binance does).
 *
 * @example
 * ```ts
 * const b: TradeBar = bars[0]; b.close; b.trade_count; b.taker_buy_volume;
 * ```
 */
export interface TradeBar {
  /** Market symbol. */
  readonly symbol: string;
  /** Start of the minute (UTC ms). */
  readonly open_time: number;
  /** open_time + 59 999 ms. */
  readonly close_time: number;
  /** Price of the first trade. */
  readonly open: number;
  /** Highest trade price. */
  readonly high: number;
  /** Lowest trade price. */
  readonly low: number;
  /** Price of the last trade. */
  readonly close: number;
  /** Σ quantity (base asset). */
  readonly volume: number;
  /** Σ price × quantity (quote asset). */
  readonly quote_volume: number;
  /** Σ (last_trade_id − first_trade_id + 1): individual fills, as in klines. */
  readonly trade_count: number;
  /** Σ quantity of taker buys (`is_buyer_maker = false`). */
  readonly taker_buy_volume: number;
  /** Σ price × quantity of taker buys. */
  readonly taker_buy_quote_volume: number;
  /** Number of aggregate trades (taker orders at one price). */
  readonly agg_trade_count: number;
  /** Aggregate trades whose taker bought. */
  readonly buy_agg_trade_count: number;
  /** Largest aggregate-trade quantity (base asset); 0 without trades. */
  readonly max_trade_size: number;
  /** Smallest aggregate-trade quantity (base asset); 0 without trades. */
  readonly min_trade_size: number;
  /** Counts of aggregate trades per {@link sizeBucket}; `null` unless requested. */
  readonly size_histogram: Uint32Array | null;
  /**
   * The buckets of {@link TradeBar.size_histogram} that are non-zero, in the order first met (the first
   * `size_bucket_count` entries): a sparse view for minutes with few trades. `null` unless requested.
   */
  readonly size_buckets: Uint8Array | null;
  /** Entries of {@link TradeBar.size_buckets} in use (0 without a histogram). */
  readonly size_bucket_count: number;
}

/**
 * Accumulates the aggregate trades of one minute into a {@link TradeBar}; O(1) per trade, no allocation.
 *
 * @example
 * ```ts
 * const b = new TradeBarBuilder('BTCUSDT');
 * b.start(1704067200000, 42000);
 * for (const t of trades) b.add(t);
 * const bar = b.build();
 * ```
 */
export class TradeBarBuilder {
  /** Market symbol written into bars. */
  readonly symbol: string;
  /** Start of the minute being built. */
  openTime = 0;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  private quoteVolume = 0;
  private tradeCount = 0;
  private buyVolume = 0;
  private buyQuote = 0;
  private aggCount = 0;
  private buyAggCount = 0;
  private maxSize = 0;
  private minSize = 0;
  private readonly hist: Uint32Array | null;
  private readonly touched: Uint8Array | null;
  private nTouched = 0;

  /**
   * @param symbol - symbol written into the bars.
   * @param histogram - also count trades per size bucket (for `large_trade_count`).
   */
  constructor(symbol: string, histogram = false) {
    this.symbol = symbol;
    this.hist = histogram ? new Uint32Array(SIZE_BUCKETS) : null;
    this.touched = histogram ? new Uint8Array(SIZE_BUCKETS) : null;
    this.scratch = { ...this.build(true) };
  }

  private readonly scratch: { -readonly [K in keyof TradeBar]: TradeBar[K] };

  /** Starts a new minute; `previousClose` is the price an empty minute reports. */
  start(openTime: number, previousClose: number): void {
    this.openTime = openTime;
    this.open = this.high = this.low = this.close = previousClose;
    this.volume = this.quoteVolume = this.buyVolume = this.buyQuote = 0;
    this.tradeCount = this.aggCount = this.buyAggCount = 0;
    this.maxSize = 0;
    this.minSize = 0;
    const h = this.hist;
    const touched = this.touched;
    if (h !== null && touched !== null) {
      // Only the buckets used last minute are non-zero.
      for (let k = 0; k < this.nTouched; k++) h[touched[k]!] = 0;
      this.nTouched = 0;
    }
  }

  /** Trades added since {@link TradeBarBuilder.start}. */
  get aggTrades(): number {
    return this.aggCount;
  }

  /** Individual fills added since {@link TradeBarBuilder.start}: Σ(last_trade_id − first_trade_id + 1). */
  get fills(): number {
    return this.tradeCount;
  }

  /** Adds one aggregate trade of the current minute. */
  add(t: AggTrade): void {
    this.addValues(t.price, t.quantity, t.last_trade_id - t.first_trade_id + 1, t.is_buyer_maker);
  }

  /**
   * Adds one aggregate trade of the current minute given by its fields (a reader of columns has no trade object):
   * price, quantity, fills (last_trade_id − first_trade_id + 1) and whether the buyer was the maker.
   */
  addValues(p: number, q: number, fills: number, buyerMaker: boolean): void {
    if (this.aggCount === 0) {
      this.open = this.high = this.low = p;
    } else if (p > this.high) this.high = p;
    else if (p < this.low) this.low = p;
    this.close = p;
    this.volume += q;
    this.quoteVolume += p * q;
    this.tradeCount += fills;
    this.aggCount++;
    if (!buyerMaker) {
      this.buyVolume += q;
      this.buyQuote += p * q;
      this.buyAggCount++;
    }
    if (q > this.maxSize) this.maxSize = q;
    if (q < this.minSize || this.aggCount === 1) this.minSize = q;
    const h = this.hist;
    if (h !== null) {
      const b = sizeBucket(q);
      if (h[b]!++ === 0) this.touched![this.nTouched++] = b;
    }
  }

  /**
   * The bar so far in a record owned by the builder and overwritten by the next call (no allocation; the size
   * histogram is the builder's own buffer). Valid until the next `view`, `add` or `start`: copy what must be kept.
   *
   * @example
   * ```ts
   * const b = new TradeBarBuilder('BTCUSDT', true);
   * b.start(1704067200000, 42000);
   * b.add(trade);
   * b.view().close; // the last trade's price
   * ```
   */
  view(): TradeBar {
    const v = this.scratch;
    v.open_time = this.openTime;
    v.close_time = this.openTime + MINUTE_MS - 1;
    v.open = this.open;
    v.high = this.high;
    v.low = this.low;
    v.close = this.close;
    v.volume = this.volume;
    v.quote_volume = this.quoteVolume;
    v.trade_count = this.tradeCount;
    v.taker_buy_volume = this.buyVolume;
    v.taker_buy_quote_volume = this.buyQuote;
    v.agg_trade_count = this.aggCount;
    v.buy_agg_trade_count = this.buyAggCount;
    v.max_trade_size = this.maxSize;
    v.min_trade_size = this.minSize;
    v.size_bucket_count = this.nTouched;
    return v;
  }

  /**
   * The bar so far, as a new record. The size histogram (when kept) is a copy, or with `shareHistogram` the
   * builder's own buffer, valid only until the next {@link TradeBarBuilder.start}.
   */
  build(shareHistogram = false): TradeBar {
    return {
      symbol: this.symbol,
      open_time: this.openTime,
      close_time: this.openTime + MINUTE_MS - 1,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      quote_volume: this.quoteVolume,
      trade_count: this.tradeCount,
      taker_buy_volume: this.buyVolume,
      taker_buy_quote_volume: this.buyQuote,
      agg_trade_count: this.aggCount,
      buy_agg_trade_count: this.buyAggCount,
      max_trade_size: this.maxSize,
      min_trade_size: this.minSize,
      size_histogram: this.hist ? (shareHistogram ? this.hist : this.hist.slice()) : null,
      size_buckets: this.touched ? (shareHistogram ? this.touched : this.touched.slice()) : null,
      size_bucket_count: this.nTouched,
    };
  }
}

/** Options of {@link tradeBars}. */
export interface TradeBarsOptions {
  /** Symbol written into the bars (default: the first trade's). */
  readonly symbol?: string;
  /** Emit zero-volume bars for minutes without trades between two traded minutes (default true, as Binance). */
  readonly fillEmpty?: boolean;
}

/**
 * Turns a stream of one symbol's aggregate trades (sorted by trade time) into 1-minute bars equal to Binance's
 * klines. A bar is emitted once a trade of a later minute arrives (or the input ends).
 *
 * Throws nothing of its own. A trade older than the current minute is folded into that minute, so sort the input
 * by trade time first (silver agg_trades already are).
 * @example
 * ```ts
 * for await (const bars of tradeBars(aggTradeBatches)) for (const b of bars) console.log(b.open_time, b.close);
 * ```
 */
export async function* tradeBars(
  input: AsyncIterable<Batch<AggTrade>>,
  options: TradeBarsOptions = {},
): AsyncGenerator<Batch<TradeBar>> {
  const fill = options.fillEmpty ?? true;
  let builder: TradeBarBuilder | null = null;
  for await (const batch of input) {
    const out: TradeBar[] = [];
    for (let i = 0; i < batch.length; i++) {
      const t = batch[i]!;
      const minute = t.trade_time - (t.trade_time % MINUTE_MS);
      if (builder === null) {
        builder = new TradeBarBuilder(options.symbol ?? t.symbol);
        builder.start(minute, t.price);
      } else if (minute > builder.openTime) {
        const bar = builder.build();
        out.push(bar);
        if (fill) {
          for (let m = builder.openTime + MINUTE_MS; m < minute; m += MINUTE_MS) {
            builder.start(m, bar.close);
            out.push(builder.build());
          }
        }
        builder.start(minute, bar.close);
      }
      builder.add(t);
    }
    if (out.length > 0) yield out;
  }
  if (builder !== null && builder.aggTrades > 0) yield [builder.build()];
}
