import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBoolean, parseDecimal, parseInteger } from '../../../src/core/decimal.js';
import { toUtcMillis } from '../../../src/core/time.js';
import { CsvParser, parseCsv } from '../../../src/sources/files/csv-parser.js';
import { CSV_ROW_FLAGS, type CsvRows } from '../../../src/sources/files/csv-rows.js';
import { bytesOf, chunked, expectedMillis, failure } from './csv-test-utils.js';

interface Row {
  line: number;
  raw: string;
  fields: string[];
  flag: number;
}

function rowsOf(blocks: readonly CsvRows[]): Row[] {
  const out: Row[] = [];
  for (const b of blocks) {
    for (let i = 0; i < b.count; i++) {
      const fields: string[] = [];
      for (let c = 0; c < b.fieldCount(i); c++) fields.push(b.text(i, c));
      out.push({ line: b.line(i), raw: b.raw(i), fields, flag: b.flag(i) });
    }
  }
  return out;
}

function parseAll(bytes: Uint8Array, cuts: number | readonly number[], options = {}): Row[] {
  const parser = new CsvParser({ bufferBytes: 64, ...options });
  const blocks: CsvRows[] = [];
  const parts: Uint8Array[] = [];
  if (typeof cuts === 'number') for (let o = 0; o < bytes.length; o += cuts) parts.push(bytes.subarray(o, o + cuts));
  else {
    let prev = 0;
    for (const c of [...cuts, bytes.length]) {
      parts.push(bytes.subarray(prev, c));
      prev = c;
    }
  }
  for (const p of parts) blocks.push(...parser.push(p));
  blocks.push(...parser.end());
  return rowsOf(blocks);
}

describe('CsvParser', () => {
  const text = 'a,b,c\r\n1,2.5,x\r\n\r\n3,,"q,""uoted"""\n"multi\nline",5,6\n7,8,9';
  const expected: Row[] = [
    { line: 1, raw: 'a,b,c', fields: ['a', 'b', 'c'], flag: 0 },
    { line: 2, raw: '1,2.5,x', fields: ['1', '2.5', 'x'], flag: 0 },
    { line: 4, raw: '3,,"q,""uoted"""', fields: ['3', '', 'q,"uoted"'], flag: 0 },
    { line: 5, raw: '"multi\nline",5,6', fields: ['multi\nline', '5', '6'], flag: 0 },
    { line: 7, raw: '7,8,9', fields: ['7', '8', '9'], flag: 0 },
  ];

  it('splits LF and CRLF rows, skips blank lines, handles quotes with "" and line breaks, and the last line without LF', () => {
    const parser = new CsvParser();
    const rows = rowsOf([...parser.push(bytesOf(text)), ...parser.end()]);
    expect(rows).toEqual(expected);
    expect(parser.blankLines).toBe(1);
  });

  it('gives the same rows whatever the chunk boundaries (inside a row, a CRLF, a quoted field, a "" pair)', () => {
    const bytes = bytesOf(text);
    for (const bufferBytes of [1, 2, 3, 5, 8, 13, 64]) {
      for (let size = 1; size <= bytes.length; size++) expect(parseAll(bytes, size, { bufferBytes })).toEqual(expected);
      for (let cut = 1; cut < bytes.length; cut++) expect(parseAll(bytes, [cut], { bufferBytes })).toEqual(expected);
    }
    // A cut exactly between CR and LF of the first line ending.
    const crlf = text.indexOf('\r\n') + 1;
    expect(parseAll(bytes, [crlf])).toEqual(expected);
  });

  it('splits a big chunk in place: its rows point into the chunk itself, which stays untouched', () => {
    const lines = Array.from({ length: 40 }, (_, k) => `${k},${k * 1.5},"q${k}"`);
    const bytes = bytesOf(`${lines.join('\n')}\n`);
    const copy = Uint8Array.from(bytes);
    const parser = new CsvParser({ bufferBytes: 64 });
    const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 300), bytes.subarray(300, 301), bytes.subarray(301)];
    const blocks = chunks.flatMap((c) => parser.push(c));
    blocks.push(...parser.end());
    const rows = rowsOf(blocks);
    expect(rows.map((r) => r.raw)).toEqual(lines);
    expect(rows.map((r) => r.line)).toEqual(lines.map((_, k) => k + 1));
    expect(rows[39]!.fields).toEqual(['39', '58.5', 'q39']);
    // Rows after the first line break of the 295-byte chunk are read from the caller's memory, not a copy.
    expect(blocks.some((b) => b.bytes.buffer === bytes.buffer && b.count > 1)).toBe(true);
    expect(bytes).toEqual(copy);
  });

  it('keeps rows intact when a row is longer than the buffer (the buffer grows)', () => {
    const long = `${'9'.repeat(500)},${'8'.repeat(300)}\n1,2\n`;
    const rows = parseAll(bytesOf(long), 7, { bufferBytes: 64 });
    expect(rows.map((r) => r.fields.map((f) => f.length))).toEqual([[500, 300], [1, 1]]);
  });

  it('throws CSV_PARSE naming the line when a row exceeds maxRowBytes', async () => {
    const parser = new CsvParser({ source: 'big.csv', bufferBytes: 64, maxRowBytes: 100 });
    parser.push(bytesOf('1,2\n'));
    const e = await failure(() => parser.push(bytesOf(`"${'x'.repeat(400)}`)));
    expect(e.code).toBe('CSV_PARSE');
    expect(e.message).toContain('big.csv: line 2');
  });

  it('skips a UTF-8 BOM and the given number of lines, counting them in line numbers', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...bytesOf('banner\nh1,h2\n1,2\n')]);
    expect(parseAll(bytes, 1, { skipLines: 2 })).toEqual([{ line: 3, raw: '1,2', fields: ['1', '2'], flag: 0 }]);
    expect(parseAll(bytes, 2)[0]!.fields).toEqual(['banner']);
  });

  it('flags an unterminated quote and text after a closing quote instead of throwing', () => {
    const rows = parseAll(bytesOf('1,"ab"c,3\n4,"open'), 3);
    expect(rows.map((r) => r.flag)).toEqual([CSV_ROW_FLAGS.textAfterQuote, CSV_ROW_FLAGS.unterminatedQuote]);
    expect(rows[1]!.line).toBe(2);
  });

  it('yields nothing for empty input or input of blank lines only', async () => {
    expect(parseAll(new Uint8Array(0), 1)).toEqual([]);
    expect(parseAll(bytesOf('\n\r\n\n'), 1)).toEqual([]);
    const blocks: CsvRows[] = [];
    for await (const b of parseCsv(chunked(new Uint8Array(0), 4))) blocks.push(b);
    expect(blocks).toEqual([]);
  });

  it('parseCsv streams blocks from an async iterable', async () => {
    const blocks: CsvRows[] = [];
    for await (const b of parseCsv(chunked(bytesOf(text), 5), { bufferBytes: 64 })) blocks.push(b);
    expect(rowsOf(blocks)).toEqual(expected);
  });
});

describe('CsvRows decoding', () => {
  function rowOf(line: string): CsvRows {
    const parser = new CsvParser();
    const blocks = [...parser.push(bytesOf(`${line}\n`)), ...parser.end()];
    return blocks[0]!;
  }

  it('reads fields sequentially and by column with the semantics of parseDecimal/parseInteger/parseBoolean/toUtcMillis', () => {
    const cases = ['42314.00', '0.27', '-1.5', '+3', '1e-8', '', 'abc', '1.', '.5', '-', '12345678901234567890', '0.000000000000000001', ' 7 ', 'NaN', '3449899747', '1503014400.0', '1789430459999999', 'True', 'false', 'FALSE', 'yes', '2017-08-17 05-AM', '2024-02-29 23:59:00', '-0', '00012', '9007199254740993', '1567965480123456789', '+1567965480123456789', '99999999999999999', '100000000000000000'];
    for (const text of cases) {
      const rows = rowOf(`${text},${text},${text},${text},${text},${text},${text}`);
      rows.begin(0);
      expect(rows.nextDecimal(), `nextDecimal(${text})`).toBe(parseDecimal(text));
      expect(rows.nextInt(), `nextInt(${text})`).toBe(parseInteger(text));
      expect(rows.nextTime('auto'), `nextTime(${text})`).toBe(expectedMillis(text, 'auto'));
      expect(rows.nextTime('us'), `nextTime us(${text})`).toBe(toUtcMillis(text, 'us'));
      expect(rows.nextTime('s'), `nextTime s(${text})`).toBe(toUtcMillis(text, 's'));
      expect(rows.nextBool(), `nextBool(${text})`).toBe(parseBoolean(text));
      expect(rows.nextText()).toBe(text);
      expect(rows.atEnd()).toBe(true);
      expect(rows.decimal(0, 0)).toBe(parseDecimal(text));
      expect(rows.int(0, 1)).toBe(parseInteger(text));
      expect(rows.time(0, 2, 'ms')).toBe(toUtcMillis(text, 'ms'));
      expect(rows.time(0, 3, 'auto'), `time(${text})`).toBe(expectedMillis(text, 'auto'));
      expect(rows.bool(0, 5)).toBe(parseBoolean(text));
    }
  });

  it('decodes any decimal text exactly like parseDecimal (property)', () => {
    const decimalText = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{0,18}$/), fc.constantFrom('', '.'), fc.stringMatching(/^\d{0,18}$/))
      .map(([s, a, d, b]) => `${s}${a}${d}${b}`);
    fc.assert(
      fc.property(decimalText, (t) => {
        const rows = rowOf(`${t},x`);
        rows.begin(0);
        return Object.is(rows.nextDecimal(), parseDecimal(t)) && Object.is(rows.decimal(0, 0), parseDecimal(t));
      }),
      { numRuns: 1000 },
    );
  });

  it('reports missing fields as null and atEnd() false; too many fields as atEnd() false', () => {
    const rows = rowOf('1,2');
    rows.begin(0);
    expect(rows.nextInt()).toBe(1);
    expect(rows.nextInt()).toBe(2);
    expect(rows.nextInt()).toBeNull();
    expect(rows.atEnd()).toBe(false);
    rows.begin(0);
    rows.nextInt();
    expect(rows.atEnd()).toBe(false);
    expect(rows.skip()).toBe(true);
    expect(rows.atEnd()).toBe(true);
    expect(rows.skip()).toBe(false);
    expect(rows.fieldCount(0)).toBe(2);
  });

  it('treats NULL (any case) and empty fields as null fields', () => {
    const rows = rowOf('NULL,null,,5');
    expect([0, 1, 2, 3].map((c) => rows.isNull(0, c))).toEqual([true, true, true, false]);
    expect(rows.isEmpty(0, 2)).toBe(true);
    expect(rows.isEmpty(0, 9)).toBe(true);
  });

  it('decodes quoted numeric fields', () => {
    const rows = rowOf('"1567965420000","10000.5","true"');
    rows.begin(0);
    expect(rows.nextTime('ms')).toBe(1567965420000);
    expect(rows.nextDecimal()).toBe(10000.5);
    expect(rows.nextBool()).toBe(true);
    expect(rows.atEnd()).toBe(true);
  });
});
