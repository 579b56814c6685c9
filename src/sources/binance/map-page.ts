/**
 * Maps the rows of one REST page with a mapper, collecting rejects (never throwing on a bad row).
 * @module
 */
import type { z } from 'zod';
import type { RejectedRow } from '../../core/stage.js';
import { type MapContext, zodReason } from './mappers/mapped.js';

/** The records and rejects of one page. */
export interface MappedPage<T> {
  /** Records, in response order. */
  readonly rows: T[];
  /** Rows that failed their schema or mapper, with the raw text and the reason. */
  readonly rejects: RejectedRow[];
}

/**
 * Validates each item of a REST array body with `schema` and maps it; a body that is not an array is one reject.
 *
 * @example
 * ```ts
 * const page = mapPage(res.body, RawRestKline, (r, c) => klineFromRest(r, 'BTCUSDT', '1m', c), ctx);
 * ```
 */
export function mapPage<S extends z.ZodType, T>(
  body: unknown,
  schema: S,
  map: (raw: z.infer<S>, ctx: MapContext) => T | string,
  ctx: MapContext,
): MappedPage<T> {
  const rows: T[] = [];
  const rejects: RejectedRow[] = [];
  if (!Array.isArray(body)) {
    rejects.push({ source: ctx.source, line: null, raw: JSON.stringify(body) ?? String(body), reason: 'the response body is not an array' });
    return { rows, rejects };
  }
  for (let i = 0; i < body.length; i++) {
    const parsed = schema.safeParse(body[i]);
    if (!parsed.success) {
      rejects.push({ source: ctx.source, line: i + 1, raw: JSON.stringify(body[i]) ?? '', reason: zodReason(parsed.error) });
      continue;
    }
    const value = map(parsed.data, ctx);
    if (typeof value === 'string') rejects.push({ source: ctx.source, line: i + 1, raw: JSON.stringify(body[i]) ?? '', reason: value });
    else rows.push(value);
  }
  return { rows, rejects };
}
