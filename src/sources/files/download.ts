/**
 * Downloads one data.binance.vision bulk file into bronze: fetch its `.CHECKSUM`, stream the zip into the object
 * store while hashing it, verify the sha256, and keep a `.sha256` sidecar so a re-run skips what is already there.
 * @module
 */
import { type Dispatcher, request } from 'undici';
import { isScalplakeError, ScalplakeError, throwIfAborted } from '../../core/errors.js';
import type { ObjectStore } from '../../sinks/object-store.js';
import { checksumMismatch, createSha256, formatChecksum, parseChecksum } from './checksum.js';
import {
  backoffDelay,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfter,
  type RetryOptions,
  resolveRetryOptions,
  sleep,
} from './http-retry.js';

/** The addresses of a file to download; a `DatavisionFile` or `BulkFile` from the planner fits. */
export interface DownloadTarget {
  /** URL of the zip. */
  readonly url: string;
  /** URL of its sha256sum-format checksum file. */
  readonly checksumUrl: string;
  /** The zip's file name; the checksum file must name it. */
  readonly fileName: string;
  /** Object-store key under which the original zip is kept (its sidecar is `<key>.sha256`). */
  readonly key: string;
}

/** Options of {@link downloadBulkFile}. */
export interface DownloadOptions {
  /** Where the zip and its sidecar are written. */
  readonly store: ObjectStore;
  /** undici dispatcher (an `Agent`, a `MockAgent`, a proxy); default undici's global dispatcher. */
  readonly dispatcher?: Dispatcher | undefined;
  /** Cancels the download; the partial object is removed and `ABORTED` is thrown. */
  readonly signal?: AbortSignal | undefined;
  /** Retries on 5xx, 408, 429, timeouts and connection errors; default 4 attempts, 500 ms base delay. */
  readonly retry?: RetryOptions | undefined;
  /** Milliseconds to wait for response headers, and at most between two body chunks; default 30 000. */
  readonly timeoutMs?: number | undefined;
  /** Called after each received chunk with the bytes received so far and the `content-length` (if sent). */
  readonly onProgress?: ((bytes: number, total: number | undefined) => void) | undefined;
  /** Download even when bronze already holds the file with the expected sha256; default false. */
  readonly force?: boolean | undefined;
}

/** What {@link downloadBulkFile} did. */
export interface DownloadResult {
  /** The zip's URL. */
  readonly url: string;
  /** Object-store key of the verified zip. */
  readonly key: string;
  /** Object-store key of its `.sha256` sidecar. */
  readonly checksumKey: string;
  /** The verified sha256, 64 lower-case hex digits. */
  readonly sha256: string;
  /** Size of the zip in bytes. */
  readonly bytes: number;
  /** True when bronze already held the file with the expected sha256 and nothing was downloaded. */
  readonly skipped: boolean;
  /** HTTP attempts spent on the zip (0 when skipped). */
  readonly attempts: number;
}

const CHECKSUM_MAX_BYTES = 64 * 1024;

/** A non-2xx response, internal to the retry loop. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * Downloads a bulk file and its `.CHECKSUM`, streams the zip into `store` under `file.key` while hashing it, and
 * writes `<key>.sha256` once the sha256 matches. When bronze already holds the key and its sidecar carries the
 * expected hash, nothing is downloaded (`skipped: true`). Nothing is left in the store when the download fails.
 *
 * @throws `DOWNLOAD_FAILED` with `status` and `url` in its context: at once for 404 and other non-retryable
 * statuses (a missing daily file: see {@link isMissingFile}), after the last attempt for 5xx, timeouts and
 * connection errors; `CHECKSUM_MISMATCH` (message says "checksum", names the file and both hashes) when the zip's
 * sha256 differs; `CHECKSUM_MISSING` for an unreadable checksum file; `ABORTED` when the signal aborts; errors of
 * the store as they come.
 * @example
 * ```ts
 * const [file] = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'klines', interval: '1m', from: '2024-01-01', to: '2024-01-31' });
 * const r = await downloadBulkFile(file!, { store, onProgress: (b, t) => console.log(b, t) });
 * console.log(r.key, r.sha256, r.skipped);
 * ```
 */
export async function downloadBulkFile(file: DownloadTarget, options: DownloadOptions): Promise<DownloadResult> {
  const { store, signal } = options;
  const retry = resolveRetryOptions(options.retry);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const checksumKey = `${file.key}.sha256`;
  throwIfAborted(signal);

  const checksumText = await withRetries(file.checksumUrl, file.fileName, retry, options, () =>
    fetchText(file.checksumUrl, options, timeoutMs),
  );
  const expected = parseChecksum(checksumText.value, file.fileName, file.checksumUrl);

  if (options.force !== true) {
    const existing = await bronzeCopy(store, file, checksumKey);
    if (existing !== undefined && existing.sha256 === expected) {
      return {
        url: file.url,
        key: file.key,
        checksumKey,
        sha256: expected,
        bytes: existing.size,
        skipped: true,
        attempts: 0,
      };
    }
  }

  // A stale sidecar must not vouch for whatever ends up under the key.
  await store.delete(checksumKey);
  const result = await withRetries(file.url, file.fileName, retry, options, () =>
    fetchInto(file, expected, options, timeoutMs),
  );
  await store.put(checksumKey, formatChecksum(expected, file.fileName));
  return {
    url: file.url,
    key: file.key,
    checksumKey,
    sha256: expected,
    bytes: result.value,
    skipped: false,
    attempts: result.attempts,
  };
}

/**
 * Tells whether an error is the `DOWNLOAD_FAILED` of a 404: a file data.binance.vision does not have (a daily
 * file not yet published, a day before the symbol listed), which callers may record as a gap.
 *
 * @example
 * ```ts
 * try { await downloadBulkFile(f, { store }); } catch (e) { if (isMissingFile(e)) gaps.push(f); else throw e; }
 * ```
 */
export function isMissingFile(error: unknown): boolean {
  return isScalplakeError(error, 'DOWNLOAD_FAILED') && error.context.status === 404;
}

async function bronzeCopy(
  store: ObjectStore,
  file: DownloadTarget,
  checksumKey: string,
): Promise<{ sha256: string; size: number } | undefined> {
  const info = await store.head(file.key);
  if (info === undefined) return undefined;
  const sidecar = await store.get(checksumKey);
  if (sidecar === undefined) return undefined;
  try {
    return { sha256: parseChecksum(new TextDecoder().decode(sidecar), file.fileName, checksumKey), size: info.size };
  } catch {
    return undefined; // an unreadable sidecar means: download again
  }
}

function requestOptions(options: DownloadOptions, timeoutMs: number): Parameters<typeof request>[1] {
  return {
    method: 'GET',
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

async function fetchText(url: string, options: DownloadOptions, timeoutMs: number): Promise<string> {
  const res = await request(url, requestOptions(options, timeoutMs));
  let consumed = false;
  try {
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new HttpStatusError(res.statusCode, parseRetryAfter(res.headers['retry-after']));
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > CHECKSUM_MAX_BYTES) {
        throw new ScalplakeError('CHECKSUM_MISSING', `Checksum file ${url} is larger than ${CHECKSUM_MAX_BYTES} bytes`, {
          context: { url },
        });
      }
      chunks.push(chunk);
    }
    consumed = true;
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    if (!consumed) release(res.body);
  }
}

/** Streams the zip into the store under its key; resolves with the byte count once the sha256 matched. */
async function fetchInto(
  file: DownloadTarget,
  expected: string,
  options: DownloadOptions,
  timeoutMs: number,
): Promise<number> {
  const { store, signal, onProgress } = options;
  const res = await request(file.url, requestOptions(options, timeoutMs));
  const body = res.body;
  let consumed = false;
  let failure: unknown;
  let bytes = 0;
  try {
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new HttpStatusError(res.statusCode, parseRetryAfter(res.headers['retry-after']));
    }
    const lengthHeader = res.headers['content-length'];
    const total = typeof lengthHeader === 'string' && lengthHeader !== '' ? Number(lengthHeader) : undefined;
    const hash = createSha256();
    async function* hashed(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          throwIfAborted(signal);
          hash.update(chunk);
          bytes += chunk.byteLength;
          onProgress?.(bytes, total);
          yield chunk;
        }
        consumed = true;
        const actual = hash.digest('hex');
        // Thrown before the store sees the end of the body, so an atomic store never commits a bad zip.
        if (actual !== expected) throw checksumMismatch(file.fileName, expected, actual, { url: file.url, key: file.key });
      } catch (e) {
        failure = e;
        throw e;
      }
    }
    try {
      await store.put(file.key, hashed());
    } catch (e) {
      await store.delete(file.key).catch(() => undefined);
      throw failure ?? e;
    }
    if (!consumed) {
      await store.delete(file.key).catch(() => undefined);
      throw new ScalplakeError('SINK_WRITE', `Store ${store.url} did not read the whole body of ${file.url}`, {
        context: { url: file.url, key: file.key },
      });
    }
    return bytes;
  } finally {
    if (!consumed) release(body);
  }
}

/** Releases a response body that was not read to its end (its connection is closed, not reused). */
function release(body: Dispatcher.ResponseData['body']): void {
  // undici's body emits an AbortError when destroyed: nobody else listens any more.
  body.on('error', ignore);
  body.destroy();
}

function ignore(): void {}

/** Runs `attempt` until it succeeds, a non-retryable failure occurs, or the attempts are spent. */
async function withRetries<T>(
  url: string,
  fileName: string,
  retry: ReturnType<typeof resolveRetryOptions>,
  options: DownloadOptions,
  attempt: () => Promise<T>,
): Promise<{ value: T; attempts: number }> {
  const { signal } = options;
  for (let n = 1; ; n++) {
    throwIfAborted(signal);
    try {
      return { value: await attempt(), attempts: n };
    } catch (e) {
      if (signal?.aborted) {
        if (isScalplakeError(e, 'ABORTED')) throw e;
        throw new ScalplakeError('ABORTED', `Download of ${url} was aborted`, { context: { url }, cause: signal.reason });
      }
      const status = e instanceof HttpStatusError ? e.status : undefined;
      const retryable = status === undefined ? !isScalplakeError(e) && isRetryableError(e) : isRetryableStatus(status);
      if (!retryable) {
        if (status === undefined) {
          if (isScalplakeError(e)) throw e;
          throw failed(url, fileName, undefined, n, e, `Download of ${url} failed: ${describe(e)}`);
        }
        const hint = status === 404 ? ' (not found: the file is not published, or not yet)' : '';
        throw failed(url, fileName, status, n, e, `Download of ${url} failed: HTTP ${status}${hint}`);
      }
      if (n >= retry.attempts) {
        const what = status === undefined ? describe(e) : `HTTP ${status}`;
        throw failed(url, fileName, status, n, e, `Download of ${url} failed after ${n} attempts: ${what}`);
      }
      const retryAfter = e instanceof HttpStatusError ? e.retryAfterMs : undefined;
      await sleep(backoffDelay(n, retry, retryAfter), signal);
    }
  }
}

function failed(
  url: string,
  fileName: string,
  status: number | undefined,
  attempts: number,
  cause: unknown,
  message: string,
): ScalplakeError {
  return new ScalplakeError('DOWNLOAD_FAILED', message, {
    context: { url, file: fileName, attempts, ...(status === undefined ? {} : { status }) },
    cause,
  });
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
