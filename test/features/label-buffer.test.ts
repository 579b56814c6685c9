import { describe, expect, it } from 'vitest';
import { LabelBuffer } from '../../src/features/label-buffer.js';

const MIN = 60_000;

describe('LabelBuffer', () => {
  it('releases each row 15 minutes later with its forward returns and direction, copied values intact', () => {
    const closes = Array.from({ length: 40 }, (_, i) => [100, 100, 101, 103, 100, 100, 98, 100, 104, 100, 97][i % 11]!);
    closes[20] = Number.NaN; // a gap: labels that need it, and the labels of its own row, stay NaN
    const labels = new LabelBuffer(150, 2);
    const released: { t: number; v: number[]; l: number[] }[] = [];
    const take = (at: number) => released.push({ t: labels.openTime(at), v: [...labels.ring.subarray(at, at + 2)], l: [...labels.ring.subarray(at + 2, at + 6)] });
    const values = new Float64Array(2);
    closes.forEach((c, i) => {
      values[0] = i;
      values[1] = -i;
      const at = labels.push(values, i * MIN, Number.isNaN(c) ? null : c);
      if (i < 15) expect(at).toBe(-1);
      else take(at);
    });
    expect(labels.pending).toBe(15);
    for (const at of labels.flush()) take(at);
    expect(labels.pending).toBe(0);
    expect(released.map((r) => r.t)).toStrictEqual(closes.map((_, i) => i * MIN));
    const ret = (i: number, h: number) => (i + h < closes.length ? closes[i + h]! / closes[i]! - 1 : Number.NaN);
    released.forEach((r, i) => {
      expect(r.v).toStrictEqual([i, -i]);
      expect(r.l[0]).toBe(ret(i, 1));
      expect(r.l[1]).toBe(ret(i, 5));
      expect(r.l[2]).toBe(ret(i, 15));
      const f5 = ret(i, 5);
      expect(r.l[3]).toBe(Number.isNaN(f5) ? Number.NaN : f5 > 0.015 ? 1 : f5 < -0.015 ? -1 : 0);
    });
    // the gap row and the rows whose horizon lands on it
    expect(released[20]!.l.every(Number.isNaN)).toBe(true);
    expect(released[19]!.l[0]).toBeNaN();
    expect(released[15]!.l[1]).toBeNaN();
    expect(released[5]!.l[2]).toBeNaN();
    expect(new Set(released.map((r) => r.l[3]))).toStrictEqual(new Set([1, 0, -1, Number.NaN]));
  });

  it('a larger ring written in place (nextOffset, commit) releases the same rows, and keeps each for rows − 16 pushes', () => {
    const small = new LabelBuffer(150, 2);
    const big = new LabelBuffer(150, 2, undefined, 40);
    expect(() => new LabelBuffer(150, 2, undefined, 15)).toThrow(RangeError);
    const closes = Array.from({ length: 130 }, (_, i) => (i === 50 ? null : 100 + Math.sin(i) * 3));
    const row = (l: LabelBuffer, at: number) => [l.openTime(at), ...l.ring.subarray(at, at + 6)];
    const held: { at: number; row: number[] }[] = [];
    closes.forEach((c, i) => {
      const a = small.push(Float64Array.of(i, -i), i * MIN, c);
      const o = big.nextOffset;
      big.ring[o] = i;
      big.ring[o + 1] = -i;
      const b = big.commit(i * MIN, c);
      expect(b === -1).toBe(a === -1);
      if (b >= 0) {
        expect(row(big, b)).toStrictEqual(row(small, a));
        held.push({ at: b, row: row(big, b) });
      }
      // Released rows stay intact for 40 − 16 = 24 more pushes.
      for (const h of held.slice(-24)) expect(row(big, h.at)).toStrictEqual(h.row);
    });
    expect(big.flush().map((at) => row(big, at))).toStrictEqual(small.flush().map((at) => row(small, at)));
  });
});
