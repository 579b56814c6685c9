/**
 * `startReplayExchange`: a Binance-USD-M-compatible market-data server (REST + WebSocket) on loopback.
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Fault, type FaultPlan, parseFaultSpec } from './fault-plan.js';
import { Prng } from './prng.js';
import { RateLimiter } from './rate-limiter.js';
import { type ReplayClock, virtualClock } from './replay-clock.js';
import type { ReplayMarket } from './replay-market.js';
import { createReplayTruth, type ReplayTruth } from './replay-truth.js';
import { createRestHandler, type RestStats } from './rest-api.js';
import { type ConnectionInfo, WsHub } from './ws-hub.js';

/** Options of {@link startReplayExchange}; see src/replay/README.md for the defaults' rationale. */
export interface ReplayExchangeOptions {
  /** The data served. */
  readonly market: ReplayMarket;
  /** The exchange clock; default `virtualClock(market.start)`. */
  readonly clock?: ReplayClock;
  /** Listen host; default `127.0.0.1`. */
  readonly host?: string;
  /** Listen port; default 0 (a free port). */
  readonly port?: number;
  /** REQUEST_WEIGHT per exchange minute; default 2400. */
  readonly weightLimitPerMinute?: number;
  /** fundingRate requests per 5 exchange minutes; default 500. */
  readonly fundingRateLimitPer5Min?: number;
  /** 429-answered requests in one window before a 418 ban; default 5. */
  readonly banAfter429s?: number;
  /** Ban length (exchange ms); default 120000. */
  readonly banDurationMs?: number;
  /** How far back aggTrades are served (ms); default 24 h; `Infinity` disables. */
  readonly aggTradesHistoryMs?: number;
  /** Exchange ms after which a WS connection is closed; default 24 h. */
  readonly connectionLifetimeMs?: number;
  /** Wall-clock ms between server pings; default 180000. */
  readonly pingIntervalMs?: number;
  /** Wall-clock ms without a pong before the server terminates; default 600000. */
  readonly pongTimeoutMs?: number;
  /** Client messages allowed per wall-clock second; default 10. */
  readonly maxClientMessagesPerSecond?: number;
  /** Faults: a plan or a spec string (offsets relative to the clock's start). */
  readonly faults?: FaultPlan | string;
  /** Seed of random faults; default the market's seed. */
  readonly seed?: number;
}

/** Counters of a running exchange. */
export interface ReplayStats {
  /** Open WS connections. */
  readonly connections: number;
  /** WS frames sent. */
  readonly framesSent: number;
  /** REST requests received. */
  readonly requests: number;
  /** REST answers with 429. */
  readonly responses429: number;
  /** REST answers with 418. */
  readonly responses418: number;
  /** REST answers with 5xx. */
  readonly responses5xx: number;
  /** WS connections closed by the server. */
  readonly disconnects: number;
}

/** Scripted faults of a running exchange. */
export interface ReplayFaults {
  /** Adds a fault (or every fault of a spec string, offsets relative to the clock's start). */
  add(fault: Fault | string): void;
  /** Removes every fault. */
  clear(): void;
  /** The faults in force. */
  list(): readonly Fault[];
}

/** A running replay exchange. */
export interface ReplayExchange {
  /** `http://host:port` — prefix of `/fapi/v1/…`. */
  readonly restUrl: string;
  /** `ws://host:port` — prefix of `/public/…` and `/market/…`. */
  readonly wsUrl: string;
  /** The port listened on. */
  readonly port: number;
  /** The exchange clock. */
  readonly clock: ReplayClock;
  /** The market served. */
  readonly market: ReplayMarket;
  /** Ground truth at the clock's now. */
  readonly truth: ReplayTruth;
  /** Scripted faults. */
  readonly faults: ReplayFaults;
  /** Counters. */
  stats(): ReplayStats;
  /** Open WS connections. */
  connections(): ConnectionInfo[];
  /** Terminates every WS connection. */
  dropAll(): void;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/** The next occurrence of a time-based drop strictly after `t`, or Infinity. */
function nextDrop(f: Fault, t: number): number {
  if (f.kind !== 'drop' || f.at === undefined) return Number.POSITIVE_INFINITY;
  if (t < f.at) return f.at;
  if (f.every === undefined || f.every <= 0) return Number.POSITIVE_INFINITY;
  return f.at + (Math.floor((t - f.at) / f.every) + 1) * f.every;
}

/**
 * Starts a replay exchange and resolves once it listens.
 *
 * @throws `INVALID_ARGUMENT` for a bad fault spec; rejects with the listen error (e.g. port in use).
 * @example
 * ```ts
 * const ex = await startReplayExchange({
 *   market: syntheticMarket({ seed: 42, start: Date.UTC(2024, 0, 1) }),
 *   clock: virtualClock(Date.UTC(2024, 0, 1, 1)),
 * });
 * const res = await fetch(`${ex.restUrl}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=60`);
 * await ex.close();
 * ```
 */
export async function startReplayExchange(options: ReplayExchangeOptions): Promise<ReplayExchange> {
  const { market } = options;
  const clock = options.clock ?? virtualClock(market.start);
  const seed = options.seed ?? market.seed;
  const plan: Fault[] =
    typeof options.faults === 'string' ? parseFaultSpec(options.faults, clock.start) : [...(options.faults ?? [])];
  const faults = (): readonly Fault[] => plan;
  const weightLimitPerMinute = options.weightLimitPerMinute ?? 2400;
  const fundingRateLimitPer5Min = options.fundingRateLimitPer5Min ?? 500;
  const limiter = new RateLimiter({
    weightPerMinute: weightLimitPerMinute,
    fundingPer5Min: fundingRateLimitPer5Min,
    banAfter429s: options.banAfter429s ?? 5,
    banDurationMs: options.banDurationMs ?? 120_000,
  });
  const restStats: RestStats = { requests: 0, responses429: 0, responses418: 0, responses5xx: 0 };
  const now = (): number => clock.now();
  const hub = new WsHub({
    market,
    now,
    faults,
    rng: new Prng(seed ^ 0x5eed),
    connectionLifetimeMs: options.connectionLifetimeMs ?? 86_400_000,
    pingIntervalMs: options.pingIntervalMs ?? 180_000,
    pongTimeoutMs: options.pongTimeoutMs ?? 600_000,
    maxClientMessagesPerSecond: options.maxClientMessagesPerSecond ?? 10,
  });
  const server = createServer(
    createRestHandler({
      market,
      now,
      limiter,
      faults,
      rng: new Prng(seed ^ 0x4e57),
      stats: restStats,
      weightLimitPerMinute,
      fundingRateLimitPer5Min,
      aggTradesHistoryMs: options.aggTradesHistoryMs ?? 86_400_000,
      burstUsed: new Map(),
    }),
  );
  server.on('upgrade', (req, socket, head) => hub.upgrade(req, socket, head));
  const dispatch = (time: number, stream: string, payload: string): void => hub.dispatch(time, stream, payload);

  const pump = (from: number, to: number): void => {
    hub.expire(from);
    hub.cork();
    try {
      pumpSteps(from, to);
    } finally {
      hub.uncork();
    }
  };
  const pumpSteps = (from: number, to: number): void => {
    let t = from;
    while (t < to) {
      let next = to;
      for (const f of plan) next = Math.min(next, nextDrop(f, t));
      const exp = hub.nextExpiry();
      if (exp > t && exp < next) next = exp;
      market.frames(t, next, hub.wantedStreams(), dispatch);
      hub.flushHeld();
      for (const f of plan) if (nextDrop(f, t) === next) hub.dropAll();
      hub.expire(next);
      t = next;
    }
  };
  const unlisten = clock.onAdvance(pump);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed = false;

  return {
    restUrl: `http://${host}:${addr.port}`,
    wsUrl: `ws://${host}:${addr.port}`,
    port: addr.port,
    clock,
    market,
    truth: createReplayTruth(market, now),
    faults: {
      add(fault) {
        if (typeof fault === 'string') plan.push(...parseFaultSpec(fault, clock.start));
        else plan.push(fault);
      },
      clear() {
        plan.length = 0;
      },
      list: () => [...plan],
    },
    stats: () => ({
      connections: hub.connections().length,
      framesSent: hub.stats.framesSent,
      disconnects: hub.stats.disconnects,
      ...restStats,
    }),
    connections: () => hub.connections(),
    dropAll: () => hub.dropAll(),
    async close() {
      if (closed) return;
      closed = true;
      unlisten();
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
