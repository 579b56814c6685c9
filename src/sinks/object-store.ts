/**
 * The object-store interface every lake writer goes through. Local disk, memory and (later) S3 differ only in the
 * store handed to the sink.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';

/** Size and time of a stored object. */
export interface ObjectInfo {
  /** The key, relative to the store root, `/`-separated. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * A flat key → bytes store. Keys are relative, `/`-separated, without `.` or `..` segments.
 * `put` is atomic: a reader sees the old object or the whole new one, never a part.
 */
export interface ObjectStore {
  /** Where the store points, for messages and reports (a folder path, `memory:`, `s3://bucket/prefix`). */
  readonly url: string;
  /** Writes an object atomically, replacing any object with the same key. */
  put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>): Promise<void>;
  /** Reads an object; `undefined` when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Size of an object; `undefined` when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Lists the objects whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** The local file path of a key, when the store is a local folder (lets DuckDB and unzip read in place). */
  localPath?(key: string): string;
}

/**
 * Checks that a key is relative, `/`-separated and cannot escape the store root, and returns it.
 *
 * @throws `INVALID_ARGUMENT` naming the key.
 * @example
 * ```ts
 * assertKey('silver/klines/symbol=BTCUSDT/date=2024-01-01/part-0.parquet');
 * assertKey('../etc/passwd'); // throws
 * ```
 */
export function assertKey(key: string): string {
  if (
    key === '' ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new ScalplakeError('INVALID_ARGUMENT', `Object key ${JSON.stringify(key)} is not a safe relative key`, {
      context: { key },
    });
  }
  return key;
}

/**
 * Orders object infos by key, by UTF-16 code units (the same order on every machine and locale), as
 * {@link ObjectStore.list} returns them.
 *
 * @example
 * ```ts
 * infos.sort(compareKeys);
 * ```
 */
export function compareKeys(a: ObjectInfo, b: ObjectInfo): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
