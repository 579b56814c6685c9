import { describe, expect, it } from 'vitest';
import { withOrigin } from '../../src/core/stage.js';
import { selectRows } from '../../src/transforms/select-rows.js';

describe('selectRows', () => {
  it('narrows lines and raw text, and can leave rejects out', () => {
    const batch = withOrigin(['a', 'b', 'c'], { source: 's', lines: [1, 2, 3], rawText: (i) => `raw${i}`, rejects: [] });
    const out = selectRows(batch, [2, 0], true);
    expect([...out]).toEqual(['c', 'a']);
    expect(Array.from(out.origin?.lines ?? [])).toEqual([3, 1]);
    expect(out.origin?.rawText?.(0)).toBe('raw2');
    expect(out.origin?.rejects).toBeUndefined();
    expect(selectRows(['x', 'y'], [1]).origin).toBeUndefined();
  });
});
