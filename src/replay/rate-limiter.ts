/**
 * Binance's IP rate limits on the exchange clock: the REQUEST_WEIGHT minute budget, fundingRate's own
 * 500 requests / 5 min bucket, 429 with `Retry-After`, and the 418 ban for clients that keep going.
 * @module
 */
import { MINUTE_MS } from '../core/time.js';

/** Limits enforced by a {@link RateLimiter}. */
export interface RateLimits {
  /** REQUEST_WEIGHT per minute. */
  readonly weightPerMinute: number;
  /** fundingRate requests per 5 minutes. */
  readonly fundingPer5Min: number;
  /** Requests answered 429 in one window before a 418 ban. */
  readonly banAfter429s: number;
  /** Ban length (ms). */
  readonly banDurationMs: number;
}

/** The verdict on one request. */
export interface RateVerdict {
  /** 200 to serve, 429 or 418 to refuse. */
  readonly status: 200 | 429 | 418;
  /** Seconds to wait, with 429/418. */
  readonly retryAfterSec: number;
  /** Weight used in the current minute after this request (the `X-MBX-USED-WEIGHT-1M` value). */
  readonly used: number;
  /** End of the ban (exchange UTC ms), with 418; 0 otherwise. */
  readonly bannedUntil: number;
}

interface Client {
  window: number;
  used: number;
  rejected: number;
  blocked: boolean;
  bannedUntil: number;
  fundingWindow: number;
  fundingCount: number;
}

const FIVE_MIN = 5 * MINUTE_MS;

/**
 * Tracks each client IP's weight and bans.
 *
 * @example
 * ```ts
 * const rl = new RateLimiter({ weightPerMinute: 2400, fundingPer5Min: 500, banAfter429s: 5, banDurationMs: 120_000 });
 * rl.check('127.0.0.1', 5, false, Date.now()).status; // 200
 * ```
 */
export class RateLimiter {
  private readonly clients = new Map<string, Client>();

  constructor(private readonly limits: RateLimits) {}

  private client(ip: string, now: number): Client {
    let c = this.clients.get(ip);
    if (c === undefined) {
      c = { window: 0, used: 0, rejected: 0, blocked: false, bannedUntil: 0, fundingWindow: 0, fundingCount: 0 };
      this.clients.set(ip, c);
    }
    const w = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    if (w !== c.window) {
      c.window = w;
      c.used = 0;
      c.rejected = 0;
      c.blocked = false;
    }
    return c;
  }

  /** Weight used by `ip` in the current minute. */
  used(ip: string, now: number): number {
    return this.client(ip, now).used;
  }

  /** Bans `ip` until `until` (a scripted 418). */
  ban(ip: string, now: number, until: number): void {
    const c = this.client(ip, now);
    c.bannedUntil = Math.max(c.bannedUntil, until);
  }

  /**
   * Counts a request of `weight` (and, for fundingRate, one request of its own bucket) and says whether to serve it.
   */
  check(ip: string, weight: number, funding: boolean, now: number): RateVerdict {
    const c = this.client(ip, now);
    if (c.bannedUntil > now) {
      return { status: 418, retryAfterSec: Math.ceil((c.bannedUntil - now) / 1000), used: c.used, bannedUntil: c.bannedUntil };
    }
    const toNextMinute = Math.max(1, Math.ceil((c.window + MINUTE_MS - now) / 1000));
    const refuse = (retryAfterSec: number): RateVerdict => {
      c.rejected++;
      if (c.rejected > this.limits.banAfter429s) {
        c.bannedUntil = now + this.limits.banDurationMs;
        return { status: 418, retryAfterSec: Math.ceil(this.limits.banDurationMs / 1000), used: c.used, bannedUntil: c.bannedUntil };
      }
      return { status: 429, retryAfterSec, used: c.used, bannedUntil: 0 };
    };
    // Past the budget, and for the rest of the minute after a 429, every request is refused and counts toward a ban.
    if (c.blocked || c.used + weight > this.limits.weightPerMinute) {
      c.blocked = true;
      return refuse(toNextMinute);
    }
    if (funding) {
      const fw = Math.floor(now / FIVE_MIN) * FIVE_MIN;
      if (fw !== c.fundingWindow) {
        c.fundingWindow = fw;
        c.fundingCount = 0;
      }
      if (c.fundingCount + 1 > this.limits.fundingPer5Min) {
        return refuse(Math.max(1, Math.ceil((fw + FIVE_MIN - now) / 1000)));
      }
      c.fundingCount++;
    }
    c.used += weight;
    return { status: 200, retryAfterSec: 0, used: c.used, bannedUntil: 0 };
  }

  /** Records a refusal that did not come from the budget (a scripted 429), counting toward the ban. */
  refused(ip: string, now: number): RateVerdict {
    const c = this.client(ip, now);
    c.rejected++;
    if (c.rejected > this.limits.banAfter429s) {
      c.bannedUntil = now + this.limits.banDurationMs;
      return { status: 418, retryAfterSec: Math.ceil(this.limits.banDurationMs / 1000), used: c.used, bannedUntil: c.bannedUntil };
    }
    return { status: 429, retryAfterSec: Math.max(1, Math.ceil((c.window + MINUTE_MS - now) / 1000)), used: c.used, bannedUntil: 0 };
  }
}
