import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isScalplakeError, type ScalplakeError } from '../../../src/core/errors.js';
import { localStore } from '../../../src/sinks/local-store.js';
import { planBulkFiles } from '../../../src/sources/files/bulk-plan.js';
import { type DownloadOptions, downloadBulkFile, isMissingFile } from '../../../src/sources/files/download.js';
import { openStoredZip } from '../../../src/sources/files/zip.js';
import { type BulkServer, startBulkServer } from './bulk-server.js';
import { makeZip } from './make-zip.js';
import { type MapStore, mapStore } from './map-store.js';

const CSV = readFileSync(new URL('../../fixtures/datavision/um_daily_aggTrades_BTCUSDT-2026-09-15_first5rows.csv', import.meta.url));
const FILE_NAME = 'BTCUSDT-aggTrades-2026-09-15.zip';
const PATH = `/data/futures/um/daily/aggTrades/BTCUSDT/${FILE_NAME}`;
const KEY = `bronze/datavision/futures/um/daily/aggTrades/BTCUSDT/${FILE_NAME}`;
// Repeat the real rows so the body spans several chunks.
const ZIP = makeZip([{ name: 'BTCUSDT-aggTrades-2026-09-15.csv', data: Buffer.concat(Array.from({ length: 300 }, () => CSV)), method: 'store' }]);
const SHA = createHash('sha256').update(ZIP).digest('hex');
const CHECKSUM = `${SHA}  ${FILE_NAME}\n`;

let server: BulkServer;
let agent: Agent;
let store: MapStore;

beforeAll(async () => {
  server = await startBulkServer();
  agent = new Agent({ keepAliveTimeout: 100 });
});
afterAll(async () => {
  await agent.close();
  await server.close();
});
beforeEach(() => {
  store = mapStore();
  server.hits.clear();
  server.route(PATH, { body: ZIP });
  server.route(`${PATH}.CHECKSUM`, { body: CHECKSUM });
});
afterEach(() => {
  server.route(PATH);
});

function file() {
  const [f] = planBulkFiles({ symbol: 'BTCUSDT', dataType: 'aggTrades', from: '2026-09-15', to: '2026-09-15', baseUrl: server.baseUrl });
  return f!;
}

function options(extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return { store, dispatcher: agent, retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 }, ...extra };
}

async function rejected(p: Promise<unknown>): Promise<ScalplakeError> {
  try {
    await p;
  } catch (e) {
    if (isScalplakeError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('downloadBulkFile', () => {
  it('downloads, verifies and keeps the zip in bronze with a sha256 sidecar', async () => {
    const progress: Array<[number, number | undefined]> = [];
    const r = await downloadBulkFile(file(), options({ onProgress: (b, t) => progress.push([b, t]) }));
    expect(r).toEqual({
      url: `${server.baseUrl}${PATH}`,
      key: KEY,
      checksumKey: `${KEY}.sha256`,
      sha256: SHA,
      bytes: ZIP.length,
      skipped: false,
      attempts: 1,
    });
    expect(Buffer.from(store.objects.get(KEY)!).equals(ZIP)).toBe(true);
    expect(new TextDecoder().decode(store.objects.get(`${KEY}.sha256`))).toBe(CHECKSUM);
    expect([...store.objects.keys()].sort()).toEqual([KEY, `${KEY}.sha256`]);
    expect(progress.at(-1)).toEqual([ZIP.length, ZIP.length]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
    // The kept zip opens and holds the original rows.
    const zip = await openStoredZip(store, r.key, { expect: 'datavision' });
    const chunks: Uint8Array[] = [];
    for await (const c of zip.stream) chunks.push(c);
    expect(Buffer.concat(chunks).subarray(0, CSV.length).equals(CSV)).toBe(true);
  });

  it('skips the download when bronze already holds the file with the expected sha256', async () => {
    await downloadBulkFile(file(), options());
    const putsBefore = store.puts.length;
    const r = await downloadBulkFile(file(), options());
    expect(r.skipped).toBe(true);
    expect(r.bytes).toBe(ZIP.length);
    expect(r.attempts).toBe(0);
    expect(server.hits.get(PATH)).toBe(1);
    expect(server.hits.get(`${PATH}.CHECKSUM`)).toBe(2);
    expect(store.puts.length).toBe(putsBefore);
  });

  it('downloads again when the published checksum changed (file re-published)', async () => {
    await downloadBulkFile(file(), options());
    const zip2 = makeZip([{ name: 'BTCUSDT-aggTrades-2026-09-15.csv', data: CSV }]);
    const sha2 = createHash('sha256').update(zip2).digest('hex');
    server.route(PATH, { body: zip2 });
    server.route(`${PATH}.CHECKSUM`, { body: `${sha2}  ${FILE_NAME}\n` });
    const r = await downloadBulkFile(file(), options());
    expect(r.skipped).toBe(false);
    expect(r.sha256).toBe(sha2);
    expect(Buffer.from(store.objects.get(KEY)!).equals(zip2)).toBe(true);
    expect(new TextDecoder().decode(store.objects.get(`${KEY}.sha256`))).toBe(`${sha2}  ${FILE_NAME}\n`);
  });

  it('throws CHECKSUM_MISMATCH and leaves nothing in the store when the sha256 differs', async () => {
    const wrong = '0'.repeat(64);
    server.route(`${PATH}.CHECKSUM`, { body: `${wrong}  ${FILE_NAME}\n` });
    const e = await rejected(downloadBulkFile(file(), options()));
    expect(e.code).toBe('CHECKSUM_MISMATCH');
    expect(e.message).toMatch(/checksum/);
    expect(e.message).toContain(FILE_NAME);
    expect(e.message).toContain(wrong);
    expect(e.message).toContain(SHA);
    expect(store.puts).toContain(KEY); // it was being written…
    expect(store.objects.size).toBe(0); // …and was removed
    expect(server.hits.get(PATH)).toBe(1); // not retried
  });

  it('fails at once on 404 with the status and URL in the context', async () => {
    server.route(PATH, { status: 404, body: '<Error><Code>NoSuchKey</Code></Error>' });
    const e = await rejected(downloadBulkFile(file(), options()));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.context.status).toBe(404);
    expect(e.context.url).toBe(`${server.baseUrl}${PATH}`);
    expect(e.message).toContain(`${server.baseUrl}${PATH}`);
    expect(e.message).toContain('404');
    expect(isMissingFile(e)).toBe(true);
    expect(server.hits.get(PATH)).toBe(1);
    expect(store.objects.size).toBe(0);
  });

  it('fails at once when the CHECKSUM file is missing (404)', async () => {
    server.route(`${PATH}.CHECKSUM`, { status: 404 });
    const e = await rejected(downloadBulkFile(file(), options()));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.context.url).toBe(`${server.baseUrl}${PATH}.CHECKSUM`);
    expect(isMissingFile(e)).toBe(true);
    expect(server.hits.get(`${PATH}.CHECKSUM`)).toBe(1);
    expect(server.hits.get(PATH)).toBeUndefined();
  });

  it('retries 503 twice, then succeeds', async () => {
    server.route(PATH, { status: 503, body: 'Service Unavailable.' }, { status: 503 }, { body: ZIP });
    const r = await downloadBulkFile(file(), options());
    expect(r.attempts).toBe(3);
    expect(server.hits.get(PATH)).toBe(3);
    expect(Buffer.from(store.objects.get(KEY)!).equals(ZIP)).toBe(true);
  });

  it('gives up after the configured attempts on a persistent 500', async () => {
    server.route(PATH, { status: 500, body: 'Internal Server Error' });
    const e = await rejected(downloadBulkFile(file(), options({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } })));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toContain(`${server.baseUrl}${PATH}`);
    expect(e.message).toContain('HTTP 500');
    expect(e.message).toContain('3 attempts');
    expect(e.context).toMatchObject({ status: 500, attempts: 3, url: `${server.baseUrl}${PATH}` });
    expect(server.hits.get(PATH)).toBe(3);
    expect(store.objects.size).toBe(0);
  });

  it('retries a connection dropped mid-body and keeps only the complete zip', async () => {
    server.route(PATH, { body: ZIP, dropAfter: 1000 }, { body: ZIP });
    const r = await downloadBulkFile(file(), options());
    expect(r.attempts).toBe(2);
    expect(Buffer.from(store.objects.get(KEY)!).equals(ZIP)).toBe(true);
  });

  it('retries a request whose headers time out', async () => {
    server.route(PATH, { noHeaders: true }, { body: ZIP });
    const r = await downloadBulkFile(file(), options({ timeoutMs: 200 }));
    expect(r.attempts).toBe(2);
    expect(Buffer.from(store.objects.get(KEY)!).equals(ZIP)).toBe(true);
  });

  it('stops with ABORTED mid-body and leaves nothing in the store', async () => {
    server.route(PATH, { body: ZIP, stallAfter: 2000 });
    const ac = new AbortController();
    const e = await rejected(downloadBulkFile(file(), options({ signal: ac.signal, onProgress: () => ac.abort() })));
    expect(e.code).toBe('ABORTED');
    expect(store.objects.size).toBe(0);
    expect(server.hits.get(PATH)).toBe(1);
  });

  it('does nothing when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const e = await rejected(downloadBulkFile(file(), options({ signal: ac.signal })));
    expect(e.code).toBe('ABORTED');
    expect(server.hits.size).toBe(0);
  });
});

describe('downloadBulkFile into a local folder store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalplake-download-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function filesUnder(root: string): string[] {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
      .sort();
  }

  it('writes the zip and sidecar under the bronze key and opens the zip in place', async () => {
    const local = localStore(dir);
    const r = await downloadBulkFile(file(), options({ store: local }));
    expect(filesUnder(dir)).toEqual([KEY, `${KEY}.sha256`]);
    expect(readFileSync(join(dir, KEY)).equals(ZIP)).toBe(true);
    const zip = await openStoredZip(local, r.key, { expect: 'datavision' });
    let size = 0;
    for await (const c of zip.stream) size += c.byteLength;
    expect(size).toBe(CSV.length * 300);
  });

  it('leaves no file (not even a temporary one) after a checksum mismatch', async () => {
    server.route(`${PATH}.CHECKSUM`, { body: `${'e'.repeat(64)}  ${FILE_NAME}\n` });
    const e = await rejected(downloadBulkFile(file(), options({ store: localStore(dir) })));
    expect(e.code).toBe('CHECKSUM_MISMATCH');
    expect(filesUnder(dir)).toEqual([]);
  });
});
