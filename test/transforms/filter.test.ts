import { describe, expect, it } from 'vitest';
import { withOrigin } from '../../src/core/stage.js';
import { filter } from '../../src/transforms/filter.js';
import { runOp } from './harness.js';

type K = { open_time: number; volume: number };

describe('filter', () => {
  it('keeps matching rows with their lines and raw text', async () => {
    const raw = ['0,2', '60000,0', '120000,5'];
    const batch = withOrigin<K>(
      [
        { open_time: 0, volume: 2 },
        { open_time: 60_000, volume: 0 },
        { open_time: 120_000, volume: 5 },
      ],
      { source: 'k.csv', lines: [10, 11, 12], rawText: (i) => raw[i] as string },
    );
    const op = filter((k: K) => k.volume > 0);
    const { out } = await runOp(op, [batch]);
    expect(out[0]?.map((k) => k.open_time)).toEqual([0, 120_000]);
    expect(Array.from(out[0]?.origin?.lines ?? [])).toEqual([10, 12]);
    expect(out[0]?.origin?.rawText?.(1)).toBe('120000,5');
  });

  it('narrows with a type guard, passes untouched batches as is and drops empty ones', async () => {
    type U = { kind: 'a'; a: number } | { kind: 'b' };
    const all: U[] = [{ kind: 'a', a: 1 }];
    const op = filter((u: U): u is { kind: 'a'; a: number } => u.kind === 'a');
    const { out } = await runOp(op, [all, [{ kind: 'b' }]]);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(all);
    expect(out[0]?.[0]?.a).toBe(1);
  });

  it('still yields an emptied batch that carries reader rejects', async () => {
    const reject = { source: 'k.csv', line: 4, raw: 'x', reason: 'ragged' };
    const batch = withOrigin<K>([{ open_time: 0, volume: 0 }], { source: 'k.csv', rejects: [reject] });
    const { out } = await runOp(filter((k: K) => k.volume > 0), [batch]);
    expect(out).toHaveLength(1);
    expect(out[0]).toHaveLength(0);
    expect(out[0]?.origin?.rejects).toEqual([reject]);
  });
});
