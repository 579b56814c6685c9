/**
 * zod field types for raw Binance payloads: decimal strings, integer ids and epoch-millisecond times, each parsed
 * to a `number` (never `NaN`) with an issue naming the value when it cannot be.
 * @module
 */
import { z } from 'zod';
import { parseDecimal, parseInteger } from '../../../core/decimal.js';

/**
 * A decimal sent as a string (or, leniently, a number), parsed to a finite `number`.
 *
 * @example
 * ```ts
 * rawDecimal.parse('61800.20'); // 61800.2
 * ```
 */
export const rawDecimal = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseDecimal(v);
  if (n === null) {
    ctx.issues.push({ code: 'custom', message: `${JSON.stringify(v)} is not a decimal`, input: v });
    return z.NEVER;
  }
  return n;
});

/**
 * A decimal that may be sent empty (`""`, e.g. `markPrice` on old funding rows): `null` then.
 *
 * @example
 * ```ts
 * rawOptionalDecimal.parse(''); // null
 * ```
 */
export const rawOptionalDecimal = z.union([z.string(), z.number(), z.null()]).transform((v, ctx) => {
  if (v === null || v === '') return null;
  const n = parseDecimal(v);
  if (n === null) {
    ctx.issues.push({ code: 'custom', message: `${JSON.stringify(v)} is not a decimal`, input: v });
    return z.NEVER;
  }
  return n;
});

/**
 * An integer id, count or epoch-millisecond time sent as a JSON number (or, leniently, a string).
 *
 * @example
 * ```ts
 * rawInteger.parse(5123107852948); // 5123107852948
 * ```
 */
export const rawInteger = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseInteger(v);
  if (n === null) {
    ctx.issues.push({ code: 'custom', message: `${JSON.stringify(v)} is not a safe integer`, input: v });
    return z.NEVER;
  }
  return n;
});

/**
 * A price level `["price", "qty"]` of a depth payload, parsed to two numbers.
 *
 * @example
 * ```ts
 * rawLevel.parse(['61800.20', '2.507']); // [61800.2, 2.507]
 * ```
 */
export const rawLevel = z.tuple([rawDecimal, rawDecimal]).rest(z.unknown());
