import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { col, columnsOf, type TableSchema } from '../../src/core/schema.js';
import { AggTrade, FundingRate, Kline, MarkPrice } from '../../src/core/tables.js';
import { readParquet, readParquetBatches, readParquetColumns } from '../../src/sinks/parquet-reader.js';
import { compileRowPacker } from '../../src/sinks/row-packer.js';
import { concatBytes, createParquetWriter, encodeParquet, parquetStream } from '../../src/sinks/parquet-writer.js';
import { duck, loadAggTrades, loadKlines, loadMarkPrices } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'scalplake-pq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function save(bytes: Uint8Array): string {
  const path = join(dir, `f${n++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}
const S = <T>(s: T) => s as unknown as TableSchema;

describe('encodeParquet + DuckDB', () => {
  it('writes real aggTrades that DuckDB reads back value for value, with BIGINT ids above 2^31 and UTC timestamps', async () => {
    const rows = loadAggTrades();
    const path = save(await encodeParquet(S(AggTrade), rows));
    const types = await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${path}')`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      symbol: 'VARCHAR',
      agg_trade_id: 'BIGINT',
      price: 'DOUBLE',
      quantity: 'DOUBLE',
      first_trade_id: 'BIGINT',
      last_trade_id: 'BIGINT',
      trade_time: 'TIMESTAMP WITH TIME ZONE',
      is_buyer_maker: 'BOOLEAN',
      source: 'VARCHAR',
      ingested_at: 'TIMESTAMP WITH TIME ZONE',
    });
    const got = await duck(
      `SELECT symbol, agg_trade_id::DOUBLE AS agg_trade_id, price, quantity, first_trade_id::DOUBLE AS first_trade_id,
        last_trade_id::DOUBLE AS last_trade_id, epoch_ms(trade_time)::DOUBLE AS trade_time, is_buyer_maker, source,
        epoch_ms(ingested_at)::DOUBLE AS ingested_at FROM '${path}'`,
    );
    expect(got).toEqual(rows);
    // 3449899747 > 2^31 and 8078264332 > 2^32 survive exactly.
    expect(got[6]!.agg_trade_id).toBe(3449899747);
    expect(got[6]!.first_trade_id).toBe(8078264332);
    // The instant is UTC whatever the machine's zone (tests run in America/New_York).
    const [iso] = await duck(`SELECT strftime(trade_time AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%g') AS t FROM '${path}' LIMIT 1`);
    expect(iso!.t).toBe('2025-10-22 00:00:00.007');
  });

  it('uses zstd for every column chunk', async () => {
    const path = save(await encodeParquet(S(Kline), loadKlines()));
    const codecs = await duck(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`);
    expect(codecs).toEqual([{ compression: 'ZSTD' }]);
  });

  it('writes nullable columns with nulls', async () => {
    const rows = loadMarkPrices();
    expect(rows.some((r) => r.index_price === null)).toBe(true);
    const path = save(await encodeParquet(S(MarkPrice), rows));
    const got = await duck(
      `SELECT symbol, epoch_ms(event_time)::DOUBLE AS event_time, mark_price, index_price, estimated_settle_price, funding_rate,
        epoch_ms(next_funding_time)::DOUBLE AS next_funding_time, source, epoch_ms(ingested_at)::DOUBLE AS ingested_at FROM '${path}'`,
    );
    expect(got).toEqual(rows);
  });

  it('writes an INT32 nullable column and all-null chunks', async () => {
    const rows = [
      { symbol: 'BTCUSDT', funding_time: 1577836800000, funding_rate: 0.0001, mark_price: null, funding_interval_hours: 8, source: 'rest', ingested_at: 1 },
      { symbol: 'BTCUSDT', funding_time: 1577865600000, funding_rate: -0.00012, mark_price: 7200.5, funding_interval_hours: null, source: 'rest', ingested_at: 1 },
    ];
    const path = save(await encodeParquet(S(FundingRate), rows));
    const got = await duck(`SELECT funding_interval_hours, typeof(funding_interval_hours) AS t, mark_price FROM '${path}'`);
    expect(got).toEqual([
      { funding_interval_hours: 8, t: 'INTEGER', mark_price: null },
      { funding_interval_hours: null, t: 'INTEGER', mark_price: 7200.5 },
    ]);
  });

  it('is deterministic: the same rows give the same bytes', async () => {
    const rows = loadKlines();
    const a = await encodeParquet(S(Kline), rows);
    const b = await encodeParquet(S(Kline), rows.map((r) => ({ ...r })));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).includes(Buffer.from('scalplake'))).toBe(true);
  });

  it('bounds row groups by rowGroupSize', async () => {
    const rows = loadKlines(); // 1500 rows
    const path = save(await encodeParquet(S(Kline), rows, { rowGroupSize: 400 }));
    const groups = await duck(`SELECT DISTINCT row_group_id, row_group_num_rows::INTEGER AS n FROM parquet_metadata('${path}') ORDER BY 1`);
    expect(groups.map((g) => g.n)).toEqual([400, 400, 400, 300]);
  });

  it('refuses a value that does not fit its column, naming the column', async () => {
    const bad = { ...loadAggTrades()[0]!, agg_trade_id: 1.5 };
    const err = await encodeParquet(S(AggTrade), [bad]).catch((e) => e);
    expect(isScalplakeError(err, 'SINK_WRITE')).toBe(true);
    expect(err.message).toContain('"agg_trade_id"');
    const nul = { ...loadAggTrades()[0]!, price: null };
    const err2 = await encodeParquet(S(AggTrade), [nul]).catch((e) => e);
    expect(isScalplakeError(err2, 'SINK_WRITE')).toBe(true);
    expect(err2.message).toContain('"price"');
  });
});

describe('streaming writer', () => {
  it('emits bytes per completed row group and the concatenation is the file', async () => {
    const rows = loadKlines();
    const w = await createParquetWriter(S(Kline), { rowGroupSize: 500 });
    const emitted: number[] = [];
    const parts: Uint8Array[] = [];
    for (let i = 0; i < rows.length; i += 300) {
      const out = w.write(rows.slice(i, i + 300));
      emitted.push(out.length);
      parts.push(...out);
    }
    parts.push(w.finish());
    // Row groups complete after rows 500, 1000 and 1500: at the 2nd, 4th and 5th batch.
    expect(emitted).toEqual([0, 1, 0, 1, 1]);
    expect(w.rowCount).toBe(1500);
    const bytes = concatBytes(parts);
    expect(w.byteCount).toBe(bytes.byteLength);
    expect(Buffer.from(bytes).equals(Buffer.from(await encodeParquet(S(Kline), rows, { rowGroupSize: 500 })))).toBe(true);
    const path = save(bytes);
    const [c] = await duck(`SELECT count(*)::INTEGER AS n, sum(volume) AS v FROM '${path}'`);
    // DuckDB sums in parallel, in its own order: compare the float sum with a tolerance.
    expect(c?.n).toBe(1500);
    expect(c?.v as number).toBeCloseTo(rows.reduce((s, r) => s + r.volume, 0), 6);
  });

  it('parquetStream yields one chunk per row group plus the footer', async () => {
    const rows = loadKlines();
    async function* src() {
      for (let i = 0; i < rows.length; i += 100) yield rows.slice(i, i + 100);
    }
    const chunks: Uint8Array[] = [];
    for await (const c of parquetStream(S(Kline), src(), { rowGroupSize: 600 })) chunks.push(c);
    expect(chunks.length).toBe(3); // 600, 600, then 300 + footer
    const back = await readParquet(concatBytes(chunks), S(Kline));
    expect(back).toEqual(rows);
  });
});

describe('readParquet', () => {
  it('reads records back with numbers for INT64/timestamps, nulls as null, fields in schema order', async () => {
    const rows = loadMarkPrices();
    const back = await readParquet(await encodeParquet(S(MarkPrice), rows), S(MarkPrice));
    expect(back).toEqual(rows);
    expect(Object.keys(back[0] as object)).toEqual(Object.keys(MarkPrice.shape));
  });

  it('reads files DuckDB wrote', async () => {
    const path = join(dir, 'duck.parquet');
    await duck(`COPY (SELECT 'BTCUSDT' AS symbol, 3000000000::BIGINT + i AS agg_trade_id, 1.5::DOUBLE AS price, 2.0::DOUBLE AS quantity,
      1::BIGINT AS first_trade_id, 2::BIGINT AS last_trade_id, make_timestamptz((1704067200000 + i)::BIGINT * 1000) AS trade_time,
      i % 2 = 0 AS is_buyer_maker, 'x' AS source, make_timestamptz(1704067200000::BIGINT * 1000) AS ingested_at
      FROM range(3) r(i)) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`);
    const { readFileSync } = await import('node:fs');
    const back = await readParquet<{ agg_trade_id: number; trade_time: number }>(readFileSync(path), S(AggTrade));
    expect(back.map((r) => [r.agg_trade_id, r.trade_time])).toEqual([
      [3000000000, 1704067200000],
      [3000000001, 1704067200001],
      [3000000002, 1704067200002],
    ]);
  });

  it('yields each row group in batches of at most batchRows, rows in file order', async () => {
    const rows = loadKlines();
    const bytes = await encodeParquet(S(Kline), rows, { rowGroupSize: 1000 });
    const sizes: number[] = [];
    for await (const b of readParquetBatches(bytes, S(Kline))) sizes.push(b.length);
    expect(sizes).toEqual([1000, 500]);
    const sliced: unknown[] = [];
    sizes.length = 0;
    for await (const b of readParquetBatches(bytes, S(Kline), { batchRows: 300 })) {
      sizes.push(b.length);
      sliced.push(...b);
    }
    expect(sizes).toEqual([300, 300, 300, 100, 300, 200]);
    expect(sliced).toEqual(await readParquet(bytes, S(Kline)));
    expect(sliced.map((r) => (r as Kline).open_time)).toEqual(rows.map((r) => r.open_time));
    // As columns: the same slices, the same rows once unpacked (nulls included), sharing the row group's arrays.
    const packer = compileRowPacker(columnsOf(S(Kline)));
    const fromColumns: unknown[] = [];
    sizes.length = 0;
    for await (const p of readParquetColumns(bytes, S(Kline), { batchRows: 300 })) {
      sizes.push(p.n);
      fromColumns.push(...packer.unpack(p));
    }
    expect(sizes).toEqual([300, 300, 300, 100, 300, 200]);
    expect(fromColumns).toEqual(sliced);
    const marks = await encodeParquet(S(MarkPrice), loadMarkPrices());
    const markPacker = compileRowPacker(columnsOf(S(MarkPrice)));
    const markRows: unknown[] = [];
    for await (const p of readParquetColumns(marks, S(MarkPrice), { batchRows: 7 })) markRows.push(...markPacker.unpack(p));
    expect(markRows).toEqual(loadMarkPrices());
    expect(markRows.some((r) => (r as MarkPrice).index_price === null)).toBe(true);
    // A null in a column the table requires (a file written under a looser schema) is NaN as a column, never 0.
    const Loose = FundingRate.extend({ funding_rate: col.double('rate').nullable() });
    const loose = await encodeParquet(S(Loose), [
      { symbol: 'BTCUSDT', funding_time: Date.UTC(2024, 0, 1), funding_rate: null, mark_price: null, funding_interval_hours: 8, source: 's', ingested_at: 0 },
    ]);
    for await (const p of readParquetColumns(loose, S(FundingRate))) expect((p.cols[2] as Float64Array)[0]).toBeNaN();
  });

  it('throws PARQUET_READ naming the source for bytes that are not Parquet or a table that does not match', async () => {
    const err = await readParquet(new TextEncoder().encode('not parquet at all'), S(Kline), { source: 'x.parquet' }).catch((e) => e);
    expect(isScalplakeError(err, 'PARQUET_READ')).toBe(true);
    expect(err.message).toContain('"x.parquet"');
    const trades = await encodeParquet(S(AggTrade), loadAggTrades());
    const err2 = await readParquet(trades, S(Kline), { source: 'y.parquet' }).catch((e) => e);
    expect(isScalplakeError(err2, 'PARQUET_READ')).toBe(true);
    expect(err2.message).toContain('"interval"');
  });
});
