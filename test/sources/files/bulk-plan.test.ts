import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../../src/core/errors.js';
import { planBulkFiles } from '../../../src/sources/files/bulk-plan.js';

function days(from: number, to: number, prefix: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d++) out.push(`${prefix}-${String(d).padStart(2, '0')}`);
  return out;
}

describe('planBulkFiles', () => {
  it('plans one monthly file for a whole month', () => {
    const plan = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'klines', interval: '1m', from: '2024-01-01', to: '2024-01-31' });
    expect(plan).toHaveLength(1);
    const f = plan[0]!;
    expect(f.period).toBe('monthly');
    expect(f.url).toBe('https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip');
    expect(f.checksumUrl).toBe(`${f.url}.CHECKSUM`);
    expect(f.fileName).toBe('BTCUSDT-1m-2024-01.zip');
    expect(f.key).toBe('bronze/datavision/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip');
    expect([f.from, f.to]).toEqual(['2024-01-01', '2024-01-31']);
    expect([f.startTime, f.endTime]).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1)]);
  });

  it('plans daily edges and monthly middle months', () => {
    const plan = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'aggTrades', from: '2024-01-15', to: '2024-03-10' });
    const expected = [
      ...days(15, 31, 'BTCUSDT-aggTrades-2024-01').map((d) => `${d}.zip`),
      'BTCUSDT-aggTrades-2024-02.zip',
      ...days(1, 10, 'BTCUSDT-aggTrades-2024-03').map((d) => `${d}.zip`),
    ];
    expect(plan.map((f) => f.fileName)).toEqual(expected);
    expect(plan.filter((f) => f.period === 'monthly')).toHaveLength(1);
    const feb = plan[17]!;
    expect([feb.period, feb.from, feb.to]).toEqual(['monthly', '2024-02-01', '2024-02-29']);
    const jan15 = plan[0]!;
    expect([jan15.period, jan15.from, jan15.to, jan15.startTime, jan15.endTime]).toEqual([
      'daily',
      '2024-01-15',
      '2024-01-15',
      Date.UTC(2024, 0, 15),
      Date.UTC(2024, 0, 16),
    ]);
    expect(plan.at(-1)!.url).toBe(
      'https://data.binance.vision/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-03-10.zip',
    );
    // The files tile the range without gaps or overlaps.
    for (let i = 1; i < plan.length; i++) expect(plan[i]!.startTime).toBe(plan[i - 1]!.endTime);
  });

  it('plans a single day and a range across a year end', () => {
    expect(planBulkFiles({ symbol: 'BTCUSDT', dataType: 'aggTrades', from: '2024-02-29', to: '2024-02-29' }).map((f) => f.fileName)).toEqual([
      'BTCUSDT-aggTrades-2024-02-29.zip',
    ]);
    const plan = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'klines', interval: '1h', from: '2023-12-01', to: '2024-01-02' });
    expect(plan.map((f) => f.fileName)).toEqual(['BTCUSDT-1h-2023-12.zip', 'BTCUSDT-1h-2024-01-01.zip', 'BTCUSDT-1h-2024-01-02.zip']);
  });

  it('reads dates as UTC days whatever the time of day or the local zone', () => {
    const plan = planBulkFiles({
      symbol: 'BTCUSDT',
      dataType: 'aggTrades',
      from: Date.UTC(2024, 0, 31, 23, 59),
      to: '2024-02-01 00:30:00',
    });
    expect(plan.map((f) => f.fileName)).toEqual(['BTCUSDT-aggTrades-2024-01-31.zip', 'BTCUSDT-aggTrades-2024-02-01.zip']);
  });

  it('uses monthly files only for fundingRate, covering the range', () => {
    const plan = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'fundingRate', from: '2024-01-15', to: '2024-03-10' });
    expect(plan.map((f) => [f.fileName, f.period, f.from, f.to])).toEqual([
      ['BTCUSDT-fundingRate-2024-01.zip', 'monthly', '2024-01-01', '2024-01-31'],
      ['BTCUSDT-fundingRate-2024-02.zip', 'monthly', '2024-02-01', '2024-02-29'],
      ['BTCUSDT-fundingRate-2024-03.zip', 'monthly', '2024-03-01', '2024-03-31'],
    ]);
  });

  it('uses monthly files for the monthly-only kline intervals', () => {
    const plan = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'klines', interval: '1w', from: '2024-01-15', to: '2024-02-10' });
    expect(plan.map((f) => f.url)).toEqual([
      'https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1w/BTCUSDT-1w-2024-01.zip',
      'https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1w/BTCUSDT-1w-2024-02.zip',
    ]);
  });

  it('uses daily files only for bookDepth, even for whole months', () => {
    const plan = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'bookDepth', from: '2024-02-01', to: '2024-02-29' });
    expect(plan).toHaveLength(29);
    expect(plan.every((f) => f.period === 'daily')).toBe(true);
    expect(plan[0]!.key).toBe('bronze/datavision/futures/um/daily/bookDepth/BTCUSDT/BTCUSDT-bookDepth-2024-02-01.zip');
  });

  it('honours a forced period', () => {
    expect(
      planBulkFiles({ symbol: 'BTCUSDT', dataType: 'aggTrades', from: '2024-01-30', to: '2024-02-01', period: 'daily' }).map((f) => f.fileName),
    ).toEqual(['BTCUSDT-aggTrades-2024-01-30.zip', 'BTCUSDT-aggTrades-2024-01-31.zip', 'BTCUSDT-aggTrades-2024-02-01.zip']);
    expect(
      planBulkFiles({ symbol: 'BTCUSDT', dataType: 'aggTrades', from: '2024-01-30', to: '2024-02-01', period: 'monthly' }).map((f) => f.fileName),
    ).toEqual(['BTCUSDT-aggTrades-2024-01.zip', 'BTCUSDT-aggTrades-2024-02.zip']);
  });

  it('passes the base URL through', () => {
    const [f] = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'aggTrades', from: '2024-01-01', to: '2024-01-01', baseUrl: 'http://127.0.0.1:1' });
    expect(f!.url).toBe('http://127.0.0.1:1/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01-01.zip');
  });

  it('refuses reversed or unparseable ranges and bad combinations', () => {
    const bad: Array<Parameters<typeof planBulkFiles>[0]> = [
      { symbol: 'BTCUSDT', dataType: 'aggTrades', from: '2024-03-01', to: '2024-02-01' },
      { symbol: 'BTCUSDT', dataType: 'aggTrades', from: 'yesterday', to: '2024-02-01' },
      { symbol: 'BTCUSDT', dataType: 'klines', from: '2024-01-01', to: '2024-02-01' },
      { symbol: 'BTCUSDT', dataType: 'klines', interval: '7m', from: '2024-01-01', to: '2024-01-02' },
      { symbol: 'BTCUSDT', dataType: 'fundingRate', from: '2024-01-01', to: '2024-01-02', interval: '1m' },
    ];
    for (const o of bad) {
      let err: unknown;
      try {
        planBulkFiles(o);
      } catch (e) {
        err = e;
      }
      expect(isScalplakeError(err, 'INVALID_ARGUMENT'), JSON.stringify(o)).toBe(true);
    }
  });
});
