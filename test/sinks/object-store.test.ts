import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { localStore } from '../../src/sinks/local-store.js';
import { memoryStore } from '../../src/sinks/memory-store.js';
import type { ObjectStore } from '../../src/sinks/object-store.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'scalplake-store-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

async function* chunks(parts: string[], failAfter?: number): AsyncIterable<Uint8Array> {
  let i = 0;
  for (const p of parts) {
    if (failAfter !== undefined && i++ >= failAfter) throw new Error('source broke');
    yield new TextEncoder().encode(p);
  }
}

// One contract, every store: the memory store must behave exactly like the local one.
describe.each([
  ['localStore', () => localStore(tempDir())],
  ['memoryStore', () => memoryStore()],
] as [string, () => ObjectStore][])('ObjectStore contract: %s', (_name, make) => {
  it('puts and gets bytes, strings and streamed bodies', async () => {
    const s = make();
    await s.put('a/bytes.bin', new Uint8Array([0, 1, 255]));
    await s.put('a/text.txt', 'héllo');
    await s.put('a/stream.txt', chunks(['one,', 'two,', 'three']));
    expect([...(await s.get('a/bytes.bin'))!]).toEqual([0, 1, 255]);
    expect(text(await s.get('a/text.txt'))).toBe('héllo');
    expect(text(await s.get('a/stream.txt'))).toBe('one,two,three');
    expect(await s.head('a/text.txt')).toEqual({ key: 'a/text.txt', size: 6 });
    expect(await s.get('a/missing')).toBeUndefined();
    expect(await s.head('a/missing')).toBeUndefined();
  });

  it('replaces an object on put', async () => {
    const s = make();
    await s.put('k.txt', 'old');
    await s.put('k.txt', 'new!');
    expect(text(await s.get('k.txt'))).toBe('new!');
  });

  it('does not change what a caller later does to its buffer', async () => {
    const s = make();
    const buf = new Uint8Array([1, 2, 3]);
    await s.put('b.bin', buf);
    buf[0] = 9;
    const got = (await s.get('b.bin'))!;
    expect([...got]).toEqual([1, 2, 3]);
  });

  it('lists recursively, sorted by key, by prefix (folder or partial name)', async () => {
    const s = make();
    for (const k of ['silver/b/x=2/f', 'silver/a/x=1/f', 'silver/a/x=10/f', 'bronze/z', 'silver/ab']) await s.put(k, k);
    expect((await s.list('silver/')).map((o) => o.key)).toEqual(['silver/a/x=1/f', 'silver/a/x=10/f', 'silver/ab', 'silver/b/x=2/f']);
    expect((await s.list('silver/a')).map((o) => o.key)).toEqual(['silver/a/x=1/f', 'silver/a/x=10/f', 'silver/ab']);
    expect((await s.list('silver/a/')).map((o) => o.key)).toEqual(['silver/a/x=1/f', 'silver/a/x=10/f']);
    expect((await s.list('')).map((o) => o.key)).toEqual(['bronze/z', 'silver/a/x=1/f', 'silver/a/x=10/f', 'silver/ab', 'silver/b/x=2/f']);
    expect(await s.list('nothing/')).toEqual([]);
    expect((await s.list('bronze/z'))[0]).toEqual({ key: 'bronze/z', size: 8 });
  });

  it('deletes, and deleting a missing object is not an error', async () => {
    const s = make();
    await s.put('d/x', 'x');
    await s.delete('d/x');
    await s.delete('d/x');
    expect(await s.get('d/x')).toBeUndefined();
    expect(await s.list('d/')).toEqual([]);
  });

  it('refuses keys that could escape the root', async () => {
    const s = make();
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\b', '']) {
      await expect(s.put(bad, 'x'), bad).rejects.toSatisfy((e) => isScalplakeError(e, 'INVALID_ARGUMENT'));
      await expect(s.get(bad), bad).rejects.toSatisfy((e) => isScalplakeError(e, 'INVALID_ARGUMENT'));
    }
    await expect(s.list('../')).rejects.toSatisfy((e) => isScalplakeError(e, 'INVALID_ARGUMENT'));
    await expect(s.delete('../x')).rejects.toSatisfy((e) => isScalplakeError(e, 'INVALID_ARGUMENT'));
  });

  it('keeps the old object when a streamed body fails, and shows nothing partial', async () => {
    const s = make();
    await s.put('p/obj.txt', 'old');
    const err = await s.put('p/obj.txt', chunks(['new1', 'new2', 'new3'], 2)).catch((e) => e);
    expect(isScalplakeError(err, 'STORE_IO')).toBe(true);
    expect(err.context.key).toBe('p/obj.txt');
    expect(err.cause.message).toBe('source broke');
    expect(text(await s.get('p/obj.txt'))).toBe('old');
    await s.put('p/new.txt', chunks(['x', 'y'], 1)).catch(() => undefined);
    expect((await s.list('p/')).map((o) => o.key)).toEqual(['p/obj.txt']);
  });
});

describe('localStore', () => {
  it('writes through a hidden temp file in the same folder and leaves none behind', async () => {
    const root = tempDir();
    const s = localStore(root);
    await s.put('x/y/part-0.parquet', 'data');
    expect(readdirSync(join(root, 'x', 'y'))).toEqual(['part-0.parquet']);
    expect(s.localPath!('x/y/part-0.parquet')).toBe(join(root, 'x', 'y', 'part-0.parquet'));
  });

  it('never lists the temp file a killed writer left behind', async () => {
    const root = tempDir();
    const s = localStore(root);
    await s.put('silver/t/symbol=BTCUSDT/date=2024-01-01/part-0.parquet', 'complete');
    // What a process killed between write and rename leaves: `.<name>.tmp-<random>`, not ending in `.parquet`.
    writeFileSync(join(root, 'silver/t/symbol=BTCUSDT/date=2024-01-01/.part-0.parquet.tmp-a1b2c3d4e5f6'), 'half');
    expect((await s.list('silver/')).map((o) => o.key)).toEqual(['silver/t/symbol=BTCUSDT/date=2024-01-01/part-0.parquet']);
    expect(text(await s.get('silver/t/symbol=BTCUSDT/date=2024-01-01/part-0.parquet'))).toBe('complete');
  });

  it('reports STORE_IO naming the key and the path, with the cause', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'blocker'), 'a file where a folder should be');
    const s = localStore(root);
    const err = await s.put('blocker/inner.txt', 'x').catch((e) => e);
    expect(isScalplakeError(err, 'STORE_IO')).toBe(true);
    expect(err.message).toContain('"blocker/inner.txt"');
    expect(err.message).toContain(join(root, 'blocker', 'inner.txt'));
    expect(err.cause).toBeInstanceOf(Error);
  });
});
