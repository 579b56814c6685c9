import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRunEvents } from '../../src/core/events.js';
import type { Batch, Operator, StageContext } from '../../src/core/stage.js';
import type { AggTrade, Kline } from '../../src/core/tables.js';

/** A fresh stage context with zeroed counters. */
export function makeCtx(signal: AbortSignal = new AbortController().signal): StageContext {
  return {
    signal,
    events: createRunEvents(),
    counters: { rowsIn: 0, rowsOut: 0, duplicates: 0, invalid: 0, late: 0 },
    notes: new Map(),
  };
}

/** Runs an operator over the given batches and collects the output batches. */
export async function runOp<I, O>(op: Operator<I, O>, batches: readonly Batch<I>[], ctx: StageContext = makeCtx()) {
  async function* input() {
    for (const b of batches) yield b;
  }
  const out: Batch<O>[] = [];
  for await (const b of op.apply(input(), ctx)) out.push(b);
  return { out, rows: out.flat() as O[], ctx };
}

/** The path of a file under test/fixtures/. */
export function fixturePath(rel: string): string {
  return fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url));
}

/** Reads a header-less data.binance.vision 1m klines CSV (12 columns) into Kline records, by hand. */
export function readKlinesCsv(rel: string, symbol = 'BTCUSDT'): Kline[] {
  const text = readFileSync(fixturePath(rel), 'utf8').trim();
  return text.split('\n').map((line) => {
    const c = line.split(',');
    return {
      symbol,
      interval: '1m',
      open_time: Number(c[0]),
      close_time: Number(c[6]),
      open: Number(c[1]),
      high: Number(c[2]),
      low: Number(c[3]),
      close: Number(c[4]),
      volume: Number(c[5]),
      quote_volume: Number(c[7]),
      trade_count: Number(c[8]),
      taker_buy_volume: Number(c[9]),
      taker_buy_quote_volume: Number(c[10]),
      source: 'datavision',
      ingested_at: 1_700_000_000_000,
    };
  });
}

/** Reads a data.binance.vision aggTrades CSV with header into AggTrade records, by hand. */
export function readAggTradesCsv(rel: string, symbol = 'BTCUSDT'): AggTrade[] {
  const lines = readFileSync(fixturePath(rel), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const c = line.split(',');
    return {
      symbol,
      agg_trade_id: Number(c[0]),
      price: Number(c[1]),
      quantity: Number(c[2]),
      first_trade_id: Number(c[3]),
      last_trade_id: Number(c[4]),
      trade_time: Number(c[5]),
      is_buyer_maker: c[6] === 'true',
      source: 'datavision',
      ingested_at: 1_700_000_000_000,
    };
  });
}
