/**
 * Decimal text to `number`, never `NaN`: Binance sends prices and quantities as strings whose number of decimals
 * varies by era (`10000`, `42314.00`, `0.27`, `1e-8`).
 * @module
 */

/**
 * Parses decimal text (or passes a finite number through). Returns `null` for empty text, text that is not a
 * number, and non-finite values. Leading and trailing spaces are allowed; `"NULL"` and `"NaN"` give `null`.
 *
 * @example
 * ```ts
 * parseDecimal('42314.00'); // 42314
 * parseDecimal('1e-8');     // 1e-8
 * parseDecimal('');         // null
 * parseDecimal('abc');      // null
 * ```
 */
export function parseDecimal(value: string | number | null | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || value === undefined) return null;
  if (!DECIMAL_RE.test(value)) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A JSON-style number with optional spaces; excludes `Infinity`, hex, `0b…`, and the empty string. */
const DECIMAL_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Parses an integer (ids, counts). Returns `null` for empty or non-integer text and for values beyond
 * `Number.MAX_SAFE_INTEGER`, which a `number` cannot hold exactly.
 *
 * @example
 * ```ts
 * parseInteger('3449899747'); // 3449899747
 * parseInteger('1.5');        // null
 * ```
 */
export function parseInteger(value: string | number | null | undefined): number | null {
  const n = parseDecimal(value);
  if (n === null || !Number.isSafeInteger(n)) return null;
  return n;
}

/**
 * Parses a boolean as Binance writes it: `true`/`false` (futures) or `True`/`False` (spot). Anything else is `null`.
 *
 * @example
 * ```ts
 * parseBoolean('True'); // true
 * ```
 */
export function parseBoolean(value: string | boolean | null | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  switch (value) {
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
    default:
      return null;
  }
}
