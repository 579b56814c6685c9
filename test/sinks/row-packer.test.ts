import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { columnsOf } from '../../src/core/schema.js';
import { FundingRate, Kline } from '../../src/core/tables.js';
import { compileRowPacker } from '../../src/sinks/row-packer.js';

describe('compileRowPacker', () => {
  it('round-trips rows of every column type, nulls included, across capacity growth', () => {
    const packer = compileRowPacker(columnsOf(Kline));
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      symbol: 'BTCUSDT', interval: '1m', open_time: 1_567_965_420_000 + i * 60_000, close_time: 1_567_965_479_999 + i * 60_000,
      open: 10_000 + i / 7, high: 10_010 + i, low: 9_990 - i, close: -0, volume: i % 3 === 0 ? 0 : 1e-8 * i,
      quote_volume: i % 2 === 0 ? null : 2 ** 53 - i, trade_count: i % 5 === 0 ? null : 3_449_899_747 + i,
      taker_buy_volume: null, taker_buy_quote_volume: 1.5, source: i % 2 ? 'datavision' : 'cdd', ingested_at: 1,
    }));
    const p = packer.create();
    for (const r of rows) packer.push(p, r);
    const back = packer.unpack(p);
    expect(back).toEqual(rows);
    // Created with room for all: the columns and null masks share one buffer and must not overlap.
    const sized = packer.create(rows.length);
    for (const r of rows) packer.push(sized, r);
    expect(sized.cap).toBe(rows.length);
    expect(packer.unpack(sized)).toEqual(rows);
    expect(Object.keys(back[0]!)).toEqual(columnsOf(Kline).map((c) => c.name));
    expect(Object.is(back[0]!.close, -0)).toBe(true);
    // One row at a time: a new record, or written over an earlier one (its nulls and values both replaced).
    const into = packer.row(p, 1);
    for (const i of [0, 1, 2, 5, 10, 2999]) {
      expect(packer.row(p, i)).toEqual(rows[i]);
      packer.rowInto(p, i, into);
      expect(into).toEqual(rows[i]);
      expect(Object.keys(into)).toEqual(columnsOf(Kline).map((c) => c.name));
    }
  });

  it('refuses a value its column cannot hold, naming the column', () => {
    const packer = compileRowPacker(columnsOf(FundingRate));
    const p = packer.create();
    const good = { symbol: 'BTCUSDT', funding_time: 1, funding_rate: 0.0001, mark_price: null, funding_interval_hours: 8, source: 's', ingested_at: 1 };
    packer.push(p, good);
    for (const [column, value] of [['funding_rate', 'x'], ['funding_time', 1.5], ['symbol', null], ['funding_interval_hours', '8']] as const) {
      let caught: unknown;
      try {
        packer.push(p, { ...good, [column]: value });
      } catch (e) {
        caught = e;
      }
      expect(isScalplakeError(caught, 'SINK_WRITE')).toBe(true);
      expect((caught as Error).message).toContain(`"${column}"`);
    }
    expect(packer.unpack(p)).toEqual([good]);
  });
});

describe('RowPacker.append', () => {
  it('copies a range of another store, strings and nulls included, growing the target', () => {
    const packer = compileRowPacker(columnsOf(Kline));
    const rows = Array.from({ length: 1500 }, (_, i) => ({
      symbol: i % 2 ? 'BTCUSDT' : 'ETHUSDT', interval: '1m', open_time: i * 60_000, close_time: i * 60_000 + 59_999,
      open: i, high: i + 1, low: i - 1, close: i / 3, volume: 1, quote_volume: i % 3 === 0 ? null : i,
      trade_count: i % 4 === 0 ? null : i, taker_buy_volume: null, taker_buy_quote_volume: 2, source: 'x', ingested_at: 1,
    }));
    const from = packer.create();
    for (const r of rows) packer.push(from, r);
    const into = packer.create();
    packer.push(into, rows[0]!);
    packer.append(into, from, 100, 1300);
    packer.append(into, from, 1499, 1);
    expect(into.n).toBe(1302);
    expect(packer.unpack(into)).toEqual([rows[0], ...rows.slice(100, 1400), rows[1499]]);
  });
});

describe('encoding from packed columns', () => {
  it('gives the same bytes as encoding the rows, nulls and several row groups included', async () => {
    const { encodeParquet, encodeParquetColumns } = await import('../../src/sinks/parquet-writer.js');
    const packer = compileRowPacker(columnsOf(Kline));
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      symbol: 'BTCUSDT', interval: '1m', open_time: 1_567_965_420_000 + i * 60_000, close_time: 1_567_965_479_999 + i * 60_000,
      open: 10_000 + (i % 17) / 10, high: 10_010 + i, low: 9_990 - (i % 13), close: 10_001, volume: (i % 7) * 0.001,
      quote_volume: i % 3 === 0 ? null : i * 1.5, trade_count: i % 4 === 0 ? null : i, taker_buy_volume: null,
      taker_buy_quote_volume: 0, source: 'datavision', ingested_at: 7,
    }));
    const p = packer.create();
    for (const r of rows) packer.push(p, r);
    const options = { rowGroupSize: 1000 };
    const fromRows = await encodeParquet(Kline, rows, options);
    const fromColumns = await encodeParquetColumns(Kline, p.n, (cols, start, count) => packer.fill(p, start, count, cols), options);
    expect(Buffer.from(fromColumns).equals(Buffer.from(fromRows))).toBe(true);
  });
});
