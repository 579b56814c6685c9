import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollingWindow } from '../../src/features/rolling-window.js';

/** The window as a plain array, oldest first: what every statistic is defined over. */
class Model {
  values: number[] = [];
  private before: number[] | null = null;
  constructor(private readonly size: number) {}
  push(v: number): void {
    this.before = [...this.values];
    this.values.push(v);
    if (this.values.length > this.size) this.values.shift();
  }
  replaceLast(v: number): void {
    if (this.before !== null) this.values = [...this.before];
    this.push(v);
  }
  clear(): void {
    this.values = [];
    this.before = null;
  }
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), v: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }),
  fc.record({ kind: fc.constant('replace' as const), v: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }),
  fc.record({ kind: fc.constant('clear' as const), v: fc.constant(0) }),
);

describe('RollingWindow', () => {
  it('sums, variances and deviations oldest first, bit for bit, through wraps, replaceLast and clear', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 13 }), fc.array(op, { maxLength: 60 }), (size, ops) => {
        const w = new RollingWindow(size);
        const m = new Model(size);
        for (const o of ops) {
          if (o.kind === 'push') {
            w.push(o.v);
            m.push(o.v);
          } else if (o.kind === 'replace') {
            w.replaceLast(o.v);
            m.replaceLast(o.v);
          } else {
            w.clear();
            m.clear();
          }
          const xs = m.values;
          expect(w.count).toBe(xs.length);
          if (xs.length === 0) continue;
          // Four partial sums: value k (oldest first) into sum k mod 4, then (s0 + s1) + (s2 + s3).
          const sum4 = (f: (x: number) => number) => {
            const s = [0, 0, 0, 0];
            xs.forEach((x, k) => {
              s[k % 4]! += f(x);
            });
            return s[0]! + s[1]! + (s[2]! + s[3]!);
          };
          const total = sum4((x) => x);
          const mean = total / xs.length;
          const q = sum4((x) => (x - mean) * (x - mean));
          const a = sum4((x) => Math.abs(x - mean));
          expect(Object.is(w.total(), total)).toBe(true);
          expect(Object.is(w.mean(), mean)).toBe(true);
          expect(Object.is(w.varianceAbout(mean), q / xs.length)).toBe(true);
          expect(Object.is(w.meanAbsDev(mean), a / xs.length)).toBe(true);
          expect(w.min()).toBe(Math.min(...xs));
          expect(w.max()).toBe(Math.max(...xs));
          expect(w.get(0)).toBe(xs[xs.length - 1]);
        }
      }),
      { numRuns: 400 },
    );
  });
});
