import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../../src/core/errors.js';
import {
  DATAVISION_DAILY_INTERVALS,
  DATAVISION_MONTHLY_INTERVALS,
  datavisionHasInterval,
  datavisionPeriods,
  datavisionUrl,
} from '../../../src/sources/files/datavision-url.js';

const B = 'https://data.binance.vision/data/futures/um';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isScalplakeError(e) ? e.code : 'not a ScalplakeError';
  }
  return undefined;
}

describe('datavisionUrl', () => {
  it('pins klines daily and monthly addresses, checksum URL, entry name and bronze key', () => {
    const d = datavisionUrl({ symbol: 'BTCUSDT', dataType: 'klines', period: 'daily', interval: '1m', date: '2024-01-01' });
    expect(d).toEqual({
      url: `${B}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01-01.zip`,
      checksumUrl: `${B}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01-01.zip.CHECKSUM`,
      fileName: 'BTCUSDT-1m-2024-01-01.zip',
      entryName: 'BTCUSDT-1m-2024-01-01.csv',
      key: 'bronze/datavision/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01-01.zip',
      period: 'daily',
      dataType: 'klines',
      symbol: 'BTCUSDT',
      interval: '1m',
    });
    const m = datavisionUrl({ symbol: 'BTCUSDT', dataType: 'klines', period: 'monthly', interval: '1mo', date: '2024-01' });
    expect(m.url).toBe(`${B}/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2024-01.zip`);
    expect(m.key).toBe('bronze/datavision/futures/um/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2024-01.zip');
  });

  it('pins the price-kline types, which sit in an interval folder like klines', () => {
    expect(datavisionUrl({ symbol: 'ETHUSDT', dataType: 'markPriceKlines', period: 'daily', interval: '5m', date: '2024-02-29' }).url).toBe(
      `${B}/daily/markPriceKlines/ETHUSDT/5m/ETHUSDT-5m-2024-02-29.zip`,
    );
    expect(datavisionUrl({ symbol: 'BTCUSDT', dataType: 'premiumIndexKlines', period: 'monthly', interval: '1h', date: '2023-12' }).url).toBe(
      `${B}/monthly/premiumIndexKlines/BTCUSDT/1h/BTCUSDT-1h-2023-12.zip`,
    );
    expect(datavisionUrl({ symbol: 'BTCUSDT', dataType: 'indexPriceKlines', period: 'monthly', interval: '1w', date: '2023-12' }).checksumUrl).toBe(
      `${B}/monthly/indexPriceKlines/BTCUSDT/1w/BTCUSDT-1w-2023-12.zip.CHECKSUM`,
    );
  });

  it('pins aggTrades, fundingRate and bookDepth (no interval folder)', () => {
    const a = datavisionUrl({ symbol: 'BTCUSDT', dataType: 'aggTrades', period: 'daily', date: '2024-01-15' });
    expect(a.url).toBe(`${B}/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01-15.zip`);
    expect(a.entryName).toBe('BTCUSDT-aggTrades-2024-01-15.csv');
    expect(a.interval).toBeUndefined();
    expect(datavisionUrl({ symbol: 'BTCUSDT', dataType: 'aggTrades', period: 'monthly', date: '2024-01' }).key).toBe(
      'bronze/datavision/futures/um/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01.zip',
    );
    expect(datavisionUrl({ symbol: 'BTCUSDT', dataType: 'fundingRate', period: 'monthly', date: '2024-01' }).url).toBe(
      `${B}/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip`,
    );
    expect(datavisionUrl({ symbol: 'BTCUSDT', dataType: 'bookDepth', period: 'daily', date: '2025-05-19' }).url).toBe(
      `${B}/daily/bookDepth/BTCUSDT/BTCUSDT-bookDepth-2025-05-19.zip`,
    );
  });

  it('builds every daily and monthly interval, and only those', () => {
    expect([...DATAVISION_DAILY_INTERVALS]).toEqual(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d']);
    expect([...DATAVISION_MONTHLY_INTERVALS]).toEqual([...DATAVISION_DAILY_INTERVALS, '3d', '1w', '1mo']);
    for (const i of DATAVISION_DAILY_INTERVALS) {
      expect(datavisionUrl({ symbol: 'BTCUSDT', dataType: 'klines', period: 'daily', interval: i, date: '2024-01-15' }).url).toBe(
        `${B}/daily/klines/BTCUSDT/${i}/BTCUSDT-${i}-2024-01-15.zip`,
      );
    }
    for (const i of DATAVISION_MONTHLY_INTERVALS) {
      expect(datavisionUrl({ symbol: 'BTCUSDT', dataType: 'klines', period: 'monthly', interval: i, date: '2024-01' }).url).toBe(
        `${B}/monthly/klines/BTCUSDT/${i}/BTCUSDT-${i}-2024-01.zip`,
      );
    }
    for (const i of ['3d', '1w', '1mo']) {
      expect(code(() => datavisionUrl({ symbol: 'BTCUSDT', dataType: 'klines', period: 'daily', interval: i, date: '2024-01-15' }))).toBe(
        'INVALID_ARGUMENT',
      );
    }
  });

  it('uses a configured base URL (trailing slash tolerated)', () => {
    expect(
      datavisionUrl({ symbol: 'BTCUSDT', dataType: 'aggTrades', period: 'daily', date: '2024-01-15', baseUrl: 'http://127.0.0.1:9/' }).url,
    ).toBe('http://127.0.0.1:9/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01-15.zip');
  });

  it('reports which periods and folders each type has', () => {
    expect(datavisionPeriods('fundingRate')).toEqual(['monthly']);
    expect(datavisionPeriods('bookDepth')).toEqual(['daily']);
    expect(datavisionPeriods('aggTrades')).toEqual(['daily', 'monthly']);
    expect(datavisionHasInterval('indexPriceKlines')).toBe(true);
    expect(datavisionHasInterval('bookDepth')).toBe(false);
  });

  it('refuses invalid combinations with INVALID_ARGUMENT', () => {
    const cases: Array<Parameters<typeof datavisionUrl>[0]> = [
      { symbol: 'BTCUSDT', dataType: 'fundingRate', period: 'daily', date: '2024-01-01' },
      { symbol: 'BTCUSDT', dataType: 'bookDepth', period: 'monthly', date: '2024-01' },
      { symbol: 'BTCUSDT', dataType: 'klines', period: 'daily', interval: '7m', date: '2024-01-01' },
      { symbol: 'BTCUSDT', dataType: 'klines', period: 'monthly', interval: '1M', date: '2024-01' },
      { symbol: 'BTCUSDT', dataType: 'klines', period: 'daily', date: '2024-01-01' },
      { symbol: 'BTCUSDT', dataType: 'aggTrades', period: 'daily', interval: '1m', date: '2024-01-01' },
      { symbol: 'BTCUSDT', dataType: 'aggTrades', period: 'daily', date: '2024-01' },
      { symbol: 'BTCUSDT', dataType: 'aggTrades', period: 'monthly', date: '2024-01-01' },
      { symbol: 'BTCUSDT', dataType: 'aggTrades', period: 'daily', date: '2023-02-29' },
      { symbol: 'BTCUSDT', dataType: 'trades' as never, period: 'daily', date: '2024-01-01' },
    ];
    for (const c of cases) expect(code(() => datavisionUrl(c)), JSON.stringify(c)).toBe('INVALID_ARGUMENT');
  });

  it('checks the symbol before it reaches a URL', () => {
    expect(code(() => datavisionUrl({ symbol: '../etc', dataType: 'aggTrades', period: 'daily', date: '2024-01-01' }))).toBe(
      'INVALID_SYMBOL',
    );
  });

  it('names the month interval spelling in the error', () => {
    expect(() => datavisionUrl({ symbol: 'BTCUSDT', dataType: 'klines', period: 'monthly', interval: '1M', date: '2024-01' })).toThrow(
      /"1mo"/,
    );
  });
});
