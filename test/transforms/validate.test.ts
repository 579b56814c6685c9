import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isScalplakeError } from '../../src/core/errors.js';
import { col } from '../../src/core/schema.js';
import type { RejectedRow } from '../../src/core/stage.js';
import { withOrigin } from '../../src/core/stage.js';
import { AggTrade, Kline } from '../../src/core/tables.js';
import { compileFastCheck } from '../../src/transforms/compile-fast-check.js';
import { validate } from '../../src/transforms/validate.js';
import { makeCtx, readAggTradesCsv, readKlinesCsv, runOp } from './harness.js';

const TRADES = 'datavision/um_daily_aggTrades_BTCUSDT-2025-10-22_first6rows.csv';
const KLINES = 'datavision/um_monthly_klines_BTCUSDT-1m-2019-09_lines34-93_gap_1900.csv';

/** A batch of the 6 real trades with an origin: header on line 1, rows on lines 2–7. */
function tradeBatch(mutate: (rows: Record<string, unknown>[]) => void = () => {}) {
  const rows = readAggTradesCsv(TRADES) as unknown as Record<string, unknown>[];
  mutate(rows);
  const raw = ['r2', 'r3', 'r4', 'r5', 'r6', 'r7'];
  return withOrigin(rows, { source: 'aggTrades.csv', lines: [2, 3, 4, 5, 6, 7], rawText: (i) => raw[i] as string });
}

describe('validate', () => {
  it('passes valid real rows through unchanged (the same objects) and counts nothing', async () => {
    const klines = readKlinesCsv(KLINES);
    const batch = withOrigin(klines.slice(), { source: 'k.csv', lines: klines.map((_, i) => i + 1) });
    const { out, rows, ctx } = await runOp(validate(Kline), [batch]);
    expect(rows).toHaveLength(60);
    expect(rows[0]).toBe(klines[0]);
    expect(out[0]).toBe(batch);
    expect(ctx.counters.invalid).toBe(0);
  });

  it('quarantines invalid rows with source, line, raw text and reason, and keeps the origin aligned', async () => {
    const batch = tradeBatch((rows) => {
      (rows[1] as Record<string, unknown>).price = -1;
      (rows[4] as Record<string, unknown>).trade_time = 'abc';
    });
    const ctx = makeCtx();
    const events: RejectedRow[] = [];
    ctx.events.on('invalid', (r) => events.push(r));
    const quarantined: RejectedRow[][] = [];
    const op = validate(AggTrade, { quarantine: (rows) => void quarantined.push(rows) });
    const { out, rows } = await runOp(op, [batch], ctx);

    expect(rows.map((r) => r.agg_trade_id)).toEqual([2907604449, 2907604451, 2907604452, 2907604454]);
    expect(out[0]?.origin?.source).toBe('aggTrades.csv');
    expect(Array.from(out[0]?.origin?.lines ?? [])).toEqual([2, 4, 5, 7]);
    expect(out[0]?.origin?.rawText?.(1)).toBe('r4');
    expect(out[0]?.origin?.rawText?.(3)).toBe('r7');

    expect(ctx.counters.invalid).toBe(2);
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toEqual(events);
    expect(events.map((e) => [e.source, e.line, e.raw])).toEqual([
      ['aggTrades.csv', 3, 'r3'],
      ['aggTrades.csv', 6, 'r6'],
    ]);
    expect(events[0]?.reason).toMatch(/^price: .*(>0|greater than 0).* \(received -1\)$/);
    expect(events[1]?.reason).toMatch(/^trade_time: .*expected number, received string \(received "abc"\)$/);
  });

  it('routes origin.rejects too, and the output origin no longer carries them', async () => {
    const reject: RejectedRow = { source: 'aggTrades.csv', line: 9, raw: '1,2', reason: 'row has 2 columns, expected 7' };
    const rows = readAggTradesCsv(TRADES);
    const batch = withOrigin(rows, { source: 'aggTrades.csv', lines: [2, 3, 4, 5, 6, 7], rejects: [reject] });
    const ctx = makeCtx();
    const got: RejectedRow[] = [];
    const { out } = await runOp(validate('agg_trades', { quarantine: (r) => void got.push(...r) }), [batch], ctx);
    expect(got).toEqual([reject]);
    expect(ctx.counters.invalid).toBe(1);
    expect(out[0]).toHaveLength(6);
    expect(out[0]?.origin?.rejects).toBeUndefined();
    expect(Array.from(out[0]?.origin?.lines ?? [])).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it("onInvalid 'throw' ends the run with SCHEMA_INVALID naming source:line and the reason", async () => {
    const batch = tradeBatch((rows) => {
      (rows[2] as Record<string, unknown>).last_trade_id = 1;
    });
    const ctx = makeCtx();
    const err = await runOp(validate(AggTrade, { onInvalid: 'throw' }), [batch], ctx).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'SCHEMA_INVALID')).toBe(true);
    expect((err as Error).message).toBe(
      'Invalid agg_trades row at aggTrades.csv:4: last_trade_id: last_trade_id is below first_trade_id (received 1)',
    );
    expect(ctx.counters.invalid).toBe(1);
  });

  it('a callback receives each rejected row, which is counted; rows without origin carry their JSON', async () => {
    const k = readKlinesCsv(KLINES).slice(0, 3);
    const bad = { ...k[1], high: 1 } as Record<string, unknown>;
    const seen: RejectedRow[] = [];
    const ctx = makeCtx();
    const { rows } = await runOp(validate(Kline, { onInvalid: (r) => seen.push(r), table: 'klines_1m' }), [[k[0], bad, k[2]]], ctx);
    expect(rows).toEqual([k[0], k[2]]);
    expect(ctx.counters.invalid).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.line).toBeNull();
    expect(seen[0]?.source).toBe('validate(klines_1m; on invalid callback)');
    expect(JSON.parse(seen[0]?.raw ?? '')).toEqual(bad);
    expect(seen[0]?.reason).toBe('high: high/low do not bound open/close (received 1)');
  });

  it('names the stage after the table and mode, and drops a batch left empty', async () => {
    expect(validate(Kline).name).toBe('validate(klines; on invalid quarantine)');
    expect(validate('agg_trades', { onInvalid: 'throw' }).name).toBe('validate(agg_trades; on invalid throw)');
    const { out } = await runOp(validate(Kline), [[{ nope: 1 }]]);
    expect(out).toEqual([]);
  });

  it('stops with ABORTED when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await runOp(validate(Kline), [[]], makeCtx(ac.signal)).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'ABORTED')).toBe(true);
  });
});

describe('compileFastCheck', () => {
  const schemas = [
    ['Kline', Kline, readKlinesCsv(KLINES)[40] as Record<string, unknown>],
    ['AggTrade', AggTrade, readAggTradesCsv(TRADES)[1] as unknown as Record<string, unknown>],
  ] as const;
  const oddValues = fc.oneof(
    fc.constantFrom(null, undefined, Number.NaN, Number.POSITIVE_INFINITY, -1, 0, -0, 0.5, 2 ** 53, 2 ** 31, '1', '', true, {}, []),
    fc.double(),
    fc.integer(),
    fc.string(),
  );

  for (const codegen of [true, false]) {
    for (const [label, schema, base] of schemas) {
      it(`never accepts a row zod rejects, and accepts the valid one (${label}, codegen ${codegen})`, () => {
        const fast = compileFastCheck(schema, { codegen });
        expect(fast).not.toBeNull();
        expect(fast?.(base)).toBe(true);
        const keys = Object.keys(base);
        fc.assert(
          fc.property(fc.array(fc.tuple(fc.constantFrom(...keys), oddValues), { maxLength: 3 }), (edits) => {
            const row: Record<string, unknown> = { ...base };
            for (const [k, v] of edits) row[k] = v;
            const zodOk = schema.safeParse(row).success;
            const fastOk = fast?.(row) === true;
            if (fastOk) expect(zodOk).toBe(true);
            // Type-level edits that zod accepts must be accepted by the pre-check too (no needless zod calls).
            if (zodOk) expect(fastOk).toBe(true);
          }),
          { numRuns: 400, seed: 42 },
        );
      });
    }
  }

  it('returns null for schemas it cannot mirror, and validate still uses zod for them', async () => {
    const S = z.object({ name: col.string().min(3), n: col.int64() });
    expect(compileFastCheck(S)).toBeNull();
    const { rows, ctx } = await runOp(validate(S), [[{ name: 'abc', n: 1 }, { name: 'ab', n: 2 }]]);
    expect(rows).toEqual([{ name: 'abc', n: 1 }]);
    expect(ctx.counters.invalid).toBe(1);
  });

  it('rejects non-objects, arrays and missing required columns; allows null in nullable columns', () => {
    const fast = compileFastCheck(Kline);
    const base = readKlinesCsv(KLINES)[0] as Record<string, unknown>;
    expect(fast?.(null)).toBe(false);
    expect(fast?.([])).toBe(false);
    const { symbol: _s, ...noSymbol } = base;
    expect(fast?.(noSymbol)).toBe(false);
    expect(fast?.({ ...base, trade_count: null, taker_buy_volume: null })).toBe(true);
    expect(fast?.({ ...base, trade_count: 1.5 })).toBe(false);
    expect(fast?.({ ...base, open_time: -60_000 })).toBe(false);
  });
});
