import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { columnsOf } from '../../src/core/schema.js';
import { Kline } from '../../src/core/tables.js';
import { openLake } from '../../src/lake/lake.js';
import { memoryStore } from '../../src/sinks/memory-store.js';
import { compileRowPacker } from '../../src/sinks/row-packer.js';
import { batches, duck, loadAggTrades, loadKlines, makeCtx } from '../sinks/helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'scalplake-lake-'));
  dirs.push(d);
  return d;
}

async function collect<T>(it: AsyncIterable<readonly T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const b of it) out.push([...b]);
  return out;
}

describe('openLake', () => {
  it('writes silver through the facade and reads it back in time order within [from, to)', async () => {
    const lake = openLake(tempDir());
    const rows = loadKlines();
    await lake.silver('klines').write(batches(rows, 400), makeCtx());
    const all = await collect(lake.readSilver('klines', 'BTCUSDT'));
    expect(all.flat()).toEqual(rows);
    const from = Date.UTC(2019, 8, 8, 23, 0);
    const to = '2019-09-09 01:00:00';
    const part = (await collect(lake.readSilver('klines', 'BTCUSDT', { from, to }))).flat();
    expect(part).toEqual(rows.filter((r) => r.open_time >= from && r.open_time < Date.UTC(2019, 8, 9, 1)));
    expect(part.length).toBe(120);
    expect(await collect(lake.readSilver('klines', 'ETHUSDT'))).toEqual([]);
    expect((await collect(lake.readSilver('klines', 'BTCUSDT', { from: '2019-09-10' }))).length).toBe(0);
    await expect(collect(lake.readSilver('klines', '../x'))).rejects.toSatisfy((e) => isScalplakeError(e, 'INVALID_SYMBOL'));

    // As columns: the same rows in the same order, whole partitions and the cut ones alike.
    const unpack = async (range?: { from: number; to: string }) => {
      const packer = compileRowPacker(columnsOf(Kline));
      const out: unknown[] = [];
      for await (const p of lake.readSilverColumns('klines', 'BTCUSDT', range)) {
        expect(p.n).toBeGreaterThan(0);
        out.push(...packer.unpack(p));
      }
      return out;
    };
    expect(await unpack()).toEqual(rows);
    expect(await unpack({ from, to })).toEqual(part);
    await expect(collect(lake.readSilverColumns('klines', '../x') as never)).rejects.toSatisfy((e) => isScalplakeError(e, 'INVALID_SYMBOL'));
  });

  it('reads many hourly partitions in order (read ahead), and a corrupt one fails with PARQUET_READ naming it', async () => {
    const dir = tempDir();
    const lake = openLake(dir);
    const trades = loadAggTrades();
    // The real trades repeated over 30 hours (20 an hour, ids consecutive): 30 partition files, more than the read-ahead.
    const spread = Array.from({ length: 600 }, (_, i) => ({
      ...trades[i % trades.length]!,
      agg_trade_id: 3_000_000_000 + i,
      trade_time: Date.UTC(2024, 0, 1) + Math.floor(i / 20) * 3_600_000 + (i % 20) * 1000,
    }));
    await lake.silver('agg_trades').write(batches(spread, 333), makeCtx());
    const parts = await lake.partitions('agg_trades', 'BTCUSDT');
    expect(parts.length).toBe(30);
    expect((await collect(lake.readSilver('agg_trades', 'BTCUSDT'))).flat()).toEqual(spread);
    const { writeFileSync } = await import('node:fs');
    const bad = parts[20]!;
    writeFileSync(join(dir, bad.key), 'not parquet');
    const seen: number[] = [];
    const err = await (async () => {
      for await (const b of lake.readSilver('agg_trades', 'BTCUSDT')) seen.push(b.length);
    })().catch((e: unknown) => e);
    expect(isScalplakeError(err, 'PARQUET_READ')).toBe(true);
    expect((err as Error).message).toContain(bad.key);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(spread.filter((t) => t.trade_time < bad.start).length);
  });

  it('lists partitions with symbol, date, hour and key', async () => {
    const lake = openLake(memoryStore());
    await lake.silver('agg_trades').write(batches(loadAggTrades(), 100), makeCtx());
    await lake.silver('klines').write(batches(loadKlines(), 1000), makeCtx());
    const parts = await lake.partitions('agg_trades');
    expect(parts.map(({ size, ...p }) => p)).toEqual([
      {
        table: 'agg_trades',
        symbol: 'BTCUSDT',
        date: '2025-10-22',
        hour: 0,
        key: 'silver/agg_trades/symbol=BTCUSDT/date=2025-10-22/hour=00/part-0.parquet',
        start: Date.UTC(2025, 9, 22),
        end: Date.UTC(2025, 9, 22, 1),
      },
      {
        table: 'agg_trades',
        symbol: 'BTCUSDT',
        date: '2026-09-15',
        hour: 0,
        key: 'silver/agg_trades/symbol=BTCUSDT/date=2026-09-15/hour=00/part-0.parquet',
        start: Date.UTC(2026, 8, 15),
        end: Date.UTC(2026, 8, 15, 1),
      },
    ]);
    expect(parts.every((p) => p.size > 0)).toBe(true);
    expect((await lake.partitions('klines', 'BTCUSDT')).map((p) => [p.date, p.hour])).toEqual([
      ['2019-09-08', undefined],
      ['2019-09-09', undefined],
    ]);
    expect(await lake.partitions('klines', 'ETHUSDT')).toEqual([]);
  });

  it('keeps state as atomic JSON documents under _state/', async () => {
    const dir = tempDir();
    const lake = openLake(dir);
    expect(await lake.state.get('watermarks/klines')).toBeUndefined();
    await lake.state.put('watermarks/klines', { BTCUSDT: 1567965420000 });
    expect(await lake.state.get('watermarks/klines')).toEqual({ BTCUSDT: 1567965420000 });
    expect((await lake.store.list('')).map((o) => o.key)).toEqual(['_state/watermarks/klines.json']);
    await lake.store.put('_state/broken.json', '{not json');
    await expect(lake.state.get('broken')).rejects.toSatisfy((e) => isScalplakeError(e, 'STORE_IO'));
    await expect(lake.state.put('../escape', 1)).rejects.toSatisfy((e) => isScalplakeError(e, 'INVALID_ARGUMENT'));
  });

  it('gives DDL that DuckDB runs over the silver files', async () => {
    const dir = tempDir();
    const lake = openLake(dir);
    const rows = loadKlines();
    await lake.silver('klines').write(batches(rows, 1000), makeCtx());
    const ddl = lake.ddl('klines', 'duckdb');
    expect(ddl).toContain(join(dir, 'silver', 'klines'));
    const [got] = await duck(`${ddl}; SELECT count(*)::INTEGER AS n, count(DISTINCT date)::INTEGER AS d, max(epoch_ms(open_time))::DOUBLE AS last FROM klines WHERE symbol = 'BTCUSDT'`);
    expect(got).toEqual({ n: rows.length, d: 2, last: rows.at(-1)!.open_time });
    const athena = openLake(memoryStore()).ddl('agg_trades', 'athena');
    expect(athena).toContain("LOCATION 'memory:/silver/agg_trades/'");
    expect(athena).toContain('PARTITIONED BY (`symbol` STRING, `date` STRING, `hour` STRING)');
  });

  it('hands out quarantine and bronze writers with the lake run id', async () => {
    const lake = openLake(memoryStore(), { runId: 'job-42' });
    const q = lake.quarantine('klines');
    await q.append([{ table: 'klines', source: 'f.csv', line: 3, raw: 'x', reason: 'bad', quarantined_at: Date.UTC(2024, 0, 1) }]);
    const b = lake.bronze();
    await b.append([{ received_at: Date.UTC(2024, 0, 1), source: 'rest', endpoint: '/fapi/v1/klines', symbol: 'BTCUSDT', payload: [[1, 2]] }]);
    expect([...(await q.close()), ...(await b.close())]).toEqual([
      'quarantine/klines/date=2024-01-01/job-42-0.jsonl.gz',
      'bronze/rest/fapi_v1_klines/symbol=BTCUSDT/date=2024-01-01/job-42-0.jsonl.gz',
    ]);
    const info = await lake.bronzeFile('datavision', 'a.csv', new TextEncoder().encode('1,2\n'));
    expect(info.key).toBe('bronze/datavision/a.csv');
    expect(openLake(memoryStore()).runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  });

  it('reads partitions written by a memory-store lake the same as a local one', async () => {
    const rows: Kline[] = loadKlines().slice(300, 500);
    const a = openLake(memoryStore());
    const b = openLake(tempDir());
    await a.silver('klines').write(batches(rows, 64), makeCtx());
    await b.silver('klines').write(batches(rows, 64), makeCtx());
    const ka = await a.partitions('klines');
    const kb = await b.partitions('klines');
    expect(ka.map((p) => [p.key, p.size])).toEqual(kb.map((p) => [p.key, p.size]));
    for (const p of ka) expect(Buffer.from((await a.store.get(p.key))!).equals(Buffer.from((await b.store.get(p.key))!))).toBe(true);
  });
});
