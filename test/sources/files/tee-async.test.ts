import { describe, expect, it } from 'vitest';
import { teeAsync } from '../../../src/sources/files/tee-async.js';

async function* counted(n: number, pulls: { n: number }) {
  for (let i = 0; i < n; i++) {
    pulls.n++;
    await new Promise((r) => setImmediate(r));
    yield i;
  }
}
const drain = async <T>(it: AsyncIterable<T>, out: T[] = []) => {
  for await (const v of it) out.push(v);
  return out;
};

describe('teeAsync', () => {
  it('gives both branches every item while reading the source once', async () => {
    const pulls = { n: 0 };
    const [a, b] = teeAsync(counted(100, pulls), 4);
    const [x, y] = await Promise.all([drain(a), drain(b)]);
    expect(x).toEqual([...Array(100).keys()]);
    expect(y).toEqual(x);
    expect(pulls.n).toBe(100);
  });

  it('keeps the faster branch at most maxAhead items ahead of the slower one', async () => {
    const pulls = { n: 0 };
    const [fast, slow] = teeAsync(counted(50, pulls), 3);
    const seen: number[] = [];
    const fastDone = drain(fast, seen);
    const slowIt = slow[Symbol.asyncIterator]();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.length).toBeLessThanOrEqual(3);
    let next = await slowIt.next();
    while (!next.done) next = await slowIt.next();
    await fastDone;
    expect(seen.length).toBe(50);
  });

  it('lets one branch finish alone when the other is left early, and passes errors to both', async () => {
    const pulls = { n: 0 };
    const [a, b] = teeAsync(counted(20, pulls), 2);
    for await (const v of b) if (v === 1) break;
    expect(await drain(a)).toHaveLength(20);

    async function* failing() {
      yield 1;
      throw new Error('disk gone');
    }
    const [c, d] = teeAsync(failing());
    await expect(drain(c)).rejects.toThrow('disk gone');
    await expect(drain(d)).rejects.toThrow('disk gone');
  });
});
