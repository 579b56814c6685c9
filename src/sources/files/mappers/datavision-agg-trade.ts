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

/**
 * The one-pass path for the common row; `null` sends the row to {@link mapFieldByField}.
 *
 * A number is one run of digits, or for a decimal a run, a dot and a second run. A run is read four bytes at a
 * time (SWAR): whole words of digits are converted in parallel, the word holding the end of the run is masked.
 * Words may be read past the row end, never past the buffer (which must hold {@link SLACK} bytes beyond it):
 * every number must end with a comma inside the row.
 */
function mapPlain(rows: CsvRows, i: number, ctx: CsvMapContext): AggTrade | null {
  const columns = ctx.columnCount;
  if (columns !== 7 && columns !== 8) return null;
  const b = rows.bytes;
  const e = rows.end(i);
  if (e + SLACK > b.length) return null;
  if (viewOf !== b) {
    view = new DataView(b.buffer, b.byteOffset, b.length);
    viewOf = b;
  }
  const v = view;
  const out = values;
  let p = rows.start(i);
  // Columns 0–5: agg_trade_id, price, quantity, first_trade_id, last_trade_id, transact_time.
  for (let col = 0; col < 6; col++) {
    let q = p;
    let mi = 0; // a decimal's digits before its dot
    let li = -1; // how many, or −1 while reading them
    let m: number; // the value of the run of up to 16 digits at q
    let len: number; // its length
    let c: number; // the byte after it (a digit when the run is longer than 16)
    // Once, or twice for a decimal with a dot; the body is written once so that it stays small. For each word,
    // t ≠ 0 when a byte is not an ASCII digit (its high nibble is not 3, or adding 6 changes it), and its lowest
    // non-zero byte is the first such byte whatever the bytes (a carry out of a byte comes from a failing byte):
    // (31 − clz32(t & −t)) >>> 3 is how many digits lead the word. (Written inline: faster than helpers.)
    for (;;) {
      const x = v.getInt32(q, true);
      const tx = ((x & 0xf0f0f0f0) ^ 0x30303030) | (((x + 0x06060606) & 0xf0f0f0f0) ^ 0x30303030);
      if (tx !== 0) {
        const k = (31 - Math.clz32(tx & -tx)) >>> 3;
        len = k;
        m = leading(x, k);
        c = (x >>> (8 * k)) & 0xff;
      } else {
        const y = v.getInt32(q + 4, true);
        const ty = ((y & 0xf0f0f0f0) ^ 0x30303030) | (((y + 0x06060606) & 0xf0f0f0f0) ^ 0x30303030);
        const a = value4(x);
        if (ty !== 0) {
          const k = (31 - Math.clz32(ty & -ty)) >>> 3;
          len = 4 + k;
          m = a * POW10_INT[k]! + leading(y, k);
          c = (y >>> (8 * k)) & 0xff;
        } else {
          const a8 = a * 10000 + value4(y);
          const z = v.getInt32(q + 8, true);
          const tz = ((z & 0xf0f0f0f0) ^ 0x30303030) | (((z + 0x06060606) & 0xf0f0f0f0) ^ 0x30303030);
          if (tz !== 0) {
            const k = (31 - Math.clz32(tz & -tz)) >>> 3;
            len = 8 + k;
            m = a8 * POW10[k]! + leading(z, k);
            c = (z >>> (8 * k)) & 0xff;
          } else {
            const a12 = a8 * 10000 + value4(z);
            const w = v.getInt32(q + 12, true);
            const tw = ((w & 0xf0f0f0f0) ^ 0x30303030) | (((w + 0x06060606) & 0xf0f0f0f0) ^ 0x30303030);
            const k = tw === 0 ? 4 : (31 - Math.clz32(tw & -tw)) >>> 3;
            len = 12 + k;
            m = a12 * POW10[k]! + leading(w, k);
            c = k === 4 ? b[q + 16]! : (w >>> (8 * k)) & 0xff;
          }
        }
      }
      q += len;
      if (c !== DOT || li >= 0 || (col !== 1 && col !== 2)) break;
      mi = m;
      li = len;
      q++;
    }
    if (c !== COMMA || q >= e) return null;
    if (li < 0) {
      // Exact: a run's partial values are integers below 2^53, and a 16-digit one can only round up past it.
      if (len === 0 || m > MAX_SAFE) return null;
      out[col] = m;
    } else {
      const n = li + len;
      if (n === 0 || n > 16) return null;
      // Exact while within 2^53 − 1 (a larger mantissa cannot round back into range).
      const mantissa = mi * POW10[len]! + m;
      if (mantissa > MAX_SAFE) return null;
      // An exact mantissa divided by an exact power of ten is correctly rounded: the same double as Number(text).
      out[col] = mantissa / POW10[len]!;
    }
    p = q + 1;
  }
  // is_buyer_maker: true/True/false/False, then the end of the row (or spot's is_best_match, without a comma).
  const w = v.getInt32(p, true) | 0x20;
  const is_buyer_maker = w === TRUE;
  if (!is_buyer_maker && (w !== FALS || b[p + 4] !== 101)) return null;
  p += is_buyer_maker ? 4 : 5;
  if (columns === 7) {
    if (p !== e) return null;
  } else {
    if (p >= e || b[p] !== COMMA) return null;
    for (p++; p < e; p++) if (b[p] === COMMA) return null;
  }
  const t = out[5]!;
  return {
    symbol: ctx.symbol,
    agg_trade_id: out[0]!,
    price: out[1]!,
    quantity: out[2]!,
    first_trade_id: out[3]!,
    last_trade_id: out[4]!,
    trade_time: ctx.timeUnit === 'ms' ? t : epochToMillis(t, ctx.timeUnit),
    is_buyer_maker,
    source: ctx.source,
    ingested_at: ctx.ingestedAt,
  };
}

const COMMA = 44;
const DOT = 46;
/** `true` as a little-endian word (`True` too once its first byte is lowercased with `| 0x20`). */
const TRUE = 0x65757274;
/** `fals` as a little-endian word. */
const FALS = 0x736c6166;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/**
 * Bytes the buffer must hold past a row's end for {@link mapPlain}: a number starts at most at the row end, its
 * first run reads 17 bytes, then come the dot and the second run's 17 bytes (and `is_buyer_maker` starts inside
 * the row).
 */
const SLACK = 40;
/** Powers of ten that a double holds exactly. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];
/** The first ones as int32, for runs of 4–7 digits (four digits times at most 1000 stay an int32). */
const POW10_INT = new Int32Array([1, 10, 100, 1000]);
/** The six numbers of the row being mapped (reused: no allocation per row). */
const values = new Float64Array(6);
/** A view of the last block's bytes, for reading four bytes at a time. */
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
let viewOf: Uint8Array | null = null;

/** The value of the first `k` (0–4) digit bytes of the word `x`: shifted up so that zero bytes lead them. */
function leading(x: number, k: number): number {
  const s = 16 - 4 * k; // two shifts: one by 32 would not clear the word
  return value4((x << s) << s);
}

/** The value of four digit bytes (a little-endian word: the first digit in the low byte), in two SWAR steps. */
function value4(x: number): number {
  const v = x & 0x0f0f0f0f;
  const pairs = (Math.imul(v, 10) + (v >>> 8)) & 0x00ff00ff;
  return (Math.imul(pairs, 100) + (pairs >>> 16)) & 0xffff;
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
