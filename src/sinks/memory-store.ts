/**
 * An in-memory {@link ObjectStore} for tests and for users who want a lake without a disk.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import { assertKey, compareKeys, type ObjectInfo, type ObjectStore } from './object-store.js';

const encoder = new TextEncoder();

/**
 * Creates an empty in-memory object store (`url` `memory:`). Objects are copied in and out, so callers may reuse
 * their buffers; a `put` whose body stream fails stores nothing.
 *
 * @throws `INVALID_ARGUMENT` for an unsafe key; `STORE_IO` naming the key when a streamed body fails.
 * @example
 * ```ts
 * const store = memoryStore();
 * await store.put('a/b.txt', 'hello');
 * (await store.list('a/')).map((o) => o.key); // ['a/b.txt']
 * ```
 */
export function memoryStore(): ObjectStore {
  const objects = new Map<string, Uint8Array>();
  return {
    url: 'memory:',
    async put(key, body) {
      assertKey(key);
      let bytes: Uint8Array;
      if (typeof body === 'string') bytes = encoder.encode(body);
      else if (body instanceof Uint8Array) bytes = body.slice();
      else {
        const chunks: Uint8Array[] = [];
        let total = 0;
        try {
          for await (const c of body) {
            chunks.push(c.slice());
            total += c.byteLength;
          }
        } catch (cause) {
          throw new ScalplakeError('STORE_IO', `Cannot write ${JSON.stringify(key)} at memory:${key}: ${(cause as Error)?.message ?? String(cause)}`, {
            context: { key, path: `memory:${key}`, op: 'write' },
            cause,
          });
        }
        bytes = new Uint8Array(total);
        let off = 0;
        for (const c of chunks) {
          bytes.set(c, off);
          off += c.byteLength;
        }
      }
      objects.set(key, bytes);
    },
    async get(key) {
      const v = objects.get(assertKey(key));
      return v === undefined ? undefined : v.slice();
    },
    async head(key) {
      const v = objects.get(assertKey(key));
      return v === undefined ? undefined : { key, size: v.byteLength };
    },
    async list(prefix) {
      if (prefix !== '') assertKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
      const out: ObjectInfo[] = [];
      for (const [key, v] of objects) if (key.startsWith(prefix)) out.push({ key, size: v.byteLength });
      out.sort(compareKeys);
      return out;
    },
    async delete(key) {
      objects.delete(assertKey(key));
    },
  };
}
