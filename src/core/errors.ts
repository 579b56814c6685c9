/**
 * Every error scalplake throws is a {@link ScalplakeError} with a stable literal `code`.
 * @module
 */

/** The stable error codes; a code never changes meaning between versions. */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_SYMBOL',
  'FILE_NOT_FOUND',
  'FORMAT_UNKNOWN',
  'CSV_PARSE',
  'SCHEMA_INVALID',
  'CHECKSUM_MISMATCH',
  'CHECKSUM_MISSING',
  'ZIP_INVALID',
  'ZIP_UNSAFE_ENTRY',
  'DOWNLOAD_FAILED',
  'BINANCE_HTTP',
  'BINANCE_BANNED',
  'BINANCE_RATE_LIMITED',
  'WS_UNAVAILABLE',
  'SINK_WRITE',
  'PARQUET_READ',
  'STORE_IO',
  'ABORTED',
  'PIPELINE_INVALID',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const BRAND = Symbol.for('scalplake.error');

/** Options of a {@link ScalplakeError}: values that explain the failure, and the error that caused it. */
export interface ScalplakeErrorOptions {
  /** Values that locate and explain the failure (file, line, url, symbol, …); quoted in logs and reports. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** The lower-level error that caused this one. */
  readonly cause?: unknown;
}

/**
 * The base class of every error scalplake throws.
 *
 * @example
 * ```ts
 * throw new ScalplakeError('INVALID_SYMBOL', 'Symbol "btc/usdt" does not match [A-Z0-9]{2,30}', {
 *   context: { symbol: 'btc/usdt' },
 * });
 * ```
 */
export class ScalplakeError extends Error {
  /** The stable literal code; switch on this, never on the message. */
  readonly code: ErrorCode;
  /** Values that locate and explain the failure. */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ScalplakeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScalplakeError';
    this.code = code;
    this.context = options.context ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Narrows a {@link ScalplakeError} to one code. */
export interface ErrorWithCode<C extends ErrorCode> {
  /** The code. */
  readonly code: C;
}

/**
 * Tells whether `value` is a {@link ScalplakeError} (optionally with the given code), also when it was thrown by
 * another copy of the package (ESM and CJS loaded side by side), where `instanceof` fails.
 *
 * @example
 * ```ts
 * try { await run.done; } catch (e) { if (isScalplakeError(e, 'CHECKSUM_MISMATCH')) console.error(e.context.file); }
 * ```
 */
export function isScalplakeError<C extends ErrorCode>(
  value: unknown,
  code?: C,
): value is ScalplakeError & ErrorWithCode<C> {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as ScalplakeError).code === code;
}

/** Throws `ABORTED` when the signal is aborted; call at the top of loops that do I/O. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ScalplakeError('ABORTED', 'The run was aborted', { cause: signal.reason });
  }
}
