import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { withOrigin } from '../../src/core/stage.js';
import type { AggTrade } from '../../src/core/tables.js';
import { dedupe } from '../../src/transforms/dedupe.js';
import { readAggTradesCsv, runOp } from './harness.js';

const TRADES = 'datavision/um_daily_aggTrades_BTCUSDT-2025-10-22_first6rows.csv';

describe('dedupe', () => {
  it('drops repeated real trades across batches, keeps the first occurrence and counts duplicates', async () => {
    const t = readAggTradesCsv(TRADES);
    const [t0, t1, t2, t3, t4, t5] = t as [AggTrade, AggTrade, AggTrade, AggTrade, AggTrade, AggTrade];
    const replayed = { ...t3, price: 1 }; // same id, different payload: the first one wins
    const { rows, ctx } = await runOp(dedupe<AggTrade>({ key: 'agg_trade_id' }), [
      [t0, t1, t2, t3],
      [t2, replayed, t4, t4, t5],
    ]);
    expect(rows.map((r) => r.agg_trade_id)).toEqual([2907604449, 2907604450, 2907604451, 2907604452, 2907604453, 2907604454]);
    expect(rows[3]).toBe(t3);
    expect(ctx.counters.duplicates).toBe(3);
  });

  it('compares numeric keys by value, not by text', async () => {
    const { rows } = await runOp(dedupe<{ id: unknown }>({ key: 'id' }), [[{ id: 1 }, { id: '1' }, { id: 1 }]]);
    expect(rows).toEqual([{ id: 1 }, { id: '1' }]);
  });

  it('uses composite keys', async () => {
    const rows = [
      { symbol: 'BTCUSDT', open_time: 60_000 },
      { symbol: 'ETHUSDT', open_time: 60_000 },
      { symbol: 'BTCUSDT', open_time: 60_000 },
      { symbol: 'BTCUSDT', open_time: 120_000 },
    ];
    const op = dedupe<(typeof rows)[number]>({ key: ['symbol', 'open_time'] });
    expect(op.name).toBe('dedupe(symbol,open_time; window 100000)');
    const { rows: out, ctx } = await runOp(op, [rows]);
    expect(out).toEqual([rows[0], rows[1], rows[3]]);
    expect(ctx.counters.duplicates).toBe(1);
  });

  it('forgets keys beyond the window: a duplicate that old passes', async () => {
    const r = (id: number) => ({ id });
    // window 2: after 1, 2, 3 the set holds {2, 3}; 1 is new again, 3 is still a duplicate.
    const { rows, ctx } = await runOp(dedupe<{ id: number }>({ key: 'id', window: 2 }), [[r(1), r(2), r(3)], [r(1), r(3), r(2)]]);
    expect(rows.map((x) => x.id)).toEqual([1, 2, 3, 1, 2]);
    expect(ctx.counters.duplicates).toBe(1);
  });

  it('forgets composite keys beyond the window too', async () => {
    const r = (s: string, id: number) => ({ s, id });
    const { rows } = await runOp(dedupe<{ s: string; id: number }>({ key: ['s', 'id'], window: 1 }), [
      [r('A', 1), r('A', 1), r('B', 1), r('A', 1)],
    ]);
    expect(rows).toEqual([r('A', 1), r('B', 1), r('A', 1)]);
  });

  it('keeps the origin aligned with the kept rows and carries rejects over', async () => {
    const reject = { source: 'f.csv', line: 9, raw: 'x', reason: 'bad' };
    const raw = ['a', 'b', 'c', 'd'];
    const batch = withOrigin([{ id: 1 }, { id: 1 }, { id: 2 }, { id: 2 }], {
      source: 'f.csv',
      lines: [5, 6, 7, 8],
      rawText: (i) => raw[i] as string,
      rejects: [reject],
    });
    const { out } = await runOp(dedupe<{ id: number }>({ key: 'id' }), [batch]);
    expect([...(out[0] ?? [])]).toEqual([{ id: 1 }, { id: 2 }]);
    expect(Array.from(out[0]?.origin?.lines ?? [])).toEqual([5, 7]);
    expect(out[0]?.origin?.rawText?.(1)).toBe('c');
    expect(out[0]?.origin?.rejects).toEqual([reject]);
  });

  it('passes a batch without duplicates as the same object', async () => {
    const batch = [{ id: 1 }, { id: 2 }];
    const { out } = await runOp(dedupe<{ id: number }>({ key: 'id' }), [batch]);
    expect(out[0]).toBe(batch);
  });

  it('starts with empty state on every run', async () => {
    const op = dedupe<{ id: number }>({ key: 'id' });
    await runOp(op, [[{ id: 1 }]]);
    const { rows } = await runOp(op, [[{ id: 1 }]]);
    expect(rows).toEqual([{ id: 1 }]);
  });

  it('rejects bad options and rows without the key column', async () => {
    expect(() => dedupe({ key: [] })).toThrow(/at least one column/);
    expect(() => dedupe({ key: 'id', window: 0 })).toThrow(/window 0 is not a positive integer/);
    const batch = withOrigin([{ id: 1 }, { other: 2 }] as { id?: number }[], { source: 'f.csv', lines: [2, 3] });
    const err = await runOp(dedupe<{ id?: number }>({ key: 'id' }), [batch]).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toBe('dedupe(id; window 100000): key column "id" is missing at f.csv:3');
  });
});

describe('dedupe key forms', () => {
  it('keeps its memory when a numeric key column meets a non-number', async () => {
    const { rows } = await runOp(dedupe<{ id: unknown }>({ key: 'id', window: 3 }), [[{ id: 1 }, { id: 2 }, { id: 'x' }, { id: 2 }, { id: 1 }]]);
    // The window holds 1, 2, 'x' when 2 and 1 arrive again: both are duplicates.
    expect(rows).toEqual([{ id: 1 }, { id: 2 }, { id: 'x' }]);
  });

  it('keeps its memory when a composite key stops fitting the numeric form', async () => {
    const r = (s: unknown, i: unknown, t: unknown) => ({ s, i, t });
    const { rows } = await runOp(dedupe<ReturnType<typeof r>>({ key: ['s', 'i', 't'] }), [
      [r('BTCUSDT', '1m', 60_000), r('ETHUSDT', '1m', 60_000), r('BTCUSDT', '1m', 60_000)],
      [r('BTCUSDT', null, 60_000), r('ETHUSDT', '1m', 60_000), r('BTCUSDT', null, 60_000), r('BTCUSDT', '1m', 120_000)],
    ]);
    expect(rows).toEqual([r('BTCUSDT', '1m', 60_000), r('ETHUSDT', '1m', 60_000), r('BTCUSDT', null, 60_000), r('BTCUSDT', '1m', 120_000)]);
  });

  it('handles composite keys of strings only, and many distinct prefixes', async () => {
    const strings = await runOp(dedupe<{ a: string; b: string }>({ key: ['a', 'b'] }), [[{ a: 'x', b: 'y' }, { a: 'x', b: 'y' }, { a: 'xy', b: '' }]]);
    expect(strings.rows).toEqual([{ a: 'x', b: 'y' }, { a: 'xy', b: '' }]);
    const many = Array.from({ length: 70_000 }, (_, i) => ({ s: `S${i}`, id: 1 }));
    const { rows, ctx } = await runOp(dedupe<{ s: string; id: number }>({ key: ['s', 'id'] }), [many, [{ s: 'S0', id: 1 }, { s: 'S69999', id: 1 }]]);
    expect(rows).toHaveLength(70_000);
    expect(ctx.counters.duplicates).toBe(2);
  });
});
