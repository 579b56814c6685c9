/**
 * A seeded synthetic USD-M market: a random-walk price, aggregate trades, klines that are exactly their
 * aggregation, a consistent order book with diffs, mark/index prices and 8-hourly funding. Everything is a pure
 * function of the seed and is generated lazily, one minute at a time, with bounded caches.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import { assertSymbol } from '../core/symbol.js';
import { HOUR_MS, MINUTE_MS } from '../core/time.js';
import { formatScaled, hash01, hash32, Prng } from './prng.js';
import type {
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
import { barOpen, klineToWs, parseStream } from './stream-names.js';

/** Options of {@link syntheticMarket}. */
export interface SyntheticMarketOptions {
  /** Seed: the same seed always yields the same market. */
  readonly seed: number;
  /** Symbols (upper case); default `['BTCUSDT']`. */
  readonly symbols?: readonly string[];
  /** First time with data (UTC ms, floored to the minute). */
  readonly start: number;
  /** Price at `start` (quote currency); default 42000. */
  readonly startPrice?: number;
  /** Mean aggregate trades per minute; default 60. */
  readonly tradesPerMinute?: number;
  /** Standard deviation of the per-minute log return; default 0.0008. */
  readonly volatility?: number;
  /** Price levels a side in the book; default 100. */
  readonly bookLevels?: number;
  /** Decimals of prices (tick = 10^-priceDecimals); default 1. */
  readonly priceDecimals?: number;
  /** Decimals of quantities (step = 10^-qtyDecimals); default 3. */
  readonly qtyDecimals?: number;
  /** Delay of the final `x: true` kline push after the bar's close (ms, multiple of 50); default 100. */
  readonly klineFinalDelayMs?: number;
}

/** Funding period (8 h). */
const FUNDING_MS = 8 * HOUR_MS;
const AGG_ID0 = 1_000_000;
const TRADE_ID0 = 5_000_000;
const UPDATE_ID0 = 5_000_000_000_000;
const STEP_MS = 100;
const MINUTE_CACHE = 3000;
const KLINE_CACHE = 300_000;
const BOOK_CACHE = 8;

interface Minute {
  /** Number of trades. */
  readonly n: number;
  /** Aggregate id of the first trade. */
  readonly a0: number;
  readonly time: Float64Array;
  readonly px: Float64Array;
  readonly qty: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly maker: Uint8Array;
}

/** A 1m aggregate, integer units: prices in ticks, volumes in steps, quote in ticks·steps. */
interface Agg {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  q: number;
  n: number;
  tbv: number;
  tbq: number;
  f: number;
  L: number;
}

interface Book {
  readonly k: number;
  readonly bidPx: number[];
  readonly bidQty: number[];
  readonly askPx: number[];
  readonly askQty: number[];
}

interface PriceAgg {
  o: string;
  h: string;
  l: string;
  c: string;
  hv: number;
  lv: number;
  n: number;
}

class SimSymbol {
  readonly lower: string;
  private readonly anchors: number[];
  private readonly aggStart: number[] = [AGG_ID0];
  private readonly fillStart: number[] = [TRADE_ID0];
  private readonly minutes = new Map<number, Minute>();
  private readonly klines = new Map<number, Agg>();
  private readonly priceKlines = new Map<string, PriceAgg>();
  /** The few most recent books (the 100/250/500 ms depth streams need steps up to 5 apart). */
  private readonly books = new Map<number, Book>();

  constructor(
    readonly symbol: string,
    private readonly idx: number,
    private readonly m: ResolvedOptions,
  ) {
    this.lower = symbol.toLowerCase();
    this.anchors = [Math.max(1, Math.round(m.startPrice * m.tickScale))];
  }

  private count(i: number): number {
    return Math.max(1, Math.floor(this.m.tradesPerMinute * (0.5 + hash01(this.m.seed, this.idx, i, 1))));
  }

  private extraFills(i: number, n: number): number {
    return Math.floor(n * 1.5 * hash01(this.m.seed, this.idx, i, 2));
  }

  /** Makes the per-minute prefix arrays reach minute index `i + 1`. */
  private ensure(i: number): void {
    const { seed, volatility } = this.m;
    while (this.anchors.length <= i + 1) {
      const j = this.anchors.length - 1;
      const u = 1 - hash01(seed, this.idx, j, 4);
      const v = hash01(seed, this.idx, j, 5);
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      this.anchors.push(Math.max(10, Math.round(this.anchors[j]! * Math.exp(volatility * z))));
    }
    while (this.aggStart.length <= i + 1) {
      const j = this.aggStart.length - 1;
      const n = this.count(j);
      this.aggStart.push(this.aggStart[j]! + n);
      this.fillStart.push(this.fillStart[j]! + n + this.extraFills(j, n));
    }
  }

  /** The trades of minute index `i` (minutes since start). */
  minute(i: number): Minute {
    const hit = this.minutes.get(i);
    if (hit !== undefined) return hit;
    this.ensure(i);
    const n = this.count(i);
    const rng = new Prng(hash32(this.m.seed, this.idx, i, 3));
    const t0 = this.m.start + i * MINUTE_MS;
    const offsets = new Float64Array(n);
    for (let k = 0; k < n; k++) offsets[k] = Math.floor(rng.next() * MINUTE_MS);
    offsets.sort();
    const a0 = this.anchors[i]!;
    const a1 = this.anchors[i + 1]!;
    const sigma = Math.max(1, a0 * this.m.volatility);
    const time = new Float64Array(n);
    const px = new Float64Array(n);
    const qty = new Float64Array(n);
    const first = new Float64Array(n);
    const last = new Float64Array(n);
    const maker = new Uint8Array(n);
    const fills = new Uint16Array(n).fill(1);
    const extra = this.extraFills(i, n);
    for (let k = 0; k < extra; k++) fills[Math.floor(rng.next() * n)]!++;
    const qMean = 0.05 * this.m.qtyScale;
    let f = this.fillStart[i]!;
    for (let k = 0; k < n; k++) {
      const frac = offsets[k]! / MINUTE_MS;
      const mean = a0 + (a1 - a0) * frac;
      time[k] = t0 + offsets[k]!;
      px[k] = Math.max(1, Math.round(mean + rng.normal() * sigma * 2 * Math.sqrt(frac * (1 - frac))));
      qty[k] = 1 + Math.floor(-Math.log(1 - rng.next()) * qMean);
      maker[k] = rng.next() < 0.5 ? 1 : 0;
      first[k] = f;
      f += fills[k]!;
      last[k] = f - 1;
    }
    const out: Minute = { n, a0: this.aggStart[i]!, time, px, qty, first, last, maker };
    if (this.minutes.size >= MINUTE_CACHE) this.minutes.delete(this.minutes.keys().next().value as number);
    this.minutes.set(i, out);
    return out;
  }

  minuteIndex(t: number): number {
    return Math.floor((t - this.m.start) / MINUTE_MS);
  }

  /** Index of the first trade in `mi` with time > t (binary search). */
  private upper(mi: Minute, t: number): number {
    let lo = 0;
    let hi = mi.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (mi.time[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Price in ticks of the last trade at or before `t`. */
  lastTicks(t: number): number {
    let i = this.minuteIndex(t);
    if (i < 0) return this.anchors[0]!;
    let mi = this.minute(i);
    let k = this.upper(mi, t);
    while (k === 0) {
      i--;
      if (i < 0) return this.anchors[0]!;
      mi = this.minute(i);
      k = mi.n;
    }
    return mi.px[k - 1]!;
  }

  /** The 1m aggregate of minute index `i` with trades up to `now`, or null before the minute opens. */
  agg1m(i: number, now: number): Agg | null {
    if (i < 0) return null;
    const open = this.m.start + i * MINUTE_MS;
    if (open > now) return null;
    const closed = now >= open + MINUTE_MS - 1;
    if (closed) {
      const hit = this.klines.get(i);
      if (hit !== undefined) return hit;
    }
    const mi = this.minute(i);
    const end = closed ? mi.n : this.upper(mi, now);
    let out: Agg;
    if (end === 0) {
      const c = i === 0 ? this.anchors[0]! : this.lastTicks(open - 1);
      out = { o: c, h: c, l: c, c, v: 0, q: 0, n: 0, tbv: 0, tbq: 0, f: -1, L: -1 };
    } else {
      const p0 = mi.px[0]!;
      out = { o: p0, h: p0, l: p0, c: p0, v: 0, q: 0, n: 0, tbv: 0, tbq: 0, f: mi.first[0]!, L: mi.last[end - 1]! };
      for (let k = 0; k < end; k++) {
        const p = mi.px[k]!;
        const q = mi.qty[k]!;
        if (p > out.h) out.h = p;
        if (p < out.l) out.l = p;
        out.v += q;
        out.q += p * q;
        out.n += mi.last[k]! - mi.first[k]! + 1;
        if (mi.maker[k] === 0) {
          out.tbv += q;
          out.tbq += p * q;
        }
      }
      out.c = mi.px[end - 1]!;
    }
    if (closed) {
      if (this.klines.size >= KLINE_CACHE) this.klines.clear();
      this.klines.set(i, out);
    }
    return out;
  }

  /** The aggregate of the bar of `intervalMs` opening at `open`, known at `now`. */
  agg(intervalMs: number, open: number, now: number): Agg | null {
    const from = Math.max(open, this.m.start);
    const to = Math.min(open + intervalMs - 1, now);
    if (from > to) return null;
    let out: Agg | null = null;
    for (let t = from; t <= to; t += MINUTE_MS) {
      const a = this.agg1m(this.minuteIndex(t), now);
      if (a === null) break;
      if (out === null) out = { ...a };
      else {
        if (a.h > out.h) out.h = a.h;
        if (a.l < out.l) out.l = a.l;
        out.c = a.c;
        out.v += a.v;
        out.q += a.q;
        out.n += a.n;
        out.tbv += a.tbv;
        out.tbq += a.tbq;
        if (out.f < 0) out.f = a.f;
        if (a.L >= 0) out.L = a.L;
      }
    }
    return out;
  }

  wireKline(intervalMs: number, open: number, now: number): WireKline | null {
    const a = this.agg(intervalMs, open, now);
    if (a === null) return null;
    const { priceDecimals: pd, qtyDecimals: qd } = this.m;
    return [
      open,
      formatScaled(a.o, pd),
      formatScaled(a.h, pd),
      formatScaled(a.l, pd),
      formatScaled(a.c, pd),
      formatScaled(a.v, qd),
      open + intervalMs - 1,
      formatScaled(a.q, pd + qd),
      a.n,
      formatScaled(a.tbv, qd),
      formatScaled(a.tbq, pd + qd),
      '0',
    ];
  }

  wireKlineIds(intervalMs: number, open: number, now: number): { f: number; L: number } {
    const a = this.agg(intervalMs, open, now);
    return a === null ? { f: -1, L: -1 } : { f: a.f, L: a.L };
  }

  aggTradeIdAt(time: number): number {
    if (time <= this.m.start) return AGG_ID0;
    const i = this.minuteIndex(time);
    const mi = this.minute(i);
    let lo = 0;
    let hi = mi.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (mi.time[mid]! < time) lo = mid + 1;
      else hi = mid;
    }
    return mi.a0 + lo;
  }

  aggTradesFrom(fromId: number, limit: number, maxTime: number): WireAggTrade[] {
    const out: WireAggTrade[] = [];
    if (maxTime < this.m.start) return out;
    let id = Math.max(fromId, AGG_ID0);
    const lastMinute = this.minuteIndex(maxTime);
    this.ensure(lastMinute);
    // Find the minute holding `id`.
    let lo = 0;
    let hi = lastMinute;
    if (id >= this.aggStart[lastMinute + 1]!) return out;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.aggStart[mid]! <= id) lo = mid;
      else hi = mid - 1;
    }
    const { priceDecimals: pd, qtyDecimals: qd } = this.m;
    for (let i = lo; i <= lastMinute && out.length < limit; i++) {
      const mi = this.minute(i);
      for (let k = id - mi.a0; k < mi.n && out.length < limit; k++) {
        const T = mi.time[k]!;
        if (T > maxTime) return out;
        out.push({
          a: mi.a0 + k,
          p: formatScaled(mi.px[k]!, pd),
          q: formatScaled(mi.qty[k]!, qd),
          f: mi.first[k]!,
          l: mi.last[k]!,
          T,
          m: mi.maker[k] === 1,
        });
      }
      id = mi.a0 + mi.n;
    }
    return out;
  }

  // ---- mark / index / premium / funding -------------------------------------------------------

  indexAt(sec: number): number {
    const base = this.lastTicks(sec * 1000) / this.m.tickScale;
    return Number((base * (1 + 0.00004 * (hash01(this.m.seed, this.idx, sec, 11) - 0.5))).toFixed(8));
  }

  premiumAt(sec: number): number {
    const p = 0.0002 * Math.sin((2 * Math.PI * sec) / 28_800) + 0.0001 * (hash01(this.m.seed, this.idx, sec, 12) - 0.5);
    return Number(p.toFixed(8));
  }

  markAt(sec: number): number {
    return Number((this.indexAt(sec) * (1 + this.premiumAt(sec))).toFixed(8));
  }

  seriesAt(kind: PriceKlineKind, sec: number): number {
    return kind === 'mark' ? this.markAt(sec) : kind === 'index' ? this.indexAt(sec) : this.premiumAt(sec);
  }

  fundingRateAt(fundingTime: number): string {
    const h = hash01(this.m.seed, this.idx, fundingTime / HOUR_MS, 13);
    return (0.0001 + 0.0004 * (h - 0.5)).toFixed(8);
  }

  nextFunding(t: number): number {
    return Math.floor(t / FUNDING_MS) * FUNDING_MS + FUNDING_MS;
  }

  markFrame(sec: number): string {
    const t = sec * 1000;
    const next = this.nextFunding(t);
    return `{"e":"markPriceUpdate","E":${t},"s":"${this.symbol}","p":"${this.markAt(sec).toFixed(8)}","P":"${this.indexAt(sec).toFixed(8)}","i":"${this.indexAt(sec).toFixed(8)}","r":"${this.fundingRateAt(next)}","T":${next}}`;
  }

  priceAgg(kind: PriceKlineKind, open: number, now: number): PriceAgg | null {
    const closed = now >= open + MINUTE_MS - 1;
    const key = `${kind}${open}`;
    if (closed) {
      const hit = this.priceKlines.get(key);
      if (hit !== undefined) return hit;
    }
    const s0 = Math.ceil(Math.max(open, this.m.start) / 1000);
    const s1 = Math.floor(Math.min(open + MINUTE_MS - 1, now) / 1000);
    if (s1 < s0) return null;
    let out: PriceAgg | null = null;
    for (let s = s0; s <= s1; s++) {
      const v = this.seriesAt(kind, s);
      const txt = v.toFixed(8);
      if (out === null) out = { o: txt, h: txt, l: txt, c: txt, hv: v, lv: v, n: 1 };
      else {
        if (v > out.hv) {
          out.hv = v;
          out.h = txt;
        }
        if (v < out.lv) {
          out.lv = v;
          out.l = txt;
        }
        out.c = txt;
        out.n++;
      }
    }
    if (closed && out !== null) {
      if (this.priceKlines.size >= KLINE_CACHE) this.priceKlines.clear();
      this.priceKlines.set(key, out);
    }
    return out;
  }

  // ---- order book ------------------------------------------------------------------------------

  updateId(k: number): number {
    return UPDATE_ID0 + this.idx * 3 + k * 16 + (hash32(this.m.seed, this.idx, k, 21) % 8);
  }

  private levelQty(side: number, p: number, k: number, top: boolean): number {
    const { seed } = this.m;
    const period = 5 + (hash32(seed, this.idx, p, 31 + side) % 60);
    const phase = hash32(seed, this.idx, p, 33 + side) % period;
    const epoch = Math.floor((k + phase) / period);
    const h = hash32(seed, this.idx, p * 2 + side, epoch);
    if (!top && h % 8 === 0) return 0;
    return 1 + ((h >>> 4) % (2 * this.m.qtyScale));
  }

  book(k: number): Book {
    const hit = this.books.get(k);
    if (hit !== undefined) return hit;
    const mid = this.lastTicks(this.m.start + k * STEP_MS);
    const L = this.m.bookLevels;
    const bidPx: number[] = [];
    const bidQty: number[] = [];
    const askPx: number[] = [];
    const askQty: number[] = [];
    for (let i = 0; i < L; i++) {
      const pb = mid - i;
      if (pb >= 1) {
        const qb = this.levelQty(0, pb, k, i === 0);
        if (qb > 0) {
          bidPx.push(pb);
          bidQty.push(qb);
        }
      }
      const pa = mid + 1 + i;
      const qa = this.levelQty(1, pa, k, i === 0);
      if (qa > 0) {
        askPx.push(pa);
        askQty.push(qa);
      }
    }
    const b: Book = { k, bidPx, bidQty, askPx, askQty };
    if (this.books.size >= BOOK_CACHE) this.books.delete(this.books.keys().next().value as number);
    this.books.set(k, b);
    return b;
  }

  wireLevels(px: number[], qty: number[], limit: number): [string, string][] {
    const out: [string, string][] = [];
    const n = Math.min(limit, px.length);
    for (let i = 0; i < n; i++) out.push([formatScaled(px[i]!, this.m.priceDecimals), formatScaled(qty[i]!, this.m.qtyDecimals)]);
    return out;
  }

  diffSide(prevPx: number[], prevQty: number[], px: number[], qty: number[]): string {
    const old = new Map<number, number>();
    for (let i = 0; i < prevPx.length; i++) old.set(prevPx[i]!, prevQty[i]!);
    const parts: string[] = [];
    const { priceDecimals: pd, qtyDecimals: qd } = this.m;
    for (let i = 0; i < px.length; i++) {
      const p = px[i]!;
      const q = qty[i]!;
      if (old.get(p) !== q) parts.push(`["${formatScaled(p, pd)}","${formatScaled(q, qd)}"]`);
      old.delete(p);
    }
    const zero = formatScaled(0, qd);
    for (const p of old.keys()) parts.push(`["${formatScaled(p, pd)}","${zero}"]`);
    return `[${parts.join(',')}]`;
  }

  levelsJson(px: number[], qty: number[], limit: number): string {
    return JSON.stringify(this.wireLevels(px, qty, limit));
  }
}

interface ResolvedOptions {
  readonly seed: number;
  readonly start: number;
  readonly startPrice: number;
  readonly tradesPerMinute: number;
  readonly volatility: number;
  readonly bookLevels: number;
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  readonly tickScale: number;
  readonly qtyScale: number;
  readonly klineFinalDelayMs: number;
}

/**
 * Creates a deterministic synthetic market (see src/replay/README.md for its properties).
 *
 * @throws `INVALID_SYMBOL` for a malformed symbol, `INVALID_ARGUMENT` for a non-finite start or bad option.
 * @example
 * ```ts
 * const market = syntheticMarket({ seed: 42, symbols: ['BTCUSDT', 'ETHUSDT'], start: Date.UTC(2024, 0, 1) });
 * market.kline('BTCUSDT', 60_000, Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2)); // the first 1m bar
 * ```
 */
export function syntheticMarket(options: SyntheticMarketOptions): ReplayMarket {
  if (!Number.isFinite(options.start)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `syntheticMarket: start ${String(options.start)} is not a time`, {
      context: { start: options.start },
    });
  }
  const priceDecimals = options.priceDecimals ?? 1;
  const qtyDecimals = options.qtyDecimals ?? 3;
  const delay = options.klineFinalDelayMs ?? 100;
  if (delay % 50 !== 0 || delay < 0 || delay >= MINUTE_MS) {
    throw new ScalplakeError('INVALID_ARGUMENT', `klineFinalDelayMs ${delay} must be a multiple of 50 below 60000`, {
      context: { klineFinalDelayMs: delay },
    });
  }
  const r: ResolvedOptions = {
    seed: options.seed | 0,
    start: Math.floor(options.start / MINUTE_MS) * MINUTE_MS,
    startPrice: options.startPrice ?? 42_000,
    tradesPerMinute: options.tradesPerMinute ?? 60,
    volatility: options.volatility ?? 0.0008,
    bookLevels: options.bookLevels ?? 100,
    priceDecimals,
    qtyDecimals,
    tickScale: 10 ** priceDecimals,
    qtyScale: 10 ** qtyDecimals,
    klineFinalDelayMs: delay,
  };
  const symbols = (options.symbols ?? ['BTCUSDT']).map((s) => assertSymbol(s, 'syntheticMarket'));
  const sims = new Map<string, SimSymbol>();
  const byLower = new Map<string, SimSymbol>();
  symbols.forEach((s, i) => {
    const sim = new SimSymbol(s, i, r);
    sims.set(s, sim);
    byLower.set(sim.lower, sim);
  });
  const sim = (symbol: string): SimSymbol => {
    const s = sims.get(symbol);
    if (s === undefined) {
      throw new ScalplakeError('INVALID_SYMBOL', `Symbol ${JSON.stringify(symbol)} is not in this market`, {
        context: { symbol },
      });
    }
    return s;
  };
  const tick = formatScaled(1, priceDecimals);
  const step = formatScaled(1, qtyDecimals);

  return {
    symbols,
    start: r.start,
    seed: r.seed,
    symbolInfo(symbol: string): SymbolInfo {
      sim(symbol);
      return {
        symbol,
        baseAsset: symbol.endsWith('USDT') ? symbol.slice(0, -4) : symbol.slice(0, 3),
        quoteAsset: symbol.endsWith('USDT') ? 'USDT' : symbol.slice(3),
        pricePrecision: priceDecimals,
        quantityPrecision: qtyDecimals,
        tickSize: tick,
        stepSize: step,
        onboardDate: r.start,
      };
    },
    kline: (symbol, intervalMs, openTime, now) => sim(symbol).wireKline(intervalMs, openTime, now),
    priceKline(kind, symbol, intervalMs, openTime, now) {
      const s = sim(symbol);
      let out: PriceAgg | null = null;
      for (let t = openTime; t < openTime + intervalMs; t += MINUTE_MS) {
        const a = s.priceAgg(kind, t, now);
        if (a === null) {
          if (t > now) break;
          continue;
        }
        if (out === null) out = { ...a };
        else {
          if (a.hv > out.hv) {
            out.hv = a.hv;
            out.h = a.h;
          }
          if (a.lv < out.lv) {
            out.lv = a.lv;
            out.l = a.l;
          }
          out.c = a.c;
          out.n += a.n;
        }
      }
      if (out === null) return null;
      return [openTime, out.o, out.h, out.l, out.c, '0', openTime + intervalMs - 1, '0', out.n, '0', '0', '0'];
    },
    aggTradeIdAt: (symbol, time) => sim(symbol).aggTradeIdAt(time),
    aggTradesFrom: (symbol, fromId, limit, maxTime) => sim(symbol).aggTradesFrom(fromId, limit, maxTime),
    firstAggTradeId(symbol) {
      sim(symbol);
      return AGG_ID0;
    },
    fundingRates(symbol, from, to, now) {
      const s = sim(symbol);
      const out: WireFundingRate[] = [];
      const last = Math.min(to, now);
      for (let t = Math.ceil(Math.max(from, r.start) / FUNDING_MS) * FUNDING_MS; t <= last; t += FUNDING_MS) {
        out.push({ symbol, fundingRate: s.fundingRateAt(t), fundingTime: t, markPrice: s.markAt(t / 1000).toFixed(8) });
      }
      return out;
    },
    premiumIndex(symbol, now): WirePremiumIndex | null {
      const s = sim(symbol);
      if (now < r.start) return null;
      const sec = Math.floor(now / 1000);
      const next = s.nextFunding(now);
      return {
        symbol,
        markPrice: s.markAt(sec).toFixed(8),
        indexPrice: s.indexAt(sec).toFixed(8),
        estimatedSettlePrice: s.indexAt(sec).toFixed(8),
        lastFundingRate: s.fundingRateAt(next),
        interestRate: '0.00010000',
        nextFundingTime: next,
        time: now,
      };
    },
    depth(symbol, limit, now): WireDepth | null {
      const s = sim(symbol);
      if (now < r.start) return null;
      const k = Math.floor((now - r.start) / STEP_MS);
      const b = s.book(k);
      const t = r.start + k * STEP_MS;
      return {
        lastUpdateId: s.updateId(k),
        E: now,
        T: t,
        bids: s.wireLevels(b.bidPx, b.bidQty, limit),
        asks: s.wireLevels(b.askPx, b.askQty, limit),
      };
    },
    canonicalStream(stream) {
      const p = parseStream(stream);
      if (p === null || !byLower.has(p.symbol)) return null;
      return p.canonical;
    },
    frames(from, to, streams, sink) {
      if (streams.size === 0) return;
      for (const s of sims.values()) emitFrames(s, r, from, to, streams, sink);
    },
  };
}

/** Which streams of one symbol are wanted. */
interface Wants {
  aggTrade: boolean;
  klines: number[];
  klineNames: string[];
  /** Push cadences (ms) of the wanted diff-depth streams, with their canonical names. */
  depth: { speed: number; name: string }[];
  /** Wanted partial-book streams: levels, cadence (ms), canonical name. */
  partial: { lv: number; speed: number; name: string }[];
  bookTicker: boolean;
  mark1s: boolean;
  mark3s: boolean;
}

function wantsOf(lower: string, streams: ReadonlySet<string>): Wants | null {
  const w: Wants = {
    aggTrade: streams.has(`${lower}@aggTrade`),
    klines: [],
    klineNames: [],
    depth: [],
    partial: [],
    bookTicker: streams.has(`${lower}@bookTicker`),
    mark1s: streams.has(`${lower}@markPrice@1s`),
    mark3s: streams.has(`${lower}@markPrice`),
  };
  for (const name of streams) {
    if (name.startsWith(`${lower}@kline_`)) {
      const p = parseStream(name);
      if (p?.intervalMs !== undefined) {
        w.klines.push(p.intervalMs);
        w.klineNames.push(p.interval ?? '');
      }
    } else if (name.startsWith(`${lower}@depth`)) {
      const p = parseStream(name);
      if (p?.speedMs === undefined || p.canonical !== name) continue;
      if (p.kind === 'depth') w.depth.push({ speed: p.speedMs, name });
      else w.partial.push({ lv: Number(p.kind.slice(5)), speed: p.speedMs, name });
    }
  }
  const any =
    w.aggTrade || w.depth.length > 0 || w.bookTicker || w.mark1s || w.mark3s || w.partial.length > 0 || w.klines.length > 0;
  return any ? w : null;
}

function emitFrames(
  s: SimSymbol,
  r: ResolvedOptions,
  from: number,
  to: number,
  streams: ReadonlySet<string>,
  sink: FrameSink,
): void {
  const w = wantsOf(s.lower, streams);
  if (w === null) return;
  from = Math.max(from, r.start - 1);
  if (to <= from) return;
  const { symbol, lower } = s;
  const pd = r.priceDecimals;
  const qd = r.qtyDecimals;
  const wantBook = w.depth.length > 0 || w.partial.length > 0 || w.bookTicker;
  const trades = w.aggTrade;
  // Trade cursor: minute index and position of the first trade after `from`.
  let mIdx = s.minuteIndex(from + 1);
  let mi = s.minute(mIdx);
  let pos = 0;
  while (pos < mi.n && mi.time[pos]! <= from) pos++;
  const emitTradesUpTo = (t: number): void => {
    for (;;) {
      if (pos >= mi.n) {
        if (r.start + (mIdx + 1) * MINUTE_MS > t) return;
        mIdx++;
        mi = s.minute(mIdx);
        pos = 0;
        continue;
      }
      const T = mi.time[pos]!;
      if (T > t) return;
      if (w.aggTrade) {
        sink(
          T,
          `${lower}@aggTrade`,
          `{"e":"aggTrade","E":${T},"a":${mi.a0 + pos},"s":"${symbol}","p":"${formatScaled(mi.px[pos]!, pd)}","q":"${formatScaled(mi.qty[pos]!, qd)}","f":${mi.first[pos]},"l":${mi.last[pos]},"T":${T},"m":${mi.maker[pos] === 1}}`,
        );
      }
      pos++;
    }
  };
  let b = Math.floor(from / 50) * 50 + 50;
  const delay = r.klineFinalDelayMs;
  for (; b <= to; b += 50) {
    if (trades) emitTradesUpTo(b);
    for (let j = 0; j < w.klines.length; j++) {
      const iv = w.klines[j]!;
      const name = w.klineNames[j]!;
      // Final push of the bar that closed `delay` ago.
      const close = b - delay;
      if (barOpen(close, iv) === close && close > r.start) {
        const closedOpen = barOpen(close - 1, iv);
        const k = s.wireKline(iv, closedOpen, b);
        if (k !== null) {
          const ids = s.wireKlineIds(iv, closedOpen, b);
          sink(b, `${lower}@kline_${name}`, klineToWs(symbol, name, k, ids.f, ids.L, true, b));
        }
      }
      // Forming pushes every 250 ms while trades come in.
      const open = barOpen(b, iv);
      if (b % 250 === 0 && b !== open && s.aggTradeIdAt(b - 249) < s.aggTradeIdAt(b + 1)) {
        const k = s.wireKline(iv, open, b);
        if (k !== null) {
          const ids = s.wireKlineIds(iv, open, b);
          sink(b, `${lower}@kline_${name}`, klineToWs(symbol, name, k, ids.f, ids.L, false, b));
        }
      }
    }
    if (wantBook && b > r.start) {
      const k = Math.floor((b - r.start) / STEP_MS);
      const cur = s.book(k);
      const u = s.updateId(k);
      const T = b - 1;
      // A stream of cadence `speed` pushes at multiples of it; its event covers the steps since its previous push.
      for (const d of w.depth) {
        if (b % d.speed !== 0) continue;
        const kp = Math.floor((b - d.speed - r.start) / STEP_MS);
        const prev = s.book(kp);
        const pu = s.updateId(kp);
        sink(
          b,
          d.name,
          `{"e":"depthUpdate","E":${b},"T":${T},"s":"${symbol}","U":${pu + 1},"u":${u},"pu":${pu},"b":${s.diffSide(prev.bidPx, prev.bidQty, cur.bidPx, cur.bidQty)},"a":${s.diffSide(prev.askPx, prev.askQty, cur.askPx, cur.askQty)}}`,
        );
      }
      for (const d of w.partial) {
        if (b % d.speed !== 0) continue;
        const pu = s.updateId(Math.floor((b - d.speed - r.start) / STEP_MS));
        sink(
          b,
          d.name,
          `{"e":"depthUpdate","E":${b},"T":${T},"s":"${symbol}","U":${pu + 1},"u":${u},"pu":${pu},"b":${s.levelsJson(cur.bidPx, cur.bidQty, d.lv)},"a":${s.levelsJson(cur.askPx, cur.askQty, d.lv)}}`,
        );
      }
      const prev = w.bookTicker && b % STEP_MS === 0 ? s.book(k - 1) : undefined;
      if (
        prev !== undefined &&
        (prev.bidPx[0] !== cur.bidPx[0] ||
          prev.bidQty[0] !== cur.bidQty[0] ||
          prev.askPx[0] !== cur.askPx[0] ||
          prev.askQty[0] !== cur.askQty[0])
      ) {
        sink(
          b,
          `${lower}@bookTicker`,
          `{"e":"bookTicker","u":${u},"s":"${symbol}","b":"${formatScaled(cur.bidPx[0] ?? 0, pd)}","B":"${formatScaled(cur.bidQty[0] ?? 0, qd)}","a":"${formatScaled(cur.askPx[0] ?? 0, pd)}","A":"${formatScaled(cur.askQty[0] ?? 0, qd)}","T":${T},"E":${b}}`,
        );
      }
    }
    if (b % 1000 === 0 && b >= r.start) {
      if (w.mark1s) sink(b, `${lower}@markPrice@1s`, s.markFrame(b / 1000));
      if (w.mark3s && b % 3000 === 0) sink(b, `${lower}@markPrice`, s.markFrame(b / 1000));
    }
  }
  if (trades) emitTradesUpTo(to);
}
