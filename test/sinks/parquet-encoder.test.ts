import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isScalplakeError } from '../../src/core/errors.js';
import { col, type TableSchema } from '../../src/core/schema.js';
import { AggTrade, MarkPrice } from '../../src/core/tables.js';
import { compareUtf8 } from '../../src/sinks/parquet-encoder.js';
import { readParquet } from '../../src/sinks/parquet-reader.js';
import { encodeParquet } from '../../src/sinks/parquet-writer.js';
import { duck, loadAggTrades, loadMarkPrices } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'scalplake-enc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function save(bytes: Uint8Array): string {
  const path = join(dir, `e${fileNo++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}
const S = <T>(s: T) => s as unknown as TableSchema;

/** Every column type, required and nullable. */
const AllTypes = z.object({
  id: col.int64(),
  maybe_id: col.int64().nullable(),
  ts: col.timestamp(),
  maybe_ts: col.timestamp().nullable(),
  n32: col.int32(),
  maybe_n32: col.int32().nullable(),
  x: col.double(),
  maybe_x: col.double().nullable(),
  flag: col.boolean(),
  maybe_flag: col.boolean().nullable(),
  name: col.string(),
  maybe_name: col.string().nullable(),
});
type AllTypesRow = z.infer<typeof AllTypes>;

/** SQL that turns every AllTypes column into a value JSON-comparable with the input rows. */
const ALL_TYPES_SQL = (path: string) =>
  `SELECT id::VARCHAR AS id, maybe_id::VARCHAR AS maybe_id, epoch_ms(ts)::VARCHAR AS ts, epoch_ms(maybe_ts)::VARCHAR AS maybe_ts,
    n32, maybe_n32, x, maybe_x, flag, maybe_flag, name, maybe_name FROM '${path}'`;
const asDuck = (r: AllTypesRow) => ({
  ...r,
  id: String(r.id),
  maybe_id: r.maybe_id === null ? null : String(r.maybe_id),
  ts: String(r.ts),
  maybe_ts: r.maybe_ts === null ? null : String(r.maybe_ts),
});

/** Deterministic pseudo-random rows with nulls, runs, negative and large values. */
function allTypesRows(n: number): AllTypesRow[] {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const names = ['BTCUSDT', 'ETHUSDT', 'ünïcødé', '😀', '\uFFFD', ''];
  const rows: AllTypesRow[] = [];
  let t = 1_704_067_200_000;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 50);
    rows.push({
      id: 5_000_000_000 + i * 3,
      maybe_id: rnd() < 0.3 ? null : Math.floor((rnd() - 0.5) * 2 ** 40),
      ts: t,
      maybe_ts: i % 97 < 40 ? null : t - 1000,
      n32: Math.floor((rnd() - 0.5) * 2 ** 32),
      maybe_n32: rnd() < 0.5 ? null : i,
      x: Math.round(rnd() * 1e6) / 100,
      maybe_x: rnd() < 0.2 ? null : (rnd() - 0.5) * 1e300,
      flag: rnd() < 0.5,
      maybe_flag: rnd() < 0.3 ? null : rnd() < 0.5,
      name: names[Math.floor(rnd() * names.length)]!,
      maybe_name: i % 10 < 3 ? null : names[i % names.length]!,
    });
  }
  return rows;
}

describe('ParquetEncoder: every type, nulls, pages and row groups', () => {
  it('round-trips mixed rows through DuckDB and readParquet with pages split inside row groups', async () => {
    const rows = allTypesRows(2500);
    const bytes = await encodeParquet(S(AllTypes), rows, { rowGroupSize: 1000, pageSize: 64 });
    const path = save(bytes);
    expect(await duck(ALL_TYPES_SQL(path))).toEqual(rows.map(asDuck));
    expect(await readParquet(bytes, S(AllTypes))).toEqual(rows);
    // Several data pages per column chunk (encoding_stats counts them).
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([1000, 1000, 500]);
    const pages = (name: string) =>
      meta.row_groups[0]!.columns.find((c) => c.meta_data?.path_in_schema[0] === name)!.meta_data!.encoding_stats!.find((s) => s.page_type === 'DATA_PAGE_V2')!.count;
    for (const c of ['id', 'maybe_ts', 'n32', 'x', 'maybe_x', 'flag', 'maybe_flag', 'name', 'maybe_name']) {
      expect(pages(c), c).toBeGreaterThan(1);
    }
  });

  it('writes a file without rows that DuckDB and readParquet read as empty, with the schema', async () => {
    const bytes = await encodeParquet(S(AllTypes), []);
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
    const path = save(bytes);
    expect(await duck(`SELECT count(*)::INTEGER AS n FROM '${path}'`)).toEqual([{ n: 0 }]);
    const types = await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${path}')`);
    expect(types.map((t) => t.column_type)).toEqual([
      'BIGINT', 'BIGINT', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP WITH TIME ZONE', 'INTEGER', 'INTEGER',
      'DOUBLE', 'DOUBLE', 'BOOLEAN', 'BOOLEAN', 'VARCHAR', 'VARCHAR',
    ]);
    expect(await readParquet(bytes, S(AllTypes))).toEqual([]);
  });

  it('writes SNAPPY and UNCOMPRESSED files too', async () => {
    const rows = allTypesRows(300);
    for (const codec of ['SNAPPY', 'UNCOMPRESSED'] as const) {
      const bytes = await encodeParquet(S(AllTypes), rows, { codec });
      const path = save(bytes);
      expect(await duck(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`)).toEqual([{ compression: codec }]);
      expect(await duck(ALL_TYPES_SQL(path))).toEqual(rows.map(asDuck));
      expect(await readParquet(bytes, S(AllTypes))).toEqual(rows);
    }
  });

  it('writes a single row', async () => {
    const [row] = allTypesRows(1);
    const bytes = await encodeParquet(S(AllTypes), [row!]);
    expect(await duck(ALL_TYPES_SQL(save(bytes)))).toEqual([asDuck(row!)]);
    expect(await readParquet(bytes, S(AllTypes))).toEqual([row]);
  });

  it('writes all-null column chunks with null_count and no bounds', async () => {
    const rows = loadMarkPrices().map((r) => ({ ...r, index_price: null, next_funding_time: null }));
    const path = save(await encodeParquet(S(MarkPrice), rows));
    const got = await duck(`SELECT count(*)::INTEGER AS n, count(index_price)::INTEGER AS i, count(next_funding_time)::INTEGER AS t FROM '${path}'`);
    expect(got).toEqual([{ n: rows.length, i: 0, t: 0 }]);
    const stats = await duck(
      `SELECT path_in_schema AS c, stats_null_count::INTEGER AS nulls, stats_min_value AS lo, stats_max_value AS hi
       FROM parquet_metadata('${path}') WHERE path_in_schema IN ('index_price', 'next_funding_time') ORDER BY 1`,
    );
    expect(stats).toEqual([
      { c: 'index_price', nulls: rows.length, lo: null, hi: null },
      { c: 'next_funding_time', nulls: rows.length, lo: null, hi: null },
    ]);
  });
});

describe('ParquetEncoder: values at the edges', () => {
  const Ints = z.object({ v: col.int64(), t: col.timestamp() });

  it('keeps negative and extreme int64 values exact, delta-packed or plain', async () => {
    const extremes = [-(2 ** 53) + 1, -1, 0, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 1, 2 ** 53 - 1];
    // Descending and wide-range sequences (range above 2^51 falls back to PLAIN), and a long delta sequence with
    // deltas wider than 32 bits.
    const wide = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (2 ** 40 + i * 2 ** 35));
    const descending = Array.from({ length: 300 }, (_, i) => -1000 * i - 7);
    for (const values of [extremes, wide, descending]) {
      const rows = values.map((v, i) => ({ v, t: 1_700_000_000_000 + i }));
      const bytes = await encodeParquet(S(Ints), rows);
      const got = await duck(`SELECT v::VARCHAR AS v FROM '${save(bytes)}'`);
      expect(got.map((r) => r.v)).toEqual(values.map(String));
      expect(await readParquet(bytes, S(Ints))).toEqual(rows);
    }
  });

  it('keeps -0, subnormal, huge and non-finite doubles, dictionary-coded or plain', async () => {
    const D = z.object({ x: col.double() });
    const special = [-0, 0, 5e-324, -1.7976931348623157e308, 1.7976931348623157e308, 0.1, Infinity, -Infinity, Number.NaN];
    // Few distinct values (dictionary) and all-distinct values (PLAIN after the dictionary gives up).
    const few = Array.from({ length: 9000 }, (_, i) => special[i % special.length]!);
    const many = Array.from({ length: 9000 }, (_, i) => (i % 9 === 0 ? special[(i / 9) % special.length]! : i / 7));
    for (const xs of [few, many]) {
      const rows = xs.map((x) => ({ x }));
      const bytes = await encodeParquet(S(D), rows, { rowGroupSize: 9000 });
      const back = await readParquet<{ x: number }>(bytes, S(D));
      expect(back.map((r) => r.x)).toEqual(xs); // toEqual tells -0 from 0 and NaN equals NaN
      const got = await duck(`SELECT x FROM '${save(bytes)}'`);
      expect(got.map((r) => r.x)).toEqual(xs);
    }
  }, 20_000);

  it('writes unicode strings and bounds them in UTF-8 byte order', async () => {
    const T = z.object({ s: col.string() });
    const strings = ['a', '\uFFFD', '😀', 'ä', 'z', 'BTCUSDT', '日本語'];
    const bytes = await encodeParquet(S(T), strings.map((s) => ({ s })));
    const path = save(bytes);
    expect((await duck(`SELECT s FROM '${path}'`)).map((r) => r.s)).toEqual(strings);
    const [st] = await duck(`SELECT stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata('${path}')`);
    // In UTF-8 '😀' (F0 9F 98 80) sorts after U+FFFD (EF BF BD), although its UTF-16 form sorts before.
    expect(st).toEqual({ lo: 'BTCUSDT', hi: '😀' });
  });

  it('falls back to PLAIN strings when a chunk has too many distinct values', async () => {
    const T = z.object({ s: col.string(), n: col.string().nullable() });
    const rows = Array.from({ length: 3000 }, (_, i) => ({ s: `symbol-${i}-${'é'.repeat(i % 5)}`, n: i % 4 === 0 ? null : `v${i % 3}` }));
    const bytes = await encodeParquet(S(T), rows, { pageSize: 2048 });
    expect(await duck(`SELECT s, n FROM '${save(bytes)}'`)).toEqual(rows);
    expect(await readParquet(bytes, S(T))).toEqual(rows);
  });
});

describe('ParquetEncoder: double dictionaries', () => {
  it('writes repeated doubles as a dictionary and mostly distinct ones PLAIN, even in a short chunk', async () => {
    const T = z.object({ tick: col.double(), feature: col.double().nullable() });
    const rows = Array.from({ length: 1440 }, (_, i) => ({ tick: 100 + (i % 7) / 10, feature: i % 9 === 0 ? null : Math.sin(i) * 1e3 }));
    const path = save(await encodeParquet(S(T), rows));
    const enc = await duck(`SELECT path_in_schema AS col, encodings FROM parquet_metadata('${path}') ORDER BY 1`);
    expect(enc.map((e) => [e.col, String(e.encodings).includes('DICTIONARY')])).toEqual([
      ['feature', false],
      ['tick', true],
    ]);
    expect(await duck(`SELECT tick, feature FROM '${path}'`)).toEqual(rows);
  });
});

describe('ParquetEncoder: statistics and errors', () => {
  it('writes min/max/null-count statistics that DuckDB reads from parquet_metadata()', async () => {
    const rows = loadAggTrades();
    const path = save(await encodeParquet(S(AggTrade), rows, { rowGroupSize: 6 }));
    const stats = await duck(
      `SELECT row_group_id::INTEGER AS g, path_in_schema AS c, stats_min_value AS lo, stats_max_value AS hi, stats_null_count::INTEGER AS nulls
       FROM parquet_metadata('${path}') WHERE path_in_schema IN ('agg_trade_id', 'price', 'symbol', 'is_buyer_maker') ORDER BY 1, 2`,
    );
    const group = (g: number) => rows.slice(g * 6, g * 6 + 6);
    const expected = [0, 1].flatMap((g) => {
      const ids = group(g).map((r) => r.agg_trade_id);
      const prices = group(g).map((r) => r.price);
      const makers = group(g).map((r) => r.is_buyer_maker);
      return [
        { g, c: 'agg_trade_id', lo: String(Math.min(...ids)), hi: String(Math.max(...ids)), nulls: 0 },
        { g, c: 'is_buyer_maker', lo: String(makers.every(Boolean)), hi: String(makers.some(Boolean)), nulls: 0 },
        { g, c: 'price', lo: Math.min(...prices), hi: Math.max(...prices), nulls: 0 },
        { g, c: 'symbol', lo: 'BTCUSDT', hi: 'BTCUSDT', nulls: 0 },
      ];
    });
    expect(stats.map((s) => (s.c === 'price' ? { ...s, lo: Number(s.lo), hi: Number(s.hi) } : s))).toEqual(expected);
  });

  it('leaves statistics out when told to, and refuses a page size that is not a positive integer', async () => {
    const path = save(await encodeParquet(S(AggTrade), loadAggTrades(), { statistics: false }));
    const stats = await duck(`SELECT DISTINCT stats_min_value AS lo, stats_null_count AS nulls FROM parquet_metadata('${path}')`);
    expect(stats).toEqual([{ lo: null, nulls: null }]);
    const err = await encodeParquet(S(AggTrade), [], { pageSize: 0 }).catch((e) => e);
    expect(isScalplakeError(err, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('writes timestamp statistics as UTC instants', async () => {
    const rows = loadAggTrades();
    const path = save(await encodeParquet(S(AggTrade), rows));
    const [st] = await duck(
      `SELECT stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata('${path}') WHERE path_in_schema = 'trade_time'`,
    );
    const times = rows.map((r) => r.trade_time);
    const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00');
    expect(st).toEqual({ lo: iso(Math.min(...times)), hi: iso(Math.max(...times)) });
  });

  it('throws SINK_WRITE naming the column, the row and the value', async () => {
    const rows = allTypesRows(10);
    const cases: [Partial<AllTypesRow> | Record<string, unknown>, string, string][] = [
      [{ id: 2 ** 53 }, '"id"', '9007199254740992'],
      [{ maybe_n32: 2 ** 31 }, '"maybe_n32"', '2147483648'],
      [{ x: '1.5' }, '"x"', '"1.5"'],
      [{ name: null }, '"name"', 'null'],
      [{ flag: 1 }, '"flag"', '1'],
    ];
    for (const [patch, column, shown] of cases) {
      const bad = rows.map((r, i) => (i === 7 ? { ...r, ...patch } : r));
      const err = await encodeParquet(S(AllTypes), bad, { rowGroupSize: 5 }).catch((e) => e);
      expect(isScalplakeError(err, 'SINK_WRITE')).toBe(true);
      expect(err.message).toContain(column);
      expect(err.message).toContain(shown);
      expect(err.message).toContain('row 7');
    }
  });
});

describe('compareUtf8', () => {
  it('orders strings by their UTF-8 bytes', () => {
    const strings = ['😀', '\uFFFD', 'a', '', 'ab', '\u00e9', '\uD7FF', '\uE000'];
    const bytes = (s: string) => Buffer.from(s, 'utf8');
    const byBytes = [...strings].sort((a, b) => Buffer.compare(bytes(a), bytes(b)));
    expect([...strings].sort(compareUtf8)).toEqual(byBytes);
  });
});
