import type { AggTrade } from '../../../core/tables.js';
import { type CsvRows, epochToMillis } from '../csv-rows.js';
import { type CsvMapContext, columnCountError, columnError } from './csv-map-context.js';

/**
 * Maps a data.binance.vision `aggTrades` row
 * (`agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker`, plus spot's
 * `is_best_match`, which is ignored) to an {@link AggTrade}; `transact_time` in `ctx.timeUnit` (ms for futures,
 * µs for spot since 2025). Returns the reason instead when the row cannot be mapped.
 *
 * The common row (plain digits, `true`/`false`) is decoded in one pass over its bytes; anything else (quotes,
 * signs, exponents, spaces, more than 16 digits, a missing or extra column) takes the field-by-field path, which
 * gives the same values and names the faulty column.
 *
 * @example
 * ```ts
 * rows.raw(0); // '3449899747,78153.0,0.001,8078264332,8078264332,1789430400003,false'
 * datavisionAggTrade(rows, 0, ctx); // { symbol: 'BTCUSDT', agg_trade_id: 3449899747, price: 78153, … }
 * ```
 */
export function datavisionAggTrade(rows: CsvRows, i: number, ctx: CsvMapContext): AggTrade | string {
  return mapPlain(rows, i, ctx) ?? mapFieldByField(rows, i, ctx);
}

/** The one-pass path for the common row; `null` sends the row to {@link mapFieldByField}. */
function mapPlain(rows: CsvRows, i: number, ctx: CsvMapContext): AggTrade | null {
  const columns = ctx.columnCount;
  if (columns !== 7 && columns !== 8) return null;
  const b = rows.bytes;
  const e = rows.end(i);
  const agg_trade_id = readUint(b, rows.start(i), e);
  if (agg_trade_id < 0 || at >= e || b[at] !== COMMA) return null;
  const price = readDecimal(b, at + 1, e);
  if (price < 0 || at >= e || b[at] !== COMMA) return null;
  const quantity = readDecimal(b, at + 1, e);
  if (quantity < 0 || at >= e || b[at] !== COMMA) return null;
  const first_trade_id = readUint(b, at + 1, e);
  if (first_trade_id < 0 || at >= e || b[at] !== COMMA) return null;
  const last_trade_id = readUint(b, at + 1, e);
  if (last_trade_id < 0 || at >= e || b[at] !== COMMA) return null;
  const t = readUint(b, at + 1, e);
  if (t < 0 || at >= e || b[at] !== COMMA) return null;
  // is_buyer_maker: true/True/false/False, then the end of the row (or spot's is_best_match, without a comma).
  let p = at + 1;
  let is_buyer_maker: boolean;
  const c0 = b[p];
  if ((c0 === 116 || c0 === 84) && p + 4 <= e && b[p + 1] === 114 && b[p + 2] === 117 && b[p + 3] === 101) {
    is_buyer_maker = true;
    p += 4;
  } else if ((c0 === 102 || c0 === 70) && p + 5 <= e && b[p + 1] === 97 && b[p + 2] === 108 && b[p + 3] === 115 && b[p + 4] === 101) {
    is_buyer_maker = false;
    p += 5;
  } else {
    return null;
  }
  if (columns === 7) {
    if (p !== e) return null;
  } else {
    if (p >= e || b[p] !== COMMA) return null;
    for (p++; p < e; p++) if (b[p] === COMMA) return null;
  }
  return {
    symbol: ctx.symbol,
    agg_trade_id,
    price,
    quantity,
    first_trade_id,
    last_trade_id,
    trade_time: ctx.timeUnit === 'ms' ? t : epochToMillis(t, ctx.timeUnit),
    is_buyer_maker,
    source: ctx.source,
    ingested_at: ctx.ingestedAt,
  };
}

const COMMA = 44;
const DOT = 46;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Powers of ten that a double holds exactly. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/** Where the last {@link readUint} / {@link readDecimal} stopped: the offset of the byte after the number. */
let at = 0;
/** A view of the last block's bytes, for reading four bytes at a time. */
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
let viewOf: Uint8Array | null = null;

/** Whether the four bytes of `x` (a little-endian word) are all ASCII digits; exact whatever the bytes. */
function allDigits(x: number): boolean {
  // A byte is a digit when its high nibble is 3 and adding 6 keeps it so; a carry out of a byte can only come
  // from a byte that already failed the first test.
  return (((x & 0xf0f0f0f0) ^ 0x30303030) | (((x + 0x06060606) & 0xf0f0f0f0) ^ 0x30303030)) === 0;
}

/** The value of four digit bytes (a little-endian word: the first digit in the low byte), in two SWAR steps. */
function value4(x: number): number {
  const v = x & 0x0f0f0f0f;
  const pairs = (Math.imul(v, 10) + (v >>> 8)) & 0x00ff00ff;
  return (Math.imul(pairs, 100) + (pairs >>> 16)) & 0xffff;
}

/**
 * Reads plain digits from `p` like `CsvRows.nextInt`: the value, or −1 when there is no digit, more than 16
 * digits, or more than 2^53 − 1. Up to eight leading digits are read four at a time. The value is exact: every
 * partial value within 2^53 is, and a larger one cannot round back into range. Sets {@link at}.
 */
function readUint(b: Buffer, p: number, e: number): number {
  const s = p;
  let m = 0;
  if (p + 4 <= e) {
    if (viewOf !== b) {
      view = new DataView(b.buffer, b.byteOffset, b.length);
      viewOf = b;
    }
    const x = view.getUint32(p, true);
    if (allDigits(x)) {
      m = value4(x);
      p += 4;
      if (p + 4 <= e) {
        const y = view.getUint32(p, true);
        if (allDigits(y)) {
          m = m * 10000 + value4(y);
          p += 4;
        }
      }
    }
  }
  for (; p < e; p++) {
    const d = b[p]! - 48;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
  }
  at = p;
  return p === s || p - s > 16 || m > MAX_SAFE ? -1 : m;
}

/**
 * Reads a plain decimal (digits with at most one dot, no sign or exponent) from `p` like `CsvRows.nextDecimal`:
 * the value, identical to `Number(text)`, or −1 when there is no digit, more than 16 digits or a mantissa beyond
 * 2^53 − 1 (the caller then takes the general path). The first 9 digits accumulate in int32 (a short dependency
 * chain), the rest in a second int32 part joined exactly at the end. Sets {@link at}.
 */
function readDecimal(b: Buffer, p: number, e: number): number {
  let hi = 0;
  let lo = 0;
  let n = 0;
  let dot = -1;
  for (; p < e; p++) {
    const c = b[p]!;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      if (n < 9) hi = (hi * 10 + d) | 0;
      else lo = (lo * 10 + d) | 0;
      n++;
    } else if (c === DOT && dot < 0) {
      dot = p;
    } else {
      break;
    }
  }
  at = p;
  if (n === 0 || n > 16) return -1;
  const m = n <= 9 ? hi : hi * POW10[n - 9]! + lo;
  if (m > MAX_SAFE) return -1;
  // An exact mantissa divided by an exact power of ten is correctly rounded: the same double as Number(text).
  return dot < 0 ? m : m / POW10[p - dot - 1]!;
}

/** The general path: field by field through the row's accessors, naming the column that cannot be read. */
function mapFieldByField(rows: CsvRows, i: number, ctx: CsvMapContext): AggTrade | string {
  rows.begin(i);
  const agg_trade_id = rows.nextInt();
  if (agg_trade_id === null) return columnError(rows, i, 0, 'agg_trade_id', 'integer', ctx);
  const price = rows.nextDecimal();
  if (price === null) return columnError(rows, i, 1, 'price', 'number', ctx);
  const quantity = rows.nextDecimal();
  if (quantity === null) return columnError(rows, i, 2, 'quantity', 'number', ctx);
  const first_trade_id = rows.nextInt();
  if (first_trade_id === null) return columnError(rows, i, 3, 'first_trade_id', 'integer', ctx);
  const last_trade_id = rows.nextInt();
  if (last_trade_id === null) return columnError(rows, i, 4, 'last_trade_id', 'integer', ctx);
  const trade_time = rows.nextTime(ctx.timeUnit);
  if (trade_time === null) return columnError(rows, i, 5, 'transact_time', 'time', ctx);
  const is_buyer_maker = rows.nextBool();
  if (is_buyer_maker === null) return columnError(rows, i, 6, 'is_buyer_maker', 'boolean', ctx);
  for (let c = 7; c < ctx.columnCount; c++) rows.skip();
  if (!rows.atEnd()) return columnCountError(rows.fieldCount(i), ctx);
  return {
    symbol: ctx.symbol,
    agg_trade_id,
    price,
    quantity,
    first_trade_id,
    last_trade_id,
    trade_time,
    is_buyer_maker,
    source: ctx.source,
    ingested_at: ctx.ingestedAt,
  };
}
