/**
 * A parsed block of CSV rows that decodes fields straight from the bytes, only when a mapper asks for them:
 * numbers are read digit by digit without creating a string; strings are allocated only on the slow path.
 * @module
 */
import { parseBoolean, parseDecimal, parseInteger } from '../../core/decimal.js';
import { detectTimeUnit, type TimeUnit, toUtcMillis } from '../../core/time.js';

/** Why a row could not be split cleanly into fields (see {@link CsvRows.flag}). */
export const CSV_ROW_FLAGS = {
  /** The row was split cleanly. */
  ok: 0,
  /** A quoted field was still open at the end of the input. */
  unterminatedQuote: 1,
  /** Text followed the closing quote of a quoted field before the next comma or line end. */
  textAfterQuote: 2,
} as const;

/** The fields of a row that contains a quote, split by the quote-aware slow path. */
export interface CsvQuotedRow {
  /** Start offset (in {@link CsvRows.bytes}) of each field's content, inside the quotes. */
  readonly starts: readonly number[];
  /** End offset (exclusive) of each field's content. */
  readonly ends: readonly number[];
  /** Whether each field holds `""` pairs to unescape. */
  readonly escaped: readonly boolean[];
  /** A {@link CSV_ROW_FLAGS} value. */
  readonly flag: number;
}

/** Powers of ten that a double holds exactly. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];
const COMMA = 44;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * A block of CSV rows produced by {@link CsvParser}: the bytes, where each row starts and ends, and the 1-based
 * line of each row. Fields are read two ways:
 *
 * - sequentially (the fast path for fixed layouts): {@link CsvRows.begin} a row, then `nextInt`, `nextDecimal`,
 *   `nextTime`, `nextBool`, `nextText`, `skip` field after field, and {@link CsvRows.atEnd} to check nothing is left;
 * - by column (for layouts found by name): `int(row, col)`, `decimal(row, col)`, … which split the row once.
 *
 * Every accessor returns `null` (never `NaN`, never a throw) for a missing, empty or malformed field, with exactly
 * the semantics of `parseDecimal`, `parseInteger`, `parseBoolean` and `toUtcMillis` applied to the field's text
 * (times: `toUtcMillis`, which with `'auto'` also reads integers of 1e17 and more as nanoseconds);
 * the common cases (plain decimals, integers, `true`/`false`) are decoded from the bytes without a string.
 *
 * @example
 * ```ts
 * const parser = new CsvParser();
 * const [rows] = [...parser.push(new TextEncoder().encode('1,2.5,true\n')), ...parser.end()];
 * rows!.begin(0);
 * rows!.nextInt();     // 1
 * rows!.nextDecimal(); // 2.5
 * rows!.nextBool();    // true
 * rows!.atEnd();       // true
 * rows!.decimal(0, 1); // 2.5
 * rows!.line(0);       // 1
 * ```
 */
export class CsvRows {
  /** The bytes the offsets point into (shared with the other blocks cut from the same parser buffer). */
  readonly bytes: Buffer;
  /** Number of rows in the block. */
  readonly count: number;
  private readonly rowStart: Int32Array;
  private readonly rowEnd: Int32Array;
  private readonly rowLine: Float64Array;
  private readonly quoted: ReadonlyMap<number, CsvQuotedRow> | null;
  // Sequential cursor.
  private p = 0;
  private e = 0;
  private c = 0;
  private q: CsvQuotedRow | undefined = undefined;
  private row = 0;
  private short = false;
  // The row last split for access by column.
  private splitRow = -1;
  private splitCount = 0;
  private splitStart: number[] = [];
  private splitEnd: number[] = [];
  private splitEscaped: readonly boolean[] | null = null;
  private readonly ownStart: number[] = [];
  private readonly ownEnd: number[] = [];

  /** @internal Built by {@link CsvParser}; not meant to be called by users. */
  constructor(
    bytes: Buffer,
    count: number,
    rowStart: Int32Array,
    rowEnd: Int32Array,
    rowLine: Float64Array,
    quoted: ReadonlyMap<number, CsvQuotedRow> | null,
  ) {
    this.bytes = bytes;
    this.count = count;
    this.rowStart = rowStart;
    this.rowEnd = rowEnd;
    this.rowLine = rowLine;
    this.quoted = quoted;
  }

  /** The 1-based line of the file on which row `row` starts. */
  line(row: number): number {
    return this.rowLine[row]!;
  }

  /**
   * Offset in {@link CsvRows.bytes} of the first byte of row `row`: with {@link CsvRows.end}, what a mapper's
   * fast path scans directly (it must fall back to the accessors on any byte it does not expect, e.g. a quote).
   */
  start(row: number): number {
    return this.rowStart[row]!;
  }

  /** Offset in {@link CsvRows.bytes} just past the last byte of row `row` (before its line ending). */
  end(row: number): number {
    return this.rowEnd[row]!;
  }

  /** A {@link CSV_ROW_FLAGS} value: 0 when the row was split cleanly. */
  flag(row: number): number {
    return this.quoted === null ? 0 : (this.quoted.get(row)?.flag ?? 0);
  }

  /** The raw text of the row as it is in the file, without its line ending. */
  raw(row: number): string {
    return this.bytes.toString('utf8', this.rowStart[row]!, this.rowEnd[row]!);
  }

  // ---- sequential access -------------------------------------------------------------------------------------

  /** Puts the cursor on the first field of row `row`. */
  begin(row: number): void {
    this.row = row;
    this.p = this.rowStart[row]!;
    this.e = this.rowEnd[row]!;
    this.c = 0;
    this.short = false;
    this.q = this.quoted === null ? undefined : this.quoted.get(row);
  }

  /** The 0-based column the cursor is on (the next field to read). */
  column(): number {
    return this.c;
  }

  /**
   * Whether the row had exactly the fields read so far: every field was read (or skipped) and none was asked for
   * past the end of the row. A mapper calls it last to reject rows with too many or too few columns.
   */
  atEnd(): boolean {
    if (this.q !== undefined) return this.c === this.q.starts.length;
    return this.p > this.e && !this.short;
  }

  /** Skips the field under the cursor; `false` when the row has no field there. */
  skip(): boolean {
    this.c++;
    if (this.q !== undefined) return this.c <= this.q.starts.length;
    const b = this.bytes;
    let p = this.p;
    const e = this.e;
    if (p > e) {
      this.short = true;
      return false;
    }
    while (p < e && b[p] !== COMMA) p++;
    this.p = p + 1;
    return true;
  }

  /** Reads the field under the cursor as a decimal (like `parseDecimal`) and moves to the next field. */
  nextDecimal(): number | null {
    if (this.q !== undefined) return this.decimal(this.row, this.c++);
    const b = this.bytes;
    let p = this.p;
    const e = this.e;
    this.c++;
    if (p > e) {
      this.short = true;
      return null;
    }
    const s = p;
    let ch = b[p];
    const neg = ch === 45;
    if (neg || ch === 43) p++;
    const s0 = p;
    let dot = -1;
    let m = 0;
    for (; p < e; p++) {
      ch = b[p]!;
      const d = ch - 48;
      if (d >= 0 && d <= 9) m = m * 10 + d;
      else if (ch === 46 && dot < 0) dot = p;
      else break;
    }
    if (p < e && ch !== COMMA) return parseDecimal(this.slowField(s));
    this.p = p + 1;
    const digits = dot < 0 ? p - s0 : p - s0 - 1;
    // Past 16 digits (or 2^53) the mantissa is no longer exact: let Number() round it.
    if (digits === 0 || digits > 16 || m > MAX_SAFE) return parseDecimal(this.bytes.toString('latin1', s, p));
    // An exact mantissa divided by an exact power of ten is correctly rounded: the same double as Number(text).
    const v = dot < 0 ? m : m / POW10[p - dot - 1]!;
    return neg ? -v : v;
  }

  /** Reads the field under the cursor as a safe integer (like `parseInteger`) and moves to the next field. */
  nextInt(): number | null {
    if (this.q !== undefined) return this.int(this.row, this.c++);
    const n = this.nextPlainInt();
    return n >= 0 ? n : parseInteger(this.slowField(-n - 1));
  }

  /** Reads the field under the cursor as UTC epoch ms (like `toUtcMillis(text, unit)`) and moves on. */
  nextTime(unit: TimeUnit | 'auto'): number | null {
    if (this.q !== undefined) return this.time(this.row, this.c++, unit);
    const n = this.nextPlainInt();
    if (n < 0) return toUtcMillis(this.slowField(-n - 1), unit);
    return epochToMillis(n, unit);
  }

  /** Reads the field under the cursor as a boolean (like `parseBoolean`) and moves to the next field. */
  nextBool(): boolean | null {
    if (this.q !== undefined) return this.bool(this.row, this.c++);
    const b = this.bytes;
    const s = this.p;
    const e = this.e;
    this.c++;
    if (s > e) {
      this.short = true;
      return null;
    }
    let p = s;
    while (p < e && b[p] !== COMMA) p++;
    this.p = p + 1;
    return boolAt(b, s, p);
  }

  /** Reads the field under the cursor as text (quotes removed) and moves to the next field; `null` when missing. */
  nextText(): string | null {
    if (this.q !== undefined) {
      const c = this.c++;
      return c < this.q.starts.length ? this.text(this.row, c) : null;
    }
    this.c++;
    if (this.p > this.e) {
      this.short = true;
      return null;
    }
    return this.slowField(this.p);
  }

  /**
   * Reads a field of plain digits: returns its value, or `−(start + 1)` when the field needs the slow path (then
   * the cursor has not moved past it; for a missing field the slow path reads `''`). Counts the column either way.
   */
  private nextPlainInt(): number {
    const b = this.bytes;
    const s = this.p;
    const e = this.e;
    this.c++;
    if (s > e) {
      this.short = true;
      return -(s + 1);
    }
    let p = s;
    let m = 0;
    for (; p < e; p++) {
      const d = b[p]! - 48;
      if (d < 0 || d > 9) break;
      m = m * 10 + d;
    }
    if (p === s || (p < e && b[p] !== COMMA) || p - s > 16 || m > MAX_SAFE) return -(s + 1);
    this.p = p + 1;
    return m;
  }

  /** The text of the field starting at `s` (to the next comma or the row end); moves the cursor past it. */
  private slowField(s: number): string {
    const b = this.bytes;
    const e = this.e;
    if (s > e) {
      this.p = s;
      return '';
    }
    let p = s;
    while (p < e && b[p] !== COMMA) p++;
    this.p = p + 1;
    return b.toString('utf8', s, p);
  }

  // ---- access by column --------------------------------------------------------------------------------------

  /** The number of fields of row `row`. */
  fieldCount(row: number): number {
    this.split(row);
    return this.splitCount;
  }

  /** Whether the field is missing or empty. */
  isEmpty(row: number, col: number): boolean {
    if (!this.has(row, col)) return true;
    return this.splitStart[col] === this.splitEnd[col];
  }

  /** Whether the field is missing, empty or the text `NULL` (any case: CryptoDataDownload's missing trade counts). */
  isNull(row: number, col: number): boolean {
    if (!this.has(row, col)) return true;
    const s = this.splitStart[col]!;
    const e = this.splitEnd[col]!;
    if (s === e) return true;
    if (e - s !== 4) return false;
    const b = this.bytes;
    return (b[s]! | 0x20) === 110 && (b[s + 1]! | 0x20) === 117 && (b[s + 2]! | 0x20) === 108 && (b[s + 3]! | 0x20) === 108;
  }

  /** The field's text (quotes removed, `""` unescaped); `''` for a missing field. */
  text(row: number, col: number): string {
    if (!this.has(row, col)) return '';
    const t = this.bytes.toString('utf8', this.splitStart[col]!, this.splitEnd[col]!);
    return this.splitEscaped?.[col] === true ? t.replaceAll('""', '"') : t;
  }

  /** The field as a decimal number, like `parseDecimal(text)`. */
  decimal(row: number, col: number): number | null {
    if (!this.has(row, col) || this.splitEscaped?.[col] === true) return parseDecimal(this.text(row, col));
    return decimalAt(this.bytes, this.splitStart[col]!, this.splitEnd[col]!);
  }

  /** The field as a safe integer, like `parseInteger(text)`. */
  int(row: number, col: number): number | null {
    if (!this.has(row, col)) return null;
    const n = intAt(this.bytes, this.splitStart[col]!, this.splitEnd[col]!);
    return n >= 0 ? n : parseInteger(this.text(row, col));
  }

  /** The field as UTC epoch milliseconds, like `toUtcMillis(text, unit)` (epoch numbers, ns with `'auto'`, UTC date strings). */
  time(row: number, col: number, unit: TimeUnit | 'auto'): number | null {
    if (!this.has(row, col)) return null;
    const n = intAt(this.bytes, this.splitStart[col]!, this.splitEnd[col]!);
    return n >= 0 ? epochToMillis(n, unit) : toUtcMillis(this.text(row, col), unit);
  }

  /** The field as a boolean, like `parseBoolean(text)`. */
  bool(row: number, col: number): boolean | null {
    if (!this.has(row, col)) return null;
    return boolAt(this.bytes, this.splitStart[col]!, this.splitEnd[col]!);
  }

  /** Splits `row` (once) and tells whether it has column `col`. */
  private has(row: number, col: number): boolean {
    this.split(row);
    return col >= 0 && col < this.splitCount;
  }

  private split(row: number): void {
    if (this.splitRow === row) return;
    this.splitRow = row;
    const q = this.quoted === null ? undefined : this.quoted.get(row);
    if (q !== undefined) {
      this.splitStart = q.starts as number[];
      this.splitEnd = q.ends as number[];
      this.splitEscaped = q.escaped;
      this.splitCount = q.starts.length;
      return;
    }
    // Reused from row to row: splitting allocates nothing once the arrays have grown.
    const starts = this.ownStart;
    const ends = this.ownEnd;
    starts.length = 0;
    ends.length = 0;
    const b = this.bytes;
    const e = this.rowEnd[row]!;
    let s = this.rowStart[row]!;
    for (let p = s; p <= e; p++) {
      if (p === e || b[p] === COMMA) {
        starts.push(s);
        ends.push(p);
        s = p + 1;
      }
    }
    this.splitStart = starts;
    this.splitEnd = ends;
    this.splitEscaped = null;
    this.splitCount = starts.length;
  }
}

/**
 * Converts a non-negative epoch number of `unit` to UTC epoch milliseconds exactly as `toUtcMillis` does for its
 * digits (`'auto'` detects the unit by magnitude; µs and s are floored to whole ms). For mappers' fast paths.
 *
 * @example
 * ```ts
 * epochToMillis(1789430400000123, 'us'); // 1789430400000
 * epochToMillis(1503014400, 'auto');     // 1503014400000
 * ```
 */
export function epochToMillis(n: number, unit: TimeUnit | 'auto'): number {
  if (unit === 'ms') return n;
  const u = unit === 'auto' ? detectTimeUnit(n) : unit;
  if (u === 'ms') return n;
  return Math.floor((u === 's' ? n * 1000 : n / 1000) + 1e-6);
}

/** A field of 1–16 plain digits as a safe integer, or −1 when it needs the slow path. */
function intAt(b: Buffer, s: number, e: number): number {
  if (e === s || e - s > 16) return -1;
  let m = 0;
  for (let p = s; p < e; p++) {
    const d = b[p]! - 48;
    if (d < 0 || d > 9) return -1;
    m = m * 10 + d;
  }
  return m > MAX_SAFE ? -1 : m;
}

function decimalAt(b: Buffer, s: number, e: number): number | null {
  if (s === e) return null;
  let p = s;
  let ch = b[p];
  const neg = ch === 45;
  if (neg || ch === 43) p++;
  const s0 = p;
  let dot = -1;
  let m = 0;
  for (; p < e; p++) {
    ch = b[p]!;
    const d = ch - 48;
    if (d >= 0 && d <= 9) m = m * 10 + d;
    else if (ch === 46 && dot < 0) dot = p;
    else return parseDecimal(b.toString('utf8', s, e));
  }
  const digits = dot < 0 ? e - s0 : e - s0 - 1;
  if (digits === 0 || digits > 16 || m > MAX_SAFE) return parseDecimal(b.toString('utf8', s, e));
  const v = dot < 0 ? m : m / POW10[e - dot - 1]!;
  return neg ? -v : v;
}

function boolAt(b: Buffer, s: number, e: number): boolean | null {
  const len = e - s;
  if (len === 4 && b[s + 1] === 114 && b[s + 2] === 117 && b[s + 3] === 101 && (b[s] === 116 || b[s] === 84)) return true;
  if (len === 5 && b[s + 1] === 97 && b[s + 2] === 108 && b[s + 3] === 115 && b[s + 4] === 101 && (b[s] === 102 || b[s] === 70)) {
    return false;
  }
  return parseBoolean(b.toString('utf8', s, e));
}
