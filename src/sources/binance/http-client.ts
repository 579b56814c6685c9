/**
 * The one HTTP client of the Binance sources (undici 7): base URL, timeouts, retries with exponential backoff and
 * jitter, `Retry-After` on 429, a REQUEST_WEIGHT budget tracked through `X-MBX-USED-WEIGHT-1M` so that long
 * backfills never provoke a 429, fundingRate's own 500 requests / 5 min bucket, and a hard stop on 418.
 * @module
 */
import { type Dispatcher, request } from 'undici';
import { ScalplakeError, throwIfAborted } from '../../core/errors.js';
import { endpointWeight, FUNDING_BUCKET_PATHS, type QueryParams } from './endpoint-weight.js';
import { type ExchangeInfo, exchangeInfoFromRest, RawExchangeInfo } from './mappers/exchange-info-rest.js';
import { zodReason } from './mappers/mapped.js';

/** Options of {@link createBinanceHttpClient}. */
export interface BinanceHttpClientOptions {
  /** REST base URL without a trailing path, e.g. `https://fapi.binance.com` or `http://127.0.0.1:9000`. */
  readonly baseUrl: string;
  /** The undici dispatcher (an `Agent`, a `MockAgent`, …); undici's global dispatcher when omitted. */
  readonly dispatcher?: Dispatcher;
  /** Milliseconds to wait for response headers and between body chunks (default 10 000). */
  readonly timeoutMs?: number;
  /** Retries after a 5xx, 408, timeout or connection error (default 5). */
  readonly maxRetries?: number;
  /** Retries after 429 answers before giving up with `BINANCE_RATE_LIMITED` (default 3). */
  readonly max429Retries?: number;
  /** First backoff delay in ms (default 250); doubles per attempt, with jitter. */
  readonly backoffBaseMs?: number;
  /** Largest backoff delay in ms (default 30 000). */
  readonly backoffMaxMs?: number;
  /** REQUEST_WEIGHT per minute until exchangeInfo is read (default 2400). */
  readonly weightLimit?: number;
  /** Weight kept free below the limit (default 10 % of the limit). */
  readonly weightMargin?: number;
  /** Requests allowed per 5 minutes on fundingRate/fundingInfo (default 500), with {@link fundingMargin} kept free. */
  readonly fundingLimit?: number;
  /** Requests kept free below {@link fundingLimit} (default 10). */
  readonly fundingMargin?: number;
  /** The clock (UTC ms); `Date.now` by default. Tests inject a fake one. */
  readonly now?: () => number;
  /** Sleeps `ms` (rejecting with the signal's reason when aborted); tests inject one that advances a fake clock. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random numbers in [0, 1) for jitter; `Math.random` by default. */
  readonly random?: () => number;
  /** Called with every successful response (for bronze): the URL, the raw body text and when it was received. */
  readonly onResponse?: (response: HttpResponse) => void;
}

/** A successful (2xx) response. */
export interface HttpResponse {
  /** The full request URL. */
  readonly url: string;
  /** The endpoint path, e.g. `/fapi/v1/klines`. */
  readonly path: string;
  /** HTTP status. */
  readonly status: number;
  /** The raw body text. */
  readonly text: string;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** When the body was received (UTC ms, client clock). */
  readonly receivedAt: number;
  /** `X-MBX-USED-WEIGHT-1M` as sent, `null` when absent. */
  readonly usedWeight: number | null;
}

/** Counters of a client, for reports and tests. */
export interface HttpClientStats {
  /** Requests sent (including retries). */
  requests: number;
  /** Retries after 5xx, 408, timeouts or connection errors. */
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
  /** Milliseconds spent waiting for the weight budget or the funding bucket. */
  throttledMs: number;
  /** Times the client waited for the next minute to respect the weight budget. */
  throttles: number;
}

/** Options of one request. */
export interface GetOptions {
  /** Aborts the request (and any wait before it). */
  readonly signal?: AbortSignal;
  /** Overrides the documented weight of the endpoint. */
  readonly weight?: number;
}

/** A Binance REST client; create one with {@link createBinanceHttpClient}. */
export interface BinanceHttpClient {
  /** The base URL. */
  readonly baseUrl: string;
  /**
   * GETs `path` with `params`, waiting for the weight budget first, retrying transient failures.
   *
   * @throws `BINANCE_HTTP` on a 4xx `{code,msg}` answer or when retries are exhausted; `BINANCE_RATE_LIMITED` after
   * too many 429s; `BINANCE_BANNED` on 418 (and on every later call); `ABORTED` when the signal fires.
   */
  get(path: string, params?: QueryParams, options?: GetOptions): Promise<HttpResponse>;
  /**
   * GETs `/fapi/v1/exchangeInfo` and adopts its REQUEST_WEIGHT limit (and the server-clock offset) as the budget.
   *
   * @throws what {@link BinanceHttpClient.get} throws; `SCHEMA_INVALID` when the body is not exchangeInfo.
   */
  loadExchangeInfo(options?: GetOptions): Promise<ExchangeInfo>;
  /** The current REQUEST_WEIGHT budget per minute. */
  readonly weightLimit: number;
  /** Weight used in the current minute, as last known. */
  readonly usedWeight: number;
  /** Server time estimate (UTC ms): the client clock plus the offset learned from exchangeInfo. */
  serverNow(): number;
  /** True after a 418: the client refuses every further request. */
  readonly banned: boolean;
  /** Counters. */
  readonly stats: Readonly<HttpClientStats>;
}

const RETRYABLE_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/**
 * Sleeps `ms` milliseconds, rejecting with `ABORTED` when the signal fires.
 *
 * @example
 * ```ts
 * await defaultSleep(250, signal);
 * ```
 */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ScalplakeError('ABORTED', 'The run was aborted', { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ScalplakeError('ABORTED', 'The run was aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Creates the Binance REST client.
 *
 * @example
 * ```ts
 * const http = createBinanceHttpClient({ baseUrl: 'http://127.0.0.1:9000' });
 * await http.loadExchangeInfo();
 * const res = await http.get('/fapi/v1/klines', { symbol: 'BTCUSDT', interval: '1m', limit: 1500 });
 * ```
 */
export function createBinanceHttpClient(options: BinanceHttpClientOptions): BinanceHttpClient {
  return new HttpClient(options);
}

class HttpClient implements BinanceHttpClient {
  readonly baseUrl: string;
  weightLimit: number;
  usedWeight = 0;
  banned = false;
  readonly stats: HttpClientStats = { requests: 0, retries: 0, rateLimited: 0, throttledMs: 0, throttles: 0 };
  private readonly o: BinanceHttpClientOptions;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private clockOffset = 0;
  private minute = -1;
  private readonly fundingTimes: number[] = [];
  private banContext: Record<string, unknown> = {};

  constructor(o: BinanceHttpClientOptions) {
    this.o = o;
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.weightLimit = o.weightLimit ?? 2400;
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? defaultSleep;
    this.random = o.random ?? Math.random;
  }

  serverNow(): number {
    return Math.floor(this.now() + this.clockOffset);
  }

  private margin(): number {
    return this.o.weightMargin ?? Math.ceil(this.weightLimit * 0.1);
  }

  /** Waits until `weight` more fits in the current minute's budget, then reserves it. */
  private async reserveWeight(weight: number, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const t = this.serverNow();
      const minute = Math.floor(t / 60_000);
      if (minute !== this.minute) {
        this.minute = minute;
        this.usedWeight = 0;
      }
      if (this.usedWeight + weight <= this.weightLimit - this.margin() || this.usedWeight === 0) {
        this.usedWeight += weight;
        return;
      }
      // Wait for the next minute (+ a little, so that the server's window has surely rolled over).
      const wait = (minute + 1) * 60_000 - t + 50;
      this.stats.throttles++;
      this.stats.throttledMs += wait;
      await this.sleep(wait, signal);
    }
  }

  private async reserveFunding(signal: AbortSignal | undefined): Promise<void> {
    const limit = (this.o.fundingLimit ?? 500) - (this.o.fundingMargin ?? 10);
    for (;;) {
      const t = this.now();
      while (this.fundingTimes.length > 0 && this.fundingTimes[0]! <= t - 300_000) this.fundingTimes.shift();
      if (this.fundingTimes.length < Math.max(1, limit)) {
        this.fundingTimes.push(t);
        return;
      }
      const wait = this.fundingTimes[0]! + 300_000 - t + 1;
      this.stats.throttles++;
      this.stats.throttledMs += wait;
      await this.sleep(wait, signal);
    }
  }

  private backoff(attempt: number): number {
    const base = this.o.backoffBaseMs ?? 250;
    const max = this.o.backoffMaxMs ?? 30_000;
    const d = Math.min(max, base * 2 ** attempt);
    return d / 2 + (this.random() * d) / 2;
  }

  async get(path: string, params: QueryParams = {}, options: GetOptions = {}): Promise<HttpResponse> {
    const signal = options.signal;
    const url = this.buildUrl(path, params);
    const weight = options.weight ?? endpointWeight(path, params);
    const timeout = this.o.timeoutMs ?? 10_000;
    let attempt = 0;
    let attempts429 = 0;
    for (;;) {
      this.assertNotBanned(url);
      throwIfAborted(signal);
      if (FUNDING_BUCKET_PATHS.has(path)) await this.reserveFunding(signal);
      await this.reserveWeight(weight, signal);
      this.assertNotBanned(url);
      this.stats.requests++;
      let status: number;
      let headers: Record<string, string | string[] | undefined>;
      let text: string;
      // Our own timer: undici's timeouts tick coarsely (about once a second).
      const attemptAbort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attemptAbort.abort();
      }, timeout);
      const onAbort = () => attemptAbort.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const res = await request(url, {
          method: 'GET',
          headersTimeout: timeout,
          bodyTimeout: timeout,
          signal: attemptAbort.signal,
          ...(this.o.dispatcher ? { dispatcher: this.o.dispatcher } : {}),
        });
        status = res.statusCode;
        headers = res.headers;
        text = await res.body.text();
      } catch (err) {
        if (signal?.aborted) throw new ScalplakeError('ABORTED', 'The run was aborted', { cause: signal.reason });
        const code = timedOut ? 'UND_ERR_HEADERS_TIMEOUT' : ((err as { code?: string }).code ?? '');
        if (RETRYABLE_CODES.has(code) && attempt < (this.o.maxRetries ?? 5)) {
          this.stats.retries++;
          await this.sleep(this.backoff(attempt++), signal);
          continue;
        }
        throw new ScalplakeError('BINANCE_HTTP', `GET ${url} failed${timedOut ? ` (no answer within ${timeout} ms)` : ''}: ${(err as Error).message ?? String(err)}`, {
          context: { url, status: null, code: code || null, attempts: attempt + 1 },
          cause: err,
        });
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
      const used = headerNumber(headers['x-mbx-used-weight-1m']);
      if (used !== null) this.syncWeight(used);
      if (status >= 200 && status < 300) {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (err) {
          throw new ScalplakeError('BINANCE_HTTP', `GET ${url} answered ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`, {
            context: { url, status, code: null, msg: null },
            cause: err,
          });
        }
        const response: HttpResponse = { url, path, status, text, body, receivedAt: this.now(), usedWeight: used };
        this.o.onResponse?.(response);
        return response;
      }
      const retryAfter = headerNumber(headers['retry-after']);
      const err = parseBinanceError(text);
      if (status === 418) {
        this.banned = true;
        this.banContext = { url, status, code: err.code, msg: err.msg, retryAfterSeconds: retryAfter };
        throw new ScalplakeError(
          'BINANCE_BANNED',
          `Binance banned this IP (HTTP 418) on GET ${url}${retryAfter !== null ? ` for ${retryAfter} s` : ''}: ${err.msg ?? text.slice(0, 200)}; no further requests are sent`,
          { context: this.banContext },
        );
      }
      if (status === 429) {
        this.stats.rateLimited++;
        // The server says the minute is spent: wait as told (or for the next minute), and do not retry before.
        this.usedWeight = this.weightLimit;
        if (attempts429++ >= (this.o.max429Retries ?? 3)) {
          throw new ScalplakeError('BINANCE_RATE_LIMITED', `GET ${url} answered 429 ${attempts429} times: ${err.msg ?? ''}`, {
            context: { url, status, code: err.code, msg: err.msg, retryAfterSeconds: retryAfter },
          });
        }
        const wait = retryAfter !== null ? retryAfter * 1000 : Math.max(this.backoff(attempt), 60_000 - (this.serverNow() % 60_000));
        this.stats.throttledMs += wait;
        await this.sleep(wait, signal);
        this.minute = -1;
        continue;
      }
      if ((status >= 500 || status === 408) && attempt < (this.o.maxRetries ?? 5)) {
        this.stats.retries++;
        await this.sleep(retryAfter !== null ? retryAfter * 1000 : this.backoff(attempt++), signal);
        continue;
      }
      throw new ScalplakeError(
        'BINANCE_HTTP',
        `GET ${url} answered HTTP ${status}${err.code !== null ? ` code ${err.code}` : ''}: ${err.msg ?? JSON.stringify(text.slice(0, 200))}`,
        { context: { url, status, code: err.code, msg: err.msg, attempts: attempt + 1 } },
      );
    }
  }

  private syncWeight(used: number): void {
    const minute = Math.floor(this.serverNow() / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.usedWeight = used;
    } else {
      // Requests in flight are in our count but not yet in the server's; other clients on the IP are in the
      // server's but not in ours: keep the larger.
      this.usedWeight = Math.max(this.usedWeight, used);
    }
  }

  async loadExchangeInfo(options: GetOptions = {}): Promise<ExchangeInfo> {
    const before = this.now();
    const res = await this.get('/fapi/v1/exchangeInfo', {}, options);
    const parsed = RawExchangeInfo.safeParse(res.body);
    if (!parsed.success) {
      throw new ScalplakeError('SCHEMA_INVALID', `GET ${res.url} did not answer exchangeInfo: ${zodReason(parsed.error)}`, {
        context: { url: res.url },
      });
    }
    const info = exchangeInfoFromRest(parsed.data);
    if (info.request_weight_per_minute !== null) this.weightLimit = info.request_weight_per_minute;
    if (info.server_time !== null) this.clockOffset = info.server_time - Math.round((before + res.receivedAt) / 2);
    return info;
  }

  private assertNotBanned(url: string): void {
    if (this.banned) {
      throw new ScalplakeError('BINANCE_BANNED', `Not sending GET ${url}: this client was banned (HTTP 418) earlier`, {
        context: { ...this.banContext, url },
      });
    }
  }

  private buildUrl(path: string, params: QueryParams): string {
    let q = '';
    for (const k in params) {
      const v = params[k];
      if (v === undefined) continue;
      q += `${q ? '&' : '?'}${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`;
    }
    return `${this.baseUrl}${path}${q}`;
  }
}

function headerNumber(v: string | string[] | undefined): number | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function parseBinanceError(text: string): { code: number | null; msg: string | null } {
  try {
    const b = JSON.parse(text) as { code?: unknown; msg?: unknown };
    return {
      code: typeof b.code === 'number' ? b.code : null,
      msg: typeof b.msg === 'string' ? b.msg : null,
    };
  } catch {
    return { code: null, msg: null };
  }
}
