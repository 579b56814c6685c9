import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumberKeyWindow, ValueKeyWindow } from '../../src/transforms/key-window.js';

/** The obvious model: an array of the remembered keys, oldest first. */
function model(capacity: number) {
  const held: string[] = [];
  return (key: string): boolean => {
    if (held.includes(key)) return false;
    if (held.length === capacity) held.shift();
    held.push(key);
    return true;
  };
}

describe('NumberKeyWindow', () => {
  it('answers like a FIFO set of the last `capacity` distinct keys (property, colliding keys included)', () => {
    const key = fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, -5, 0.5, 1e-8, 60_000 * 64)),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(key, { minLength: 20, maxLength: 300, size: 'max' }), (capacity, keys) => {
        const w = new NumberKeyWindow(capacity);
        const m = model(capacity);
        for (const [g, v] of keys) expect(w.add(g, v)).toBe(m(`${g}:${v}`));
        const held: string[] = [];
        w.forEachOldestFirst((g, v) => held.push(`${g}:${v}`));
        expect(held.length).toBe(Math.min(capacity, new Set(keys.map(([g, v]) => `${g}:${v}`)).size));
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('keeps exactly the last 100 000 of 300 000 sequential ids', () => {
    const w = new NumberKeyWindow(100_000);
    for (let id = 0; id < 300_000; id++) w.add(0, 2_907_604_449 + id);
    expect(w.add(0, 2_907_604_449 + 199_999)).toBe(true); // forgotten
    expect(w.add(0, 2_907_604_449 + 299_999)).toBe(false); // still held
    expect(w.size).toBe(100_000);
  });
});

describe('ValueKeyWindow', () => {
  it('answers like a FIFO set of the last `capacity` distinct keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { maxLength: 100, size: 'max' }), (capacity, keys) => {
        const w = new ValueKeyWindow(capacity);
        const m = model(capacity);
        for (const k of keys) expect(w.add(k)).toBe(m(k));
      }),
      { numRuns: 200, seed: 5 },
    );
  });
});
