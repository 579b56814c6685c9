/** Shared helpers of the sink and lake tests: fixtures, a stage context, DuckDB and hashing. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRunEvents } from '../../src/core/events.js';
import type { StageContext } from '../../src/core/stage.js';
import type { AggTrade, Kline, MarkPrice } from '../../src/core/tables.js';
import type { ObjectStore } from '../../src/sinks/object-store.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'sinks');
export const INGESTED_AT = 1_704_067_200_000;

/** A fresh stage context. */
export function makeCtx(signal: AbortSignal = new AbortController().signal): StageContext {
  return {
    signal,
    events: createRunEvents(),
    counters: { rowsIn: 0, rowsOut: 0, duplicates: 0, invalid: 0, late: 0 },
    notes: new Map(),
  };
}

/** The real 1m klines fixture (no header row) as records. */
export function loadKlines(source = 'datavision', ingestedAt = INGESTED_AT): Kline[] {
  const text = readFileSync(join(FIXTURES, 'um_monthly_klines_BTCUSDT-1m-2019-09_first1500.csv'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const f = line.split(',');
      return {
        symbol: 'BTCUSDT',
        interval: '1m',
        open_time: Number(f[0]),
        close_time: Number(f[6]),
        open: Number(f[1]),
        high: Number(f[2]),
        low: Number(f[3]),
        close: Number(f[4]),
        volume: Number(f[5]),
        quote_volume: Number(f[7]),
        trade_count: Number(f[8]),
        taker_buy_volume: Number(f[9]),
        taker_buy_quote_volume: Number(f[10]),
        source,
        ingested_at: ingestedAt,
      };
    });
}

/** The real aggTrades fixtures (two eras, header rows) as records. */
export function loadAggTrades(): AggTrade[] {
  const out: AggTrade[] = [];
  for (const f of ['um_daily_aggTrades_BTCUSDT-2025-10-22_first6rows.csv', 'um_daily_aggTrades_BTCUSDT-2026-09-15_first5rows.csv']) {
    const lines = readFileSync(join(FIXTURES, f), 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const c = line.split(',');
      out.push({
        symbol: 'BTCUSDT',
        agg_trade_id: Number(c[0]),
        price: Number(c[1]),
        quantity: Number(c[2]),
        first_trade_id: Number(c[3]),
        last_trade_id: Number(c[4]),
        trade_time: Number(c[5]),
        is_buyer_maker: c[6] === 'true',
        source: 'datavision',
        ingested_at: INGESTED_AT,
      });
    }
  }
  return out;
}

/** The real markPrice@1s frames as records; every third row has its nullable columns set to null. */
export function loadMarkPrices(): MarkPrice[] {
  const lines = readFileSync(join(FIXTURES, 'markPrice_1s_btcusdt_2023-04-04_first20.jsonl'), 'utf8').trim().split('\n');
  return lines.map((line, i) => {
    const d = JSON.parse(line).msg.data as Record<string, string | number>;
    const blank = i % 3 === 0;
    return {
      symbol: String(d.s),
      event_time: Number(d.E),
      mark_price: Number(d.p),
      index_price: blank ? null : Number(d.i),
      estimated_settle_price: blank ? null : Number(d.P),
      funding_rate: blank ? null : Number(d.r),
      next_funding_time: blank ? null : Number(d.T),
      source: 'ws',
      ingested_at: INGESTED_AT,
    };
  });
}

/** The raw markPrice frames (for bronze tests). */
export function loadMarkPriceFrames(): { recv_ts_us: number; msg: unknown }[] {
  return readFileSync(join(FIXTURES, 'markPrice_1s_btcusdt_2023-04-04_first20.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** Runs SQL in a fresh in-memory DuckDB and returns the rows as objects. */
export async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** sha256 of every object in a store, by key. */
export async function hashAll(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const o of await store.list('')) {
    const bytes = await store.get(o.key);
    out.set(o.key, createHash('sha256').update(bytes!).digest('hex'));
  }
  return out;
}

/** An async iterable of batches of `size` rows. */
export async function* batches<T>(rows: readonly T[], size: number): AsyncIterable<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}
