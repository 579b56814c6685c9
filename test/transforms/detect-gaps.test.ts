import { describe, expect, it } from 'vitest';
import type { GapEvent } from '../../src/core/events.js';
import { isScalplakeError } from '../../src/core/errors.js';
import type { Kline } from '../../src/core/tables.js';
import { detectGaps, findIdGaps, findTimeGaps } from '../../src/transforms/detect-gaps.js';
import { makeCtx, readAggTradesCsv, readKlinesCsv, runOp } from './harness.js';

const KLINES = 'datavision/um_monthly_klines_BTCUSDT-1m-2019-09_lines34-93_gap_1900.csv';
const TRADES = 'datavision/um_daily_aggTrades_BTCUSDT-2025-10-22_first6rows.csv';

function collect() {
  const ctx = makeCtx();
  const gaps: GapEvent[] = [];
  ctx.events.on('gap', (g) => gaps.push(g));
  return { ctx, gaps };
}

describe('detectGaps', () => {
  it('finds the missing 2019-09-08 19:00 bar of the real file, across batch boundaries, rows unchanged', async () => {
    const klines = readKlinesCsv(KLINES);
    const { ctx, gaps } = collect();
    const batches = [klines.slice(0, 30), klines.slice(30)]; // the hole lies between the two batches
    const op = detectGaps<Kline>({ table: 'klines' });
    const { out } = await runOp(op, batches, ctx);
    expect(out[0]).toBe(batches[0]);
    expect(out[1]).toBe(batches[1]);
    expect(gaps).toEqual([{ table: 'klines', symbol: 'BTCUSDT', kind: 'time', from: 1567969200000, to: 1567969200000, missing: 1 }]);
    expect(ctx.notes.get(op.name)).toEqual({ gaps: 1, missing: 1 });
  });

  it('tracks symbols separately and ignores duplicate and out-of-order rows', async () => {
    const k = (symbol: string, minute: number) => ({ symbol, interval: '1m', open_time: minute * 60_000 });
    const { ctx, gaps } = collect();
    await runOp(detectGaps({ table: 'klines' }), [[k('A', 0), k('B', 0), k('A', 1), k('B', 4), k('A', 1), k('A', 0), k('A', 5)]], ctx);
    expect(gaps).toEqual([
      { table: 'klines', symbol: 'B', kind: 'time', from: 60_000, to: 180_000, missing: 3 },
      { table: 'klines', symbol: 'A', kind: 'time', from: 120_000, to: 240_000, missing: 3 },
    ]);
  });

  it('uses intervalMs when given, and needs it for intervals without a fixed length', async () => {
    const rows = [
      { symbol: 'A', interval: '1M', open_time: 0 },
      { symbol: 'A', interval: '1M', open_time: 3 * 3_600_000 },
    ];
    const { ctx, gaps } = collect();
    await runOp(detectGaps({ table: 'klines', intervalMs: 3_600_000 }), [rows], ctx);
    expect(gaps.map((g) => [g.from, g.to, g.missing])).toEqual([[3_600_000, 7_200_000, 2]]);
    const err = await runOp(detectGaps({ table: 'klines' }), [rows]).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toMatch(/interval "1M" has no fixed length/);
  });

  it('finds missing aggregate-trade ids; the real consecutive ids give none', async () => {
    const t = readAggTradesCsv(TRADES);
    const real = collect();
    await runOp(detectGaps({ table: 'agg_trades' }), [t], real.ctx);
    expect(real.gaps).toEqual([]);

    const { ctx, gaps } = collect();
    await runOp(detectGaps({ table: 'agg_trades' }), [[t[0], t[1]], [t[4]], [t[5], t[2]]], ctx);
    expect(gaps).toEqual([{ table: 'agg_trades', symbol: 'BTCUSDT', kind: 'id', from: 2907604451, to: 2907604452, missing: 2 }]);
  });

  it('honours symbolColumn', async () => {
    const { ctx, gaps } = collect();
    await runOp(detectGaps({ table: 'agg_trades', symbolColumn: 's' }), [[{ s: 'X', agg_trade_id: 1 }, { s: 'X', agg_trade_id: 3 }]], ctx);
    expect(gaps).toEqual([{ table: 'agg_trades', symbol: 'X', kind: 'id', from: 2, to: 2, missing: 1 }]);
  });
});

describe('findTimeGaps / findIdGaps', () => {
  it('list runs of missing bars in the real file', () => {
    const times = readKlinesCsv(KLINES).map((k) => k.open_time);
    expect(findTimeGaps(times, 60_000, 'BTCUSDT', 'klines')).toEqual([
      { table: 'klines', symbol: 'BTCUSDT', kind: 'time', from: 1567969200000, to: 1567969200000, missing: 1 },
    ]);
    expect(findTimeGaps(Float64Array.from([0, 60_000, 240_000, 240_000, 120_000, 300_000, 420_000]), 60_000, 'S', 'klines')).toEqual([
      { table: 'klines', symbol: 'S', kind: 'time', from: 120_000, to: 180_000, missing: 2 },
      { table: 'klines', symbol: 'S', kind: 'time', from: 360_000, to: 360_000, missing: 1 },
    ]);
    expect(findTimeGaps([], 60_000, 'S', 'klines')).toEqual([]);
    expect(() => findTimeGaps([0], 0, 'S', 'klines')).toThrow(/intervalMs 0/);
  });

  it('list runs of missing ids', () => {
    expect(findIdGaps([10, 11, 14, 15, 17], 'S', 'agg_trades')).toEqual([
      { table: 'agg_trades', symbol: 'S', kind: 'id', from: 12, to: 13, missing: 2 },
      { table: 'agg_trades', symbol: 'S', kind: 'id', from: 16, to: 16, missing: 1 },
    ]);
    expect(findIdGaps([1, 2, 3], 'S', 'agg_trades')).toEqual([]);
  });
});
