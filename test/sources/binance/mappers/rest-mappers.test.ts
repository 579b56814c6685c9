import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kline, PriceKline, FundingRate, MarkPrice } from '../../../../src/core/tables.js';
import { exchangeInfoFromRest, RawExchangeInfo } from '../../../../src/sources/binance/mappers/exchange-info-rest.js';
import { fundingRateFromRest, RawRestFundingRate } from '../../../../src/sources/binance/mappers/funding-rate-rest.js';
import { klineFromRest, RawRestKline } from '../../../../src/sources/binance/mappers/kline-rest.js';
import { type MapContext, mapWith } from '../../../../src/sources/binance/mappers/mapped.js';
import { markPriceFromRest, RawRestPremiumIndex } from '../../../../src/sources/binance/mappers/mark-price-rest.js';
import { priceKlineFromRest, RawRestPriceKline } from '../../../../src/sources/binance/mappers/price-kline-rest.js';
import { mapPage } from '../../../../src/sources/binance/map-page.js';

const ctx: MapContext = { source: 'https://fapi.binance.com/fapi/v1/x', line: null, ingestedAt: 1700000000000, origin: 'rest' };

describe('REST mappers', () => {
  it('reads the REQUEST_WEIGHT budget and symbol filters from a real exchangeInfo', () => {
    const body = JSON.parse(readFileSync(new URL('../../../fixtures/rest/exchangeInfo_2021-07-22_BTCUSDT_ETHUSDT.json', import.meta.url), 'utf8'));
    const info = exchangeInfoFromRest(RawExchangeInfo.parse(body));
    expect(info.request_weight_per_minute).toBe(2400);
    expect(info.server_time).toBe(1626858243909);
    expect(info.symbols.get('BTCUSDT')).toEqual({ symbol: 'BTCUSDT', status: 'TRADING', contract_type: 'PERPETUAL', tick_size: 0.01, step_size: 0.001 });
    // A per-second limit is normalized to a per-minute budget.
    expect(exchangeInfoFromRest(RawExchangeInfo.parse({ rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: 10, limit: 300 }] })).request_weight_per_minute).toBe(1800);
  });

  it('maps kline and price-kline rows (numbers or strings), rejecting short rows with a reason', () => {
    // The documented example row of /fapi/v1/klines (numbers as Binance sends them).
    const row = [1499040000000, '0.01634790', '0.80000000', '0.01575800', '0.01577100', '148976.11427815', 1499644799999, '2434.19055334', 308, '1756.87402397', '28.46694368', '17928899.62484339'];
    const page = mapPage([row, row.slice(0, 5)], RawRestKline, (r, c) => klineFromRest(r, 'BTCUSDT', '1m', c), ctx);
    expect(page.rows).toEqual([
      { symbol: 'BTCUSDT', interval: '1m', open_time: 1499040000000, close_time: 1499644799999, open: 0.0163479, high: 0.8, low: 0.015758, close: 0.015771, volume: 148976.11427815, quote_volume: 2434.19055334, trade_count: 308, taker_buy_volume: 1756.87402397, taker_buy_quote_volume: 28.46694368, source: 'rest', ingested_at: 1700000000000 },
    ]);
    expect(Kline.safeParse(page.rows[0]).success).toBe(true);
    expect(page.rejects).toHaveLength(1);
    expect(page.rejects[0]!.line).toBe(2);
    const mark = mapWith(RawRestPriceKline, (r, c) => priceKlineFromRest(r, 'BTCUSDT', '1m', c), [1591256400000, '9653.69440000', '9653.69640000', '9651.38600000', '9651.55200000', '0', 1591256459999, '0', 60, '0', '0', '0'], ctx);
    expect(mark.ok && mark.value).toMatchObject({ open: 9653.6944, close: 9651.552, sample_count: 60, close_time: 1591256459999 });
    expect(mark.ok && PriceKline.safeParse(mark.value).success).toBe(true);
    expect(mapPage({ code: -1121 }, RawRestKline, (r, c) => klineFromRest(r, 'BTCUSDT', '1m', c), ctx).rejects[0]!.reason).toBe('the response body is not an array');
  });

  it('maps fundingRate (empty markPrice → null, rateType ignored) and premiumIndex', () => {
    const f = mapWith(RawRestFundingRate, (r, c) => fundingRateFromRest(r, 8, c), { symbol: 'BTCUSDT', fundingRate: '-0.03750000', fundingTime: 1570608000000, markPrice: '', rateType: 'Regular' }, ctx);
    expect(f.ok && f.value).toEqual({ symbol: 'BTCUSDT', funding_time: 1570608000000, funding_rate: -0.0375, mark_price: null, funding_interval_hours: 8, source: 'rest', ingested_at: 1700000000000 });
    expect(f.ok && FundingRate.safeParse(f.value).success).toBe(true);
    const p = mapWith(RawRestPremiumIndex, markPriceFromRest, { symbol: 'BTCUSDT', markPrice: '11793.63104562', indexPrice: '11781.80495970', estimatedSettlePrice: '11781.16138815', lastFundingRate: '0.00038246', interestRate: '0.00010000', nextFundingTime: 1597392000000, time: 1597370495002 }, ctx);
    expect(p.ok && p.value).toMatchObject({ event_time: 1597370495002, mark_price: 11793.63104562, index_price: 11781.8049597, funding_rate: 0.00038246, next_funding_time: 1597392000000 });
    expect(p.ok && MarkPrice.safeParse(p.value).success).toBe(true);
  });
});
