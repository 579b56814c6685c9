/** Durability of local puts: every folder a put creates is synced into its parent (observed through fsync calls). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const synced: string[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      const path = String(args[0]);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        synced.push(path);
      };
      return handle;
    },
  };
});

const { localStore } = await import('../../src/sinks/local-store.js');

const root = mkdtempSync(join(tmpdir(), 'scalplake-durable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('localStore.put durability', () => {
  it('syncs the file, its folder, and the parent of every folder it had to create', async () => {
    const store = localStore(root);
    await store.put('silver/klines/x.txt', 'a');
    synced.length = 0;
    await store.put('silver/klines/symbol=BTCUSDT/date=2024-01-01/part-0.parquet', 'b');
    const dirs = synced.filter((p) => !p.includes('.tmp-'));
    expect(synced.filter((p) => p.includes('.tmp-')).length).toBe(1); // the data itself
    expect(new Set(dirs)).toEqual(
      new Set([
        join(root, 'silver/klines/symbol=BTCUSDT/date=2024-01-01'), // the renamed file's entry
        join(root, 'silver/klines/symbol=BTCUSDT'), // the new date=… folder's entry
        join(root, 'silver/klines'), // the new symbol=… folder's entry
      ]),
    );
    // A put into folders that exist syncs only its own folder.
    synced.length = 0;
    await store.put('silver/klines/symbol=BTCUSDT/date=2024-01-01/part-0.parquet', 'c');
    expect(synced.filter((p) => !p.includes('.tmp-'))).toEqual([join(root, 'silver/klines/symbol=BTCUSDT/date=2024-01-01')]);
  });
});
