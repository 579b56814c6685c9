/**
 * An {@link ObjectStore} over a local folder: keys are files under the root, writes are atomic (temporary file in
 * the same folder, fsync, rename over the target).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ScalplakeError } from '../core/errors.js';
import { assertKey, compareKeys, type ObjectInfo, type ObjectStore } from './object-store.js';

/** The marker every temporary file name carries: `.<name>.tmp-<random>`. */
export const TEMP_MARKER = '.tmp-';

/**
 * Tells whether a file name is a temporary file of an unfinished `put` (`.<name>.tmp-<random>`), which
 * {@link ObjectStore.list} never shows.
 *
 * @example
 * ```ts
 * isTempName('.part-0.parquet.tmp-3f9a0c'); // true
 * isTempName('part-0.parquet');             // false
 * ```
 */
export function isTempName(name: string): boolean {
  return name.charCodeAt(0) === 46 /* . */ && name.includes(TEMP_MARKER);
}

/**
 * Opens a local folder as an object store. The folder is created on the first write. `put` writes to
 * `.<name>.tmp-<random>` beside the target, fsyncs it and renames it over the target, so a reader (or a crash)
 * sees the old file or the whole new one; a body given as an `AsyncIterable` is streamed to disk chunk by chunk.
 *
 * @param rootDir - The folder that holds the objects; keys are paths relative to it.
 * @throws `INVALID_ARGUMENT` (from every method) for a key that is absolute or contains `.`/`..` segments;
 *   `STORE_IO` naming the key and the path, with the file-system error as `cause`.
 * @example
 * ```ts
 * const store = localStore('./lake');
 * await store.put('_state/watermarks.json', '{"klines":1704067200000}');
 * const bytes = await store.get('_state/watermarks.json');
 * ```
 */
export function localStore(rootDir: string): ObjectStore {
  const root = resolve(rootDir);
  const pathOf = (key: string): string => join(root, ...assertKey(key).split('/'));

  const fail = (op: string, key: string, path: string, cause: unknown): ScalplakeError =>
    new ScalplakeError('STORE_IO', `Cannot ${op} ${JSON.stringify(key)} at ${path}: ${(cause as Error)?.message ?? String(cause)}`, {
      context: { key, path, op },
      cause,
    });

  async function put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>): Promise<void> {
    const path = pathOf(key);
    const dir = dirname(path);
    const tmp = join(dir, `.${basename(path)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`);
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    let created: string | undefined;
    try {
      created = await mkdir(dir, { recursive: true });
      handle = await open(tmp, 'wx');
      if (typeof body === 'string' || body instanceof Uint8Array) {
        await handle.writeFile(body);
      } else {
        for await (const chunk of body) {
          let off = 0;
          while (off < chunk.byteLength) {
            const { bytesWritten } = await handle.write(chunk, off, chunk.byteLength - off);
            off += bytesWritten;
          }
        }
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(tmp, path);
    } catch (cause) {
      if (handle) await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      if (cause instanceof ScalplakeError) throw cause;
      throw fail('write', key, path, cause);
    }
    await syncDir(dir);
    // Folders this put created (a new partition's `symbol=…/date=…/`) are entries of their parents: sync those too, or a
    // power loss could drop the new folder with the file in it while a later write (an import record) survives.
    if (created !== undefined) {
      for (let d = dir; ; d = dirname(d)) {
        await syncDir(dirname(d));
        if (d === created || dirname(d) === d) break;
      }
    }
  }

  async function get(key: string): Promise<Uint8Array | undefined> {
    const path = pathOf(key);
    try {
      const buf = await readFile(path);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (cause) {
      if (isNotFound(cause)) return undefined;
      throw fail('read', key, path, cause);
    }
  }

  async function head(key: string): Promise<ObjectInfo | undefined> {
    const path = pathOf(key);
    try {
      const s = await stat(path);
      return s.isFile() ? { key, size: s.size } : undefined;
    } catch (cause) {
      if (isNotFound(cause)) return undefined;
      throw fail('stat', key, path, cause);
    }
  }

  async function list(prefix: string): Promise<ObjectInfo[]> {
    if (prefix !== '') assertKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash < 0 ? '' : prefix.slice(0, slash);
    const out: ObjectInfo[] = [];
    const walk = async (dirKey: string): Promise<void> => {
      const dirPath = dirKey === '' ? root : join(root, ...dirKey.split('/'));
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dirPath, { withFileTypes: true });
      } catch (cause) {
        if (isNotFound(cause) || (cause as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw fail('list', dirKey, dirPath, cause);
      }
      // Sub-folders and file sizes are read concurrently (a lake has thousands of partition folders); the result is
      // sorted at the end.
      const pending: Promise<void>[] = [];
      for (const e of entries) {
        const key = dirKey === '' ? e.name : `${dirKey}/${e.name}`;
        if (e.isDirectory()) {
          // Descend only where keys can still start with the prefix.
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) pending.push(walk(key));
        } else if (e.isFile() && !isTempName(e.name) && key.startsWith(prefix)) {
          pending.push(
            stat(join(dirPath, e.name)).then(
              (s) => void out.push({ key, size: s.size }),
              () => undefined, // removed since readdir
            ),
          );
        }
      }
      await Promise.all(pending);
    };
    await walk(baseKey);
    out.sort(compareKeys);
    return out;
  }

  async function del(key: string): Promise<void> {
    const path = pathOf(key);
    try {
      await unlink(path);
    } catch (cause) {
      if (isNotFound(cause)) return;
      throw fail('delete', key, path, cause);
    }
  }

  return {
    url: root.endsWith(sep) ? root.slice(0, -1) : root,
    put,
    get,
    head,
    list,
    delete: del,
    localPath: pathOf,
  };
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** Makes the rename durable; some file systems refuse to fsync a folder, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  let h: Awaited<ReturnType<typeof open>> | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // not supported here
  } finally {
    await h?.close().catch(() => undefined);
  }
}
