/**
 * The result type every Binance mapper returns: a record, or a {@link RejectedRow} with the raw text and the
 * reason. Mappers never throw on bad payloads, so one malformed frame never stops a stream.
 * @module
 */
import type { z } from 'zod';
import type { RejectedRow } from '../../../core/stage.js';

/** Where a payload came from and when it was received, handed to every mapper. */
export interface MapContext {
  /** The URL, stream name or file the payload came from, e.g. `wss://…/market#btcusdt@aggTrade`. */
  readonly source: string;
  /** Message offset in the stream (1-based) or response row; `null` when unknown. */
  readonly line: number | null;
  /** When scalplake received the payload (UTC epoch ms); becomes `ingested_at`. */
  readonly ingestedAt: number;
  /** The `source` column value written into records: `rest`, `ws` or `replay`. */
  readonly origin: string;
}

/** A payload that mapped to a record. */
export interface MappedOk<T> {
  /** Always `true`. */
  readonly ok: true;
  /** The record. */
  readonly value: T;
}

/** A payload that was rejected. */
export interface MappedRejected {
  /** Always `false`. */
  readonly ok: false;
  /** The raw text, the position and the reason. */
  readonly rejected: RejectedRow;
}

/** A mapped payload: `ok` with the record, or not `ok` with the rejected row. */
export type Mapped<T> = MappedOk<T> | MappedRejected;

/**
 * Builds a rejected row for a payload.
 *
 * @example
 * ```ts
 * const r = rejectPayload({ source: 'ws', line: 3, ingestedAt: 0, origin: 'ws' }, '{bad', 'not JSON');
 * r.rejected.reason; // 'not JSON'
 * ```
 */
export function rejectPayload(ctx: MapContext, payload: unknown, reason: string): MappedRejected {
  const raw = typeof payload === 'string' ? payload : safeStringify(payload);
  return { ok: false, rejected: { source: ctx.source, line: ctx.line, raw, reason } };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Formats the first issues of a failed zod parse as one readable reason naming the paths and what was expected.
 *
 * @example
 * ```ts
 * const r = z.object({ a: z.number() }).safeParse({ a: 'x' });
 * if (!r.success) zodReason(r.error); // 'a: Invalid input: expected number, received string'
 * ```
 */
export function zodReason(error: z.ZodError): string {
  const parts: string[] = [];
  for (const issue of error.issues.slice(0, 3)) {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    parts.push(`${path}: ${issue.message}`);
  }
  if (error.issues.length > 3) parts.push(`… ${error.issues.length - 3} more`);
  return parts.join('; ');
}

/**
 * Validates a payload with a raw schema and maps it, turning a schema failure (or a mapper's `string` reason)
 * into a rejected row instead of an exception.
 *
 * @param schema - the raw zod schema of the payload kind; unknown extra keys are ignored.
 * @param map - a pure function from the validated raw payload to a record, or a `string` reason to reject it.
 * @example
 * ```ts
 * const m = mapWith(RawWsAggTrade, aggTradeFromWs, payload, ctx);
 * if (m.ok) rows.push(m.value); else rejects.push(m.rejected);
 * ```
 */
export function mapWith<S extends z.ZodType, T>(
  schema: S,
  map: (raw: z.infer<S>, ctx: MapContext) => T | string,
  payload: unknown,
  ctx: MapContext,
): Mapped<T> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return rejectPayload(ctx, payload, zodReason(parsed.error));
  const value = map(parsed.data, ctx);
  if (typeof value === 'string') return rejectPayload(ctx, payload, value);
  return { ok: true, value };
}
