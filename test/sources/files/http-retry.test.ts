import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../../src/core/errors.js';
import {
  backoffDelay,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetryOptions,
  sleep,
} from '../../../src/sources/files/http-retry.js';

describe('retry policy', () => {
  it('fills defaults and refuses out-of-range options', () => {
    expect(resolveRetryOptions()).toEqual({ attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000, jitter: 0.5 });
    for (const bad of [{ attempts: 0 }, { attempts: 1.5 }, { baseDelayMs: -1 }, { jitter: 2 }]) {
      let err: unknown;
      try {
        resolveRetryOptions(bad);
      } catch (e) {
        err = e;
      }
      expect(isScalplakeError(err, 'INVALID_ARGUMENT'), JSON.stringify(bad)).toBe(true);
    }
  });

  it('doubles the delay, caps it, and draws jitter below the full delay', () => {
    const o = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 });
    expect([1, 2, 3, 4, 5].map((r) => backoffDelay(r, o, undefined, () => 0))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(3, o, undefined, () => 0.999999)).toBe(200);
    expect(backoffDelay(3, o, undefined, () => 0.5)).toBe(300);
  });

  it('lets Retry-After replace the computed delay, still capped', () => {
    const o = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 5000 });
    expect(backoffDelay(1, o, 2000)).toBe(2000);
    expect(backoffDelay(1, o, 60_000)).toBe(5000);
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(10_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('retries 5xx, 408 and 429, not other statuses', () => {
    expect([500, 502, 503, 504, 408, 429].map(isRetryableStatus)).toEqual([true, true, true, true, true, true]);
    expect([400, 403, 404, 410, 451].map(isRetryableStatus)).toEqual([false, false, false, false, false]);
  });

  it('recognises timeouts and connection errors, also as causes', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(isRetryableError(reset)).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(true);
    expect(isRetryableError(new Error('wrapped', { cause: reset }))).toBe(true);
    expect(isRetryableError(new Error('plain'))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false);
  });

  it('sleep rejects with ABORTED when the signal aborts', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toSatisfy((e) => isScalplakeError(e, 'ABORTED'));
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
