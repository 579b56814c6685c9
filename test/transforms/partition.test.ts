import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { TABLES } from '../../src/core/tables.js';
import { hivePath, partitionOf } from '../../src/transforms/partition.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isScalplakeError(e) ? e.code : 'other';
  }
  return undefined;
}

describe('partitionOf', () => {
  it('partitions klines by UTC day of open_time', () => {
    expect(partitionOf(TABLES.klines, { symbol: 'BTCUSDT', open_time: 1567969200000 })).toEqual({ symbol: 'BTCUSDT', date: '2019-09-08' });
  });

  it('partitions agg trades by UTC day and hour of trade_time, not the local time zone (TZ is New York here)', () => {
    const p = (t: number) => partitionOf(TABLES.agg_trades, { symbol: 'BTCUSDT', trade_time: t });
    expect(p(1761091200007)).toEqual({ symbol: 'BTCUSDT', date: '2025-10-22', hour: '00' });
    expect(p(1704074400000)).toEqual({ symbol: 'BTCUSDT', date: '2024-01-01', hour: '02' }); // 21:00 on Dec 31 in New York
    expect(p(1704067199999)).toEqual({ symbol: 'BTCUSDT', date: '2023-12-31', hour: '23' });
    expect(p(1709251140000)).toEqual({ symbol: 'BTCUSDT', date: '2024-02-29', hour: '23' }); // leap day
    expect(p(1704074400000).date).toBe('2024-01-01'); // back to a day seen before
  });

  it('uses the table time column (funding_time, event_time…)', () => {
    expect(partitionOf(TABLES.funding_rates, { symbol: 'ETHUSDT', funding_time: 1600041600000 })).toEqual({ symbol: 'ETHUSDT', date: '2020-09-14' });
    expect(partitionOf(TABLES.mark_prices, { symbol: 'BTCUSDT', event_time: 1680652800000 })).toEqual({ symbol: 'BTCUSDT', date: '2023-04-05' });
  });

  it('rejects symbols that are unsafe in a path and rows without a time', () => {
    expect(codeOf(() => partitionOf(TABLES.klines, { symbol: '../etc', open_time: 0 }))).toBe('INVALID_SYMBOL');
    expect(codeOf(() => partitionOf(TABLES.klines, { symbol: 42, open_time: 0 }))).toBe('INVALID_SYMBOL');
    expect(codeOf(() => partitionOf(TABLES.klines, { symbol: 'BTCUSDT', open_time: '2024' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => partitionOf(TABLES.klines, { symbol: 'BTCUSDT' }))).toBe('INVALID_ARGUMENT');
  });
});

describe('partitionOf at the edges', () => {
  it('puts exactly 00:00:00.000 UTC in the new day and hour 00, also on the New York DST change days', () => {
    const p = (t: number) => partitionOf(TABLES.agg_trades, { symbol: 'BTCUSDT', trade_time: t });
    // Date.UTC(2024, 0, 1) = 1704067200000; 2024-03-10 and 2024-11-03 are the US DST switch days.
    expect(p(1704067200000)).toEqual({ symbol: 'BTCUSDT', date: '2024-01-01', hour: '00' });
    expect(p(1704067200000 - 1)).toEqual({ symbol: 'BTCUSDT', date: '2023-12-31', hour: '23' });
    expect(p(1710028800000)).toEqual({ symbol: 'BTCUSDT', date: '2024-03-10', hour: '00' });
    expect(p(1710054000000)).toEqual({ symbol: 'BTCUSDT', date: '2024-03-10', hour: '07' }); // 02:00 → 03:00 in New York
    expect(p(1730592000000)).toEqual({ symbol: 'BTCUSDT', date: '2024-11-03', hour: '00' });
    expect(p(1730595600000 + 5 * 3_600_000)).toEqual({ symbol: 'BTCUSDT', date: '2024-11-03', hour: '06' }); // 01:00 repeats in New York
  });

  it('refuses a time past year 9999 (e.g. µs or ns read as ms) with INVALID_ARGUMENT instead of a garbled date', () => {
    const p = (t: number) => partitionOf(TABLES.klines, { symbol: 'BTCUSDT', open_time: t });
    expect(p(253402300799999)).toEqual({ symbol: 'BTCUSDT', date: '9999-12-31' }); // 9999-12-31 23:59:59.999
    // 2019-09-08 17:57 in µs taken as ms: year 51656. It used to give the date "+051656-11".
    expect(codeOf(() => p(1567965420000000))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => p(253402300800000))).toBe('INVALID_ARGUMENT'); // 10000-01-01
    // Beyond what a Date holds: it used to throw a bare RangeError.
    expect(codeOf(() => p(1567965420000000000))).toBe('INVALID_ARGUMENT');
    expect(() => p(1567965420000000)).toThrow(/1567965420000000/);
  });
});

describe('hivePath', () => {
  it('formats day and hour partitions', () => {
    expect(hivePath({ symbol: 'BTCUSDT', date: '2024-01-01' })).toBe('symbol=BTCUSDT/date=2024-01-01');
    expect(hivePath({ symbol: 'BTCUSDT', date: '2024-01-01', hour: '13' })).toBe('symbol=BTCUSDT/date=2024-01-01/hour=13');
    expect(hivePath(partitionOf(TABLES.agg_trades, { symbol: 'BTCUSDT', trade_time: 1704074400000 }))).toBe(
      'symbol=BTCUSDT/date=2024-01-01/hour=02',
    );
  });

  it('refuses values that would escape the partition folder', () => {
    expect(codeOf(() => hivePath({ symbol: 'BTC/..', date: '2024-01-01' }))).toBe('INVALID_SYMBOL');
    expect(codeOf(() => hivePath({ symbol: 'BTCUSDT', date: '../x' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => hivePath({ symbol: 'BTCUSDT', date: '2024-01-01', hour: '24' }))).toBe('INVALID_ARGUMENT');
  });
});
