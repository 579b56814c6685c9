import { describe, expect, it } from 'vitest';
import { parseBinanceFileName } from '../../../src/sources/files/file-name.js';

describe('parseBinanceFileName', () => {
  it.each([
    ['BTCUSDT-1m-2019-09.csv', { symbol: 'BTCUSDT', dataType: 'klines', interval: '1m', date: '2019-09', period: 'monthly', priceKind: null }],
    ['BTCUSDT-aggTrades-2024-01-01.csv', { symbol: 'BTCUSDT', dataType: 'aggTrades', interval: null, date: '2024-01-01', period: 'daily', priceKind: null }],
    ['BTCUSDT-fundingRate-2024-01.zip', { symbol: 'BTCUSDT', dataType: 'fundingRate', interval: null, date: '2024-01', period: 'monthly', priceKind: null }],
    ['um_monthly_klines_BTCUSDT-1m-2019-09.csv', { symbol: 'BTCUSDT', dataType: 'klines', interval: '1m', date: '2019-09', period: 'monthly', priceKind: null }],
    ['/tmp/x/BTCUSDT-1h-2026-09-15_first3rows.csv', { symbol: 'BTCUSDT', dataType: 'klines', interval: '1h', date: '2026-09-15', period: 'daily', priceKind: null }],
    ['data/futures/um/monthly/markPriceKlines/ETHUSDT/1m/ETHUSDT-1m-2024-01.zip', { symbol: 'ETHUSDT', dataType: 'klines', interval: '1m', date: '2024-01', period: 'monthly', priceKind: 'markPriceKlines' }],
    ['um_daily_aggTrades_BTCUSDT-2025-10-22_first6rows.csv', { symbol: 'BTCUSDT', dataType: 'aggTrades', interval: null, date: '2025-10-22', period: 'daily', priceKind: null }],
    ['BTCUSDT-1mo-2024-01.csv', { symbol: 'BTCUSDT', dataType: 'klines', interval: '1mo', date: '2024-01', period: 'monthly', priceKind: null }],
  ])('%s', (name, expected) => {
    expect(parseBinanceFileName(name)).toEqual(expected);
  });

  it('returns null for names that are not data.binance.vision names', () => {
    expect(parseBinanceFileName('Binance_BTCUSDT_d.csv')).toBeNull();
    expect(parseBinanceFileName('btcusdt-1m-2019-09.csv')).toBeNull();
    expect(parseBinanceFileName('kaggle_btc_1min.csv')).toBeNull();
  });
});
