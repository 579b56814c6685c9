/**
 * Faults the replay exchange injects: scriptable per test as objects, or from the CLI as a spec string.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';

/**
 * One fault. Times (`at`) are exchange-clock UTC ms; durations are ms of exchange time.
 * - `drop`: terminate each connection after its `atMessage`-th data frame, or all connections at `at` (and again
 *   every `every` ms after that).
 * - `stall`: send no data frames in `[at, at + durationMs)`, keeping connections open.
 * - `duplicate` / `reorder` / `malformed`: per data frame with `probability`: send it twice; swap it with the
 *   connection's next frame; insert an extra invalid (truncated) frame before it.
 * - `pu-break`: skip one `@depth` diff per connection at or after `at`.
 * - `http5xx`: answer a REST request with 503 `{code:-1001}` with `probability`.
 * - `429burst`: the first `count` REST requests at or after `at` get 429.
 * - `ban`: every REST request in `[at, at + durationMs)` gets 418 (default duration 2 min).
 */
export type Fault = DropFault | StallFault | RandomFault | PuBreakFault | BurstFault | BanFault;

/** Drops every WS connection at a message count, at an exchange time, or every N ms. */
export interface DropFault {
  /** The fault kind. */
  readonly kind: 'drop';
  /** Drop when this many frames have been sent (1-based, over all connections). */
  readonly atMessage?: number;
  /** Drop at this exchange time (UTC ms). */
  readonly at?: number;
  /** Drop again every this many ms of exchange time. */
  readonly every?: number;
}

/** Stops sending WS frames without closing, from `at` for `durationMs` (exchange time). */
export interface StallFault {
  /** The fault kind. */
  readonly kind: 'stall';
  /** Start of the stall (exchange time, UTC ms). */
  readonly at: number;
  /** Length of the stall in ms. */
  readonly durationMs: number;
}

/** A per-frame (or per-request, for `http5xx`) random fault, deterministic for a seed. */
export interface RandomFault {
  /** The fault kind: duplicate, reorder or corrupt WS frames, or answer REST requests with a 5xx. */
  readonly kind: 'duplicate' | 'reorder' | 'malformed' | 'http5xx';
  /** Probability per frame or request, 0…1. */
  readonly probability: number;
}

/** Skips depth updates at `at` so that the next diff's `pu` does not match the previous `u`. */
export interface PuBreakFault {
  /** The fault kind. */
  readonly kind: 'pu-break';
  /** When (exchange time, UTC ms). */
  readonly at: number;
}

/** Answers the next `count` REST requests from `at` with 429 and `Retry-After`. */
export interface BurstFault {
  /** The fault kind. */
  readonly kind: '429burst';
  /** When (exchange time, UTC ms). */
  readonly at: number;
  /** How many requests get a 429. */
  readonly count: number;
}

/** Bans the client (418 with `Retry-After`) from `at`. */
export interface BanFault {
  /** The fault kind. */
  readonly kind: 'ban';
  /** When (exchange time, UTC ms). */
  readonly at: number;
  /** Length of the ban in ms (default: the exchange's `banDurationMs`). */
  readonly durationMs?: number;
}

/** A list of faults. */
export type FaultPlan = readonly Fault[];

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `300s`, `5m`, `250ms`, `2h` or a bare number of ms.
 *
 * @throws `INVALID_ARGUMENT` when the text is not a duration.
 * @example
 * ```ts
 * parseDuration('5m'); // 300000
 * ```
 */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Duration ${JSON.stringify(text)} is not like 300s, 5m or 250ms`, {
      context: { duration: text },
    });
  }
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1));
}

function probability(item: string, value: string): number {
  const p = Number(value);
  if (!(p >= 0 && p <= 1)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Fault ${JSON.stringify(item)}: probability must be in [0, 1]`, {
      context: { fault: item },
    });
  }
  return p;
}

/**
 * Parses a fault spec string (comma-separated items) into a {@link FaultPlan}; time offsets (`t=5m`) are relative
 * to `origin` (the exchange clock's start).
 *
 * Items: `drop@msg=N`, `drop@t=T`, `drop@every=D` (from origin + D), `drop@t=T:every=D`, `stall@t=T:D`, `dup=P`,
 * `reorder=P`, `malformed=P`, `pu-break@t=T`, `http5xx=P`, `429burst@t=T:N`, `ban@t=T[:D]`.
 *
 * @throws `INVALID_ARGUMENT` naming the item that is not understood.
 * @example
 * ```ts
 * parseFaultSpec('drop@msg=500,stall@t=5m:300s,dup=0.01', Date.UTC(2024, 0, 1));
 * ```
 */
export function parseFaultSpec(spec: string, origin: number): Fault[] {
  const out: Fault[] = [];
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const bad = (): never => {
      throw new ScalplakeError('INVALID_ARGUMENT', `Fault ${JSON.stringify(item)} is not understood (spec ${JSON.stringify(spec)})`, {
        context: { fault: item, spec },
      });
    };
    let m: RegExpExecArray | null;
    if ((m = /^drop@msg=(\d+)$/.exec(item))) out.push({ kind: 'drop', atMessage: Number(m[1]) });
    else if ((m = /^drop@every=([\w.]+)$/.exec(item))) {
      const every = parseDuration(m[1]!);
      out.push({ kind: 'drop', at: origin + every, every });
    } else if ((m = /^drop@t=([\w.]+)(?::every=([\w.]+))?$/.exec(item))) {
      const at = origin + parseDuration(m[1]!);
      out.push(m[2] === undefined ? { kind: 'drop', at } : { kind: 'drop', at, every: parseDuration(m[2]) });
    } else if ((m = /^stall@t=([\w.]+):([\w.]+)$/.exec(item))) {
      out.push({ kind: 'stall', at: origin + parseDuration(m[1]!), durationMs: parseDuration(m[2]!) });
    } else if ((m = /^(dup|duplicate|reorder|malformed|http5xx)=([\d.]+)$/.exec(item))) {
      const kind = m[1] === 'dup' ? 'duplicate' : (m[1] as 'duplicate' | 'reorder' | 'malformed' | 'http5xx');
      out.push({ kind, probability: probability(item, m[2]!) });
    } else if ((m = /^pu-break@t=([\w.]+)$/.exec(item))) out.push({ kind: 'pu-break', at: origin + parseDuration(m[1]!) });
    else if ((m = /^429burst@t=([\w.]+):(\d+)$/.exec(item))) {
      out.push({ kind: '429burst', at: origin + parseDuration(m[1]!), count: Number(m[2]) });
    } else if ((m = /^ban@t=([\w.]+)(?::([\w.]+))?$/.exec(item))) {
      const at = origin + parseDuration(m[1]!);
      out.push(m[2] === undefined ? { kind: 'ban', at } : { kind: 'ban', at, durationMs: parseDuration(m[2]) });
    } else bad();
  }
  return out;
}
