import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import type { FlushEvent } from '../../src/core/events.js';
import type { TableSchema } from '../../src/core/schema.js';
import type { AggTrade, FundingRate, Kline } from '../../src/core/tables.js';
import { Kline as KlineSchema } from '../../src/core/tables.js';
import { localStore } from '../../src/sinks/local-store.js';
import { memoryStore } from '../../src/sinks/memory-store.js';
import type { ObjectStore } from '../../src/sinks/object-store.js';
import { ParquetEncoder } from '../../src/sinks/parquet-encoder.js';
import { readParquet } from '../../src/sinks/parquet-reader.js';
import { compileRowPacker, type PackedRows } from '../../src/sinks/row-packer.js';
import { partitionedSink, silverSink } from '../../src/sinks/silver-sink.js';
import { columnsOf } from '../../src/core/schema.js';
import { batches, duck, hashAll, INGESTED_AT, loadAggTrades, loadKlines, loadMarkPrices, makeCtx } from './helpers.js';

const dirs: string[] = [];
function tempStore(): ObjectStore & { root: string } {
  const root = mkdtempSync(join(tmpdir(), 'scalplake-silver-'));
  dirs.push(root);
  return Object.assign(localStore(root), { root });
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const K8 = 'silver/klines/symbol=BTCUSDT/date=2019-09-08/part-0.parquet';
const K9 = 'silver/klines/symbol=BTCUSDT/date=2019-09-09/part-0.parquet';
const KLINE_SQL = (path: string) =>
  `SELECT symbol, interval, epoch_ms(open_time)::DOUBLE AS open_time, epoch_ms(close_time)::DOUBLE AS close_time, open, high, low, close,
    volume, quote_volume, trade_count::DOUBLE AS trade_count, taker_buy_volume, taker_buy_quote_volume, source,
    epoch_ms(ingested_at)::DOUBLE AS ingested_at FROM '${path}' ORDER BY open_time`;

async function run<T>(store: ObjectStore, table: Parameters<typeof silverSink>[1], rows: readonly T[], opts: { batch?: number; maxBufferedRows?: number } = {}) {
  const ctx = makeCtx();
  const flushes: FlushEvent[] = [];
  ctx.events.on('flush', (e) => flushes.push(e));
  const sink = silverSink(store, table, opts.maxBufferedRows === undefined ? {} : { maxBufferedRows: opts.maxBufferedRows });
  const report = await sink.write(batches(rows as never[], opts.batch ?? 500), ctx);
  return { report, ctx, flushes };
}

describe('silverSink', () => {
  it('partitions real klines by UTC day and DuckDB reads every value back', async () => {
    const store = tempStore();
    const rows = loadKlines();
    const { report, ctx, flushes } = await run(store, 'klines', rows);
    expect(report).toEqual({ rowsWritten: 1500, filesWritten: [K8, K9], unchanged: 0 });
    expect(ctx.counters.rowsOut).toBe(1500);
    expect(flushes.map((f) => [f.table, f.files, f.rows])).toEqual([
      ['klines', [K8], 362],
      ['klines', [K9], 1138],
    ]);
    const got = [...(await duck(KLINE_SQL(store.localPath!(K8)))), ...(await duck(KLINE_SQL(store.localPath!(K9))))];
    expect(got).toEqual(rows);
    const codecs = await duck(`SELECT DISTINCT compression FROM parquet_metadata('${store.localPath!(K9)}')`);
    expect(codecs).toEqual([{ compression: 'ZSTD' }]);
    // Hive partitions are visible to DuckDB from the path.
    const dates = await duck(
      `SELECT date::VARCHAR AS date, count(*)::INTEGER AS n FROM read_parquet('${store.root}/silver/klines/*/*/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1`,
    );
    expect(dates).toEqual([
      { date: '2019-09-08', n: 362 },
      { date: '2019-09-09', n: 1138 },
    ]);
  });

  it('is idempotent: re-running the same input (later, other batches) leaves every byte unchanged', async () => {
    const store = tempStore();
    await run(store, 'klines', loadKlines());
    const before = await hashAll(store);
    const again = loadKlines('rest', INGESTED_AT + 86_400_000).reverse();
    const { report, ctx, flushes } = await run(store, 'klines', again, { batch: 77 });
    expect(report).toEqual({ rowsWritten: 0, filesWritten: [], unchanged: 1500 });
    expect(ctx.counters.rowsOut).toBe(1500);
    expect(flushes).toEqual([]);
    expect(await hashAll(store)).toEqual(before);
    // The first ingested_at and source are kept.
    const [first] = await readParquet<Kline>((await store.get(K8))!, KlineSchema as unknown as TableSchema);
    expect([first!.ingested_at, first!.source]).toEqual([INGESTED_AT, 'datavision']);
  });

  it('upserts by key: changed rows replace, identical rows keep the old lineage, new rows are added, input duplicates collapse to the last', async () => {
    const store = memoryStore();
    const rows = loadKlines().slice(0, 362); // the 2019-09-08 partition
    await run(store, 'klines', rows.slice(0, 300));
    const later = INGESTED_AT + 1000;
    const changed = { ...rows[10]!, close: rows[10]!.close + 1, high: Math.max(rows[10]!.high, rows[10]!.close + 1), ingested_at: later, source: 'rest' };
    const same = { ...rows[11]!, ingested_at: later, source: 'rest' };
    const dupFirst = { ...rows[350]!, volume: 999, ingested_at: later };
    const dupLast = { ...rows[350]!, volume: 1234, ingested_at: later };
    const input = [changed, same, ...rows.slice(300, 350), dupFirst, dupLast, ...rows.slice(351)];
    const { report, ctx } = await run(store, 'klines', input);
    expect(report.rowsWritten).toBe(1 + 62); // the changed row + 62 new rows
    expect(report.unchanged).toBe(1);
    expect(ctx.counters.duplicates).toBe(1);
    expect(ctx.counters.rowsOut).toBe(input.length - 1);
    const back = await readParquet<Kline>((await store.get(K8))!, KlineSchema as unknown as TableSchema);
    expect(back.length).toBe(362);
    expect(back[10]).toEqual(changed);
    expect(back[11]).toEqual(rows[11]);
    expect(back[350]).toEqual(dupLast);
    expect(back.map((r) => r.open_time)).toEqual(rows.map((r) => r.open_time));
  });

  it('sorts by time then key, whatever the input order', async () => {
    const store = memoryStore();
    const rows = loadKlines().slice(0, 200);
    const shuffled = rows.map((r, i) => ({ r, k: (i * 7919) % 200 })).sort((a, b) => a.k - b.k).map((x) => x.r);
    await run(store, 'klines', shuffled, { batch: 33 });
    const back = await readParquet<Kline>((await store.get(K8))!, KlineSchema as unknown as TableSchema);
    expect(back).toEqual(rows);
  });

  it('partitions agg_trades by UTC hour, and ids above 2^31 survive', async () => {
    const store = tempStore();
    const base = loadAggTrades();
    // Move two trades to 23:59:59.999 UTC of the day before: another date and hour.
    const rows: AggTrade[] = base.map((r, i) => (i < 2 ? { ...r, trade_time: 1761091199999 - i } : r));
    const { report } = await run(store, 'agg_trades', rows);
    expect(report.filesWritten).toEqual([
      'silver/agg_trades/symbol=BTCUSDT/date=2025-10-21/hour=23/part-0.parquet',
      'silver/agg_trades/symbol=BTCUSDT/date=2025-10-22/hour=00/part-0.parquet',
      'silver/agg_trades/symbol=BTCUSDT/date=2026-09-15/hour=00/part-0.parquet',
    ]);
    const got = await duck(
      `SELECT agg_trade_id, epoch_ms(trade_time) AS t, hour::INTEGER AS hour FROM read_parquet('${store.root}/silver/agg_trades/**/*.parquet', hive_partitioning = true) ORDER BY t`,
    );
    expect(got.map((g) => [Number(g.agg_trade_id), Number(g.t), g.hour])).toEqual(
      [...rows].sort((a, b) => a.trade_time - b.trade_time || a.agg_trade_id - b.agg_trade_id).map((r) => [r.agg_trade_id, r.trade_time, new Date(r.trade_time).getUTCHours()]),
    );
  });

  it('bounds buffering: 1M rows with maxBufferedRows 50k flush several times and end with correct partitions', async () => {
    const store = tempStore();
    const N = 1_000_000;
    const t0 = Date.UTC(2024, 0, 1);
    const step = 3000; // 28 800 rows per UTC day → 35 partitions
    const perDay = 28_800;
    let produced = 0;
    const flushedAt: number[] = [];
    async function* gen(): AsyncIterable<FundingRate[]> {
      for (let i = 0; i < N; i += 10_000) {
        const b: FundingRate[] = [];
        for (let j = i; j < Math.min(N, i + 10_000); j++) {
          b.push({ symbol: 'BTCUSDT', funding_time: t0 + j * step, funding_rate: (j % 97) * 1e-6, mark_price: j % 5 === 0 ? null : 40_000 + (j % 1000), funding_interval_hours: 8, source: 'replay', ingested_at: t0 });
        }
        produced += b.length;
        yield b;
      }
    }
    const ctx = makeCtx();
    ctx.events.on('flush', () => flushedAt.push(produced));
    const report = await silverSink(store, 'funding_rates', { maxBufferedRows: 50_000 }).write(gen(), ctx);
    expect(report.rowsWritten).toBe(N);
    expect(report.filesWritten.length).toBe(35);
    // Flushes happened all along the input: never more than the bound + one batch read between two flushes.
    expect(flushedAt.filter((p) => p < N).length).toBeGreaterThan(20);
    expect(flushedAt[0]).toBeLessThanOrEqual(60_000);
    for (let i = 1; i < flushedAt.length; i++) expect(flushedAt[i]! - flushedAt[i - 1]!).toBeLessThanOrEqual(60_000);
    const days = await duck(
      `SELECT date::VARCHAR AS date, count(*)::INTEGER AS n, min(epoch_ms(funding_time)) AS lo, count(mark_price)::INTEGER AS m
       FROM read_parquet('${store.root}/silver/funding_rates/**/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1`,
    );
    expect(days.length).toBe(35);
    expect(days.reduce((s, d) => s + (d.n as number), 0)).toBe(N);
    expect(days[0]).toEqual({ date: '2024-01-01', n: perDay, lo: BigInt(t0), m: perDay - perDay / 5 });
    expect(days[34]!.n).toBe(N - 34 * perDay);
  });

  it('merges a partition flushed twice in one run with its own earlier file', async () => {
    const store = memoryStore();
    const rows = loadKlines();
    // Alternate rows of the two days so that the buffer bound forces each partition out several times.
    const day8 = rows.slice(0, 362);
    const day9 = rows.slice(362, 724);
    const mixed: Kline[] = [];
    for (let i = 0; i < 362; i++) mixed.push(day8[i]!, day9[i]!);
    const { report, flushes } = await run(store, 'klines', mixed, { batch: 50, maxBufferedRows: 100 });
    expect(flushes.length).toBeGreaterThan(2);
    expect(report.filesWritten).toEqual([K8, K9]);
    expect(report.rowsWritten).toBe(724);
    const back8 = await readParquet<Kline>((await store.get(K8))!, KlineSchema as unknown as TableSchema);
    const back9 = await readParquet<Kline>((await store.get(K9))!, KlineSchema as unknown as TableSchema);
    expect(back8).toEqual(day8);
    expect(back9).toEqual(day9);
  });

  it('refuses an unsafe symbol before it reaches a key', async () => {
    const store = memoryStore();
    const bad = { ...loadKlines()[0]!, symbol: '../../etc' };
    const err = await run(store, 'klines', [bad]).catch((e) => e);
    expect(isScalplakeError(err, 'INVALID_SYMBOL')).toBe(true);
    expect(await store.list('')).toEqual([]);
  });

  it('refuses a row without a valid time', async () => {
    const store = memoryStore();
    const bad = { ...loadKlines()[0]!, open_time: Number.NaN };
    const err = await run(store, 'klines', [bad]).catch((e) => e);
    expect(isScalplakeError(err, 'SINK_WRITE')).toBe(true);
    expect(err.message).toContain('open_time');
  });
});

describe('silverSink atomicity', () => {
  /** A local store whose put of the n-th partition dies after writing a temp file, as a crash would. */
  function crashingStore(base: ObjectStore & { root: string }, failOn: number) {
    let puts = 0;
    return Object.assign(Object.create(base) as ObjectStore, {
      url: base.url,
      async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>) {
        puts++;
        if (puts === failOn) {
          // Half of the bytes reach a temp file, then the "process" dies before the rename.
          async function* half(): AsyncIterable<Uint8Array> {
            const b = body as Uint8Array;
            yield b.subarray(0, b.byteLength >> 1);
            throw new Error('killed mid-write');
          }
          return base.put(key, half());
        }
        return base.put(key, body);
      },
    });
  }

  it('a failure while writing the 2nd partition leaves the 1st complete and the 2nd absent', async () => {
    const base = tempStore();
    const err = await run(crashingStore(base, 2), 'klines', loadKlines()).catch((e) => e);
    expect(isScalplakeError(err, 'SINK_WRITE')).toBe(true);
    expect(err.context.key).toBe(K9);
    expect(isScalplakeError(err.cause, 'STORE_IO')).toBe(true);
    expect((await base.list('')).map((o) => o.key)).toEqual([K8]);
    const [c] = await duck(`SELECT count(*)::INTEGER AS n FROM '${base.localPath!(K8)}'`);
    expect(c!.n).toBe(362);
    // No temp file is left in the partition folders either.
    expect(readdirSync(join(base.root, 'silver/klines/symbol=BTCUSDT/date=2019-09-09'))).toEqual([]);
  });

  it('a failure while rewriting the 2nd partition leaves the old 2nd partition in place', async () => {
    const base = tempStore();
    const rows = loadKlines();
    await run(base, 'klines', rows.slice(0, 1000));
    const oldK9 = Buffer.from((await base.get(K9))!);
    const changed = rows.map((r) => ({ ...r, volume: r.volume + 1 }));
    const err = await run(crashingStore(base, 2), 'klines', changed).catch((e) => e);
    expect(isScalplakeError(err, 'SINK_WRITE')).toBe(true);
    expect((await base.list('')).map((o) => o.key)).toEqual([K8, K9]);
    expect(Buffer.from((await base.get(K9))!).equals(oldK9)).toBe(true);
    const [n8] = await duck(`SELECT count(*)::INTEGER AS n, min(volume) AS v FROM '${base.localPath!(K8)}'`);
    expect(n8).toEqual({ n: 362, v: Math.min(...changed.slice(0, 362).map((r) => r.volume)) });
    const [n9] = await duck(`SELECT count(*)::INTEGER AS n FROM '${base.localPath!(K9)}'`);
    expect(n9!.n).toBe(638);
  });
});

describe('partitionedSink.writeColumns', () => {
  const table = { name: 'klines', schema: KlineSchema, key: ['symbol', 'open_time'], timeColumn: 'open_time', partitionBy: 'day', prefix: 'silver/klines/' } as const;
  const packed = (rows: readonly Kline[], from = 0, to = rows.length) => {
    const packer = compileRowPacker(columnsOf(KlineSchema));
    const p = packer.create();
    for (const r of rows.slice(from, to)) packer.push(p, r);
    return p;
  };
  async function* blocks(...ps: PackedRows[]) {
    yield* ps;
  }

  it('writes the same bytes as the rows, split across day partitions, and DuckDB reads every value back', async () => {
    const rows = loadKlines();
    const a = tempStore();
    const b = tempStore();
    await partitionedSink(a, table).write(batches(rows, 500), makeCtx());
    const ctx = makeCtx();
    const report = await partitionedSink(b, table).writeColumns(blocks(packed(rows, 0, 700), packed(rows, 700)), ctx);
    expect(report).toEqual({ rowsWritten: 1500, filesWritten: [K8, K9], unchanged: 0 });
    expect(ctx.counters.rowsOut).toBe(1500);
    expect(await hashAll(b)).toEqual(await hashAll(a));
    const got = await duck(KLINE_SQL(join(b.root, 'silver/klines/**/*.parquet')));
    expect(got.length).toBe(rows.length);
    got.forEach((g, i) => {
      expect(g).toEqual({ ...rows[i], trade_count: rows[i]!.trade_count });
    });
  });

  it('upserts column blocks into partitions already written (replaced and unchanged rows counted)', async () => {
    const rows = loadKlines();
    const store = tempStore();
    await partitionedSink(store, table).write(batches(rows.slice(0, 1000), 500), makeCtx());
    const changed = rows.map((r, i) => (i === 10 ? { ...r, close: r.close + 1 } : r));
    const report = await partitionedSink(store, table).writeColumns(blocks(packed(changed)), makeCtx());
    expect(report.rowsWritten).toBe(501); // 500 new, 1 replaced
    expect(report.unchanged).toBe(999);
    const fresh = tempStore();
    await partitionedSink(fresh, table).write(batches(changed, 500), makeCtx());
    expect(await hashAll(store)).toEqual(await hashAll(fresh));
  });

  it('refuses a block whose time column is not epoch milliseconds, naming the column', async () => {
    const rows = loadKlines().slice(0, 3);
    const p = packed(rows);
    (p.cols[columnsOf(KlineSchema).findIndex((c) => c.name === 'open_time')] as Float64Array)[1] = 1.5;
    const err = await partitionedSink(tempStore(), table)
      .writeColumns(blocks(p), makeCtx())
      .catch((e: unknown) => e);
    expect(isScalplakeError(err, 'SINK_WRITE')).toBe(true);
    expect((err as Error).message).toContain('open_time 1.5');
  });
});

describe('silverSink: appending after a partition', () => {
  it('writes the same bytes whether a partition is filled in one run or in several in-order runs (overlapping or not)', async () => {
    const rows = loadKlines();
    const once = tempStore();
    await run(once, 'klines', rows);
    const expected = await hashAll(once);
    // In order, no overlap: the second and third runs append to the partition the previous run left (columns only).
    const appended = tempStore();
    const r1 = await run(appended, 'klines', rows.slice(0, 700));
    const r2 = await run(appended, 'klines', rows.slice(700, 1100));
    const r3 = await run(appended, 'klines', rows.slice(1100));
    expect([r1.report.rowsWritten, r2.report.rowsWritten, r3.report.rowsWritten]).toEqual([700, 400, 400]);
    expect(await hashAll(appended)).toEqual(expected);
    // Overlapping the last rows (a live reconnect re-sending them): the merge path, same bytes, the overlap unchanged.
    const overlapped = tempStore();
    await run(overlapped, 'klines', rows.slice(0, 700));
    const r4 = await run(overlapped, 'klines', rows.slice(690));
    expect(r4.report.unchanged).toBe(10);
    expect(await hashAll(overlapped)).toEqual(expected);
    const got = await duck(KLINE_SQL(join(appended.root, 'silver/klines/**/*.parquet')));
    expect(got.length).toBe(1500);
    expect(got.map((g) => g.open_time)).toEqual(rows.map((r) => r.open_time));
  });

  it('keeps the full row groups of its last write: each live-like flush encodes its new rows and one partial group, same bytes', async () => {
    const base = loadAggTrades()[0]!;
    const hour = Math.floor(base.trade_time / 3_600_000) * 3_600_000;
    // 1,000 trades in one hour; row groups of 100 rows, appended in runs of uneven size as a live job's flushes.
    const rows: AggTrade[] = Array.from({ length: 1000 }, (_, i) => ({
      ...base,
      agg_trade_id: base.agg_trade_id + i,
      first_trade_id: base.first_trade_id + 2 * i,
      last_trade_id: base.first_trade_id + 2 * i + 1,
      price: 100_000 + ((i * 37) % 500) / 10,
      quantity: ((i * 13) % 97) / 1000,
      is_buyer_maker: i % 3 === 0,
      trade_time: hour + i * 3000,
    }));
    const options = { rowGroupSize: 100 };
    const write = (store: ObjectStore, part: AggTrade[]) => silverSink(store, 'agg_trades', options).write(batches(part, 64), makeCtx());
    const once = tempStore();
    await write(once, rows);
    const appended = tempStore();
    const encoded: number[] = [];
    const spy = vi.spyOn(ParquetEncoder.prototype, 'encodeColumnsInSteps');
    const cuts = [0, 250, 430, 470, 800, 1000];
    try {
      for (let k = 1; k < cuts.length; k++) {
        spy.mockClear();
        await write(appended, rows.slice(cuts[k - 1], cuts[k]));
        encoded.push(spy.mock.calls.reduce((n, c) => n + (c[0] as number), 0));
      }
    } finally {
      spy.mockRestore();
    }
    // Rows encoded per flush: from the first row of the last partial group of the previous write to the end.
    expect(encoded).toEqual([250, 230, 70, 400, 200]);
    expect(await hashAll(appended)).toEqual(await hashAll(once));
    const got = await duck(
      `SELECT agg_trade_id, price, quantity, epoch_ms(trade_time)::DOUBLE AS t, is_buyer_maker FROM '${appended.root}/silver/agg_trades/**/*.parquet' ORDER BY t`,
    );
    expect(got.map((g) => [Number(g.agg_trade_id), g.price, g.quantity, g.t, g.is_buyer_maker])).toEqual(
      rows.map((r) => [r.agg_trade_id, r.price, r.quantity, r.trade_time, r.is_buyer_maker]),
    );
  });

  it('keeps each table\'s last write while the live job flushes several tables in turn, and re-reads under other write options', async () => {
    const trades = loadAggTrades()[0]!;
    const hour = Math.floor(trades.trade_time / 3_600_000) * 3_600_000;
    const aggs: AggTrade[] = Array.from({ length: 300 }, (_, i) => ({
      ...trades,
      agg_trade_id: trades.agg_trade_id + i,
      first_trade_id: trades.first_trade_id + i,
      last_trade_id: trades.first_trade_id + i,
      trade_time: hour + i * 1000,
    }));
    const marks = loadMarkPrices();
    const options = { rowGroupSize: 50 };
    const store = tempStore();
    const encoded: number[] = [];
    const spy = vi.spyOn(ParquetEncoder.prototype, 'encodeColumnsInSteps');
    try {
      // Flushes alternate between the tables, as ingestLive's do: 100 trades, 5 marks, 100 trades, 5 marks, 100 trades.
      for (let k = 0; k < 3; k++) {
        spy.mockClear();
        await silverSink(store, 'agg_trades', options).write(batches(aggs.slice(k * 100, k * 100 + 100), 64), makeCtx());
        encoded.push(spy.mock.calls.reduce((n, c) => n + (c[0] as number), 0));
        if (k < 2) await silverSink(store, 'mark_prices', options).write(batches(marks.slice(k * 5, k * 5 + 5), 64), makeCtx());
      }
    } finally {
      spy.mockRestore();
    }
    // The second and third trade flushes start from the last full group of 50 rows, not from row 0.
    expect(encoded).toEqual([100, 100, 100]);
    const once = tempStore();
    await silverSink(once, 'agg_trades', options).write(batches(aggs, 64), makeCtx());
    await silverSink(once, 'mark_prices', options).write(batches(marks.slice(0, 10), 64), makeCtx());
    expect(await hashAll(store)).toEqual(await hashAll(once));

    // Another sink with other row groups appends: the file is read back and written whole under its settings.
    const more: AggTrade[] = Array.from({ length: 20 }, (_, i) => ({ ...aggs[299]!, agg_trade_id: aggs[299]!.agg_trade_id + 1 + i, trade_time: hour + (300 + i) * 1000 }));
    await silverSink(store, 'agg_trades', { rowGroupSize: 128 }).write(batches(more, 64), makeCtx());
    const whole = tempStore();
    await silverSink(whole, 'agg_trades', { rowGroupSize: 128 }).write(batches([...aggs, ...more], 64), makeCtx());
    const key = [...(await hashAll(whole)).keys()][0]!;
    expect((await hashAll(store)).get(key)).toBe((await hashAll(whole)).get(key));
    const got = await duck(`SELECT count(*)::INTEGER AS n, count(DISTINCT agg_trade_id)::INTEGER AS ids FROM '${store.root}/silver/agg_trades/**/*.parquet'`);
    expect(got).toEqual([{ n: 320, ids: 320 }]);
  });

  it('appends rows with null columns as the merge writes them, and a changed row at the seam replaces, never doubles', async () => {
    const rows = loadMarkPrices(); // 20 rows one second apart, every third with its nullable columns null
    const once = tempStore();
    await run(once, 'mark_prices', rows);
    const expected = await hashAll(once);
    const appended = tempStore();
    await run(appended, 'mark_prices', rows.slice(0, 10));
    const r2 = await run(appended, 'mark_prices', rows.slice(10));
    expect(r2.report.rowsWritten).toBe(10);
    expect(await hashAll(appended)).toEqual(expected);
    // The next run starts with the partition's last key, with another value (a corrected row), then goes on.
    const seam = tempStore();
    await run(seam, 'mark_prices', rows.slice(0, 10));
    const changed = { ...rows[9]!, mark_price: rows[9]!.mark_price + 1 };
    const r3 = await run(seam, 'mark_prices', [changed, ...rows.slice(10)]);
    expect([r3.report.rowsWritten, r3.report.unchanged]).toEqual([11, 0]);
    const [file] = [...(await hashAll(seam)).keys()];
    const got = await duck(
      `SELECT epoch_ms(event_time)::DOUBLE AS t, mark_price, index_price, funding_rate, epoch_ms(next_funding_time)::DOUBLE AS nft FROM '${seam.localPath!(file!)}' ORDER BY t`,
    );
    const want = [...rows.slice(0, 9), changed, ...rows.slice(10)];
    expect(got).toEqual(
      want.map((r) => ({ t: r.event_time, mark_price: r.mark_price, index_price: r.index_price, funding_rate: r.funding_rate, nft: r.next_funding_time })),
    );
  });

  it('keeps exactly the last version of every key, whatever the order, batching, buffering bound and split into runs', async () => {
    const H = 3_600_000;
    const t0 = Date.UTC(2024, 0, 1, 22);
    for (const seed of [1, 2, 3]) {
      let x = seed;
      const rand = () => {
        x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
        return x / 2_147_483_648;
      };
      // 3000 trades over 3 hours (across a day boundary), ids above 2^31; then 20% re-sent with another price,
      // in a locally shuffled order (late rows, rows for partitions already written).
      const base: AggTrade[] = Array.from({ length: 3000 }, (_, i) => ({
        symbol: 'BTCUSDT',
        agg_trade_id: 3_000_000_000 + i,
        price: 40_000 + i,
        quantity: 1,
        first_trade_id: i,
        last_trade_id: i,
        trade_time: t0 + Math.floor((i * 3 * H) / 3000),
        is_buyer_maker: i % 2 === 0,
        source: 'ws',
        ingested_at: INGESTED_AT,
      }));
      const input: AggTrade[] = [...base];
      for (const r of base) if (rand() < 0.2) input.push({ ...r, price: r.price + 0.5, source: 'rest' });
      for (let i = input.length - 1; i > 0; i--) {
        if (rand() < 0.3) {
          const j = Math.max(0, i - Math.floor(rand() * 400));
          [input[i], input[j]] = [input[j]!, input[i]!];
        }
      }
      const expected = new Map<number, number>();
      for (const r of input) expected.set(r.agg_trade_id, r.price);
      const store = tempStore();
      const cut = Math.floor(input.length * rand());
      for (const part of [input.slice(0, cut), input.slice(cut)]) {
        await run(store, 'agg_trades', part, { batch: 1 + Math.floor(rand() * 300), maxBufferedRows: 200 + Math.floor(rand() * 800) });
      }
      const got = await duck(
        `SELECT agg_trade_id::DOUBLE AS id, price FROM read_parquet('${store.root}/silver/agg_trades/**/*.parquet') ORDER BY trade_time, agg_trade_id`,
      );
      expect(got.length, `seed ${seed}`).toBe(3000);
      expect(got.map((r) => [r.id, r.price]), `seed ${seed}`).toEqual([...expected.entries()].sort((a, b) => a[0] - b[0]));
    }
  });
});

describe('silverSink: the last written partition is reused only while the file is unchanged', () => {
  it('appends to what the file holds when another writer replaced it after the last run', async () => {
    const rows = loadKlines();
    const store = tempStore();
    await run(store, 'klines', rows.slice(0, 700));
    // Another writer replaces the partition: rows 0..599 with one close changed (the sink's cached columns are stale).
    const other = rows.slice(0, 600).map((r, i) => (i === 42 ? { ...r, close: r.close + 1 } : r));
    const replaced = tempStore();
    await run(replaced, 'klines', other);
    for (const [key] of await hashAll(replaced)) await store.put(key, (await replaced.get(key))!);
    for (const [key] of await hashAll(store)) if (!(await hashAll(replaced)).has(key)) await store.delete(key);
    await run(store, 'klines', rows.slice(700, 1100));
    const expected = tempStore();
    await run(expected, 'klines', [...other, ...rows.slice(700, 1100)]);
    expect(await hashAll(store)).toEqual(await hashAll(expected));
    const got = await duck(KLINE_SQL(join(store.root, 'silver/klines/**/*.parquet')));
    expect(got.length).toBe(1000);
    expect(got.find((g) => g.open_time === rows[42]!.open_time)?.close).toBe(rows[42]!.close + 1);
  });
});
