import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBoolean, parseDecimal, parseInteger } from '../../../../src/core/decimal.js';
import type { AggTrade } from '../../../../src/core/tables.js';
import type { TimeUnit } from '../../../../src/core/time.js';
import { CsvRows } from '../../../../src/sources/files/csv-rows.js';
import type { CsvMapContext, KlineColumns } from '../../../../src/sources/files/mappers/csv-map-context.js';
import { datavisionAggTrade } from '../../../../src/sources/files/mappers/datavision-agg-trade.js';
import { expectedMillis } from '../csv-test-utils.js';

const ctxOf = (columnCount: number, timeUnit: TimeUnit | 'auto'): CsvMapContext => ({
  symbol: 'BTCUSDT',
  interval: '',
  intervalMs: 0,
  source: 'datavision',
  ingestedAt: 1_700_000_000_000,
  timeUnit,
  columnCount,
  columns: {} as KlineColumns,
});

/** One row whose bytes sit between `before` and `after` in the block's buffer (not part of the row). */
const rowsOf = (row: Uint8Array, before: Uint8Array = new Uint8Array(0), after: Uint8Array = new Uint8Array(0)): CsvRows => {
  const bytes = Buffer.concat([before, row, after]);
  return new CsvRows(bytes, 1, Int32Array.of(before.length), Int32Array.of(before.length + row.length), Float64Array.of(1), null);
};

/**
 * The straightforward reading of a row: split on commas, the row must have `columnCount` fields, each one read by
 * the core parsers (`Number()` with their validity rules); `null` when the row must be rejected.
 */
const reference = (row: Uint8Array, ctx: CsvMapContext): AggTrade | null => {
  const texts: string[] = [];
  let s = 0;
  for (let p = 0; p <= row.length; p++) {
    if (p === row.length || row[p] === 0x2c) {
      texts.push(Buffer.from(row.subarray(s, p)).toString('utf8'));
      s = p + 1;
    }
  }
  if (texts.length !== ctx.columnCount) return null;
  const [agg_trade_id, price, quantity, first_trade_id, last_trade_id] = [
    parseInteger(texts[0]),
    parseDecimal(texts[1]),
    parseDecimal(texts[2]),
    parseInteger(texts[3]),
    parseInteger(texts[4]),
  ];
  const trade_time = expectedMillis(texts[5]!, ctx.timeUnit);
  const is_buyer_maker = parseBoolean(texts[6]);
  if (
    agg_trade_id === null ||
    price === null ||
    quantity === null ||
    first_trade_id === null ||
    last_trade_id === null ||
    trade_time === null ||
    is_buyer_maker === null
  ) {
    return null;
  }
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
};

const checkRow = (row: Uint8Array, ctx: CsvMapContext, before?: Uint8Array, after?: Uint8Array): void => {
  const got = datavisionAggTrade(rowsOf(row, before, after), 0, ctx);
  const want = reference(row, ctx);
  if (want === null) expect(typeof got, `${Buffer.from(row).toString('latin1')} must be rejected`).toBe('string');
  else expect(got, Buffer.from(row).toString('latin1')).toEqual(want);
};

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');

// ---- generators ------------------------------------------------------------------------------------------------

const digitRun = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: max });
/** 0–19 digits, often with leading zeros. */
const uintText = fc
  .tuple(fc.string({ unit: fc.constant('0'), maxLength: 4 }), digitRun(19))
  .map(([z, d]) => (z + d).slice(0, 19))
  .filter((t) => t.length > 0);
/** `12`, `12.`, `.5`, `12.50`, `.`: 0–19 digits on each side of an optional dot. */
const decimalText = fc.tuple(digitRun(19), fc.constantFrom('', '.', '.', '.'), digitRun(19)).map(([a, dot, b]) => (dot === '' ? a + b : `${a}.${b}`));
/** Around 2^53 and 16–17 significant digits, where exactness ends. */
const edgeText = fc.constantFrom(
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '9999999999999999',
  '10000000000000000',
  '900719925474099.1',
  '900719925474099.2',
  '900719925474099.3',
  '9.007199254740993',
  '900.7199254740993',
  '9007199254740.993',
  '90071992547409.93', // mantissa 2^53 + 1, rounded to 2^53 as a double: 90071992547409.92 if accepted
  '900719925474100.1',
  '9007199254740993.',
  '0.9007199254740993',
  '0.0000000000000001',
  '00000000000000001',
  '1234567890123456.',
  '.1234567890123456',
  '0.1',
  '0.3',
  '108253.7',
  '87648.13000000',
  '0.00009000',
  '1761091200048',
  '1789430400017123',
);
const oddText = fc.constantFrom('', ' 12', '12 ', '-7', '+7', '1e3', '1E-3', '1.0', '0x10', '12a', '"123"', 'NULL', 'NaN', 'Infinity', '1..2', '1.2.3');
const intText = fc.oneof(
  { weight: 8, arbitrary: uintText },
  { weight: 1, arbitrary: edgeText },
  { weight: 1, arbitrary: decimalText },
  { weight: 1, arbitrary: oddText },
);
const decText = fc.oneof(
  { weight: 8, arbitrary: decimalText },
  { weight: 3, arbitrary: edgeText },
  { weight: 1, arbitrary: uintText },
  { weight: 1, arbitrary: oddText },
);
const boolText = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('true', 'false', 'True', 'False') },
  { weight: 1, arbitrary: fc.constantFrom('TRUE', 'FALSE', 'tru', 'fals', 'falsey', 'truee', '', '1', ' true', 'true ') },
);

/** A context (7 columns for futures, 8 for spot) and a row for it, as text; sometimes a column short or long. */
const rowCase = fc
  .tuple(
    fc.constantFrom(7, 8),
    fc.constantFrom<TimeUnit | 'auto'>('ms', 'ms', 'us', 's', 'auto'),
    fc.tuple(intText, decText, decText, intText, intText, intText, boolText),
    fc.constantFrom('True', 'False', 'x', ''),
    fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'short', 'long'),
  )
  .map(([cols, unit, fields, extra, shape]) => {
    const all: string[] = cols === 8 ? [...fields, extra] : [...fields];
    if (shape === 'short') all.pop();
    if (shape === 'long') all.push('True');
    return { ctx: ctxOf(cols, unit), text: all.join(',') };
  });

/** Bytes a junk mutation puts in a row: those at the edges of the digit tests, separators, signs, high bytes. */
const junkByte = fc.oneof(
  fc.constantFrom(0x00, 0x0a, 0x0d, 0x20, 0x22, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x39, 0x3a, 0x40, 0x45, 0x65, 0x7f, 0x80, 0xc3, 0xf9, 0xfa, 0xff),
  fc.integer({ min: 0, max: 255 }),
);
const mutation = fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), junkByte);

/** A context and a row's bytes: a generated row, one time in four with 1–3 bytes replaced, inserted or deleted. */
const rowBytes = fc.tuple(rowCase, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.nat(3)).map(([{ ctx, text }, mutations, mutate]) => {
  const b = [...bytes(text)];
  if (mutate === 0) {
    for (const [kind, at, byte] of mutations) {
      const p = b.length === 0 ? 0 : at % b.length;
      if (kind === 'set' && b.length > 0) b[p] = byte;
      else if (kind === 'insert') b.splice(p, 0, byte);
      else if (kind === 'delete') b.splice(p, 1);
    }
  }
  return { ctx, row: Uint8Array.from(b) };
});

/** What follows the row in the buffer: nothing, a line ending and more rows, or stale bytes (digits, commas…). */
const afterBytes = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.constantFrom('\n', '\r\n', '\n2907604450,108253.6,0.237,6764565324,6764565324,1761091200101,true\n').map(bytes),
  fc.string({ unit: fc.constantFrom(...'0123456789,.e\n'), minLength: 0, maxLength: 64 }).map(bytes),
  fc.uint8Array({ minLength: 0, maxLength: 64 }),
);
/** What precedes it: 0–7 bytes, so that its words are read at every alignment. */
const beforeBytes = fc.uint8Array({ minLength: 0, maxLength: 7 });

// ---- tests -----------------------------------------------------------------------------------------------------

describe('datavisionAggTrade', () => {
  it('maps a futures and a spot row', () => {
    const pad = bytes('\n'.padEnd(64, '9'));
    const futures = datavisionAggTrade(rowsOf(bytes('2907604449,108253.7,0.049,6764565323,6764565324,1761091200048,true'), undefined, pad), 0, ctxOf(7, 'ms'));
    expect(futures).toEqual({
      symbol: 'BTCUSDT',
      agg_trade_id: 2907604449,
      price: 108253.7,
      quantity: 0.049,
      first_trade_id: 6764565323,
      last_trade_id: 6764565324,
      trade_time: 1761091200048,
      is_buyer_maker: true,
      source: 'datavision',
      ingested_at: 1_700_000_000_000,
    });
    const spot = datavisionAggTrade(rowsOf(bytes('4063759318,87648.13000000,0.00009000,5741432410,5741432410,1789430400017123,False,True'), undefined, pad), 0, ctxOf(8, 'us'));
    expect(spot).toMatchObject({ agg_trade_id: 4063759318, price: 87648.13, quantity: 0.00009, trade_time: 1789430400017, is_buyer_maker: false });
  });

  it('does not read a number on past the row end into the bytes that follow it', () => {
    const row = bytes('2907604449,108253.7,0.049,6764565323,6764565324,1761091200048,true');
    // A row cut inside its last fields: the bytes after it complete it, but are not part of it.
    for (let cut = 1; cut < row.length; cut++) {
      const got = datavisionAggTrade(rowsOf(row.subarray(0, cut), undefined, Buffer.concat([row.subarray(cut), bytes('0'.repeat(64))])), 0, ctxOf(7, 'ms'));
      expect(typeof got, `cut at ${cut}`).toBe('string');
    }
    // A one-field row followed by long numbers up to the buffer's end: reading them would run past the buffer.
    const tail = bytes(`,${'1234567890123456,'.repeat(2)}${'0'.repeat(8)}`);
    expect(typeof datavisionAggTrade(rowsOf(bytes('1'), undefined, tail), 0, ctxOf(7, 'ms'))).toBe('string');
  });

  it('reads the numbers around 2^53 and 16–17 digits like the core parsers', () => {
    const pad = bytes('\n'.padEnd(64, '1'));
    const edges = [
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '9999999999999999',
      '10000000000000000',
      '00000000000000001',
      '9.007199254740993',
      '9007199254740.993',
      '90071992547409.93',
      '900719925474100.1',
      '900719925474099.3',
      '9007199254740993.',
      '0.9007199254740993',
      '0.0000000000000001',
    ];
    for (const text of edges) {
      for (const col of [0, 1, 2, 5]) {
        const fields = ['1', '2.5', '3.5', '4', '5', '6', 'true'];
        fields[col] = text;
        checkRow(bytes(fields.join(',')), ctxOf(7, 'ms'), undefined, pad);
      }
    }
  });

  it('gives exactly what the core parsers give for each field of any row, or rejects it like them (property)', () => {
    fc.assert(
      fc.property(rowBytes, beforeBytes, afterBytes, ({ ctx, row }, before, after) => checkRow(row, ctx, before, after)),
      { numRuns: 20_000, seed: 20251022 },
    );
  });

  it('reads any single byte at any position of a plain row like the core parsers (property)', () => {
    const rows = [
      '2907604449,108253.7,0.049,6764565323,6764565324,1761091200048,false',
      '1,2,3,4,5,6,true',
      '9007199254740991,.5,5.,0000000000000009,1234567890123456,0001761091200048,True',
      '4063759318,87648.13000000,0.00009000,5741432410,5741432410,1789430400017123,True,True',
    ].map(bytes);
    const pad = bytes('\n'.padEnd(64, '7'));
    fc.assert(
      fc.property(fc.constantFrom(...rows), fc.nat(), junkByte, fc.constantFrom('set', 'insert', 'delete'), (row, at, byte, kind) => {
        const b = [...row];
        const p = at % b.length;
        if (kind === 'set') b[p] = byte;
        else if (kind === 'insert') b.splice(p, 0, byte);
        else b.splice(p, 1);
        const cols = row.filter((x) => x === 0x2c).length + 1;
        checkRow(Uint8Array.from(b), ctxOf(cols, cols === 8 ? 'us' : 'ms'), undefined, pad);
      }),
      { numRuns: 20_000, seed: 7 },
    );
  });

  it('reads decimals of 1–16 significant digits exactly as Number() does (property)', () => {
    const pad = bytes('\n'.padEnd(64, '5'));
    fc.assert(
      fc.property(fc.tuple(digitRun(16), digitRun(16)), fc.tuple(fc.constantFrom(7, 8), beforeBytes), ([a, b], [cols, before]) => {
        const text = `${a}.${b}`;
        if (a.length + b.length === 0 || a.length + b.length > 16) return;
        const row = bytes(`1,${text},${b.length > 0 ? b : '0'},2,3,4,true${cols === 8 ? ',True' : ''}`);
        const got = datavisionAggTrade(rowsOf(row, before, pad), 0, ctxOf(cols, 'ms'));
        expect(got).toMatchObject({ price: Number(text), quantity: Number(b.length > 0 ? b : '0') });
      }),
      { numRuns: 5_000, seed: 16 },
    );
  });
});
