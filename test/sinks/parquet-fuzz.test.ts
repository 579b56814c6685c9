/**
 * Property tests of scalplake's Parquet encoder against two independent readers: random flat schemas, random rows
 * full of edge values, random row-group / page sizes and codecs. For every file DuckDB must read back each value,
 * DuckDB's `parquet_metadata()` must show each row group's exact min/max/null count, `readParquet` must return the
 * rows, and encoding the rows and encoding packed columns must give the same bytes.
 * Runs are bounded (FUZZ_RUNS raises them for a longer local search).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isScalplakeError } from '../../src/core/errors.js';
import { col, type ColumnType, columnsOf, type TableSchema } from '../../src/core/schema.js';
import { readParquet } from '../../src/sinks/parquet-reader.js';
import { concatBytes, createParquetWriter, encodeParquet, encodeParquetColumns, type ParquetCodec } from '../../src/sinks/parquet-writer.js';
import { compileRowPacker } from '../../src/sinks/row-packer.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const dir = mkdtempSync(join(tmpdir(), 'scalplake-fuzz-'));
let db: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run(`SET TimeZone = 'UTC'`); // timestamp literals compare with the TIMESTAMPTZ columns in UTC
});
afterAll(() => {
  conn?.closeSync();
  db?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});
async function sql(q: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(q)).getRowObjects() as Record<string, unknown>[];
}
let fileNo = 0;
function save(bytes: Uint8Array): string {
  const path = join(dir, `f${fileNo++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

const TYPES: readonly ColumnType[] = ['timestamp', 'int64', 'int32', 'double', 'boolean', 'string'];
interface Col {
  readonly type: ColumnType;
  readonly nullable: boolean;
}
type Row = Record<string, unknown>;

function schemaOf(cols: readonly Col[]): TableSchema {
  const shape: Record<string, z.ZodType> = {};
  cols.forEach((c, k) => {
    const base = col[c.type]();
    shape[`c${k}`] = c.nullable ? base.nullable() : base;
  });
  return z.object(shape) as unknown as TableSchema;
}

const wellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const EDGE: Readonly<Record<ColumnType, readonly unknown[]>> = {
  timestamp: [0, 1, 999, 1_704_067_200_000, 2 ** 31, 2 ** 32, 2 ** 51, 2 ** 52 + 1, 2 ** 53 - 1],
  int64: [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32, -(2 ** 32), 2 ** 51, -(2 ** 51), 2 ** 53 - 1, -(2 ** 53 - 1)],
  int32: [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 16, -(2 ** 16)],
  double: [0, -0, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, Number.MAX_VALUE,
    -Number.MAX_VALUE, 2 ** 53, -(2 ** 53), 0.1, 1e-300, 1e300, 65_000.5],
  boolean: [true, false],
  string: ['', 'a', 'é', '\uFFFD', '\uE000', '\uD7FF', '😀', '𝄞x', 'ab\u0000c', 'Z', 'zz', 'x'.repeat(1500), '€'.repeat(400)],
};
function valueArb(type: ColumnType): fc.Arbitrary<unknown> {
  const edge = fc.constantFrom(...EDGE[type]);
  switch (type) {
    case 'timestamp':
      return fc.oneof(edge, fc.maxSafeNat(), fc.integer({ min: 0, max: 2 ** 31 }));
    case 'int64':
      return fc.oneof(edge, fc.maxSafeInteger(), fc.integer({ min: -1000, max: 1000 }));
    case 'int32':
      return fc.oneof(edge, fc.integer());
    case 'double':
      return fc.oneof(edge, fc.double(), fc.integer({ min: -50, max: 50 }).map((i) => i / 4));
    case 'boolean':
      return fc.boolean();
    case 'string':
      return fc.oneof(
        edge,
        fc.string({ maxLength: 8 }),
        fc.string({ unit: 'grapheme', maxLength: 6 }),
        fc.string({ unit: 'binary', maxLength: 6 }).filter(wellFormed),
      );
  }
}

/** How a column's values are drawn: freely, from a small pool (dictionaries), constant, or all null. */
type Mode = 'free' | 'pool' | 'constant' | 'null';
const columnArb = fc.record({
  type: fc.constantFrom(...TYPES),
  nullable: fc.boolean(),
  mode: fc.constantFrom<Mode>('free', 'free', 'pool', 'pool', 'constant', 'null'),
  nullRate: fc.constantFrom(0, 0.1, 0.5, 0.95),
  seed: fc.integer(),
});

const caseArb = fc
  .record({
    columns: fc.array(columnArb, { minLength: 1, maxLength: 6 }),
    rowGroupSize: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 400 })),
    pageSize: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 4096 }), fc.constant(1 << 20)),
    codec: fc.constantFrom<ParquetCodec>('ZSTD', 'SNAPPY', 'UNCOMPRESSED'),
    sizeKind: fc.constantFrom('free', 'group', 'group+1', 'one', 'zero'),
    freeRows: fc.integer({ min: 0, max: 700 }),
  })
  .chain((c) => {
    const n =
      c.sizeKind === 'group' ? c.rowGroupSize : c.sizeKind === 'group+1' ? c.rowGroupSize + 1 : c.sizeKind === 'one' ? 1 : c.sizeKind === 'zero' ? 0 : c.freeRows;
    const perColumn = c.columns.map((spec) => {
      const v = valueArb(spec.type);
      const pool = fc.array(v, { minLength: 1, maxLength: 5 });
      const values =
        spec.mode === 'pool'
          ? pool.chain((p) => fc.array(fc.nat(p.length - 1).map((i) => p[i]), { minLength: n, maxLength: n }))
          : spec.mode === 'constant'
            ? v.map((x) => Array.from({ length: n }, () => x))
            : fc.array(v, { minLength: n, maxLength: n });
      const nulls = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n });
      return fc.tuple(values, nulls).map(([vals, rs]) =>
        vals.map((x, i) => (spec.nullable && (spec.mode === 'null' || rs[i]! < spec.nullRate) ? null : x)),
      );
    });
    return fc.tuple(fc.constant(c), fc.tuple(...perColumn));
  })
  .map(([c, data]) => {
    const cols: Col[] = c.columns.map((x) => ({ type: x.type, nullable: x.nullable }));
    const n = data[0]?.length ?? 0;
    const rows: Row[] = Array.from({ length: n }, (_, i) => {
      const r: Row = {};
      cols.forEach((_, k) => {
        r[`c${k}`] = data[k]![i];
      });
      return r;
    });
    return { cols, rows, rowGroupSize: c.rowGroupSize, pageSize: c.pageSize, codec: c.codec };
  });

/** SQL turning each column into a value comparable with {@link expectedCell}. */
function selectList(cols: readonly Col[]): string {
  return cols
    .map((c, k) => {
      const q = `c${k}`;
      if (c.type === 'int64') return `${q}::VARCHAR AS ${q}`;
      if (c.type === 'timestamp') return `epoch_ms(${q})::VARCHAR AS ${q}`;
      return q;
    })
    .join(', ');
}
function expectedCell(type: ColumnType, v: unknown): unknown {
  if (v === null) return null;
  if (type === 'int64' || type === 'timestamp') return String(v);
  return v;
}
function sameCell(type: ColumnType, got: unknown, want: unknown): boolean {
  if (type === 'double' && typeof got === 'number' && typeof want === 'number') return Object.is(got, want);
  if (type === 'int32' && typeof got === 'number' && typeof want === 'number') return got === want;
  return got === want;
}

const utf8 = new TextEncoder();
/**
 * The exact bounds Parquet asks for, computed from the input: zero min −0 and zero max +0, NaN never a bound, and no
 * bounds at all for a double chunk holding NaN (DuckDB, which orders NaN above all numbers, would skip it wrongly).
 */
function expectedBounds(type: ColumnType, values: readonly unknown[]): { min: unknown; max: unknown } | undefined {
  if (type === 'double' && values.some((v) => typeof v === 'number' && Number.isNaN(v))) return undefined;
  const present = values.filter((v) => v !== null && !(typeof v === 'number' && Number.isNaN(v)));
  if (present.length === 0) return undefined;
  if (type === 'string') {
    const s = present as string[];
    const cmp = (a: string, b: string) => Buffer.compare(utf8.encode(a), utf8.encode(b));
    return { min: s.reduce((a, b) => (cmp(b, a) < 0 ? b : a)), max: s.reduce((a, b) => (cmp(b, a) > 0 ? b : a)) };
  }
  if (type === 'boolean') return { min: present.includes(false) ? 'false' : 'true', max: present.includes(true) ? 'true' : 'false' };
  const nums = present as number[];
  let min = Math.min(...nums);
  let max = Math.max(...nums);
  if (type === 'double') {
    if (min === 0) min = -0;
    if (max === 0) max = 0;
    return { min, max };
  }
  return { min: String(min === 0 ? 0 : min), max: String(max === 0 ? 0 : max) };
}

/** DuckDB's rendering of a statistic, made comparable with {@link expectedBounds}. */
function statsExpr(type: ColumnType, field: string): string {
  if (type === 'timestamp') return `epoch_ms(${field}::TIMESTAMPTZ)::VARCHAR`;
  if (type === 'int64' || type === 'int32') return `${field}::HUGEINT::VARCHAR`;
  return field;
}
function parseDuckDouble(s: string): number {
  if (s === 'inf' || s === 'infinity') return Infinity;
  if (s === '-inf' || s === '-infinity') return -Infinity;
  return Number(s);
}

/** A SQL literal of a value of a column type. */
function literal(type: ColumnType, v: unknown): string {
  switch (type) {
    case 'timestamp':
      return `epoch_ms((${v})::BIGINT)`;
    case 'int64':
      return `(${v})::BIGINT`;
    case 'int32':
      return `(${v})::INTEGER`;
    case 'double': {
      const x = v as number;
      const text = Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : Object.is(x, -0) ? '-0.0' : String(x);
      return `'${text}'::DOUBLE`;
    }
    default:
      return `'${String(v).replaceAll("'", "''")}'`;
  }
}
/** `a op b` as DuckDB evaluates it: NaN equal to itself and above every number, −0 = +0, strings by UTF-8 bytes. */
function duckCompare(type: ColumnType, a: unknown, b: unknown, op: '>' | '<' | '='): boolean {
  let d: number;
  if (type === 'string') d = Buffer.compare(utf8.encode(a as string), utf8.encode(b as string));
  else {
    const x = a as number;
    const y = b as number;
    d = Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : Number.isNaN(y) ? -1 : x < y ? -1 : x > y ? 1 : 0;
  }
  return op === '>' ? d > 0 : op === '<' ? d < 0 : d === 0;
}

async function checkFile(cols: readonly Col[], rows: readonly Row[], rowGroupSize: number, pageSize: number, codec: ParquetCodec): Promise<void> {
  const schema = schemaOf(cols);
  const options = { rowGroupSize, pageSize, codec };
  const bytes = await encodeParquet(schema, rows, options);

  // The packed-column path gives the same bytes.
  const packer = compileRowPacker(columnsOf(schema));
  const packed = packer.create();
  for (const r of rows) packer.push(packed, r);
  const fromColumns = await encodeParquetColumns(schema, packed.n, (c, start, count) => packer.fill(packed, start, count, c), options);
  expect(Buffer.from(fromColumns).equals(Buffer.from(bytes))).toBe(true);

  // So does the streaming writer fed batches that straddle row groups.
  const w = await createParquetWriter<Row>(schema, options);
  const parts: Uint8Array[] = [];
  for (let i = 0, b = 1; i < rows.length; i += b, b = 1 + ((b * 3 + 1) % 97)) parts.push(...w.write(rows.slice(i, i + b)));
  parts.push(w.finish());
  expect(Buffer.from(concatBytes(parts)).equals(Buffer.from(bytes))).toBe(true);

  const path = save(bytes);
  // DuckDB reads every value back.
  const back = await sql(`SELECT ${selectList(cols)} FROM read_parquet('${path}', file_row_number = true) ORDER BY file_row_number`);
  expect(back.length).toBe(rows.length);
  for (let i = 0; i < rows.length; i++) {
    cols.forEach((c, k) => {
      const got = back[i]![`c${k}`];
      const want = expectedCell(c.type, rows[i]![`c${k}`]);
      if (!sameCell(c.type, got, want)) {
        expect.fail(`DuckDB row ${i} column c${k} (${c.type}${c.nullable ? ', nullable' : ''}): got ${String(got)}, want ${String(want)}`);
      }
    });
  }

  // DuckDB's parquet_metadata() shows exact bounds and null counts for every row group and column.
  const caseFor = (field: string) =>
    `CASE column_id ${cols.map((c, k) => `WHEN ${k} THEN ${statsExpr(c.type, field)}`).join(' ')} END`;
  const meta = await sql(
    `SELECT row_group_id::INTEGER AS g, column_id::INTEGER AS k, row_group_num_rows::INTEGER AS rows, stats_null_count::INTEGER AS nulls,
       ${caseFor('stats_min_value')} AS min, ${caseFor('stats_max_value')} AS max
     FROM parquet_metadata('${path}') ORDER BY g, k`,
  );
  const groups = rows.length === 0 ? 0 : Math.ceil(rows.length / rowGroupSize);
  expect(meta.length).toBe(groups * cols.length);
  for (const m of meta) {
    const g = m.g as number;
    const k = m.k as number;
    const c = cols[k]!;
    const slice = rows.slice(g * rowGroupSize, (g + 1) * rowGroupSize).map((r) => r[`c${k}`]);
    expect(m.rows).toBe(slice.length);
    const where = `row group ${g} column c${k} (${c.type})`;
    expect(m.nulls, where).toBe(slice.filter((v) => v === null).length);
    const want = expectedBounds(c.type, slice);
    if (want === undefined) {
      expect([m.min, m.max], where).toEqual([null, null]);
      continue;
    }
    if (c.type === 'string' && (utf8.encode(want.min as string).length > 1024 || utf8.encode(want.max as string).length > 1024)) {
      expect([m.min, m.max], where).toEqual([null, null]); // long strings are not worth bounding
      continue;
    }
    if (c.type === 'double') {
      // DuckDB shows no bound for an infinite statistic; a finite one must be the exact bound, zeros signed.
      const min = m.min === null ? null : parseDuckDouble(m.min as string);
      const max = m.max === null ? null : parseDuckDouble(m.max as string);
      if (min !== null || Number.isFinite(want.min)) expect(Object.is(min, want.min), `${where} min ${min} want ${want.min}`).toBe(true);
      if (max !== null || Number.isFinite(want.max)) expect(Object.is(max, want.max), `${where} max ${max} want ${want.max}`).toBe(true);
      continue;
    }
    expect({ min: m.min, max: m.max }, where).toEqual(want);
  }

  // Filters DuckDB pushes into the scan (skipping row groups by their bounds) count what the input holds.
  for (let k = 0; k < cols.length; k++) {
    const c = cols[k]!;
    if (c.type === 'boolean') continue;
    const values = rows.map((r) => r[`c${k}`]).filter((v) => v !== null);
    const pick = values[Math.floor(values.length / 2)];
    if (pick === undefined || (typeof pick === 'string' && pick.includes('\u0000'))) continue;
    for (const op of ['>', '<', '='] as const) {
      const want = values.filter((v) => duckCompare(c.type, v, pick, op)).length;
      const [got] = await sql(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}') WHERE c${k} ${op} ${literal(c.type, pick)}`);
      expect(got!.n, `c${k} (${c.type}) ${op} ${String(pick)}`).toBe(want);
    }
  }

  // Our reader returns the rows.
  const read = await readParquet<Row>(bytes, schema);
  expect(read.length).toBe(rows.length);
  for (let i = 0; i < rows.length; i++) {
    cols.forEach((c, k) => {
      const got = read[i]![`c${k}`];
      const want = rows[i]![`c${k}`];
      const ok = c.type === 'double' ? Object.is(got, want) : got === want;
      if (!ok) expect.fail(`readParquet row ${i} column c${k} (${c.type}): got ${String(got)}, want ${String(want)}`);
    });
  }
}

describe('Parquet encoder fuzzing against DuckDB and readParquet', () => {
  it('round-trips random schemas, rows, row-group and page sizes and codecs, with exact statistics', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ cols, rows, rowGroupSize, pageSize, codec }) => {
        await checkFile(cols, rows, rowGroupSize, pageSize, codec);
      }),
      { numRuns: RUNS, endOnFailure: process.env.FUZZ_SHRINK === undefined, seed: process.env.FUZZ_SEED === undefined ? 20_240_101 : Number(process.env.FUZZ_SEED) },
    );
  }, 120_000);
});

describe('Parquet encoder edge cases found or pinned by the fuzzer', () => {
  const schemaOfOne = (type: ColumnType, nullable = false) => schemaOf([{ type, nullable }]);
  async function encodingsOf(path: string): Promise<string[]> {
    return (await sql(`SELECT encodings::VARCHAR AS e FROM parquet_metadata('${path}') ORDER BY row_group_id`)).map((r) => r.e as string);
  }

  it('gives a double chunk holding NaN no bounds, so that DuckDB does not skip its NaN rows', async () => {
    const cols: Col[] = [{ type: 'double', nullable: true }];
    // PLAIN (a few values) and dictionary-coded (many repeats) chunks.
    for (const xs of [[1, Number.NaN, 5, null], Array.from({ length: 200 }, (_, i) => (i === 77 ? Number.NaN : i % 3 === 0 ? null : i % 5))]) {
      const rows = xs.map((c0) => ({ c0 }));
      const path = save(await encodeParquet(schemaOf(cols), rows));
      const count = async (where: string) => (await sql(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}') WHERE ${where}`))[0]!.n;
      expect(await count(`c0 > 1000`)).toBe(1); // DuckDB orders NaN above every number
      expect(await count(`c0 = 'nan'::DOUBLE`)).toBe(1);
      expect(await count(`isnan(c0)`)).toBe(1);
      const [m] = await sql(`SELECT stats_min_value AS min, stats_max_value AS max, stats_null_count::INTEGER AS nulls FROM parquet_metadata('${path}')`);
      expect(m).toEqual({ min: null, max: null, nulls: xs.filter((x) => x === null).length });
      await checkFile(cols, rows, rows.length, 1 << 20, 'ZSTD');
    }
  });

  it('writes dictionaries up to their give-up thresholds and PLAIN past them, values and bounds exact either way', async () => {
    const strings: Col[] = [{ type: 'string', nullable: true }];
    for (const [distinct, encoding] of [[65_536, 'RLE_DICTIONARY'], [65_537, 'PLAIN']] as const) {
      const rows = Array.from({ length: distinct + 100 }, (_, i) => ({ c0: i === 5 ? null : `é${(i * 7919) % distinct}` }));
      const path = save(await encodeParquet(schemaOf(strings), rows, { rowGroupSize: rows.length, pageSize: 1 << 22 }));
      expect((await encodingsOf(path))[0]).toContain(encoding);
      await checkFile(strings, rows, rows.length, 1 << 22, 'ZSTD');
    }
    const doubles: Col[] = [{ type: 'double', nullable: false }];
    // At most half distinct: a dictionary; one more: PLAIN. Past 4,096 distinct among the first 8,192: PLAIN.
    for (const [n, distinct, encoding] of [[64, 32, 'RLE_DICTIONARY'], [64, 33, 'PLAIN'], [9000, 4096, 'RLE_DICTIONARY'], [9000, 4097, 'PLAIN']] as const) {
      const rows = Array.from({ length: n }, (_, i) => ({ c0: -(i % distinct) / 8 }));
      const path = save(await encodeParquet(schemaOf(doubles), rows, { pageSize: 1 << 20 }));
      expect((await encodingsOf(path))[0]).toContain(encoding);
      await checkFile(doubles, rows, n, 1 << 20, 'SNAPPY');
    }
  }, 60_000);

  it('keeps bounds for ±Infinity, subnormals and signed zeros without NaN', async () => {
    const cols: Col[] = [{ type: 'double', nullable: false }];
    for (const xs of [[0, -0], [-0], [0], [Infinity, 1], [-Infinity, -Number.MIN_VALUE], [Number.MIN_VALUE, -0, 5e-310]]) {
      await checkFile(cols, xs.map((c0) => ({ c0 })), 100, 1 << 20, 'UNCOMPRESSED');
    }
  });

  it('refuses, when packing rows, an INT32 out of range and an INT64 or timestamp that is not a safe integer', () => {
    for (const [type, value] of [['int32', 2 ** 31], ['int32', -(2 ** 31) - 1], ['int64', 2 ** 53], ['int64', 1e300], ['timestamp', 2 ** 60], ['int64', Number.NaN]] as const) {
      const packer = compileRowPacker(columnsOf(schemaOfOne(type)));
      const p = packer.create();
      let caught: unknown;
      try {
        packer.push(p, { c0: value });
      } catch (e) {
        caught = e;
      }
      expect(isScalplakeError(caught, 'SINK_WRITE'), `${type} ${value}`).toBe(true);
      expect(p.n).toBe(0);
    }
  });

  it('refuses producer-built columns holding a value the column cannot hold, naming column and row, instead of writing it wrong', async () => {
    const cases: [ColumnType, boolean, (number | string | null)[]][] = [
      ['int64', false, [1, 2, 1.5]],
      ['int64', true, [null, 7, Number.NaN]],
      ['timestamp', false, [0, 1, 2 ** 60]],
      ['int32', true, [null, 1, 2 ** 31]],
      ['int32', false, [1, 2, -(2 ** 31) - 1]],
      ['boolean', false, [1, 0, 2]],
      ['string', false, ['a', 'b', null]],
    ];
    for (const [type, nullable, values] of cases) {
      const schema = schemaOfOne(type, nullable);
      const packer = compileRowPacker(columnsOf(schema));
      // Built column by column, as the gold engine does: no row check on the way.
      const block = {
        n: values.length,
        cap: values.length,
        cols: [type === 'string' ? values : Float64Array.from(values, (v) => (v === null ? 0 : (v as number)))],
        nulls: [nullable && type !== 'string' ? Uint8Array.from(values, (v) => (v === null ? 1 : 0)) : new Uint8Array(0)],
      } as Parameters<typeof packer.fill>[0];
      let caught: unknown;
      try {
        // Two row groups; the bad value is row 2 of the file, the first row of the second group.
        await encodeParquetColumns(schema, block.n, (c, start, count) => packer.fill(block, start, count, c), { rowGroupSize: 2, codec: 'UNCOMPRESSED' });
      } catch (e) {
        caught = e;
      }
      expect(isScalplakeError(caught, 'SINK_WRITE'), `${type} ${values.join(',')}`).toBe(true);
      if (type !== 'string') expect((caught as Error).message).toContain('row 2 of the file');
      expect((caught as Error).message).toContain('"c0"');
    }
  });
});
