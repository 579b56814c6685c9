/**
 * REST `/fapi/v1/exchangeInfo` → the rate limits and symbol facts scalplake needs.
 * @module
 */
import { z } from 'zod';

/** The parts of `/fapi/v1/exchangeInfo` scalplake reads; everything else is ignored. */
export const RawExchangeInfo = z.object({
  /** Server time (UTC ms). */
  serverTime: z.number().optional(),
  /** Rate limits. */
  rateLimits: z
    .array(
      z.object({
        /** `REQUEST_WEIGHT`, `ORDERS`, …. */
        rateLimitType: z.string(),
        /** `SECOND`, `MINUTE`, `HOUR` or `DAY`. */
        interval: z.string(),
        /** Number of intervals in the window. */
        intervalNum: z.number(),
        /** Limit per window. */
        limit: z.number(),
      }),
    )
    .default([]),
  /** Symbols. */
  symbols: z
    .array(
      z.object({
        /** Symbol. */
        symbol: z.string(),
        /** Trading status. */
        status: z.string().optional(),
        /** Contract type. */
        contractType: z.string().optional(),
        /** Price decimals. */
        pricePrecision: z.number().optional(),
        /** Quantity decimals. */
        quantityPrecision: z.number().optional(),
        /** Filters (PRICE_FILTER, LOT_SIZE, …). */
        filters: z.array(z.record(z.string(), z.unknown())).default([]),
      }),
    )
    .default([]),
});
/** A validated exchangeInfo response. */
export type RawExchangeInfo = z.infer<typeof RawExchangeInfo>;

/** What scalplake keeps from exchangeInfo. */
export interface ExchangeInfo {
  /** Server time when answered (UTC ms), `null` when absent. */
  readonly server_time: number | null;
  /** The REQUEST_WEIGHT budget per minute, `null` when not published. */
  readonly request_weight_per_minute: number | null;
  /** Per symbol: status, contract type, tick size and step size (from PRICE_FILTER / LOT_SIZE). */
  readonly symbols: ReadonlyMap<string, SymbolInfo>;
}

/** Trading facts of one symbol. */
export interface SymbolInfo {
  /** Market symbol. */
  readonly symbol: string;
  /** `TRADING`, `SETTLING`, …; `null` when absent. */
  readonly status: string | null;
  /** `PERPETUAL`, `CURRENT_QUARTER`, …; `null` when absent. */
  readonly contract_type: string | null;
  /** Price tick (PRICE_FILTER.tickSize), `null` when absent. */
  readonly tick_size: number | null;
  /** Quantity step (LOT_SIZE.stepSize), `null` when absent. */
  readonly step_size: number | null;
}

const MINUTES: Readonly<Record<string, number>> = { SECOND: 1 / 60, MINUTE: 1, HOUR: 60, DAY: 1440 };

/**
 * Maps a validated exchangeInfo response: the REQUEST_WEIGHT limit is normalized to a per-minute budget.
 *
 * @example
 * ```ts
 * exchangeInfoFromRest(RawExchangeInfo.parse(body)).request_weight_per_minute; // 2400
 * ```
 */
export function exchangeInfoFromRest(raw: RawExchangeInfo): ExchangeInfo {
  let weight: number | null = null;
  for (const r of raw.rateLimits) {
    if (r.rateLimitType !== 'REQUEST_WEIGHT') continue;
    const minutes = (MINUTES[r.interval] ?? Number.NaN) * r.intervalNum;
    if (!(minutes > 0)) continue;
    const perMinute = Math.floor(r.limit / minutes);
    weight = weight === null ? perMinute : Math.min(weight, perMinute);
  }
  const symbols = new Map<string, SymbolInfo>();
  for (const s of raw.symbols) {
    let tick: number | null = null;
    let step: number | null = null;
    for (const f of s.filters) {
      if (f.filterType === 'PRICE_FILTER') tick = toNum(f.tickSize);
      else if (f.filterType === 'LOT_SIZE') step = toNum(f.stepSize);
    }
    symbols.set(s.symbol, {
      symbol: s.symbol,
      status: s.status ?? null,
      contract_type: s.contractType ?? null,
      tick_size: tick,
      step_size: step,
    });
  }
  return { server_time: raw.serverTime ?? null, request_weight_per_minute: weight, symbols };
}

function toNum(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
  return Number.isFinite(n) ? n : null;
}
