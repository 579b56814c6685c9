import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBoolean, parseDecimal, parseInteger } from '../../../src/core/decimal.js';
import { toUtcMillis } from '../../../src/core/time.js';
import type { AggTrade, BookDepthBand, Kline, PriceKline } from '../../../src/core/tables.js';
import { openCsv } from '../../../src/sources/files/csv-records.js';
import { bytesOf, chunked, expectedMillis, failure, fixture, fixturePath, type ReadAll, readAll } from './csv-test-utils.js';

const INGESTED = 1_700_000_000_000;

async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
  } finally {
    c.closeSync();
  }
}

const KLINE_COLUMNS =
  "{'open_time':'BIGINT','open':'DOUBLE','high':'DOUBLE','low':'DOUBLE','close':'DOUBLE','volume':'DOUBLE','close_time':'BIGINT','quote_volume':'DOUBLE','count':'BIGINT','taker_buy_volume':'DOUBLE','taker_buy_quote_volume':'DOUBLE','ignore':'VARCHAR'}";

describe('data.binance.vision klines', () => {
  const BTC_2019_09 = 'datavision/um_monthly_klines_BTCUSDT-1m-2019-09.csv';
  let whole2019: Promise<ReadAll<Kline>> | undefined;
  const read2019 = () => {
    whole2019 ??= readAll<'klines'>(fixture(BTC_2019_09), { name: BTC_2019_09 }, 1 << 20);
    return whole2019;
  };

  it('reads the whole BTCUSDT 2019-09 file (no header, CRLF): one record per line, pinned first and last rows', async () => {
    const r = await read2019();
    expect(r.detection).toMatchObject({ format: 'datavision', table: 'klines', hasHeader: false, symbol: 'BTCUSDT', interval: '1m', timeUnit: 'ms' });
    expect(r.rejects).toEqual([]);
    expect(r.records).toHaveLength(30603);
    expect(r.lines[0]).toBe(1);
    expect(r.lines.at(-1)).toBe(30603);
    // Line 1: 1567965420000,10000,10000,10000,10000,0.001,1567965479999,10,1,0,0,0
    expect(r.records[0]).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      open_time: Date.UTC(2019, 8, 8, 17, 57),
      close_time: Date.UTC(2019, 8, 8, 17, 57, 59, 999),
      open: 10000,
      high: 10000,
      low: 10000,
      close: 10000,
      volume: 0.001,
      quote_volume: 10,
      trade_count: 1,
      taker_buy_volume: 0,
      taker_buy_quote_volume: 0,
      source: 'datavision',
      ingested_at: INGESTED,
    } satisfies Kline);
    expect(Object.keys(r.records[0]!)).toEqual(Object.keys(Kline_ORDER));
    // Last line: 1569801600000,8042.08,8053.69,8042.04,8053.67,15.800,1569801659999,127153.37563,37,12.280,98835.44883,0
    expect(r.records.at(-1)).toMatchObject({
      open_time: Date.UTC(2019, 8, 30, 0, 0),
      close_time: Date.UTC(2019, 8, 30, 0, 0, 59, 999),
      open: 8042.08,
      high: 8053.69,
      low: 8042.04,
      close: 8053.67,
      volume: 15.8,
      quote_volume: 127153.37563,
      trade_count: 37,
      taker_buy_volume: 12.28,
      taker_buy_quote_volume: 98835.44883,
    });
    expect(r.raws[0]).toBe('1567965420000,10000,10000,10000,10000,0.001,1567965479999,10,1,0,0,0');
    expect(r.raws.at(-1)).toBe('1569801600000,8042.08,8053.69,8042.04,8053.67,15.800,1569801659999,127153.37563,37,12.280,98835.44883,0');
    expect(r.batchSizes.slice(0, -1).every((n) => n === 4096)).toBe(true);
  });

  it('agrees value for value with DuckDB read_csv on the whole 2019-09 file', async () => {
    const r = await read2019();
    const duck = await duckRows(`SELECT * FROM read_csv('${fixturePath(BTC_2019_09)}', header=false, columns=${KLINE_COLUMNS})`);
    expect(duck).toHaveLength(r.records.length);
    for (let i = 0; i < duck.length; i++) {
      const d = duck[i]!;
      const k = r.records[i]!;
      const same =
        Number(d.open_time) === k.open_time &&
        Number(d.close_time) === k.close_time &&
        d.open === k.open &&
        d.high === k.high &&
        d.low === k.low &&
        d.close === k.close &&
        d.volume === k.volume &&
        d.quote_volume === k.quote_volume &&
        Number(d.count) === k.trade_count &&
        d.taker_buy_volume === k.taker_buy_volume &&
        d.taker_buy_quote_volume === k.taker_buy_quote_volume;
      if (!same) expect({ line: i + 1, record: k }).toEqual({ line: i + 1, record: d });
    }
  });

  it.each([
    ['datavision/um_monthly_klines_LTCUSDT-1m-2026-02_first300.csv', 'LTCUSDT', Date.UTC(2026, 1, 1), { open: 59.49, high: 59.49, low: 59.42, close: 59.45, volume: 1554.932, quote_volume: 92449.80017, trade_count: 442, taker_buy_volume: 832.674, taker_buy_quote_volume: 49507.33217 }],
    ['datavision/um_monthly_klines_AVAXUSDT-1m-2026-07_first300.csv', 'AVAXUSDT', Date.UTC(2026, 6, 1), { open: 6.534, high: 6.543, low: 6.534, close: 6.54, volume: 33013, quote_volume: 215829.891, trade_count: 365, taker_buy_volume: 30518, taker_buy_quote_volume: 199515.015 }],
  ])('reads %s with its header row (line 1) and pins the first row', async (name, symbol, openTime, values) => {
    const r = await readAll<'klines'>(fixture(name), { name });
    expect(r.detection).toMatchObject({ hasHeader: true, firstDataLine: 2, symbol, symbolFrom: 'file-name', interval: '1m' });
    expect(r.records).toHaveLength(300);
    expect(r.lines[0]).toBe(2);
    expect(r.records[0]).toMatchObject({ symbol, open_time: openTime, close_time: openTime + 59_999, ...values });
    expect(r.records[299]!.open_time).toBe(openTime + 299 * 60_000);
  });

  it.each([
    ['datavision/um_klines_BTCUSDT-1m-2022-08-01_02_MODIFIED_11cols_first300.csv', '1m', Date.UTC(2022, 7, 1), { open: 23290.1, close: 23275.8, trade_count: 7090, taker_buy_volume: 245.964, taker_buy_quote_volume: 5723953.899 }],
    ['datavision/um_monthly_klines_BTCUSDT-5m-2022-07_MODIFIED_11cols_first300.csv', '5m', Date.UTC(2022, 6, 2), { open: 19272, close: 19269.6, trade_count: 24516, taker_buy_volume: 1673.085, taker_buy_quote_volume: 32212619.6371 }],
  ])('reads the 11-column file %s', async (name, interval, openTime, values) => {
    const r = await readAll<'klines'>(fixture(name), { name });
    expect(r.detection).toMatchObject({ columnCount: 11, hasHeader: false, interval, extraColumns: [] });
    expect(r.rejects).toEqual([]);
    expect(r.records).toHaveLength(300);
    expect(r.records[0]).toMatchObject({ open_time: openTime, interval, ...values });
  });

  it('reads the 1h daily excerpt with header', async () => {
    const name = 'datavision/um_daily_klines_BTCUSDT-1h-2026-09-15_first3rows.csv';
    const r = await readAll<'klines'>(fixture(name), { name });
    expect(r.records.map((k) => [k.open_time, k.close_time, k.open, k.trade_count])).toEqual([
      [Date.UTC(2026, 8, 15, 0), Date.UTC(2026, 8, 15, 0, 59, 59, 999), 78153, 109441],
      [Date.UTC(2026, 8, 15, 1), Date.UTC(2026, 8, 15, 1, 59, 59, 999), 77928.5, 134789],
      [Date.UTC(2026, 8, 15, 2), Date.UTC(2026, 8, 15, 2, 59, 59, 999), 77888.2, 83355],
    ]);
    expect(r.detection.interval).toBe('1h');
  });

  it('converts spot klines in µs to ms exactly', async () => {
    const name = 'spot/SPOT_BTCUSDT-1m-2026-09-15_first4rows.csv';
    const r = await readAll<'klines'>(fixture(name), { name });
    expect(r.detection.timeUnit).toBe('us');
    expect(r.records[0]).toMatchObject({
      open_time: 1789430400000,
      close_time: 1789430459999,
      open: 78189.2,
      high: 78200.23,
      low: 78176.65,
      close: 78199.66,
      volume: 3.48107,
      quote_volume: 272165.7877657,
      trade_count: 1076,
    });
    expect(r.records.map((k) => k.open_time)).toEqual([0, 1, 2, 3].map((m) => Date.UTC(2026, 8, 15, 0, m)));
  });
});

const Kline_ORDER = {
  symbol: 0,
  interval: 0,
  open_time: 0,
  close_time: 0,
  open: 0,
  high: 0,
  low: 0,
  close: 0,
  volume: 0,
  quote_volume: 0,
  trade_count: 0,
  taker_buy_volume: 0,
  taker_buy_quote_volume: 0,
  source: 0,
  ingested_at: 0,
};

describe('data.binance.vision aggTrades, bookDepth, fundingRate, price klines', () => {
  it('reads the 2025-10-22 aggTrades excerpt (header, qty 0.27)', async () => {
    const name = 'datavision/um_daily_aggTrades_BTCUSDT-2025-10-22_first6rows.csv';
    const r = await readAll<'agg_trades'>(fixture(name), { name });
    expect(r.detection).toMatchObject({ table: 'agg_trades', hasHeader: true, symbol: 'BTCUSDT', timeUnit: 'ms' });
    expect(r.records).toHaveLength(6);
    expect(r.records[0]).toEqual({
      symbol: 'BTCUSDT',
      agg_trade_id: 2907604449,
      price: 108253.8,
      quantity: 0.011,
      first_trade_id: 6764565323,
      last_trade_id: 6764565324,
      trade_time: Date.UTC(2025, 9, 22) + 7,
      is_buyer_maker: false,
      source: 'datavision',
      ingested_at: INGESTED,
    } satisfies AggTrade);
    expect(r.records[1]).toMatchObject({ quantity: 0.27, trade_time: Date.UTC(2025, 9, 22) + 22, is_buyer_maker: true });
  });

  it('reads the 2026-09-15 aggTrades excerpt', async () => {
    const name = 'datavision/um_daily_aggTrades_BTCUSDT-2026-09-15_first5rows.csv';
    const r = await readAll<'agg_trades'>(fixture(name), { name });
    expect(r.records.map((t) => [t.agg_trade_id, t.price, t.quantity, t.trade_time, t.is_buyer_maker])).toEqual([
      [3449899747, 78153, 0.001, Date.UTC(2026, 8, 15) + 3, false],
      [3449899748, 78152.9, 0.148, Date.UTC(2026, 8, 15) + 6, true],
      [3449899749, 78152.8, 0.001, Date.UTC(2026, 8, 15) + 8, true],
      [3449899750, 78152.6, 0.008, Date.UTC(2026, 8, 15) + 8, true],
      [3449899751, 78152.3, 0.001, Date.UTC(2026, 8, 15) + 8, true],
    ]);
  });

  it('reads spot aggTrades (8 columns, µs, True/False) with times converted to ms exactly', async () => {
    const name = 'spot/SPOT_BTCUSDT-aggTrades-2026-09-15_first5rows.csv';
    const r = await readAll<'agg_trades'>(fixture(name), { name });
    expect(r.detection).toMatchObject({ table: 'agg_trades', columnCount: 8, timeUnit: 'us', hasHeader: false });
    expect(r.records.map((t) => [t.agg_trade_id, t.trade_time, t.is_buyer_maker, t.quantity])).toEqual([
      [4063759318, 1789430400017, true, 0.00009],
      [4063759319, 1789430400239, true, 0.0001],
      [4063759320, 1789430400433, false, 0.001],
      [4063759321, 1789430400780, false, 0.00204],
      [4063759322, 1789430400830, false, 0.0283],
    ]);
  });

  it('agrees with DuckDB on 300 spot aggTrades rows in µs', async () => {
    const name = 'spot/SPOT_BTCUSDT-aggTrades-2026-01-01_first300.csv';
    const r = await readAll<'agg_trades'>(fixture(name), { name });
    const duck = await duckRows(
      `SELECT a, p, q, f, l, t // 1000 AS t, m FROM read_csv('${fixturePath(name)}', header=false, columns={'a':'BIGINT','p':'DOUBLE','q':'DOUBLE','f':'BIGINT','l':'BIGINT','t':'BIGINT','m':'BOOLEAN','b':'BOOLEAN'})`,
    );
    expect(r.records.map((x) => [x.agg_trade_id, x.price, x.quantity, x.first_trade_id, x.last_trade_id, x.trade_time, x.is_buyer_maker])).toEqual(
      duck.map((d) => [Number(d.a), d.p, d.q, Number(d.f), Number(d.l), Number(d.t), d.m]),
    );
  });

  it('maps any aggTrades row exactly like parseInteger/parseDecimal/toUtcMillis/parseBoolean of its fields, or rejects it (property)', async () => {
    // A field as written in the file and its text once unquoted.
    const field = (raw: string, text = raw) => ({ raw, text });
    const digits = (max: number) => fc.stringMatching(new RegExp(`^\\d{1,${max}}$`)).map((d) => field(d));
    const odd = fc.constantFrom(
      field(''),
      field(' 12'),
      field('12 '),
      field('-7'),
      field('+7'),
      field('1e3'),
      field('1.0'),
      field('0x10'),
      field('12a'),
      field('"123"', '123'),
      field('"4.5"', '4.5'),
      field('NULL'),
    );
    const decimal = fc
      .tuple(fc.stringMatching(/^\d{0,18}$/), fc.constantFrom('', '.'), fc.stringMatching(/^\d{0,18}$/))
      .map(([a, dot, b]) => field(`${a}${dot}${b}`));
    const int = fc.oneof({ weight: 6, arbitrary: digits(18) }, { weight: 1, arbitrary: odd });
    const dec = fc.oneof({ weight: 6, arbitrary: decimal }, { weight: 1, arbitrary: odd });
    const bool = fc.constantFrom(...['true', 'false', 'True', 'False', 'TRUE', 'FALSE', 'tru', 'falsey', '', '1'].map((t) => field(t)), field('"true"', 'true'));
    const futuresRow = fc.tuple(int, dec, dec, int, int, int, bool);
    const spotRow = fc.tuple(int, dec, dec, int, int, int, bool, fc.constantFrom(field('True'), field('False'), field('"x"', 'x'), field('')));
    const shape = fc.constantFrom('ok', 'ok', 'ok', 'ok', 'short', 'long');

    // `first` (valid rows, enough for detection to see the real column count whatever the random rows are) comes first.
    const check = async (header: string, first: readonly string[], rows: { raw: string; text: string }[][], shapes: string[], name: string, cols: number) => {
      const lines = rows.map((r, k) => {
        const raws = r.map((f) => f.raw);
        if (shapes[k] === 'short') raws.pop();
        if (shapes[k] === 'long') raws.push('9');
        return raws.join(',');
      });
      const text = `${header}${first.join('\n')}\n${lines.join('\n')}\n`;
      const r = await readAll<'agg_trades'>(bytesOf(text), { name }, 37);
      const unit = r.detection.timeUnit;
      expect(r.detection.columnCount).toBe(cols);
      const expected: unknown[] = [];
      const rejected: number[] = [];
      rows.forEach((f, k) => {
        const v = [parseInteger(f[0]!.text), parseDecimal(f[1]!.text), parseDecimal(f[2]!.text), parseInteger(f[3]!.text), parseInteger(f[4]!.text)];
        const t = expectedMillis(f[5]!.text, unit);
        const b = parseBoolean(f[6]!.text);
        if (shapes[k] !== 'ok' || v.includes(null) || t === null || b === null) rejected.push(k);
        else expected.push([...v, t, b]);
      });
      expect(r.records.slice(first.length).map((x) => [x.agg_trade_id, x.price, x.quantity, x.first_trade_id, x.last_trade_id, x.trade_time, x.is_buyer_maker])).toEqual(expected);
      const firstLine = first.length + (header === '' ? 1 : 2);
      expect(r.rejects.map((x) => x.line)).toEqual(rejected.map((k) => k + firstLine));
      expect(r.rejects.map((x) => x.raw)).toEqual(rejected.map((k) => lines[k]));
      for (const x of r.rejects) expect(x.reason).toMatch(/^(expected \d+ columns, got \d+|column "\w+" is empty|column "\w+": .* is not an? \w+)$/);
    };

    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(futuresRow, shape), { minLength: 1, maxLength: 12 }), async (rows) => {
        await check(
          'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n',
          ['2907604449,108253.8,0.011,6764565323,6764565324,1761091200007,false'],
          rows.map(([r]) => r),
          rows.map(([, s]) => s),
          'BTCUSDT-aggTrades-2025-10-22.csv',
          7,
        );
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(spotRow, shape), { minLength: 1, maxLength: 12 }), async (rows) => {
        await check(
          '',
          Array(13).fill('4063759318,87648.13000000,0.00009000,5741432410,5741432410,1789430400017123,True,True'),
          rows.map(([r]) => r),
          rows.map(([, s]) => s),
          'BTCUSDT-aggTrades-2026-09-15.csv',
          8,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('reads an aggTrades id, price or time with any non-digit byte at any position like the core parsers (bytes read four at a time)', async () => {
    const header = 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n';
    const good = '2907604449,108253.8,0.011,6764565323,6764565324,1761091200007,false';
    const rows: Buffer[] = [];
    for (const bad of [0x00, 0x20, 0x2e, 0x2f, 0x3a, 0x40, 0x7f, 0x80, 0xb5, 0xc3, 0xe0, 0xfa, 0xff]) {
      // agg_trade_id, price before its dot, transact_time
      for (const [start, len] of [[0, 10], [11, 6], [48, 13]] as const) {
        for (let k = start; k < start + len; k++) {
          const row = Buffer.from(good);
          row[k] = bad;
          rows.push(row);
        }
      }
    }
    const bytes = Buffer.concat([Buffer.from(header), ...rows.flatMap((row) => [row, Buffer.from('\n')])]);
    const r = await readAll<'agg_trades'>(bytes, { name: 'BTCUSDT-aggTrades-2025-10-22.csv' });
    const expected: unknown[] = [];
    const rejected: number[] = [];
    rows.forEach((row, k) => {
      const f = row.toString('utf8').split(',');
      const v = [parseInteger(f[0]!), parseDecimal(f[1]!), toUtcMillis(f[5]!, 'ms')];
      if (v.includes(null)) rejected.push(k + 2);
      else expected.push(v);
    });
    expect(rejected.length).toBeGreaterThan(150);
    expect(r.records.map((x) => [x.agg_trade_id, x.price, x.trade_time])).toEqual(expected);
    expect(r.rejects.map((x) => x.line)).toEqual(rejected);
  });

  it('reads bookDepth bands (date-string timestamps, -5 and -5.00 percentages)', async () => {
    const a = await readAll<'book_depth_bands'>(fixture('datavision/um_daily_bookDepth_BTCUSDT-2026-09-15_first3rows.csv'), {
      name: 'datavision/um_daily_bookDepth_BTCUSDT-2026-09-15_first3rows.csv',
    });
    expect(a.detection.table).toBe('book_depth_bands');
    expect(a.records[0]).toEqual({
      symbol: 'BTCUSDT',
      timestamp: Date.UTC(2026, 8, 15, 0, 0, 6),
      percentage: -5,
      depth: 9258.555,
      notional: 707988857.2485,
      source: 'datavision',
      ingested_at: INGESTED,
    } satisfies BookDepthBand);
    const b = await readAll<'book_depth_bands'>(fixture('datavision/um_daily_bookDepth_BTCUSDT-2025-05-19_snapshot_11-07-31_from_issue431.csv'), {
      name: 'um_daily_bookDepth_BTCUSDT-2025-05-19_snapshot.csv',
    });
    expect(b.records.map((x) => x.percentage)).toEqual([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]);
    expect(new Set(b.records.map((x) => x.timestamp))).toEqual(new Set([Date.UTC(2025, 4, 19, 11, 7, 31)]));
  });

  it('reads a fundingRate file (calc_time,funding_interval_hours,last_funding_rate)', async () => {
    const csv = 'calc_time,funding_interval_hours,last_funding_rate\n1704067200000,8,0.00037409\n1704096000003,8,-0.00010000\n1704124800000,,0.0001\n';
    const r = await readAll<'funding_rates'>(bytesOf(csv), { name: 'BTCUSDT-fundingRate-2024-01.csv' });
    expect(r.detection.table).toBe('funding_rates');
    expect(r.records).toEqual([
      { symbol: 'BTCUSDT', funding_time: Date.UTC(2024, 0, 1), funding_rate: 0.00037409, mark_price: null, funding_interval_hours: 8, source: 'datavision', ingested_at: INGESTED },
      { symbol: 'BTCUSDT', funding_time: Date.UTC(2024, 0, 1, 8) + 3, funding_rate: -0.0001, mark_price: null, funding_interval_hours: 8, source: 'datavision', ingested_at: INGESTED },
      { symbol: 'BTCUSDT', funding_time: Date.UTC(2024, 0, 1, 16), funding_rate: 0.0001, mark_price: null, funding_interval_hours: null, source: 'datavision', ingested_at: INGESTED },
    ]);
  });

  it('reads price-index klines when the path names them, and when the table is forced', async () => {
    const csv = '1704067200000,42314.00,42335.20,42300.10,42320.50,0,1704067259999,0,60,0,0,0\n';
    const auto = await readAll<'mark_price_klines'>(bytesOf(csv), { name: 'data/futures/um/monthly/markPriceKlines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv' });
    expect(auto.detection.table).toBe('mark_price_klines');
    expect(auto.records[0]).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      open_time: Date.UTC(2024, 0, 1),
      close_time: Date.UTC(2024, 0, 1, 0, 0, 59, 999),
      open: 42314,
      high: 42335.2,
      low: 42300.1,
      close: 42320.5,
      sample_count: 60,
      source: 'datavision',
      ingested_at: INGESTED,
    } satisfies PriceKline);
    const forced = await readAll(bytesOf(csv), { name: 'BTCUSDT-1m-2024-01.csv', table: 'premium_index_klines' });
    expect(forced.detection).toMatchObject({ table: 'premium_index_klines', forced: { format: false, table: true } });
    expect(forced.records[0]).toMatchObject({ sample_count: 60, open: 42314 });
    const plain = await readAll(bytesOf(csv), { name: 'BTCUSDT-1m-2024-01.csv' });
    expect(plain.detection.table).toBe('klines');
  });
});

describe('CryptoDataDownload', () => {
  it('reads the old-header futures hourly file (banner, newest first)', async () => {
    const name = 'cdd/CDD_BTCUSDT_Binance_futures_data_hour_2020-12-30_first300.csv';
    const r = await readAll<'klines'>(fixture(name), { name });
    expect(r.detection).toMatchObject({ format: 'cdd', banner: true, hasHeader: true, firstDataLine: 3, symbol: 'BTCUSDT', symbolFrom: 'column', interval: '1h', intervalFrom: 'spacing', order: 'descending', timeUnit: 'auto' });
    expect(r.lines[0]).toBe(3);
    // 1609286400000,2020-12-30 00:00:00,BTC/USDT,27402.83,27624.00,27402.82,27623.41,2635.438,72437377.94142,12535
    expect(r.records[0]).toEqual({
      symbol: 'BTCUSDT',
      interval: '1h',
      open_time: Date.UTC(2020, 11, 30),
      close_time: Date.UTC(2020, 11, 30, 0, 59, 59, 999),
      open: 27402.83,
      high: 27624,
      low: 27402.82,
      close: 27623.41,
      volume: 2635.438,
      quote_volume: 72437377.94142,
      trade_count: 12535,
      taker_buy_volume: null,
      taker_buy_quote_volume: null,
      source: 'cdd',
      ingested_at: INGESTED,
    } satisfies Kline);
    expect(r.records[1]!.open_time).toBe(Date.UTC(2020, 11, 29, 23));
    expect(r.records).toHaveLength(300);
  });

  it('reads the 2025 capitalized-header spot daily file (Symbol BTCUSDT, Date YYYY-MM-DD)', async () => {
    const name = 'cdd/CDD_Binance_BTCUSDT_d_SPOT_2025-05-01_first300.csv';
    const r = await readAll<'klines'>(fixture(name), { name });
    expect(r.detection).toMatchObject({ format: 'cdd', interval: '1d', symbol: 'BTCUSDT' });
    expect(r.records[0]).toMatchObject({
      open_time: Date.UTC(2025, 4, 1),
      close_time: Date.UTC(2025, 4, 1, 23, 59, 59, 999),
      open: 94172,
      high: 97424.02,
      low: 94130.43,
      close: 96489.91,
      volume: 21380.45343,
      quote_volume: 2053857614.2732673,
      trade_count: 2925716,
    });
    expect(r.records[1]!.open_time).toBe(Date.UTC(2025, 3, 30));
  });

  it('reads legacy rows in seconds with .0 and NULL trade counts, and emits both rows of the duplicated day', async () => {
    const name = 'cdd/CDD_Binance_BTCUSDT_d_SPOT_2020-12-30_lines1036-1235.csv';
    const r = await readAll<'klines'>(fixture(name), { name });
    expect(r.rejects).toEqual([]);
    expect(r.records).toHaveLength(200);
    expect(r.detection.reasons.join('\n')).toMatch(/124 × s with decimals/);
    const day = Date.UTC(2017, 11, 18);
    const dup = r.records.map((k, i) => [k, r.raws[i]] as const).filter(([k]) => k.open_time === day);
    expect(dup.map(([k, raw]) => [raw!.split(',')[0], k.open, k.trade_count, k.volume])).toEqual([
      ['1513555200000', 18860.04, 91956, 10624.633071],
      ['1513555200.0', 18860.02, null, 10280.98],
    ]);
    // The last line: 1502928000.0,2017-08-17,BTC/USDT,4469.93,4485.39,4200.74,4285.08,647.86,2812379.11,NULL
    expect(r.records.at(-1)).toMatchObject({
      open_time: Date.UTC(2017, 7, 17),
      close_time: Date.UTC(2017, 7, 17, 23, 59, 59, 999),
      open: 4469.93,
      close: 4285.08,
      volume: 647.86,
      quote_volume: 2812379.11,
      trade_count: null,
    });
    expect(r.lines.at(-1)).toBe(202);
  });

  it('reads the minute file whose banner and header were removed (CRLF, newest first)', async () => {
    const name = 'cdd/CDD_futures_minute_BTCUSDT_2019-09_MODIFIED_no_banner_no_header_last300.csv';
    const r = await readAll<'klines'>(fixture(name), { name }, 777);
    expect(r.detection).toMatchObject({ format: 'cdd', banner: false, hasHeader: false, interval: '1m', order: 'descending', symbol: 'BTCUSDT' });
    expect(r.records[0]).toMatchObject({ open_time: Date.UTC(2019, 8, 8, 22, 57), close_time: Date.UTC(2019, 8, 8, 22, 57, 59, 999), open: 10386.22, trade_count: 13 });
    expect(r.records.at(-1)).toMatchObject({ open_time: Date.UTC(2019, 8, 8, 17, 57), open: 10000, volume: 0.001, quote_volume: 10, trade_count: 1 });
    expect(r.raws.at(-1)).toBe('1567965420000,2019-09-08 17:57:00,BTC/USDT,10000,10000,10000,10000,0.001,10,1');
  });

  it('agrees with DuckDB on the hourly file', async () => {
    const name = 'cdd/CDD_BTCUSDT_Binance_futures_data_hour_2020-12-30_first300.csv';
    const r = await readAll<'klines'>(fixture(name), { name });
    const duck = await duckRows(`SELECT * FROM read_csv('${fixturePath(name)}', skip=1, header=true)`);
    expect(r.records.map((k) => [k.open_time, k.open, k.high, k.low, k.close, k.volume, k.quote_volume, k.trade_count])).toEqual(
      duck.map((d) => [Number(d.unix), d.open, d.high, d.low, d.close, d['Volume BTC'], d['Volume USDT'], Number(d.tradecount)]),
    );
  });
});

describe('Kaggle-style OHLCV', () => {
  it('reads a file with a date-string Timestamp column (names in any case), leaving the missing quote volume null', async () => {
    const csv = 'Timestamp,Open,High,Low,Close,Volume\n2019-09-08 17:57:00,10000,10000,10000,10000,0.001\n2019-09-08 17:58:00,10000,10010,9990,10005,2\n2019-09-08 17:59:00,10005,10005,10005,10005,0\n';
    const r = await readAll<'klines'>(bytesOf(csv), { name: 'btc_1min.csv', symbol: 'BTCUSDT' });
    expect(r.detection).toMatchObject({ format: 'kaggle', interval: '1m', intervalFrom: 'spacing', symbolFrom: 'option' });
    expect(r.detection.reasons.join('\n')).toContain('quote_volume is null');
    expect(r.records[1]).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      open_time: Date.UTC(2019, 8, 8, 17, 58),
      close_time: Date.UTC(2019, 8, 8, 17, 58, 59, 999),
      open: 10000,
      high: 10010,
      low: 9990,
      close: 10005,
      volume: 2,
      quote_volume: null,
      trade_count: null,
      taker_buy_volume: null,
      taker_buy_quote_volume: null,
      source: 'kaggle',
      ingested_at: INGESTED,
    } satisfies Kline);
  });

  it('reads a file with epoch seconds, quote volume and trades columns in another order, and a symbol column', async () => {
    const csv = 'symbol,unix,close,open,high,low,volume,quote_asset_volume,number_of_trades\nBTCUSDT,1567965420,10000,10000,10000,10000,0.001,10,1\nBTCUSDT,1567965480,10001,10000,10002,9999,1.5,15000.5,7\n';
    const r = await readAll<'klines'>(bytesOf(csv), { name: 'kaggle.csv' });
    expect(r.detection).toMatchObject({ format: 'kaggle', symbol: 'BTCUSDT', symbolFrom: 'column', interval: '1m' });
    expect(r.records.map((k) => [k.open_time, k.close_time, k.open, k.close, k.quote_volume, k.trade_count])).toEqual([
      [Date.UTC(2019, 8, 8, 17, 57), Date.UTC(2019, 8, 8, 17, 57, 59, 999), 10000, 10000, 10, 1],
      [Date.UTC(2019, 8, 8, 17, 58), Date.UTC(2019, 8, 8, 17, 58, 59, 999), 10000, 10001, 15000.5, 7],
    ]);
  });
});

describe('Kaggle-style OHLCV with epoch nanoseconds', () => {
  // pandas writes a datetime64 column turned into int64 as epoch ns (19 digits). Taken for µs (the 1e14 rule)
  // they became open times in the year 51656, or failed interval detection with a misleading "pass --interval".
  const csv =
    'timestamp,open,high,low,close,volume\n' +
    '1567965420000000000,10000,10000,10000,10000,0.001\n' +
    '1567965480000000000,10000,10010,9990,10005,2\n' +
    '1567965540000000000,10005,10005,10005,10005,0\n' +
    '1567965600123456789,10005,10005,10005,10005,0\n' +
    '1567965660999999999,10005,10005,10005,10005,0\n';

  it('reads integers of 1e17 and more as ns, to the exact ms (digits, not a rounded double)', async () => {
    const r = await readAll<'klines'>(bytesOf(csv), { name: 'btc_1min.csv', symbol: 'BTCUSDT' });
    expect(r.detection).toMatchObject({ format: 'kaggle', interval: '1m', intervalFrom: 'spacing' });
    expect(r.detection.reasons.join('\n')).toContain('5 × ns');
    expect(r.rejects).toEqual([]);
    // Date.UTC(2019, 8, 8, 17, 57) = 1567965420000; the sub-ms nanoseconds are dropped (floor), never rounded up.
    expect(r.records.map((k) => [k.open_time, k.close_time])).toEqual([
      [Date.UTC(2019, 8, 8, 17, 57), Date.UTC(2019, 8, 8, 17, 57, 59, 999)],
      [Date.UTC(2019, 8, 8, 17, 58), Date.UTC(2019, 8, 8, 17, 58, 59, 999)],
      [Date.UTC(2019, 8, 8, 17, 59), Date.UTC(2019, 8, 8, 17, 59, 59, 999)],
      [Date.UTC(2019, 8, 8, 18, 0, 0, 123), Date.UTC(2019, 8, 8, 18, 1, 0, 122)],
      [Date.UTC(2019, 8, 8, 18, 1, 0, 999), Date.UTC(2019, 8, 8, 18, 2, 0, 998)],
    ]);
  });

  it('gives the same times when the interval is passed (it used to give year-51656 times then)', async () => {
    const r = await readAll<'klines'>(bytesOf(csv), { name: 'btc_1min.csv', symbol: 'BTCUSDT', interval: '1m' });
    expect(r.records.map((k) => k.open_time)).toEqual([1567965420000, 1567965480000, 1567965540000, 1567965600123, 1567965660999]);
  });

  it('keeps reading 16-digit times as µs (below 1e17)', async () => {
    const csv2 = 'open_time,open,high,low,close,volume\n1567965420000000,1,1,1,1,1\n1567965480000000,1,1,1,1,1\n';
    const r = await readAll<'klines'>(bytesOf(csv2), { name: 'btc_1min.csv', symbol: 'BTCUSDT' });
    expect(r.records.map((k) => k.open_time)).toEqual([1567965420000, 1567965480000]);
  });
});

describe('data.binance.vision-shaped file with epoch nanoseconds', () => {
  it('reads the times per value as ns instead of forcing µs from the first row', async () => {
    const csv =
      '1567965420000000000,10000,10000,10000,10000,0.001,1567965479999999999,10,1,0,0,0\n' +
      '1567965480000000000,10000,10010,9990,10005,2,1567965539999999999,20005,3,1,10000,0\n';
    const r = await readAll<'klines'>(bytesOf(csv), { name: 'BTCUSDT-1m-2019-09.csv' });
    expect(r.detection.reasons.join('\n')).toMatch(/times in ns/);
    expect(r.records.map((k) => [k.open_time, k.close_time])).toEqual([
      [1567965420000, 1567965479999],
      [1567965480000, 1567965539999],
    ]);
  });
});

describe('Kaggle-style OHLCV with a pandas index column', () => {
  it('ignores the unnamed index column and reports it', async () => {
    const csv = ',open_time,open,high,low,close,volume\n0,1567965420000,1,2,0.5,1.5,3\n1,1567965480000,1.5,2,1,2,4\n';
    const r = await readAll<'klines'>(bytesOf(csv), { name: 'export.csv', symbol: 'BTCUSDT', format: 'kaggle' });
    expect(r.detection.extraColumns).toEqual(['column 1']);
    expect(r.records.map((k) => [k.open_time, k.open, k.volume])).toEqual([
      [1567965420000, 1, 3],
      [1567965480000, 1.5, 4],
    ]);
  });
});

describe('bad input', () => {
  const good = '1567965420000,10000,10000,10000,10000,0.001,1567965479999,10,1,0,0,0';
  const good2 = '1567965480000,10000,10000,10000,10000,0,1567965539999,0,0,0,0,0';
  const name = 'BTCUSDT-1m-2019-09.csv';

  it('rejects ragged rows with their line, raw text and the column counts', async () => {
    const r = await readAll(bytesOf(`${good}\n1567965480000,1,2,3,4\n${good2},7\n${good2}\n`), { name });
    expect(r.records).toHaveLength(2);
    expect(r.lines).toEqual([1, 4]);
    expect(r.rejects).toEqual([
      { source: name, line: 2, raw: '1567965480000,1,2,3,4', reason: 'expected 12 columns, got 5' },
      { source: name, line: 3, raw: `${good2},7`, reason: 'expected 12 columns, got 13' },
    ]);
  });

  it('takes the column count from the sampled rows, so a ragged first row is the one rejected', async () => {
    const r = await readAll(bytesOf(`1567965420000,1,2\n${good}\n${good2}\n`), { name });
    expect(r.detection.columnCount).toBe(12);
    expect(r.records).toHaveLength(2);
    expect(r.rejects).toEqual([{ source: name, line: 1, raw: '1567965420000,1,2', reason: 'expected 12 columns, got 3' }]);
  });

  it('rejects non-numeric prices naming the column and quoting the value', async () => {
    const r = await readAll(bytesOf(`${good}\n${good2.replace(',10000,', ',abc,')}\n`), { name });
    expect(r.records).toHaveLength(1);
    expect(r.rejects[0]).toMatchObject({ line: 2, reason: 'column "open": "abc" is not a number' });
  });

  it('rejects empty required fields and unparseable times', async () => {
    const r = await readAll(bytesOf(`${good}\n1567965480000,10000,,10000,10000,0,1567965539999,0,0,0,0,0\nnot-a-time,1,1,1,1,1,1,1,1,1,1,1\n`), { name });
    expect(r.rejects.map((x) => [x.line, x.reason])).toEqual([
      [2, 'column "high" is empty'],
      [3, 'column "open_time": "not-a-time" is not a time'],
    ]);
  });

  it('rejects a header repeated in the middle of the file', async () => {
    const header = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
    const r = await readAll(bytesOf(`${header}\n${good}\n${header}\n${good2}\n`), { name });
    expect(r.records).toHaveLength(2);
    expect(r.rejects).toEqual([{ source: name, line: 3, raw: header, reason: 'header row repeated' }]);
  });

  it('ignores unknown extra columns and says so in the detection', async () => {
    const r = await readAll(bytesOf(`${good},extra\n${good2},more\n`), { name });
    expect(r.rejects).toEqual([]);
    expect(r.records).toHaveLength(2);
    expect(r.detection.extraColumns).toEqual(['column 13']);
    expect(r.detection.reasons.join('\n')).toContain('1 unknown extra column(s) ignored: column 13');
  });

  it('gives the same records and lines when chunks cut rows and CRLF pairs anywhere', async () => {
    const text = `${good}\r\n${good2}\r\n${good}\r\n`;
    const bytes = bytesOf(text);
    const whole = await readAll(bytes, { name });
    expect(whole.records).toHaveLength(3);
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = await readAll(chunked(bytes, [cut]), { name });
      expect(r.records).toEqual(whole.records);
      expect(r.lines).toEqual([1, 2, 3]);
    }
    const tiny = await readAll(chunked(bytes, 1), { name });
    expect(tiny.records).toEqual(whole.records);
  });

  it('reads quoted fields (quoted numbers; a quoted text with a comma and "" in an extra column)', async () => {
    const r = await readAll(bytesOf(`"1567965420000","10000",10000,10000,10000,0.001,1567965479999,10,1,0,0,"a,""b"""\n${good2}\n`), { name });
    expect(r.rejects).toEqual([]);
    expect(r.records[0]).toMatchObject({ open_time: 1567965420000, open: 10000, volume: 0.001 });
    expect(r.raws[0]).toBe('"1567965420000","10000",10000,10000,10000,0.001,1567965479999,10,1,0,0,"a,""b"""');
  });

  it('rejects a row whose quote never closes', async () => {
    const r = await readAll(bytesOf(`${good}\n1567965480000,"10000,10000\n`), { name });
    expect(r.records).toHaveLength(1);
    expect(r.rejects).toEqual([{ source: name, line: 2, raw: '1567965480000,"10000,10000', reason: 'unterminated quoted field' }]);
  });

  it('skips a UTF-8 BOM before the header', async () => {
    const header = 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker';
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...bytesOf(`${header}\n3449899747,78153.0,0.001,8078264332,8078264332,1789430400003,false\n`)]);
    const r = await readAll(bytes, { name: 'BTCUSDT-aggTrades-2026-09-15.csv' }, 2);
    expect(r.detection).toMatchObject({ hasHeader: true, table: 'agg_trades' });
    expect(r.detection.header?.[0]).toBe('agg_trade_id');
    expect(r.records).toHaveLength(1);
    expect(r.lines).toEqual([2]);
  });

  it('yields nothing for an empty file, and a header-only file', async () => {
    const empty = await readAll(new Uint8Array(0), { name });
    expect(empty.detection).toMatchObject({ empty: true, symbol: 'BTCUSDT' });
    expect(empty.records).toEqual([]);
    expect(empty.batchSizes).toEqual([]);
    const headerOnly = await readAll(bytesOf('agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n'), {
      name: 'BTCUSDT-aggTrades-2026-09-15.csv',
    });
    expect(headerOnly.detection).toMatchObject({ empty: true, table: 'agg_trades', hasHeader: true });
    expect(headerOnly.records).toEqual([]);
  });
});

describe('openCsv streaming', () => {
  it('reads lazily and releases the input when the consumer stops early', async () => {
    let produced = 0;
    let released = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; ; i++) {
          produced++;
          yield bytesOf(`${1567965420000 + i * 60000},1,1,1,1,1,${1567965479999 + i * 60000},1,1,1,1,0\n`.repeat(100));
        }
      } finally {
        released = true;
      }
    }
    const { batches } = await openCsv(endless(), { name: 'BTCUSDT-1m-2019-09.csv', ingestedAt: 0, batchSize: 1000 });
    let n = 0;
    for await (const b of batches) {
      n += b.length;
      if (n >= 3000) break;
    }
    expect(n).toBe(3000);
    expect(released).toBe(true);
    expect(produced).toBeLessThan(20_000);
  });

  it('batches hold at most batchSize records and per-record lines and raw text', async () => {
    const name = 'datavision/um_monthly_klines_LTCUSDT-1m-2026-02_first300.csv';
    const r = await readAll(fixture(name), { name, batchSize: 64 }, 1000);
    expect(r.batchSizes).toEqual([64, 64, 64, 64, 44]);
    expect(r.lines).toEqual(Array.from({ length: 300 }, (_, i) => i + 2));
    const text = fixture(name).toString('utf8').split('\n');
    expect(r.raws).toEqual(text.slice(1, 301));
  });

  it('throws FORMAT_UNKNOWN for a file it cannot recognize', async () => {
    const e = await failure(openCsv(chunked(bytesOf('foo;bar\n1;2\n'), 4), { name: 'BTCUSDT-1m-2019-09.csv', ingestedAt: 0 }));
    expect(e.code).toBe('FORMAT_UNKNOWN');
    expect(e.message).toContain('BTCUSDT-1m-2019-09.csv');
  });
});
