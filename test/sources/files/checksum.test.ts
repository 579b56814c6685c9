import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isScalplakeError, type ScalplakeError } from '../../../src/core/errors.js';
import { formatChecksum, parseChecksum, sha256Hex, verifyLocalZip } from '../../../src/sources/files/checksum.js';
import { makeZip } from './make-zip.js';

const CSV = readFileSync(new URL('../../fixtures/datavision/um_daily_klines_BTCUSDT-1h-2026-09-15_first3rows.csv', import.meta.url));
const ZIP = makeZip([{ name: 'BTCUSDT-1h-2026-09-15.csv', data: CSV }]);
const SHA = createHash('sha256').update(ZIP).digest('hex');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalplake-checksum-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): ScalplakeError {
  try {
    fn();
  } catch (e) {
    if (isScalplakeError(e)) return e;
    throw e;
  }
  throw new Error('expected a throw');
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

describe('parseChecksum', () => {
  it('reads the sha256sum line of a .CHECKSUM file', () => {
    const hex = 'A'.repeat(64);
    expect(parseChecksum(`${hex}  BTCUSDT-1m-2024-01.zip\n`, 'BTCUSDT-1m-2024-01.zip', 'u')).toBe('a'.repeat(64));
    expect(parseChecksum(`${'0'.repeat(64)} *BTCUSDT-1m-2024-01.zip`, 'BTCUSDT-1m-2024-01.zip', 'u')).toBe('0'.repeat(64));
  });

  it('refuses a line for another file and text that is not a checksum', () => {
    const e = thrown(() => parseChecksum(`${'1'.repeat(64)}  BTCUSDT-1m-2024-02.zip`, 'BTCUSDT-1m-2024-01.zip', 'the-url'));
    expect(e.code).toBe('CHECKSUM_MISMATCH');
    expect(e.message).toContain('BTCUSDT-1m-2024-02.zip');
    expect(e.message).toContain('the-url');
    expect(thrown(() => parseChecksum('<html>404</html>', 'a.zip', 'u')).code).toBe('CHECKSUM_MISSING');
    expect(thrown(() => parseChecksum(`${'1'.repeat(63)}  a.zip`, 'a.zip', 'u')).code).toBe('CHECKSUM_MISSING');
  });

  it('round-trips the sidecar format', () => {
    expect(formatChecksum(SHA, 'x.zip')).toBe(`${SHA}  x.zip\n`);
    expect(parseChecksum(formatChecksum(SHA, 'x.zip'), 'x.zip', 's')).toBe(SHA);
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 "abc" vector for bytes and for streams', async () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(abc);
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('a');
      yield new TextEncoder().encode('bc');
    }
    expect(await sha256Hex(parts())).toBe(abc);
  });
});

describe('verifyLocalZip', () => {
  it('verifies a zip against the .CHECKSUM beside it', async () => {
    const path = join(dir, 'BTCUSDT-1h-2026-09-15.zip');
    await writeFile(path, ZIP);
    await writeFile(`${path}.CHECKSUM`, `${SHA}  BTCUSDT-1h-2026-09-15.zip\n`);
    expect(await verifyLocalZip(path)).toEqual({ status: 'verified', path, sha256: SHA, checksumPath: `${path}.CHECKSUM` });
  });

  it('throws CHECKSUM_MISMATCH naming the file and both hashes', async () => {
    const path = join(dir, 'BTCUSDT-1h-2026-09-16.zip');
    await writeFile(path, ZIP);
    const wrong = 'f'.repeat(64);
    await writeFile(`${path}.CHECKSUM`, `${wrong}  BTCUSDT-1h-2026-09-16.zip\n`);
    const e = await rejected(verifyLocalZip(path));
    expect(e.code).toBe('CHECKSUM_MISMATCH');
    expect(e.message).toMatch(/checksum/);
    expect(e.message).toContain('BTCUSDT-1h-2026-09-16.zip');
    expect(e.message).toContain(wrong);
    expect(e.message).toContain(SHA);
  });

  it('reports a zip without a checksum file as unverified, without error', async () => {
    const path = join(dir, 'user-export.zip');
    await writeFile(path, ZIP);
    expect(await verifyLocalZip(path)).toEqual({ status: 'unverified', path, sha256: SHA });
  });

  it('throws FILE_NOT_FOUND for a missing zip', async () => {
    expect((await rejected(verifyLocalZip(join(dir, 'missing.zip')))).code).toBe('FILE_NOT_FOUND');
  });
});
