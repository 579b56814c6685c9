/**
 * Opens the single CSV inside a bulk-file zip as a lazily inflated stream (yauzl), refusing unsafe or unexpected
 * entries and surfacing corruption (bad central directory, inflate errors, CRC-32 mismatch) as `ZIP_INVALID`.
 * @module
 */
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { isScalplakeError, ScalplakeError, throwIfAborted } from '../../core/errors.js';
import type { ObjectStore } from '../../sinks/object-store.js';

/** The single entry of a zip, ready to stream. */
export interface ZipEntryStream {
  /** The entry's file name inside the zip, e.g. `BTCUSDT-1m-2024-01.csv`. */
  readonly entryName: string;
  /** Its uncompressed size in bytes, as declared by the central directory (checked while streaming). */
  readonly size: number;
  /**
   * The entry's bytes, inflated as they are read (bounded memory). Iterate it once. Corruption is thrown from the
   * iteration as `ZIP_INVALID` naming the zip. The zip is closed when the iteration ends, fails or is left early.
   */
  readonly stream: AsyncIterable<Uint8Array>;
  /** Releases the zip without reading the entry (not needed once `stream` has been iterated). */
  close(): void;
}

/** Options of {@link openZip}. */
export interface OpenZipOptions {
  /**
   * Which entry name is accepted: `datavision` requires the zip's base name + `.csv` (as every data.binance.vision
   * zip holds), `any-csv` (default) any single `*.csv` entry whose name is a plain file name.
   */
  readonly expect?: 'datavision' | 'any-csv' | undefined;
  /** An exact entry name to require; overrides `expect`. */
  readonly entryName?: string | undefined;
  /** The zip's name in messages (and for `expect: 'datavision'` when the zip is given as bytes). */
  readonly name?: string | undefined;
  /** Aborts the streaming with `ABORTED`. */
  readonly signal?: AbortSignal | undefined;
}

const MAX_LISTED_ENTRIES = 20;

/**
 * Opens a zip that must hold exactly one CSV entry, from a local path or from its bytes (for zips in a non-local
 * store), and returns the entry as a lazily inflated stream.
 *
 * @throws `FILE_NOT_FOUND` when the path does not exist; `ZIP_INVALID` naming the file for a truncated or corrupt
 * zip, an empty zip, an encrypted or unsupported entry (also thrown later from the stream: inflate errors,
 * size or CRC-32 mismatch); `ZIP_UNSAFE_ENTRY` with the entry names for an entry name containing `/`, `\`, `..`
 * or an absolute path, more than one entry, or an unexpected name.
 * @example
 * ```ts
 * const zip = await openZip('./BTCUSDT-1m-2024-01.zip', { expect: 'datavision' });
 * for await (const chunk of zip.stream) parser.push(chunk);
 * ```
 */
export async function openZip(source: string | Uint8Array, options: OpenZipOptions = {}): Promise<ZipEntryStream> {
  const name = options.name ?? (typeof source === 'string' ? source : 'zip bytes');
  throwIfAborted(options.signal);
  const zipfile = await openZipFile(source, name);
  try {
    const entry = await singleEntry(zipfile, name, expectedName(options, name));
    return entryStream(zipfile, entry, name, options.signal);
  } catch (e) {
    zipfile.close();
    throw e;
  }
}

/**
 * Opens the zip kept under `key` in an object store: in place when the store is a local folder, otherwise from its
 * bytes. Same checks and result as {@link openZip}; the zip is named by its key in messages.
 *
 * @throws `FILE_NOT_FOUND` when the key does not exist; the errors of {@link openZip}.
 * @example
 * ```ts
 * const zip = await openStoredZip(store, file.key, { expect: 'datavision' });
 * ```
 */
export async function openStoredZip(
  store: ObjectStore,
  key: string,
  options: OpenZipOptions = {},
): Promise<ZipEntryStream> {
  const named: OpenZipOptions = { ...options, name: options.name ?? key };
  if (store.localPath !== undefined) return openZip(store.localPath(key), named);
  const bytes = await store.get(key);
  if (bytes === undefined) {
    throw new ScalplakeError('FILE_NOT_FOUND', `Zip ${key} not found in ${store.url}`, { context: { key, store: store.url } });
  }
  return openZip(bytes, named);
}

/**
 * The CSV entry name a data.binance.vision zip holds: the zip's base name with `.csv` instead of `.zip`.
 *
 * @example
 * ```ts
 * datavisionEntryName('/data/BTCUSDT-aggTrades-2024-01-15.zip'); // 'BTCUSDT-aggTrades-2024-01-15.csv'
 * ```
 */
export function datavisionEntryName(zipName: string): string {
  const base = basename(zipName.replaceAll('\\', '/'));
  return `${base.toLowerCase().endsWith('.zip') ? base.slice(0, -4) : base}.csv`;
}

/**
 * Tells why an entry name is unsafe to use as a file name (`/`, `\`, `..`, an absolute or drive path, a NUL), or
 * `undefined` when it is a plain file name.
 *
 * @example
 * ```ts
 * unsafeEntryReason('../evil.csv'); // 'contains "/"'
 * unsafeEntryReason('a.csv');       // undefined
 * ```
 */
export function unsafeEntryReason(entryName: string): string | undefined {
  if (entryName === '') return 'is empty';
  if (entryName.includes('\0')) return 'contains a NUL character';
  if (entryName.includes('/')) return 'contains "/"';
  if (entryName.includes('\\')) return 'contains "\\"';
  if (entryName.includes('..')) return 'contains ".."';
  if (/^[A-Za-z]:/.test(entryName)) return 'is an absolute (drive) path';
  return undefined;
}

type Expected = { readonly kind: 'exact'; readonly name: string } | { readonly kind: 'any-csv' };

function expectedName(options: OpenZipOptions, name: string): Expected {
  if (options.entryName !== undefined) return { kind: 'exact', name: options.entryName };
  if (options.expect === 'datavision') return { kind: 'exact', name: datavisionEntryName(name) };
  return { kind: 'any-csv' };
}

const YAUZL_OPTIONS = {
  lazyEntries: true,
  autoClose: false,
  decodeStrings: false, // names are decoded and checked here, so an unsafe name becomes ZIP_UNSAFE_ENTRY
  validateEntrySizes: true,
} as const;

function openZipFile(source: string | Uint8Array, name: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zipfile?: yauzl.ZipFile): void => {
      if (err !== null || zipfile === undefined) {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT' || code === 'EISDIR') {
          reject(new ScalplakeError('FILE_NOT_FOUND', `Zip file ${name} not found`, { context: { file: name }, cause: err }));
        } else {
          reject(invalidZip(name, err));
        }
        return;
      }
      resolve(zipfile);
    };
    if (typeof source === 'string') {
      yauzl.open(source, YAUZL_OPTIONS, done);
    } else {
      const buffer = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
      yauzl.fromBuffer(buffer, YAUZL_OPTIONS, done);
    }
  });
}

/** Reads the central directory entries (at most {@link MAX_LISTED_ENTRIES}) and checks there is one safe entry. */
async function singleEntry(zipfile: yauzl.ZipFile, name: string, expected: Expected): Promise<yauzl.Entry> {
  if (zipfile.entryCount === 0) {
    throw new ScalplakeError('ZIP_INVALID', `Zip ${name} holds no entry (expected one CSV file)`, {
      context: { file: name },
    });
  }
  const entries = await readEntries(zipfile, name, Math.min(zipfile.entryCount, MAX_LISTED_ENTRIES));
  const names = entries.map(entryName);
  for (const n of names) {
    const reason = unsafeEntryReason(n);
    if (reason !== undefined) {
      throw new ScalplakeError('ZIP_UNSAFE_ENTRY', `Zip ${name} has an unsafe entry ${JSON.stringify(n)}: it ${reason}`, {
        context: { file: name, entry: n, entries: names },
      });
    }
  }
  if (zipfile.entryCount > 1) {
    const more = zipfile.entryCount > names.length ? ` and ${zipfile.entryCount - names.length} more` : '';
    throw new ScalplakeError(
      'ZIP_UNSAFE_ENTRY',
      `Zip ${name} has ${zipfile.entryCount} entries (${names.map((n) => JSON.stringify(n)).join(', ')}${more}); expected exactly one CSV file`,
      { context: { file: name, entries: names, entryCount: zipfile.entryCount } },
    );
  }
  const entry = entries[0]!;
  const only = names[0]!;
  const ok = expected.kind === 'exact' ? only === expected.name : only.toLowerCase().endsWith('.csv');
  if (!ok) {
    const want = expected.kind === 'exact' ? JSON.stringify(expected.name) : 'a *.csv file';
    throw new ScalplakeError('ZIP_UNSAFE_ENTRY', `Zip ${name} holds ${JSON.stringify(only)}, expected ${want}`, {
      context: { file: name, entries: names, ...(expected.kind === 'exact' ? { expected: expected.name } : {}) },
    });
  }
  if (entry.isEncrypted() || (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)) {
    throw new ScalplakeError(
      'ZIP_INVALID',
      `Zip ${name}: entry ${JSON.stringify(only)} is encrypted or uses compression method ${entry.compressionMethod} (only stored and deflated entries are read)`,
      { context: { file: name, entry: only } },
    );
  }
  return entry;
}

function readEntries(zipfile: yauzl.ZipFile, name: string, count: number): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    const cleanup = (): void => {
      zipfile.off('entry', onEntry);
      zipfile.off('end', onEnd);
      zipfile.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry): void => {
      entries.push(entry);
      if (entries.length >= count) {
        cleanup();
        resolve(entries);
      } else {
        zipfile.readEntry();
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve(entries);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(invalidZip(name, err));
    };
    zipfile.on('entry', onEntry);
    zipfile.once('end', onEnd);
    zipfile.once('error', onError);
    zipfile.readEntry();
  });
}

/** Decodes an entry name (UTF-8 flag, Info-ZIP Unicode Path field, else CP437) without rewriting backslashes. */
function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer | string;
  if (typeof raw === 'string') return raw;
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
}

function entryStream(zipfile: yauzl.ZipFile, entry: yauzl.Entry, name: string, signal: AbortSignal | undefined): ZipEntryStream {
  const only = entryName(entry);
  let started = false;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    zipfile.close();
  };
  async function* read(): AsyncGenerator<Uint8Array> {
    if (started) {
      throw new ScalplakeError('INVALID_ARGUMENT', `The entry stream of zip ${name} can be read only once`, {
        context: { file: name },
      });
    }
    started = true;
    if (closed) {
      throw new ScalplakeError('INVALID_ARGUMENT', `Zip ${name} was closed before its entry was read`, {
        context: { file: name },
      });
    }
    let readable: Readable | undefined;
    try {
      readable = await openReadStream(zipfile, entry, name);
      let crc = 0;
      let size = 0;
      for await (const chunk of readable as AsyncIterable<Buffer>) {
        throwIfAborted(signal);
        crc = crc32(chunk, crc);
        size += chunk.byteLength;
        yield chunk;
      }
      if (size !== entry.uncompressedSize) {
        throw new ScalplakeError(
          'ZIP_INVALID',
          `Zip ${name}: entry ${JSON.stringify(only)} inflated to ${size} bytes, the central directory says ${entry.uncompressedSize}`,
          { context: { file: name, entry: only, size, expectedSize: entry.uncompressedSize } },
        );
      }
      if (crc >>> 0 !== entry.crc32 >>> 0) {
        throw new ScalplakeError(
          'ZIP_INVALID',
          `Zip ${name}: CRC-32 mismatch in entry ${JSON.stringify(only)} (expected ${hex8(entry.crc32)}, got ${hex8(crc)}): the file is corrupt`,
          { context: { file: name, entry: only, expectedCrc32: entry.crc32 >>> 0, actualCrc32: crc >>> 0 } },
        );
      }
    } catch (e) {
      if (isScalplakeError(e)) throw e;
      throw invalidZip(name, e, only);
    } finally {
      readable?.destroy();
      close();
    }
  }
  return { entryName: only, size: entry.uncompressedSize, stream: { [Symbol.asyncIterator]: read }, close };
}

function openReadStream(zipfile: yauzl.ZipFile, entry: yauzl.Entry, name: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zipfile.openReadStream(entry, (err, stream) => {
      if (err !== null) reject(invalidZip(name, err, entryName(entry)));
      else resolve(stream);
    });
  });
}

function invalidZip(name: string, cause: unknown, entry?: string): ScalplakeError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ScalplakeError(
    'ZIP_INVALID',
    `Zip ${name} is truncated or corrupt${entry === undefined ? '' : ` (entry ${JSON.stringify(entry)})`}: ${why}`,
    { context: { file: name, ...(entry === undefined ? {} : { entry }) }, cause },
  );
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
