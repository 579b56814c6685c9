/**
 * The exchange's clock: virtual (tests move it by hand, instantly) or real (wall time at a chosen speed).
 * @module
 */
import { ScalplakeError } from '../core/errors.js';

/** Called when exchange time moves from `from` (exclusive) to `to` (inclusive). */
export type ClockListener = (from: number, to: number) => void;

/**
 * The exchange clock. All times are UTC epoch ms of the exchange ("now" of the served data).
 */
export interface ReplayClock {
  /** `virtual`: moves only through {@link ReplayClock.advance}; `real`: follows wall time × speed. */
  readonly kind: 'virtual' | 'real';
  /** The exchange's current time (UTC ms). */
  now(): number;
  /** The time the clock started at (UTC ms). */
  readonly start: number;
  /**
   * Moves a virtual clock forward by `ms` and synchronously runs every listener (which pushes every WS frame due).
   * @throws `INVALID_ARGUMENT` on a real clock or a negative `ms`.
   */
  advance(ms: number): void;
  /**
   * Moves a virtual clock forward to `t` (no-op when `t` is not after now).
   * @throws `INVALID_ARGUMENT` on a real clock.
   */
  advanceTo(t: number): void;
  /** Registers a listener of time moves; returns the function that removes it. */
  onAdvance(listener: ClockListener): () => void;
  /** Stops a real clock's timer (no-op for virtual clocks). */
  stop(): void;
}

/**
 * A clock that stands still until told to move; moving it pushes every frame due, synchronously, so tests run
 * simulated hours in milliseconds.
 *
 * @example
 * ```ts
 * const clock = virtualClock(Date.UTC(2024, 0, 1));
 * clock.advance(60_000);
 * clock.now(); // Date.UTC(2024, 0, 1, 0, 1)
 * ```
 */
export function virtualClock(start: number): ReplayClock {
  let now = start;
  const listeners = new Set<ClockListener>();
  const advanceTo = (t: number): void => {
    if (!(t > now)) return;
    const from = now;
    now = t;
    for (const l of listeners) l(from, t);
  };
  return {
    kind: 'virtual',
    start,
    now: () => now,
    advance(ms: number) {
      if (!(ms >= 0)) throw new ScalplakeError('INVALID_ARGUMENT', `advance(${ms}): ms must be ≥ 0`, { context: { ms } });
      advanceTo(now + ms);
    },
    advanceTo,
    onAdvance(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {},
  };
}

/** Options of {@link realClock}. */
export interface RealClockOptions {
  /** Exchange time at the moment the clock is created (UTC ms); default: wall time now. */
  readonly start?: number;
  /** Exchange milliseconds per wall-clock millisecond; default 1. */
  readonly speed?: number;
  /** Wall-clock ms between pushes of due frames; default 20. */
  readonly tickMs?: number;
}

/**
 * A clock that follows wall time at `speed` from `start`; a timer pushes due frames every `tickMs`.
 *
 * @throws `INVALID_ARGUMENT` when `speed` is not positive.
 * @example
 * ```ts
 * const clock = realClock({ start: Date.UTC(2024, 0, 1), speed: 10 });
 * ```
 */
export function realClock(options: RealClockOptions = {}): ReplayClock {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `realClock speed ${speed} must be > 0`, { context: { speed } });
  }
  const wall0 = Date.now();
  const start = options.start ?? wall0;
  const listeners = new Set<ClockListener>();
  const now = (): number => start + Math.floor((Date.now() - wall0) * speed);
  let last = start;
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;
  const tick = (): void => {
    if (ticking) return;
    const t = now();
    if (t <= last) return;
    const from = last;
    last = t;
    ticking = true;
    try {
      for (const l of listeners) l(from, t);
    } finally {
      ticking = false;
    }
  };
  const refuse = (): never => {
    throw new ScalplakeError('INVALID_ARGUMENT', 'A real clock cannot be advanced by hand; use virtualClock()', {});
  };
  return {
    kind: 'real',
    start,
    now: () => {
      tick();
      return last;
    },
    advance: refuse,
    advanceTo: refuse,
    onAdvance(listener) {
      listeners.add(listener);
      if (timer === undefined) {
        timer = setInterval(tick, options.tickMs ?? 20);
        timer.unref();
      }
      return () => listeners.delete(listener);
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
