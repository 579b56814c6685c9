/**
 * A hand-written byte-level CSV parser: it splits bytes into rows and fields without creating a string per field,
 * and hands out {@link CsvRows} blocks whose fields the mappers decode on demand.
 * @module
 */
import { ScalplakeError } from '../../core/errors.js';
import { CSV_ROW_FLAGS, type CsvQuotedRow, CsvRows } from './csv-rows.js';

/** Options of {@link CsvParser} and {@link parseCsv}. */
export interface CsvParseOptions {
  /** The file name or URL, quoted in error messages. */
  readonly source?: string;
  /** Physical lines to skip at the start of the input (a banner, a header); they still count in line numbers. */
  readonly skipLines?: number;
  /** Bytes the parser buffers before it splits rows; a block of rows covers about this much input. Default 1 MiB. */
  readonly bufferBytes?: number;
  /** The longest row accepted, in bytes; a longer one throws `CSV_PARSE` (it bounds memory). Default 16 MiB. */
  readonly maxRowBytes?: number;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

/**
 * An incremental CSV parser over bytes. Rows may span chunks of any size; lines end with LF or CRLF; a UTF-8 BOM
 * at the start is skipped; blank lines are skipped (and counted in {@link CsvParser.blankLines}); fields may be
 * quoted with `"` (with `""` for a quote inside, and line breaks inside, which count in line numbers). A quoted
 * field left open at the end of the input, or text after a closing quote, does not throw: the row is flagged (see
 * {@link CsvRows.flag}) for the caller to reject. Small chunks are copied into a buffer of `bufferBytes`; every
 * time it fills, the complete rows in it are returned as one {@link CsvRows} block that owns that buffer. A chunk
 * of at least half `bufferBytes` is not copied: its complete rows become a block that points into the chunk
 * itself (so the caller must not reuse a chunk it has pushed, as Node streams never do), and only the row that
 * straddles two chunks is copied. Memory stays bounded by the chunk and buffer sizes and the blocks the caller
 * keeps.
 *
 * @throws `CSV_PARSE` when one row is longer than `maxRowBytes`.
 * @example
 * ```ts
 * const parser = new CsvParser({ skipLines: 1 });
 * const blocks = [...parser.push(bytes), ...parser.end()];
 * for (const rows of blocks) for (let i = 0; i < rows.count; i++) console.log(rows.line(i), rows.int(i, 0));
 * ```
 */
export class CsvParser {
  /** Blank lines skipped so far. */
  blankLines = 0;
  /** Rows produced so far. */
  rows = 0;
  /** Bytes consumed so far (including the BOM and skipped lines). */
  bytesIn = 0;

  private buf: Buffer;
  private len = 0;
  private pos = 0;
  private line = 1;
  private skip: number;
  private started = false;
  private readonly source: string;
  private readonly maxRowBytes: number;
  private readonly baseBytes: number;
  // Scratch row offsets, reused and grown; each block gets its own exact-size copies.
  private rowStart: Int32Array = new Int32Array(1024);
  private rowEnd: Int32Array = new Int32Array(1024);
  private rowLine: Float64Array = new Float64Array(1024);

  constructor(options: CsvParseOptions = {}) {
    this.source = options.source ?? 'csv';
    this.skip = Math.max(0, options.skipLines ?? 0);
    this.baseBytes = Math.max(1, options.bufferBytes ?? 1 << 20);
    this.maxRowBytes = Math.max(64, options.maxRowBytes ?? 16 << 20);
    this.buf = Buffer.allocUnsafe(this.baseBytes);
  }

  /** Adds a chunk of input; returns the blocks of rows completed so far (often none: the buffer is not yet full). */
  push(chunk: Uint8Array): CsvRows[] {
    const out: CsvRows[] = [];
    this.bytesIn += chunk.length;
    let off = 0;
    if (this.started && this.skip === 0 && chunk.length * 2 >= this.baseBytes) {
      // A big chunk is split where it lies, without copying it: first the row that straddles the previous chunk
      // is completed in the buffer (up to the chunk's first line break), then the rest of the chunk becomes a
      // block of its own; only its incomplete last row is copied.
      const nl = chunk.indexOf(LF);
      if (nl >= 0 && this.len + nl + 1 <= this.buf.length) {
        this.buf.set(chunk.subarray(0, nl + 1), this.len);
        this.len += nl + 1;
        const rows = this.parse(false);
        if (rows !== null) out.push(rows);
        off = nl + 1;
        if (this.pos === this.len) {
          // Nothing pending (no quoted field left open across the line break): parse the chunk in place.
          this.buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
          this.len = chunk.length;
          this.pos = off;
          this.flush(false, out);
          return out;
        }
      }
    }
    while (off < chunk.length) {
      let room = this.buf.length - this.len;
      if (room === 0) {
        this.flush(false, out);
        room = this.buf.length - this.len;
      }
      const n = Math.min(room, chunk.length - off);
      this.buf.set(n === chunk.length ? chunk : chunk.subarray(off, off + n), this.len);
      this.len += n;
      off += n;
    }
    return out;
  }

  /** Returns the complete rows buffered so far, without waiting for the buffer to fill (e.g. to sniff a format). */
  drain(): CsvRows[] {
    const out: CsvRows[] = [];
    this.flush(false, out);
    return out;
  }

  /** Ends the input: returns the remaining rows (the last line may lack its line ending). */
  end(): CsvRows[] {
    const out: CsvRows[] = [];
    this.flush(true, out);
    return out;
  }

  /** Splits the complete rows in the buffer into a block, then moves the incomplete tail into a fresh buffer. */
  private flush(final: boolean, out: CsvRows[]): void {
    const rows = this.parse(final);
    if (rows !== null) out.push(rows);
    if (final) return;
    const tail = this.len - this.pos;
    if (tail > this.maxRowBytes) {
      throw new ScalplakeError(
        'CSV_PARSE',
        `${this.source}: line ${this.line} is longer than ${this.maxRowBytes} bytes (an unterminated quote?)`,
        { context: { file: this.source, line: this.line, maxRowBytes: this.maxRowBytes } },
      );
    }
    if (rows === null && this.pos === 0 && tail < this.buf.length) return;
    // Blocks keep the old buffer (rows hand out raw text lazily): copy the tail into a new one, grown if a single
    // row fills more than half of it.
    let cap = this.baseBytes;
    while (tail * 2 > cap) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, this.pos, this.len);
    this.buf = next;
    this.len = tail;
    this.pos = 0;
  }

  /** Splits rows from `pos` up to the last complete line (or the end of the input when `final`). */
  private parse(final: boolean): CsvRows | null {
    const buf = this.buf;
    const len = this.len;
    let p = this.pos;
    if (!this.started) {
      if (len < 3 && !final) return null;
      if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      this.started = true;
    }
    // Native memchr over the valid part only (the buffer holds stale bytes past `len`).
    const view = buf.subarray(0, len);
    while (this.skip > 0 && p < len) {
      const nl = view.indexOf(LF, p);
      if (nl < 0) {
        if (!final) break;
        p = len;
      } else {
        p = nl + 1;
      }
      this.skip--;
      this.line++;
    }
    if (this.skip > 0) {
      this.pos = p;
      return null;
    }
    let line = this.line;
    let nRows = 0;
    let rowStart = this.rowStart;
    let rowEnd = this.rowEnd;
    let rowLine = this.rowLine;
    let quoted: Map<number, CsvQuotedRow> | null = null;
    let nextQuote = view.indexOf(QUOTE, p);
    if (nextQuote < 0) nextQuote = len;

    while (p < len) {
      let nl = view.indexOf(LF, p);
      if (nl < 0) {
        if (!final) break;
        nl = len;
      }
      if (nRows === rowStart.length) {
        rowStart = grow32(rowStart, nRows * 2);
        rowEnd = grow32(rowEnd, nRows * 2);
        rowLine = grow64(rowLine, nRows * 2);
      }
      if (nextQuote < nl) {
        // The slow path: a quote on this line; quoted fields may hold commas and line breaks.
        const row = splitQuoted(buf, p, len, final);
        if (row === null) break;
        rowStart[nRows] = p;
        rowEnd[nRows] = row.rowEnd;
        rowLine[nRows] = line;
        quoted ??= new Map();
        quoted.set(nRows, row);
        nRows++;
        line += 1 + row.extraLines;
        p = row.next;
        nextQuote = p < len ? view.indexOf(QUOTE, p) : -1;
        if (nextQuote < 0) nextQuote = len;
        continue;
      }
      const re = nl > p && buf[nl - 1] === CR ? nl - 1 : nl;
      if (re === p) {
        this.blankLines++;
      } else {
        rowStart[nRows] = p;
        rowEnd[nRows] = re;
        rowLine[nRows] = line;
        nRows++;
      }
      line++;
      p = nl + 1;
    }
    if (p > len) p = len;

    this.rowStart = rowStart;
    this.rowEnd = rowEnd;
    this.rowLine = rowLine;
    this.pos = p;
    this.line = line;
    if (nRows === 0) return null;
    this.rows += nRows;
    return new CsvRows(buf, nRows, rowStart.slice(0, nRows), rowEnd.slice(0, nRows), rowLine.slice(0, nRows), quoted);
  }
}

/** A row split by {@link splitQuoted}. */
interface SplitRow extends CsvQuotedRow {
  /** End of the row's text (before CR LF). */
  readonly rowEnd: number;
  /** Offset of the next row. */
  readonly next: number;
  /** Line breaks inside quoted fields. */
  readonly extraLines: number;
}

/**
 * Splits one row that contains a quote, starting at `p`; `null` when the row is not complete before `len` (and
 * the input is not final).
 */
function splitQuoted(buf: Buffer, p: number, len: number, final: boolean): SplitRow | null {
  const starts: number[] = [];
  const ends: number[] = [];
  const escaped: boolean[] = [];
  let flag = 0;
  let extraLines = 0;
  const rs = p;
  for (;;) {
    // One field per iteration.
    let fs = p;
    let fe = -1;
    let esc = false;
    if (p < len && buf[p] === QUOTE) {
      let q = p + 1;
      for (;;) {
        if (q >= len) break;
        const d = buf[q]!;
        if (d === QUOTE) {
          if (q + 1 < len && buf[q + 1] === QUOTE) {
            esc = true;
            q += 2;
            continue;
          }
          break;
        }
        if (d === LF) extraLines++;
        q++;
      }
      // A closing quote as the last byte may be the first half of "": wait for more input.
      if (!final && q + 1 >= len) return null;
      fs = p + 1;
      if (q >= len) {
        // The input ended inside the quotes: the row runs to the end, without its final line ending.
        flag = CSV_ROW_FLAGS.unterminatedQuote;
        fe = len;
        if (fe > fs && buf[fe - 1] === LF) fe--;
        if (fe > fs && buf[fe - 1] === CR) fe--;
        p = len;
      } else {
        fe = q;
        p = q + 1;
        const after = buf[p];
        if (p < len && after !== COMMA && after !== LF && !(after === CR && (p + 1 >= len || buf[p + 1] === LF))) {
          if (flag === 0) flag = CSV_ROW_FLAGS.textAfterQuote;
        }
      }
    }
    // Unquoted content (or what follows a closing quote) up to the next comma or line end.
    while (p < len && buf[p] !== COMMA && buf[p] !== LF) p++;
    if (p >= len && !final) return null;
    let end = flag === CSV_ROW_FLAGS.unterminatedQuote ? fe : p;
    if (p >= len || buf[p] === LF) {
      if (end > rs && buf[end - 1] === CR) end--;
    }
    starts.push(fs);
    ends.push(fe >= 0 ? fe : Math.max(end, fs));
    escaped.push(esc);
    if (p < len && buf[p] === COMMA) {
      p++;
      continue;
    }
    return { starts, ends, escaped, flag, rowEnd: end, next: p + 1, extraLines };
  }
}

function grow32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

function grow64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

/**
 * Parses a stream of byte chunks into blocks of rows (see {@link CsvParser}); the blocks are yielded as the input
 * arrives, so memory stays bounded whatever the input size.
 *
 * @throws `CSV_PARSE` when one row is longer than `maxRowBytes`.
 * @example
 * ```ts
 * for await (const rows of parseCsv(createReadStream('BTCUSDT-1m-2019-09.csv'))) {
 *   for (let i = 0; i < rows.count; i++) console.log(rows.line(i), rows.time(i, 0, 'ms'));
 * }
 * ```
 */
export async function* parseCsv(chunks: AsyncIterable<Uint8Array>, options: CsvParseOptions = {}): AsyncGenerator<CsvRows> {
  const parser = new CsvParser(options);
  for await (const chunk of chunks) {
    for (const rows of parser.push(chunk)) yield rows;
  }
  for (const rows of parser.end()) yield rows;
}
