import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isScalplakeError, type ScalplakeError } from '../../../src/core/errors.js';
import { datavisionEntryName, openStoredZip, openZip, unsafeEntryReason } from '../../../src/sources/files/zip.js';
import { firstEntryDataOffset, makeZip } from './make-zip.js';
import { mapStore } from './map-store.js';

const CSV = readFileSync(new URL('../../fixtures/datavision/um_daily_aggTrades_BTCUSDT-2026-09-15_first5rows.csv', import.meta.url));
const ZIP_NAME = 'BTCUSDT-aggTrades-2026-09-15.zip';
const ENTRY = 'BTCUSDT-aggTrades-2026-09-15.csv';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalplake-zip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

async function failure(p: Promise<unknown>): Promise<ScalplakeError> {
  try {
    await p;
  } catch (e) {
    if (isScalplakeError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('openZip', () => {
  it('streams the single CSV of a data.binance.vision zip from a path', async () => {
    const path = await write(ZIP_NAME, makeZip([{ name: ENTRY, data: CSV }]));
    const zip = await openZip(path, { expect: 'datavision' });
    expect(zip.entryName).toBe(ENTRY);
    expect(zip.size).toBe(CSV.length);
    expect((await collect(zip.stream)).equals(CSV)).toBe(true);
  });

  it('streams a stored (uncompressed) entry from bytes', async () => {
    const bytes = makeZip([{ name: ENTRY, data: CSV, method: 'store' }]);
    const zip = await openZip(new Uint8Array(bytes), { expect: 'datavision', name: ZIP_NAME });
    expect((await collect(zip.stream)).equals(CSV)).toBe(true);
  });

  it('inflates a large entry in many chunks', async () => {
    const big = Buffer.concat(Array.from({ length: 4000 }, () => CSV));
    const zip = await openZip(makeZip([{ name: 'big.csv', data: big }]), { name: 'big.zip' });
    let chunks = 0;
    let size = 0;
    for await (const c of zip.stream) {
      chunks++;
      size += c.byteLength;
    }
    expect(size).toBe(big.length);
    expect(chunks).toBeGreaterThan(1);
  });

  it('accepts any single plain *.csv entry in a user zip', async () => {
    const zip = await openZip(makeZip([{ name: 'my-export.CSV', data: 'a,b\n1,2\n' }]), { name: 'export.zip' });
    expect(zip.entryName).toBe('my-export.CSV');
    expect((await collect(zip.stream)).toString()).toBe('a,b\n1,2\n');
  });

  it('refuses an entry named ../evil.csv with ZIP_UNSAFE_ENTRY', async () => {
    const path = await write('evil.zip', makeZip([{ name: '../evil.csv', data: 'x\n' }]));
    const e = await failure(openZip(path));
    expect(e.code).toBe('ZIP_UNSAFE_ENTRY');
    expect(e.message).toContain('../evil.csv');
    expect(e.context.entries).toEqual(['../evil.csv']);
  });

  it('refuses absolute, backslash and nested entry names', async () => {
    for (const name of ['/etc/passwd.csv', 'C:\\x.csv', 'a\\..\\b.csv', 'dir/a.csv', '..csv']) {
      const e = await failure(openZip(makeZip([{ name, data: 'x\n' }]), { name: 'bad.zip' }));
      expect(e.code, name).toBe('ZIP_UNSAFE_ENTRY');
      expect(e.context.entry, name).toBe(name);
    }
  });

  it('refuses a zip with two entries, naming them', async () => {
    const e = await failure(
      openZip(makeZip([{ name: ENTRY, data: CSV }, { name: 'extra.csv', data: 'x\n' }]), { name: ZIP_NAME, expect: 'datavision' }),
    );
    expect(e.code).toBe('ZIP_UNSAFE_ENTRY');
    expect(e.message).toContain(ENTRY);
    expect(e.message).toContain('extra.csv');
    expect(e.context.entries).toEqual([ENTRY, 'extra.csv']);
  });

  it('refuses an unexpected entry name', async () => {
    const e = await failure(openZip(makeZip([{ name: 'other.csv', data: CSV }]), { name: ZIP_NAME, expect: 'datavision' }));
    expect(e.code).toBe('ZIP_UNSAFE_ENTRY');
    expect(e.message).toContain('other.csv');
    expect(e.message).toContain(ENTRY);
    const e2 = await failure(openZip(makeZip([{ name: 'notes.txt', data: 'x' }]), { name: 'user.zip' }));
    expect(e2.code).toBe('ZIP_UNSAFE_ENTRY');
    expect(e2.message).toContain('notes.txt');
  });

  it('reports a truncated zip as ZIP_INVALID naming the file', async () => {
    const whole = makeZip([{ name: ENTRY, data: CSV }]);
    const path = await write('truncated.zip', whole.subarray(0, Math.floor(whole.length / 2)));
    const e = await failure(openZip(path));
    expect(e.code).toBe('ZIP_INVALID');
    expect(e.message).toContain(path);
  });

  it('reports an empty zip as ZIP_INVALID', async () => {
    const e = await failure(openZip(makeZip([]), { name: 'empty.zip' }));
    expect(e.code).toBe('ZIP_INVALID');
    expect(e.message).toContain('empty.zip');
  });

  it('throws ZIP_INVALID from the stream when deflated data is corrupt', async () => {
    const bytes = makeZip([{ name: ENTRY, data: CSV }]);
    const start = firstEntryDataOffset(bytes);
    for (let i = start + 5; i < start + 25; i++) bytes[i] = bytes[i]! ^ 0xff;
    const path = await write(`corrupt-${ZIP_NAME}`, bytes);
    const zip = await openZip(path); // the central directory is intact
    const e = await failure(collect(zip.stream));
    expect(e.code).toBe('ZIP_INVALID');
    expect(e.message).toContain(path);
  });

  it('detects a CRC-32 mismatch while streaming', async () => {
    const bytes = makeZip([{ name: ENTRY, data: CSV, method: 'store' }]);
    const at = firstEntryDataOffset(bytes) + 100;
    bytes[at] = bytes[at]! ^ 0x01;
    const zip = await openZip(bytes, { name: 'flipped.zip' });
    const e = await failure(collect(zip.stream));
    expect(e.code).toBe('ZIP_INVALID');
    expect(e.message).toMatch(/CRC-32 mismatch/);
    expect(e.message).toContain('flipped.zip');
  });

  it('reports a missing path as FILE_NOT_FOUND', async () => {
    expect((await failure(openZip(join(dir, 'nope.zip')))).code).toBe('FILE_NOT_FOUND');
  });

  it('stops with ABORTED when the signal aborts mid-stream', async () => {
    const big = Buffer.concat(Array.from({ length: 4000 }, () => CSV));
    const ac = new AbortController();
    const zip = await openZip(makeZip([{ name: 'big.csv', data: big }]), { name: 'big.zip', signal: ac.signal });
    const e = await failure(
      (async () => {
        for await (const _ of zip.stream) ac.abort();
      })(),
    );
    expect(e.code).toBe('ABORTED');
  });

  it('can be closed without reading, and is read only once', async () => {
    const zip = await openZip(makeZip([{ name: ENTRY, data: CSV }]), { name: ZIP_NAME });
    zip.close();
    expect((await failure(collect(zip.stream))).code).toBe('INVALID_ARGUMENT');
    const again = await openZip(makeZip([{ name: ENTRY, data: CSV }]), { name: ZIP_NAME });
    await collect(again.stream);
    expect((await failure(collect(again.stream))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('openStoredZip', () => {
  it('opens a zip from a store without a local path, named by its key', async () => {
    const store = mapStore();
    const key = `bronze/datavision/futures/um/daily/aggTrades/BTCUSDT/${ZIP_NAME}`;
    await store.put(key, makeZip([{ name: ENTRY, data: CSV }]));
    const zip = await openStoredZip(store, key, { expect: 'datavision' });
    expect((await collect(zip.stream)).equals(CSV)).toBe(true);
    const e = await failure(openStoredZip(store, 'bronze/missing.zip'));
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toContain('bronze/missing.zip');
  });

  it('opens in place when the store is a local folder', async () => {
    const path = await write('local-store.zip', makeZip([{ name: 'local-store.csv', data: CSV }]));
    const store = { ...mapStore(), localPath: (key: string) => join(dir, key) };
    const zip = await openStoredZip(store, 'local-store.zip', { expect: 'datavision' });
    expect(zip.entryName).toBe('local-store.csv');
    expect((await collect(zip.stream)).equals(CSV)).toBe(true);
    expect(path).toBe(join(dir, 'local-store.zip'));
  });
});

describe('entry names', () => {
  it('derives the data.binance.vision entry name', () => {
    expect(datavisionEntryName('/tmp/x/BTCUSDT-1m-2024-01.zip')).toBe('BTCUSDT-1m-2024-01.csv');
    expect(datavisionEntryName('bronze/a/BTCUSDT-aggTrades-2024-01-15.zip')).toBe('BTCUSDT-aggTrades-2024-01-15.csv');
  });

  it('explains unsafe names', () => {
    expect(unsafeEntryReason('a.csv')).toBeUndefined();
    expect(unsafeEntryReason('../a.csv')).toBe('contains "/"');
    expect(unsafeEntryReason('a\\b.csv')).toBe('contains "\\"');
    expect(unsafeEntryReason('..')).toBe('contains ".."');
    expect(unsafeEntryReason('C:a.csv')).toBe('is an absolute (drive) path');
  });
});
