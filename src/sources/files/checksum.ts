/**
 * sha256 checksums of bulk files: the `sha256sum` line format of data.binance.vision `.CHECKSUM` files and of the
 * `.sha256` sidecars scalplake writes beside bronze zips, streaming hashing, and verification of local zips.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ScalplakeError } from '../../core/errors.js';

const LINE_RE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

/**
 * Reads a `sha256sum` line (`<64 hex>  <file>`, as in data.binance.vision `.CHECKSUM` files) and returns the hash
 * in lower case, after checking that it names `expectedFile`.
 *
 * @param text - The checksum file's content.
 * @param expectedFile - The file name the line must name, e.g. `BTCUSDT-1m-2024-01.zip`.
 * @param source - Where the text came from (URL or path), quoted in errors.
 * @throws `CHECKSUM_MISSING` when the text holds no sha256sum line; `CHECKSUM_MISMATCH` when the line names
 * another file.
 * @example
 * ```ts
 * parseChecksum(`${'ab'.repeat(32)}  BTCUSDT-1m-2024-01.zip\n`, 'BTCUSDT-1m-2024-01.zip', 'x.CHECKSUM'); // 'abab…'
 * ```
 */
export function parseChecksum(text: string, expectedFile: string, source: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  const m = LINE_RE.exec(line);
  if (m === null) {
    throw new ScalplakeError(
      'CHECKSUM_MISSING',
      `Checksum file ${source} holds no "<sha256>  <file>" line (starts with ${JSON.stringify(line.slice(0, 80))})`,
      { context: { source, file: expectedFile } },
    );
  }
  const named = m[2]!.trim();
  if (basename(named) !== expectedFile) {
    throw new ScalplakeError(
      'CHECKSUM_MISMATCH',
      `Checksum file ${source} is for ${JSON.stringify(named)}, not ${JSON.stringify(expectedFile)}`,
      { context: { source, file: expectedFile, named } },
    );
  }
  return m[1]!.toLowerCase();
}

/**
 * Formats a `sha256sum` line for a file (`<hash>  <file>\n`), the content of a `.sha256` sidecar.
 *
 * @example
 * ```ts
 * formatChecksum('ab'.repeat(32), 'BTCUSDT-1m-2024-01.zip'); // 'abab…ab  BTCUSDT-1m-2024-01.zip\n'
 * ```
 */
export function formatChecksum(sha256: string, fileName: string): string {
  return `${sha256}  ${fileName}\n`;
}

/**
 * Creates an incremental sha256 hash (node:crypto) to feed with chunks while they stream.
 *
 * @example
 * ```ts
 * const h = createSha256(); h.update(chunk); const hex = h.digest('hex');
 * ```
 */
export function createSha256(): Hash {
  return createHash('sha256');
}

/**
 * The sha256 of bytes or of a stream of chunks, as 64 lower-case hex digits.
 *
 * @example
 * ```ts
 * await sha256Hex(new TextEncoder().encode('abc')); // 'ba7816bf…'
 * ```
 */
export async function sha256Hex(data: Uint8Array | AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createSha256();
  if (data instanceof Uint8Array) {
    hash.update(data);
  } else {
    for await (const chunk of data) hash.update(chunk);
  }
  return hash.digest('hex');
}

/** The result of {@link verifyLocalZip}. */
export interface LocalZipVerification {
  /** `verified` when a `.CHECKSUM` beside the zip matched; `unverified` when there was none to check against. */
  readonly status: 'verified' | 'unverified';
  /** The zip's path as given. */
  readonly path: string;
  /** The zip's sha256 (64 lower-case hex digits). */
  readonly sha256: string;
  /** The checksum file that was used, when there was one. */
  readonly checksumPath?: string;
}

/**
 * Verifies a local zip against the `<zip>.CHECKSUM` file beside it, hashing the zip as a stream. A zip without a
 * checksum file is reported `unverified` (not an error).
 *
 * @throws `FILE_NOT_FOUND` when the zip does not exist; `CHECKSUM_MISMATCH` naming the file and both hashes when
 * the hash differs (or the checksum file names another file); `CHECKSUM_MISSING` when the checksum file is not in
 * sha256sum format.
 * @example
 * ```ts
 * const v = await verifyLocalZip('./downloads/BTCUSDT-1m-2024-01.zip');
 * if (v.status === 'unverified') console.warn(`${v.path}: no .CHECKSUM beside it`);
 * ```
 */
export async function verifyLocalZip(path: string): Promise<LocalZipVerification> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (cause) {
    throw new ScalplakeError('FILE_NOT_FOUND', `Zip file ${path} does not exist or is not a file`, {
      context: { file: path },
      cause,
    });
  }
  const checksumPath = `${path}.CHECKSUM`;
  let text: string | undefined;
  try {
    text = await readFile(checksumPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ScalplakeError('CHECKSUM_MISSING', `Cannot read checksum file ${checksumPath}`, {
        context: { file: path, checksumPath },
        cause: e,
      });
    }
  }
  const sha256 = await sha256Hex(createReadStream(path));
  if (text === undefined) return { status: 'unverified', path, sha256 };
  const fileName = basename(path);
  const expected = parseChecksum(text, fileName, checksumPath);
  if (expected !== sha256) throw checksumMismatch(fileName, expected, sha256, { file: path, checksumPath });
  return { status: 'verified', path, sha256, checksumPath };
}

/**
 * Builds the `CHECKSUM_MISMATCH` error for a file whose sha256 differs from the expected one; the message says
 * "checksum" and names the file and both hashes.
 *
 * @example
 * ```ts
 * throw checksumMismatch('BTCUSDT-1m-2024-01.zip', expected, actual, { url });
 * ```
 */
export function checksumMismatch(
  fileName: string,
  expected: string,
  actual: string,
  context: Readonly<Record<string, unknown>> = {},
): ScalplakeError {
  return new ScalplakeError(
    'CHECKSUM_MISMATCH',
    `sha256 checksum mismatch for ${fileName}: expected ${expected}, got ${actual}`,
    { context: { ...context, fileName, expected, actual } },
  );
}
