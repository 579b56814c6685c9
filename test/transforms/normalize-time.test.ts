import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { withOrigin } from '../../src/core/stage.js';
import { normalizeTime } from '../../src/transforms/normalize-time.js';
import { runOp } from './harness.js';

type Row = { t: unknown; u?: unknown };

describe('normalizeTime', () => {
  it('converts seconds, microseconds and UTC date text to ms and leaves ms untouched', async () => {
    const input: Row[] = [
      { t: 1567965420000 }, // ms (2019-09-08 17:57 UTC): untouched
      { t: 1503014400 }, // s
      { t: '1503014400.0' }, // CryptoDataDownload legacy seconds text
      { t: 1789430400003000 }, // µs (spot bulk files since 2025)
      { t: '2017-08-17 05-AM' }, // CryptoDataDownload old hourly form
      { t: '2024-02-29 23:59:00' }, // leap day, read as UTC though TZ is America/New_York
    ];
    const { rows } = await runOp(normalizeTime<Row>({ columns: ['t'] }), [input]);
    expect(rows.map((r) => r.t)).toEqual([1567965420000, 1503014400000, 1503014400000, 1789430400003, 1502946000000, 1709251140000]);
    expect(rows[0]).toBe(input[0]);
    expect(input[1]).toEqual({ t: 1503014400 }); // input rows are not mutated
  });

  it('leaves null and values that are not times unchanged (for validate to reject)', async () => {
    const input: Row[] = [{ t: null }, { t: 'abc' }, { t: Number.NaN }, { t: '' }];
    const batch = [...input];
    const { out } = await runOp(normalizeTime<Row>({ columns: ['t'] }), [batch]);
    expect(out[0]).toBe(batch);
  });

  it('forces a unit when asked', async () => {
    const { rows } = await runOp(normalizeTime<Row>({ columns: ['t', 'u'], unit: 's' }), [[{ t: 1567965420, u: '1567965420' }]]);
    expect(rows).toEqual([{ t: 1567965420000, u: 1567965420000 }]);
    const ms = await runOp(normalizeTime<Row>({ columns: ['t'], unit: 'ms' }), [[{ t: 1567965420 }, { t: '1567965420000' }]]);
    expect(ms.rows).toEqual([{ t: 1567965420 }, { t: 1567965420000 }]);
    const us = await runOp(normalizeTime<Row>({ columns: ['t'], unit: 'us' }), [[{ t: 1567965420000 }]]);
    expect(us.rows).toEqual([{ t: 1567965420 }]);
  });

  it('floors to the hour and keeps the exact time in another column, keeping field order', async () => {
    type F = { symbol: string; funding_time: unknown; funding_rate: number };
    const op = normalizeTime<F, 'funding_time_raw'>({ columns: ['funding_time'], floorTo: 3_600_000, keepRawAs: 'funding_time_raw' });
    expect(op.name).toBe('normalizeTime(funding_time; unit auto; floor 3600000; raw as funding_time_raw)');
    const { rows } = await runOp(op, [
      [
        { symbol: 'BTCUSDT', funding_time: 1600012800005, funding_rate: 0.0001 },
        { symbol: 'BTCUSDT', funding_time: 1600041600, funding_rate: 0.0002 }, // seconds, on the hour
        { symbol: 'BTCUSDT', funding_time: null, funding_rate: 0.0003 },
      ],
    ]);
    expect(rows).toEqual([
      { symbol: 'BTCUSDT', funding_time: 1600012800000, funding_rate: 0.0001, funding_time_raw: 1600012800005 },
      { symbol: 'BTCUSDT', funding_time: 1600041600000, funding_rate: 0.0002, funding_time_raw: 1600041600000 },
      { symbol: 'BTCUSDT', funding_time: null, funding_rate: 0.0003, funding_time_raw: null },
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual(['symbol', 'funding_time', 'funding_rate', 'funding_time_raw']);
    const raw: number = rows[0]?.funding_time_raw as number;
    expect(raw).toBe(1600012800005);
  });

  it('keeps the origin of a changed batch (no rows added or removed)', async () => {
    const batch = withOrigin<Row>([{ t: 1 }, { t: 1567965420000 }], { source: 'cdd.csv', lines: [3, 4] });
    const { out } = await runOp(normalizeTime<Row>({ columns: ['t'] }), [batch]);
    expect([...(out[0] ?? [])]).toEqual([{ t: 1000 }, { t: 1567965420000 }]);
    expect(out[0]?.origin).toBe(batch.origin);
  });

  it('rejects bad options', () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isScalplakeError(e, 'INVALID_ARGUMENT');
      }
      return false;
    };
    expect(bad(() => normalizeTime({ columns: [] }))).toBe(true);
    expect(bad(() => normalizeTime({ columns: ['t'], floorTo: 0 }))).toBe(true);
    expect(bad(() => normalizeTime({ columns: ['t'], keepRawAs: 'raw' }))).toBe(true);
    expect(bad(() => normalizeTime({ columns: ['t', 'u'], floorTo: 1000, keepRawAs: 'raw' }))).toBe(true);
  });
});
