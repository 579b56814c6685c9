import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../src/sources/files/detect-format.js';
import { bytesOf, failure, fixture, readAll } from './csv-test-utils.js';

const KLINES_1H = 'datavision/um_daily_klines_BTCUSDT-1h-2026-09-15_first3rows.csv';

describe('detectFormat', () => {
  it('detects a headerless data.binance.vision kline file and says why', () => {
    const d = detectFormat(fixture('datavision/um_monthly_klines_BTCUSDT-1m-2019-09.csv').subarray(0, 65536), {
      name: 'um_monthly_klines_BTCUSDT-1m-2019-09.csv',
    });
    expect(d).toMatchObject({
      format: 'datavision',
      table: 'klines',
      banner: false,
      hasHeader: false,
      header: null,
      firstDataLine: 1,
      columnCount: 12,
      timeUnit: 'ms',
      symbol: 'BTCUSDT',
      symbolFrom: 'file-name',
      interval: '1m',
      intervalFrom: 'file-name',
      intervalMs: 60_000,
      order: 'ascending',
      empty: false,
      forced: { format: false, table: false },
    });
    expect(d.columns).toMatchObject({ open_time: 0, close_time: 6, trade_count: 8, taker_buy_quote_volume: 10 });
    expect(d.reasons.join('\n')).toContain('times in ms (first value 1567965420000)');
  });

  it('finds the interval from close_time − open_time + 1 when the name does not say it', () => {
    const d = detectFormat(fixture(KLINES_1H), { name: 'klines.csv', symbol: 'BTCUSDT', complete: true });
    expect(d).toMatchObject({ interval: '1h', intervalFrom: 'close-time', symbolFrom: 'option' });
  });

  it('forced format: reads a data.binance.vision file by column names as kaggle', async () => {
    const auto = await readAll(fixture(KLINES_1H), { name: KLINES_1H });
    const forced = await readAll(fixture(KLINES_1H), { name: KLINES_1H, format: 'kaggle' });
    expect(auto.detection.format).toBe('datavision');
    expect(forced.detection).toMatchObject({ format: 'kaggle', forced: { format: true, table: false } });
    expect(forced.detection.columns).toMatchObject({ open_time: 0, close_time: 6, quote_volume: 7, trade_count: 8, taker_buy_volume: 9 });
    expect(forced.records).toEqual(auto.records.map((k) => ({ ...k, source: 'kaggle' })));
  });

  it('forced format that cannot apply is refused with FORMAT_UNKNOWN', async () => {
    const e = await failure(() =>
      detectFormat(fixture('cdd/CDD_BTCUSDT_Binance_futures_data_hour_2020-12-30_first300.csv'), { name: 'cdd.csv', format: 'datavision', symbol: 'BTCUSDT' }),
    );
    expect(e.code).toBe('FORMAT_UNKNOWN');
  });

  it('refuses a forced table the format cannot feed', async () => {
    const cdd = fixture('cdd/CDD_BTCUSDT_Binance_futures_data_hour_2020-12-30_first300.csv');
    expect((await failure(() => detectFormat(cdd, { name: 'cdd.csv', table: 'agg_trades' }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(() => detectFormat(cdd, { name: 'cdd.csv', table: 'mark_prices' }))).code).toBe('INVALID_ARGUMENT');
  });

  it('symbol: the option wins over the file name, which wins over the symbol column', () => {
    const bytes = fixture(KLINES_1H);
    expect(detectFormat(bytes, { name: KLINES_1H }).symbol).toBe('BTCUSDT');
    const d = detectFormat(bytes, { name: KLINES_1H, symbol: 'ETHUSDT' });
    expect(d).toMatchObject({ symbol: 'ETHUSDT', symbolFrom: 'option' });
    expect(d.reasons.join('\n')).toContain('symbol option ETHUSDT overrides BTCUSDT');
    const cdd = fixture('cdd/CDD_Binance_BTCUSDT_d_SPOT_2025-05-01_first300.csv');
    expect(detectFormat(cdd, { name: 'Binance_BTCUSDT_d.csv' })).toMatchObject({ symbol: 'BTCUSDT', symbolFrom: 'column' });
    expect(detectFormat(cdd, { name: 'ETHUSDT-1d-2025-05.csv' })).toMatchObject({ symbol: 'ETHUSDT', symbolFrom: 'file-name' });
  });

  it('refuses a bad symbol with INVALID_SYMBOL', async () => {
    const e = await failure(() => detectFormat(fixture(KLINES_1H), { name: KLINES_1H, symbol: 'btc/usdt' }));
    expect(e.code).toBe('INVALID_SYMBOL');
    expect(e.message).toContain('"btc/usdt"');
  });

  it('asks for --symbol when neither the name nor the file gives one', async () => {
    const e = await failure(() => detectFormat(fixture(KLINES_1H), { name: '/data/klines.csv' }));
    expect(e.code).toBe('INVALID_SYMBOL');
    expect(e.message).toContain('/data/klines.csv');
    expect(e.message).toContain('--symbol');
  });

  it('refuses a bad interval option and asks for --interval when none can be found', async () => {
    expect((await failure(() => detectFormat(fixture(KLINES_1H), { name: KLINES_1H, interval: 'soon' }))).code).toBe('INVALID_ARGUMENT');
    const one = bytesOf('Timestamp,Open,High,Low,Close,Volume\n2019-09-08 17:57:00,1,1,1,1,1\n');
    const e = await failure(() => detectFormat(one, { name: 'one.csv', symbol: 'BTCUSDT', complete: true }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('--interval');
    expect(detectFormat(one, { name: 'one.csv', symbol: 'BTCUSDT', interval: '1m', complete: true })).toMatchObject({ interval: '1m', intervalFrom: 'option' });
  });

  it('names unsupported data.binance.vision files', async () => {
    const trades = bytesOf('id,price,qty,quote_qty,time,is_buyer_maker\n8078264332,78153.0,0.001,78.153,1789430400003,false\n');
    const t = await failure(() => detectFormat(trades, { name: 'BTCUSDT-trades-2026-09-15.csv', complete: true }));
    expect(t.code).toBe('FORMAT_UNKNOWN');
    expect(t.message).toContain('trades files are not supported');
  });

  it('detects both CryptoDataDownload header eras and the banner-less variant', () => {
    const old = detectFormat(fixture('cdd/CDD_BTCUSDT_Binance_futures_data_hour_2020-12-30_first300.csv'), { name: 'a.csv' });
    const neu = detectFormat(fixture('cdd/CDD_Binance_BTCUSDT_d_SPOT_2025-05-01_first300.csv'), { name: 'b.csv' });
    const bare = detectFormat(fixture('cdd/CDD_futures_minute_BTCUSDT_2019-09_MODIFIED_no_banner_no_header_last300.csv'), { name: 'c.csv' });
    for (const d of [old, neu, bare]) {
      expect(d).toMatchObject({ format: 'cdd', table: 'klines', timeUnit: 'auto', order: 'descending', symbol: 'BTCUSDT' });
      expect(d.columns).toMatchObject({ open_time: 0, date: 1, open: 3, high: 4, low: 5, close: 6, volume: 7, quote_volume: 8, trade_count: 9 });
    }
    expect(old.header?.[7]).toBe('Volume BTC');
    expect(neu.header?.[0]).toBe('Unix');
    expect([old.interval, neu.interval, bare.interval]).toEqual(['1h', '1d', '1m']);
    expect(bare).toMatchObject({ banner: false, hasHeader: false, firstDataLine: 1 });
  });
});
