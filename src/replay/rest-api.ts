/**
 * The REST side of the replay exchange: `/fapi/v1/*` routes with Binance's parameter rules, weights, rate limits
 * and `{code,msg}` errors.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HOUR_MS, INTERVAL_MS } from '../core/time.js';
import type { Fault } from './fault-plan.js';
import type { Prng } from './prng.js';
import type { RateLimiter, RateVerdict } from './rate-limiter.js';
import type { PriceKlineKind, ReplayMarket, WireKline } from './replay-market.js';
import { barOpen } from './stream-names.js';

/** Counters the REST side keeps. */
export interface RestStats {
  /** Requests received. */
  requests: number;
  /** Answers with 429. */
  responses429: number;
  /** Answers with 418. */
  responses418: number;
  /** Answers with 5xx. */
  responses5xx: number;
}

/** What the REST handler needs from the exchange. */
export interface RestContext {
  readonly market: ReplayMarket;
  readonly now: () => number;
  readonly limiter: RateLimiter;
  readonly faults: () => readonly Fault[];
  readonly rng: Prng;
  readonly stats: RestStats;
  readonly weightLimitPerMinute: number;
  readonly fundingRateLimitPer5Min: number;
  readonly aggTradesHistoryMs: number;
  readonly burstUsed: Map<Fault, number>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
  ) {
    super(msg);
  }
}

const DEPTH_WEIGHTS: Readonly<Record<number, number>> = { 5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20 };
const INT_RE = /^-?\d{1,20}$/;

function klineWeight(limit: number): number {
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

class Params {
  constructor(private readonly q: URLSearchParams) {}
  str(name: string): string | undefined {
    const v = this.q.get(name);
    return v === null || v === '' ? undefined : v;
  }
  int(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!INT_RE.test(v)) throw new ApiError(400, -1130, `Data sent for parameter '${name}' is not valid.`);
    return Number(v);
  }
  limit(def: number, max: number): number {
    const v = this.int('limit') ?? def;
    if (v < 1 || v > max) throw new ApiError(400, -1130, `Data sent for parameter 'limit' is not valid.`);
    return v;
  }
}

function requireSymbol(market: ReplayMarket, p: Params, name = 'symbol'): string {
  const s = p.str(name);
  if (s === undefined) {
    throw new ApiError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
  }
  if (!market.symbols.includes(s)) throw new ApiError(400, -1121, 'Invalid symbol.');
  return s;
}

/** The bar grid of an interval: the open time of the bar holding `t`, and the open `n` bars after `open`. */
interface BarGrid {
  open(t: number): number;
  add(open: number, n: number): number;
}

/** Calendar months (`1M`): bars open on the 1st, 00:00 UTC. */
const MONTH_GRID: BarGrid = {
  open(t) {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  },
  add(open, n) {
    const d = new Date(open);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
  },
};

function requireInterval(p: Params): BarGrid {
  const i = p.str('interval');
  if (i === undefined) {
    throw new ApiError(400, -1102, `Mandatory parameter 'interval' was not sent, was empty/null, or malformed.`);
  }
  if (i === '1M') return MONTH_GRID;
  const ms = INTERVAL_MS[i];
  if (ms === undefined || i === '1s') throw new ApiError(400, -1120, 'Invalid interval.');
  return { open: (t) => barOpen(t, ms), add: (open, n) => open + n * ms };
}

function timeRange(p: Params): { start: number | undefined; end: number | undefined } {
  const start = p.int('startTime');
  const end = p.int('endTime');
  if (start !== undefined && end !== undefined && start > end) {
    throw new ApiError(400, -1023, 'Start time is greater than end time.');
  }
  return { start, end };
}

/** Serves klines-like bars: open times in [startTime, endTime], at most `limit`, known at now. */
function bars(
  market: ReplayMarket,
  get: (open: number, intervalMs: number) => WireKline | null,
  grid: BarGrid,
  p: Params,
  now: number,
): WireKline[] {
  const limit = p.limit(500, 1500);
  const { start, end } = timeRange(p);
  const last = grid.open(Math.min(end ?? now, now));
  const firstBar = grid.open(market.start);
  let t: number;
  if (start !== undefined) {
    const b = grid.open(start);
    t = Math.max(b === start ? b : grid.add(b, 1), firstBar);
  } else {
    t = Math.max(grid.add(last, -(limit - 1)), firstBar);
  }
  const out: WireKline[] = [];
  for (; t <= last && out.length < limit; ) {
    const next = grid.add(t, 1);
    const k = get(t, next - t);
    if (k !== null) out.push(k);
    t = next;
  }
  return out;
}

function weightOf(path: string, p: Params): number {
  switch (path) {
    case '/fapi/v1/klines':
    case '/fapi/v1/continuousKlines':
    case '/fapi/v1/markPriceKlines':
    case '/fapi/v1/premiumIndexKlines':
    case '/fapi/v1/indexPriceKlines': {
      const l = Number(p.str('limit') ?? 500);
      return klineWeight(Number.isFinite(l) ? l : 500);
    }
    case '/fapi/v1/aggTrades':
      return 20;
    case '/fapi/v1/depth':
      return DEPTH_WEIGHTS[Number(p.str('limit') ?? 500)] ?? 10;
    case '/fapi/v1/premiumIndex':
      return p.str('symbol') === undefined ? 10 : 1;
    case '/fapi/v1/fundingRate':
      return 0;
    default:
      return 1;
  }
}

function route(ctx: RestContext, path: string, p: Params, now: number): unknown {
  const { market } = ctx;
  switch (path) {
    case '/fapi/v1/time':
      return { serverTime: now };
    case '/fapi/v1/exchangeInfo':
      return exchangeInfo(ctx, now);
    case '/fapi/v1/klines': {
      const symbol = requireSymbol(market, p);
      const grid = requireInterval(p);
      return bars(market, (t, iv) => market.kline(symbol, iv, t, now), grid, p, now);
    }
    case '/fapi/v1/continuousKlines': {
      // Every symbol served is a perpetual whose pair is its own name.
      const pair = requireSymbol(market, p, 'pair');
      const contractType = p.str('contractType');
      if (contractType === undefined) {
        throw new ApiError(400, -1102, `Mandatory parameter 'contractType' was not sent, was empty/null, or malformed.`);
      }
      if (contractType !== 'PERPETUAL') {
        throw new ApiError(400, -1130, `Data sent for parameter 'contractType' is not valid.`);
      }
      const grid = requireInterval(p);
      return bars(market, (t, iv) => market.kline(pair, iv, t, now), grid, p, now);
    }
    case '/fapi/v1/markPriceKlines':
    case '/fapi/v1/premiumIndexKlines':
    case '/fapi/v1/indexPriceKlines': {
      const kind: PriceKlineKind = path.endsWith('markPriceKlines')
        ? 'mark'
        : path.endsWith('premiumIndexKlines')
          ? 'premium'
          : 'index';
      const symbol = requireSymbol(market, p, kind === 'index' ? 'pair' : 'symbol');
      const grid = requireInterval(p);
      return bars(market, (t, iv) => market.priceKline(kind, symbol, iv, t, now), grid, p, now);
    }
    case '/fapi/v1/aggTrades':
      return aggTrades(ctx, p, now);
    case '/fapi/v1/fundingRate': {
      const limit = p.limit(100, 1000);
      const { start, end } = timeRange(p);
      const sym = p.str('symbol');
      if (sym !== undefined && !market.symbols.includes(sym)) throw new ApiError(400, -1121, 'Invalid symbol.');
      const symbols = sym === undefined ? market.symbols : [sym];
      const out = [];
      for (const s of symbols) {
        const all = market.fundingRates(s, start ?? market.start, end ?? now, now);
        out.push(...(start !== undefined ? all.slice(0, limit) : all.slice(Math.max(0, all.length - limit))));
      }
      return out;
    }
    case '/fapi/v1/premiumIndex': {
      const sym = p.str('symbol');
      if (sym !== undefined) {
        if (!market.symbols.includes(sym)) throw new ApiError(400, -1121, 'Invalid symbol.');
        const v = market.premiumIndex(sym, now);
        if (v === null) throw new ApiError(400, -1121, 'Invalid symbol.');
        return v;
      }
      return market.symbols.map((s) => market.premiumIndex(s, now)).filter((v) => v !== null);
    }
    case '/fapi/v1/depth': {
      const symbol = requireSymbol(market, p);
      const limit = p.int('limit') ?? 500;
      if (DEPTH_WEIGHTS[limit] === undefined) {
        throw new ApiError(400, -1130, `Data sent for parameter 'limit' is not valid.`);
      }
      return market.depth(symbol, limit, now) ?? { lastUpdateId: 0, E: now, T: now, bids: [], asks: [] };
    }
    default:
      throw new ApiError(404, -1000, `Unknown path ${path}`);
  }
}

function aggTrades(ctx: RestContext, p: Params, now: number): unknown {
  const { market } = ctx;
  const symbol = requireSymbol(market, p);
  const limit = p.limit(500, 1000);
  const fromId = p.int('fromId');
  const { start, end } = timeRange(p);
  if (start !== undefined && end !== undefined && end - start >= HOUR_MS) {
    throw new ApiError(400, -1127, 'More than 1 hours between startTime and endTime.');
  }
  const earliest = now - ctx.aggTradesHistoryMs;
  const tooOld = (): never => {
    throw new ApiError(400, -4166, 'Search window is restricted to recent 24 hours only.');
  };
  if ((start !== undefined && start < earliest) || (end !== undefined && end < earliest)) tooOld();
  let id: number;
  let maxTime = Math.min(end ?? now, now);
  if (fromId !== undefined) {
    id = fromId;
    if (start !== undefined) id = Math.max(id, market.aggTradeIdAt(symbol, start));
    const first = market.aggTradesFrom(symbol, id, 1, now)[0];
    if (first !== undefined && first.T < earliest) tooOld();
  } else if (start !== undefined) {
    id = market.aggTradeIdAt(symbol, start);
    if (end === undefined) maxTime = Math.min(start + HOUR_MS - 1, now);
  } else if (end !== undefined) {
    id = market.aggTradeIdAt(symbol, Math.max(end - HOUR_MS + 1, earliest));
  } else {
    const firstId = market.firstAggTradeId(symbol) ?? 0;
    id = Math.max(firstId, market.aggTradeIdAt(symbol, now + 1) - limit, market.aggTradeIdAt(symbol, earliest));
  }
  return market.aggTradesFrom(symbol, id, limit, maxTime);
}

function exchangeInfo(ctx: RestContext, now: number): unknown {
  const { market } = ctx;
  return {
    timezone: 'UTC',
    serverTime: now,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: ctx.weightLimitPerMinute },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: market.symbols.map((s) => {
      const i = market.symbolInfo(s);
      return {
        symbol: s,
        pair: s,
        contractType: 'PERPETUAL',
        deliveryDate: 4133404800000,
        onboardDate: i.onboardDate,
        status: 'TRADING',
        maintMarginPercent: '2.5000',
        requiredMarginPercent: '5.0000',
        baseAsset: i.baseAsset,
        quoteAsset: i.quoteAsset,
        marginAsset: i.quoteAsset,
        pricePrecision: i.pricePrecision,
        quantityPrecision: i.quantityPrecision,
        baseAssetPrecision: 8,
        quotePrecision: 8,
        underlyingType: 'COIN',
        underlyingSubType: [],
        settlePlan: 0,
        triggerProtect: '0.0500',
        liquidationFee: '0.012500',
        marketTakeBound: '0.05',
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: i.tickSize, maxPrice: '4529764', tickSize: i.tickSize },
          { filterType: 'LOT_SIZE', minQty: i.stepSize, maxQty: '1000', stepSize: i.stepSize },
          { filterType: 'MARKET_LOT_SIZE', minQty: i.stepSize, maxQty: '120', stepSize: i.stepSize },
          { filterType: 'MAX_NUM_ORDERS', limit: 200 },
          { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
          { filterType: 'MIN_NOTIONAL', notional: '5' },
          { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
        ],
        orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
      };
    }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, used: number, retryAfter?: number): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-mbx-used-weight-1m': used,
  };
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * Creates the request handler of the REST side.
 *
 * @example
 * ```ts
 * const server = http.createServer(createRestHandler(ctx));
 * ```
 */
export function createRestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    ctx.stats.requests++;
    const now = ctx.now();
    const url = new URL(req.url ?? '/', 'http://replay');
    const path = url.pathname;
    const p = new Params(url.searchParams);
    const ip = req.socket.remoteAddress ?? 'unknown';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { code: -1000, msg: `Method ${req.method ?? ''} is not supported` }, ctx.limiter.used(ip, now));
      return;
    }
    if (!path.startsWith('/fapi/v1/')) {
      send(res, 404, { code: -1000, msg: `Unknown path ${path}` }, ctx.limiter.used(ip, now));
      return;
    }
    // Scripted faults first: a ban, a 429 burst, random 5xx.
    for (const f of ctx.faults()) {
      if (f.kind === 'ban' && now >= f.at && now < f.at + (f.durationMs ?? 120_000)) {
        ctx.limiter.ban(ip, now, f.at + (f.durationMs ?? 120_000));
      } else if (f.kind === '429burst' && now >= f.at) {
        const used = ctx.burstUsed.get(f) ?? 0;
        if (used < f.count) {
          ctx.burstUsed.set(f, used + 1);
          const v = ctx.limiter.refused(ip, now);
          reject(ctx, res, v);
          return;
        }
      } else if (f.kind === 'http5xx' && ctx.rng.next() < f.probability) {
        ctx.stats.responses5xx++;
        send(res, 503, { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }, ctx.limiter.used(ip, now));
        return;
      }
    }
    const verdict = ctx.limiter.check(ip, weightOf(path, p), path === '/fapi/v1/fundingRate', now);
    if (verdict.status !== 200) {
      reject(ctx, res, verdict);
      return;
    }
    try {
      send(res, 200, route(ctx, path, p, now), verdict.used);
    } catch (e) {
      if (e instanceof ApiError) send(res, e.status, { code: e.code, msg: e.msg }, verdict.used);
      else {
        ctx.stats.responses5xx++;
        send(res, 500, { code: -1000, msg: `An unknown error occurred: ${(e as Error).message}` }, verdict.used);
      }
    }
  };
}

function reject(ctx: RestContext, res: ServerResponse, verdict: RateVerdict): void {
  const { bannedUntil, used, retryAfterSec: retryAfter } = verdict;
  if (verdict.status === 418) {
    ctx.stats.responses418++;
    send(res, 418, { code: -1003, msg: `Way too many requests; IP banned until ${bannedUntil}.` }, used, retryAfter);
  } else {
    ctx.stats.responses429++;
    send(
      res,
      429,
      {
        code: -1003,
        msg: `Too many requests; current limit is ${ctx.weightLimitPerMinute} requests per minute. Please use the websocket for live updates to avoid polling the API.`,
      },
      used,
      retryAfter,
    );
  }
}
