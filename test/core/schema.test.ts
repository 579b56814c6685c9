import { describe, expect, it } from 'vitest';
import { columnIndex, columnsOf, parquetSchemaOf, sqlDdlOf } from '../../src/core/schema.js';
import { AggTrade, BOOK_LEVELS, BookDepth, Kline, TABLES } from '../../src/core/tables.js';

describe('table schemas', () => {
  it('derive Parquet types from the zod definition', () => {
    const schema = parquetSchemaOf(Kline);
    const byName = Object.fromEntries(schema.map((e) => [e.name, e]));
    expect(schema[0]).toEqual({ name: 'root', num_children: columnsOf(Kline).length });
    expect(byName.open_time).toMatchObject({
      type: 'INT64',
      repetition_type: 'REQUIRED',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
    });
    expect(byName.trade_count).toMatchObject({ type: 'INT64', repetition_type: 'OPTIONAL' });
    expect(byName.open).toMatchObject({ type: 'DOUBLE', repetition_type: 'REQUIRED' });
    expect(byName.symbol).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    const agg = Object.fromEntries(parquetSchemaOf(AggTrade).map((e) => [e.name, e]));
    expect(agg.agg_trade_id?.type).toBe('INT64');
    expect(agg.is_buyer_maker?.type).toBe('BOOLEAN');
  });

  it('has N levels per side in book_depth, null-padded', () => {
    const names = columnsOf(BookDepth).map((c) => c.name);
    expect(names).toContain(`bid_price_${BOOK_LEVELS}`);
    expect(names).toContain(`ask_qty_${BOOK_LEVELS}`);
    expect(columnsOf(BookDepth).find((c) => c.name === 'ask_qty_1')?.nullable).toBe(true);
  });

  it('derives DuckDB and Athena DDL', () => {
    expect(sqlDdlOf(Kline, { dialect: 'duckdb', table: 'klines', location: 'lake/silver/klines/' })).toBe(
      "CREATE OR REPLACE VIEW klines AS SELECT * FROM read_parquet('lake/silver/klines/**/*.parquet', hive_partitioning = true, union_by_name = true)",
    );
    const athena = sqlDdlOf(Kline, { dialect: 'athena', table: 'klines', location: 's3://b/silver/klines', partitionColumns: ['date'] });
    expect(athena).toContain('`open_time` TIMESTAMP');
    expect(athena).toContain('`trade_count` BIGINT');
    expect(athena).toContain('PARTITIONED BY (`date` STRING)');
    expect(athena).toContain("LOCATION 's3://b/silver/klines/'");
  });

  it('validates rows with the table rules', () => {
    const row = {
      symbol: 'BTCUSDT', interval: '1m', open_time: 0, close_time: 59_999, open: 1, high: 2, low: 0.5, close: 1.5,
      volume: 1, quote_volume: 1, trade_count: 1, taker_buy_volume: 0, taker_buy_quote_volume: 0,
      source: 'test', ingested_at: 0,
    };
    expect(Kline.safeParse(row).success).toBe(true);
    expect(Kline.safeParse({ ...row, high: 0.1 }).success).toBe(false);
    expect(Kline.safeParse({ ...row, open: null }).success).toBe(false);
    expect(TABLES.agg_trades.partitionBy).toBe('hour');
  });
});

describe('columnIndex', () => {
  it('is the position in columnsOf, and refuses a column the table does not have', () => {
    for (const schema of [Kline, AggTrade, BookDepth]) {
      expect(columnsOf(schema).map((c) => columnIndex(schema, c.name))).toEqual(columnsOf(schema).map((_, k) => k));
    }
    expect(() => columnIndex(Kline, 'price')).toThrow(/no column "price"/);
  });
});
