/**
 * Retry policy of bulk-file downloads: which failures are worth another attempt, and how long to wait before it
 * (exponential backoff with jitter, `Retry-After` honoured).
 * @module
 */
import { ScalplakeError } from '../../core/errors.js';

/** How often and how patiently to retry a request. */
export interface RetryOptions {
  /** Total attempts including the first, default 4 (at least 1). */
  readonly attempts?: number | undefined;
  /** Delay before the first retry in ms, default 500; doubles each retry. */
  readonly baseDelayMs?: number | undefined;
  /** Upper bound of one delay in ms, default 30 000 (also caps `Retry-After`). */
  readonly maxDelayMs?: number | undefined;
  /** Random share of each delay, 0…1, default 0.5: the delay is drawn from `[d·(1−jitter), d]`. */
  readonly jitter?: number | undefined;
}

/** {@link RetryOptions} with every default filled in. */
export interface ResolvedRetryOptions {
  /** Total attempts including the first. */
  readonly attempts: number;
  /** Delay before the first retry, ms. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay, ms. */
  readonly maxDelayMs: number;
  /** Random share of each delay, 0…1. */
  readonly jitter: number;
}

/**
 * Fills in the defaults of {@link RetryOptions} (4 attempts, 500 ms base, 30 s cap, jitter 0.5).
 *
 * @throws `INVALID_ARGUMENT` for attempts below 1, negative delays or a jitter outside 0…1.
 * @example
 * ```ts
 * resolveRetryOptions({ attempts: 2 }); // { attempts: 2, baseDelayMs: 500, maxDelayMs: 30000, jitter: 0.5 }
 * ```
 */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = {
    attempts: options.attempts ?? 4,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    jitter: options.jitter ?? 0.5,
  };
  if (
    !Number.isInteger(resolved.attempts) ||
    resolved.attempts < 1 ||
    !(resolved.baseDelayMs >= 0) ||
    !(resolved.maxDelayMs >= 0) ||
    !(resolved.jitter >= 0 && resolved.jitter <= 1)
  ) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Retry options ${JSON.stringify(options)} are out of range`, {
      context: { ...options },
    });
  }
  return resolved;
}

/**
 * The delay before retry number `retry` (1 = the first retry): `baseDelayMs · 2^(retry−1)`, capped at
 * `maxDelayMs`, reduced by a random share up to `jitter`; a `Retry-After` value (ms) replaces the computed
 * delay, still capped.
 *
 * @param random - A source of numbers in [0, 1), default `Math.random`.
 * @example
 * ```ts
 * backoffDelay(3, resolveRetryOptions({ baseDelayMs: 100, jitter: 0 })); // 400
 * ```
 */
export function backoffDelay(
  retry: number,
  options: ResolvedRetryOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, options.maxDelayMs);
  const full = Math.min(options.baseDelayMs * 2 ** Math.max(0, retry - 1), options.maxDelayMs);
  return Math.round(full * (1 - options.jitter * random()));
}

/**
 * Reads a `Retry-After` header (seconds, or an HTTP date) as milliseconds from now; `undefined` when absent or
 * unreadable.
 *
 * @example
 * ```ts
 * parseRetryAfter('2'); // 2000
 * ```
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Tells whether an HTTP status is worth retrying: 5xx, 408 (timeout) and 429 (rate limited).
 *
 * @example
 * ```ts
 * isRetryableStatus(503); // true
 * isRetryableStatus(404); // false
 * ```
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

const RETRYABLE_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Tells whether a thrown error is a timeout or connection failure worth retrying (undici timeouts and socket
 * errors, `ECONNRESET`, `ECONNREFUSED`, …), looking through `cause` chains.
 *
 * @example
 * ```ts
 * isRetryableError(Object.assign(new Error('reset'), { code: 'ECONNRESET' })); // true
 * ```
 */
export function isRetryableError(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Waits `ms` milliseconds, or throws `ABORTED` as soon as the signal aborts.
 *
 * @throws `ABORTED` when the signal is or becomes aborted.
 * @example
 * ```ts
 * await sleep(backoffDelay(1, resolveRetryOptions()), signal);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function aborted(signal: AbortSignal): ScalplakeError {
  return new ScalplakeError('ABORTED', 'The run was aborted', { cause: signal.reason });
}
