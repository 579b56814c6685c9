/**
 * Test helper: an ObjectStore over a Map that is deliberately NOT atomic: `put` of a stream makes each chunk
 * visible as it arrives, so tests prove the downloader removes what a failed write left behind.
 */
import type { ObjectInfo, ObjectStore } from '../../../src/sinks/object-store.js';

export interface MapStore extends ObjectStore {
  readonly objects: Map<string, Uint8Array>;
  readonly puts: string[];
}

export function mapStore(): MapStore {
  const objects = new Map<string, Uint8Array>();
  const puts: string[] = [];
  return {
    url: 'memory:test',
    objects,
    puts,
    async put(key, body) {
      puts.push(key);
      if (typeof body === 'string') {
        objects.set(key, new TextEncoder().encode(body));
        return;
      }
      if (body instanceof Uint8Array) {
        objects.set(key, body.slice());
        return;
      }
      let acc = Buffer.alloc(0);
      objects.set(key, acc);
      for await (const chunk of body) {
        acc = Buffer.concat([acc, chunk]);
        objects.set(key, acc);
      }
    },
    async get(key) {
      return objects.get(key);
    },
    async head(key): Promise<ObjectInfo | undefined> {
      const v = objects.get(key);
      return v === undefined ? undefined : { key, size: v.byteLength };
    },
    async list(prefix) {
      return [...objects.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, v]) => ({ key, size: v.byteLength }));
    },
    async delete(key) {
      objects.delete(key);
    },
  };
}
