import { describe, expect, it } from 'vitest';
import { withOrigin } from '../../src/core/stage.js';
import { map } from '../../src/transforms/map.js';
import { runOp } from './harness.js';

type K = { open_time: number; volume: number };

describe('map', () => {
  it('maps every row and keeps the origin (same row count)', async () => {
    const batch = withOrigin<K>([{ open_time: 0, volume: 2 }, { open_time: 60_000, volume: 0 }], { source: 'k.csv', lines: [1, 2] });
    const op = map((k: K, i) => ({ open_time: k.open_time, double: k.volume * 2, i }), 'double volume');
    expect(op.name).toBe('double volume');
    const { out } = await runOp(op, [batch]);
    expect([...(out[0] ?? [])]).toEqual([
      { open_time: 0, double: 4, i: 0 },
      { open_time: 60_000, double: 0, i: 1 },
    ]);
    expect(out[0]?.origin).toBe(batch.origin);
  });
});
