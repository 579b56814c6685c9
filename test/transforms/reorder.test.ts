import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { withOrigin } from '../../src/core/stage.js';
import { reorder } from '../../src/transforms/reorder.js';
import { makeCtx, runOp } from './harness.js';

type R = { t: number; tag: string };
const r = (t: number, tag: string): R => ({ t, tag });
const tags = (rows: readonly R[]) => rows.map((x) => x.tag).join(' ');

describe('reorder', () => {
  it('sorts within the window, emits late rows at once and counts them, flushes the rest at the end', async () => {
    const op = reorder<R>({ by: 't', window: 10 });
    expect(op.name).toBe('reorder(t; window 10 ms; max 1000000 rows)');
    const { out, ctx } = await runOp(op, [
      [r(5, 'a'), r(3, 'b'), r(8, 'c'), r(5, 'd')],
      [r(20, 'e'), r(12, 'f'), r(2, 'g'), r(15, 'h'), r(9, 'i')],
      [r(26, 'j'), r(14, 'k')],
    ]);
    // batch 1 releases nothing (max 8, watermark -2); batch 2: watermark 10 releases b a d c; g and i are late.
    expect(out.map(tags)).toEqual(['b a d c g i', 'f h k', 'e j']);
    expect(ctx.counters.late).toBe(3);
  });

  it('is stable for equal times (matches a stable sort when nothing is late)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30, size: 'max' }), { maxLength: 5 }), async (batches) => {
        let n = 0;
        const input = batches.map((b) => b.map((t) => r(t, String(n++))));
        const { rows, ctx } = await runOp(reorder<R>({ by: 't', window: 100 }), input);
        const expected = input.flat().sort((x, y) => x.t - y.t);
        expect(tags(rows)).toBe(tags(expected));
        expect(ctx.counters.late).toBe(0);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('bounds the rows it holds with maxRows; rows older than an early release count as late', async () => {
    const { out, ctx } = await runOp(reorder<R>({ by: 't', window: 1000, maxRows: 2 }), [
      [r(5, 'a'), r(4, 'b'), r(3, 'c'), r(2, 'd'), r(4, 'e')],
    ]);
    expect(out.map(tags)).toEqual(['c d b', 'e a']);
    expect(ctx.counters.late).toBe(1);
  });

  it('passes rows without a numeric time at once and drops the origin', async () => {
    const batch = withOrigin<{ t: unknown; tag: string }>([{ t: 'x', tag: 'x' }, { t: 1, tag: 'a' }], { source: 'f', lines: [1, 2] });
    const { out } = await runOp(reorder<{ t: unknown; tag: string }>({ by: 't' }), [batch]);
    expect(out.map((b) => b.map((x) => x.tag))).toEqual([['x'], ['a']]);
    expect(out[0]?.origin).toBeUndefined();
    expect(out[1]?.origin).toBeUndefined();
  });

  it('carries the reader\'s rejected rows on to a later validate(): none is dropped with the origin', async () => {
    const rejectsA = [{ source: 'a.csv', line: 3, raw: '1,abc', reason: 'column "t": "abc" is not a time' }];
    const rejectsB = [{ source: 'a.csv', line: 9, raw: '9,,', reason: 'expected 2 columns, got 3' }];
    const { out, rows } = await runOp(reorder<R>({ by: 't', window: 100 }), [
      withOrigin([r(5, 'a'), r(3, 'b')], { source: 'a.csv', lines: [1, 2], rejects: rejectsA }),
      // A batch holding only rejects (every row of that block was bad).
      withOrigin<R>([], { source: 'a.csv', rejects: rejectsB }),
      withOrigin([r(4, 'c')], { source: 'a.csv', lines: [10] }),
    ]);
    // Every row still comes out, sorted, and every reject reaches the output exactly once.
    expect(tags(rows)).toBe('b c a');
    expect(out.flatMap((b) => b.origin?.rejects ?? [])).toEqual([...rejectsA, ...rejectsB]);
  });

  it('rejects bad options and honours the abort signal', async () => {
    expect(() => reorder({ by: 't', window: -1 })).toThrow(/window -1/);
    expect(() => reorder({ by: 't', maxRows: 0 })).toThrow(/maxRows 0/);
    const ac = new AbortController();
    ac.abort();
    const err = await runOp(reorder<R>({ by: 't' }), [[r(1, 'a')]], makeCtx(ac.signal)).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'ABORTED')).toBe(true);
  });
});
