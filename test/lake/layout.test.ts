import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import {
  bronzeFileKey,
  bronzePayloadKey,
  endpointSegment,
  parsePartitionKey,
  partitionOf,
  quarantineKey,
  silverFileKey,
  silverPrefix,
  stateKey,
} from '../../src/lake/layout.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isScalplakeError(e) ? e.code : 'OTHER';
  }
  return 'NONE';
};

describe('layout', () => {
  it('routes a time to its UTC day (and hour for agg_trades), not the local one', () => {
    // 2024-01-01 03:30 UTC is still 2023-12-31 in New York, where the tests run.
    const t = Date.UTC(2024, 0, 1, 3, 30);
    expect(partitionOf('klines', 'BTCUSDT', t)).toEqual({ symbol: 'BTCUSDT', date: '2024-01-01' });
    expect(partitionOf('agg_trades', 'BTCUSDT', t)).toEqual({ symbol: 'BTCUSDT', date: '2024-01-01', hour: 3 });
    expect(partitionOf('agg_trades', 'BTCUSDT', Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toEqual({ symbol: 'BTCUSDT', date: '2024-02-29', hour: 23 });
  });

  it('builds silver keys with zero-padded hours only for hourly tables', () => {
    expect(silverFileKey('klines', { symbol: 'BTCUSDT', date: '2024-01-01' })).toBe('silver/klines/symbol=BTCUSDT/date=2024-01-01/part-0.parquet');
    expect(silverFileKey('agg_trades', { symbol: 'ETHUSDT', date: '2024-01-01', hour: 5 })).toBe(
      'silver/agg_trades/symbol=ETHUSDT/date=2024-01-01/hour=05/part-0.parquet',
    );
    expect(silverPrefix('klines')).toBe('silver/klines/');
    expect(silverPrefix('klines', 'BTCUSDT')).toBe('silver/klines/symbol=BTCUSDT/');
    expect(code(() => silverFileKey('agg_trades', { symbol: 'BTCUSDT', date: '2024-01-01' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => silverFileKey('klines', { symbol: 'BTCUSDT', date: '2024-01-01', hour: 1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => silverFileKey('klines', { symbol: 'BTCUSDT', date: '2023-02-29' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => silverFileKey('agg_trades', { symbol: 'BTCUSDT', date: '2024-01-01', hour: 24 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => silverFileKey('nope' as 'klines', { symbol: 'BTCUSDT', date: '2024-01-01' }))).toBe('INVALID_ARGUMENT');
  });

  it('refuses symbols and segments that could escape the lake', () => {
    expect(code(() => silverFileKey('klines', { symbol: '../../etc', date: '2024-01-01' }))).toBe('INVALID_SYMBOL');
    expect(code(() => partitionOf('klines', 'btc/usdt', 0))).toBe('INVALID_SYMBOL');
    expect(code(() => silverPrefix('klines', 'BTC USDT'))).toBe('INVALID_SYMBOL');
    expect(code(() => quarantineKey('..', '2024-01-01', 'r', 0))).toBe('INVALID_ARGUMENT');
    expect(code(() => quarantineKey('klines', '2024-01-01', '../r', 0))).toBe('INVALID_ARGUMENT');
    expect(code(() => bronzePayloadKey('.hidden', 'e', 'BTCUSDT', '2024-01-01', 'r', 0))).toBe('INVALID_ARGUMENT');
    expect(code(() => bronzeFileKey('datavision', 'a/../../b.zip'))).toBe('INVALID_ARGUMENT');
    expect(code(() => stateKey('../secrets'))).toBe('INVALID_ARGUMENT');
    expect(code(() => stateKey('a//b'))).toBe('INVALID_ARGUMENT');
  });

  it('builds bronze, quarantine and state keys', () => {
    expect(quarantineKey('klines', '2024-01-01', 'run-1', 3)).toBe('quarantine/klines/date=2024-01-01/run-1-3.jsonl.gz');
    expect(bronzePayloadKey('rest', endpointSegment('/fapi/v1/aggTrades'), 'BTCUSDT', '2024-01-01', 'r', 0)).toBe(
      'bronze/rest/fapi_v1_aggTrades/symbol=BTCUSDT/date=2024-01-01/r-0.jsonl.gz',
    );
    expect(bronzeFileKey('datavision', 'futures/um/BTCUSDT-1m-2024-01.zip')).toBe('bronze/datavision/futures/um/BTCUSDT-1m-2024-01.zip');
    expect(stateKey('watermarks/klines')).toBe('_state/watermarks/klines.json');
    expect(endpointSegment('btcusdt@depth20@100ms')).toBe('btcusdt_depth20_100ms');
  });

  it('parses partition keys back', () => {
    expect(parsePartitionKey('silver/agg_trades/symbol=BTCUSDT/date=2024-01-01/hour=13/part-0.parquet')).toEqual({
      layer: 'silver',
      table: 'agg_trades',
      symbol: 'BTCUSDT',
      date: '2024-01-01',
      hour: 13,
      file: 'part-0.parquet',
    });
    expect(parsePartitionKey('bronze/rest/fapi_v1_klines/symbol=ETHUSDT/date=2024-02-29/r-0.jsonl.gz')).toEqual({
      layer: 'bronze',
      table: 'fapi_v1_klines',
      symbol: 'ETHUSDT',
      date: '2024-02-29',
      file: 'r-0.jsonl.gz',
    });
    const key = silverFileKey('klines', { symbol: 'LTCUSDT', date: '2026-02-01' });
    expect(parsePartitionKey(key)).toMatchObject({ table: 'klines', symbol: 'LTCUSDT', date: '2026-02-01' });
    expect(parsePartitionKey('silver/klines/part-0.parquet')).toBeUndefined();
    expect(parsePartitionKey('silver/klines/symbol=btc/date=2024-01-01/part-0.parquet')).toBeUndefined();
    expect(parsePartitionKey('silver/agg_trades/symbol=BTCUSDT/date=2024-01-01/hour=24/part-0.parquet')).toBeUndefined();
  });
});
