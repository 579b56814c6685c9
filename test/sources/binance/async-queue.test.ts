import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../../src/sources/binance/async-queue.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** True once `ref`'s target has been collected (after a few forced GCs). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

describe('AsyncQueue', () => {
  it('delivers items in push order, in takes of at most max', async () => {
    const q = new AsyncQueue<number>();
    for (let i = 0; i < 10; i++) q.push(i);
    expect(await q.takeAll(4)).toEqual([0, 1, 2, 3]);
    expect(q.size).toBe(6);
    expect(await q.takeAll()).toEqual([4, 5, 6, 7, 8, 9]);
    q.push(10);
    q.end();
    q.push(11);
    expect(await q.takeAll()).toEqual([10]);
    expect(await q.takeAll()).toEqual([]);
  });

  it('keeps no reference to items the consumer has taken (whole and partial takes)', async () => {
    const q = new AsyncQueue<object | string>();
    const refs: WeakRef<object>[] = [];
    // Items are made in a helper so that no variable of this (suspended) test function still points at one.
    const push = (item: object) => {
      refs.push(new WeakRef(item));
      q.push(item);
    };
    // Few items per take, as a socket callback delivers them: the old compaction rule kept 1024 takes alive.
    for (let i = 0; i < 50; i++) {
      push({ frame: i });
      await q.takeAll();
    }
    for (let i = 0; i < 5; i++) push({ partial: i });
    q.push('kept');
    await q.takeAll(5);
    const alive = [];
    for (const [i, ref] of refs.entries()) if (!(await collected(ref))) alive.push(i);
    expect(alive).toEqual([]);
    expect(await q.takeAll()).toEqual(['kept']);
  });

  it('rejects the next take after fail, once the items before it are taken', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.fail(new Error('socket gone'));
    expect(await q.takeAll()).toEqual([1]);
    await expect(q.takeAll()).rejects.toThrow('socket gone');
  });
});
