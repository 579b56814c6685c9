/**
 * Append-only gzip JSON-lines objects: the format of bronze payloads and quarantined rows. Each flush writes new
 * objects (`<runId>-<n>.jsonl.gz`) and never rewrites an old one.
 * @module
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ScalplakeError, isScalplakeError } from '../core/errors.js';
import type { ObjectStore } from './object-store.js';

const gzipAsync = promisify(gzip);

/** Lines buffered before a writer flushes by itself, unless told otherwise. */
export const DEFAULT_JSONL_BUFFERED_ROWS = 10_000;

/** A buffered writer of gzip JSON-lines objects.
 *
 * @example
 * ```ts
 * const q = lake.quarantine('klines');
 * await q.append(rejected);
 * const keys = await q.close();
 * ```
 */
export interface JsonlWriter<T> {
  /** Buffers rows; flushes by itself when more than the bound are buffered. */
  append(rows: readonly T[]): Promise<void>;
  /** Writes every buffered row as new objects (one per folder) and returns their keys. */
  flush(): Promise<string[]>;
  /** Flushes and closes the writer; later calls to `append` throw. Returns the keys written by this flush. */
  close(): Promise<string[]>;
  /** Every key this writer has written, in order. */
  readonly keysWritten: readonly string[];
  /** Rows written so far (flushed). */
  readonly rowsWritten: number;
}

/** How a {@link jsonlWriter} lays out its rows. */
export interface JsonlWriterSpec<T> {
  /** The folder group of a row (e.g. its date); rows of one group go to the same objects. */
  group(row: T): string;
  /** The key of object number `n` of a group. */
  objectKey(group: string, n: number): string;
  /** The JSON value written for a row (default: the row itself). */
  line?(row: T): unknown;
  /** Rows buffered before flushing by itself; default {@link DEFAULT_JSONL_BUFFERED_ROWS}. */
  readonly maxBufferedRows?: number;
}

/**
 * Creates an append-only gzip JSON-lines writer over a store. Object numbers count up per writer; a number whose
 * key already exists (another writer with the same run id) is skipped, so old objects are never overwritten.
 *
 * @throws `SINK_WRITE` naming the key when a write fails (store error as cause) or when appending after `close`.
 * @example
 * ```ts
 * const w = jsonlWriter<{ day: string; v: number }>(store, {
 *   group: (r) => r.day,
 *   objectKey: (day, n) => `logs/date=${day}/run-1-${n}.jsonl.gz`,
 * });
 * await w.append([{ day: '2024-01-01', v: 1 }]);
 * await w.close();
 * ```
 */
export function jsonlWriter<T>(store: ObjectStore, spec: JsonlWriterSpec<T>): JsonlWriter<T> {
  const max = spec.maxBufferedRows ?? DEFAULT_JSONL_BUFFERED_ROWS;
  const groups = new Map<string, string[]>();
  const keys: string[] = [];
  let buffered = 0;
  let n = 0;
  let rowsWritten = 0;
  let closed = false;

  const flushNow = async (): Promise<string[]> => {
    const written: string[] = [];
    const names = [...groups.keys()].sort();
    for (const g of names) {
      const lines = groups.get(g);
      if (lines === undefined || lines.length === 0) continue;
      // Take the lines out before the first await: rows appended while this object is written go to a new list (for
      // the next flush) instead of being written twice or deleted unwritten with this one.
      groups.delete(g);
      let key = '';
      try {
        key = spec.objectKey(g, n++);
        while ((await store.head(key)) !== undefined) key = spec.objectKey(g, n++);
        const body = await gzipAsync(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
        await store.put(key, new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
      } catch (cause) {
        // Nothing of this group was written: keep its lines (before any appended since) for the next flush.
        const since = groups.get(g);
        groups.set(g, since === undefined ? lines : lines.concat(since));
        if (isScalplakeError(cause, 'ABORTED') || key === '') throw cause;
        throw new ScalplakeError('SINK_WRITE', `Cannot write ${JSON.stringify(key)} to ${store.url}: ${(cause as Error)?.message ?? String(cause)}`, {
          context: { key, store: store.url, rows: lines.length },
          cause,
        });
      }
      buffered -= lines.length;
      rowsWritten += lines.length;
      keys.push(key);
      written.push(key);
    }
    return written;
  };
  // One flush at a time: a flush started while another writes (an append past the bound that nobody awaited) runs
  // after it, so objects are numbered and written in order.
  let flushing: Promise<unknown> = Promise.resolve();
  const flush = (): Promise<string[]> => {
    const run = flushing.then(flushNow, flushNow);
    flushing = run.catch(() => undefined);
    return run;
  };

  return {
    async append(rows) {
      if (closed) throw new ScalplakeError('SINK_WRITE', 'The JSON-lines writer is closed', {});
      for (const r of rows) {
        const g = spec.group(r);
        let list = groups.get(g);
        if (list === undefined) groups.set(g, (list = []));
        list.push(JSON.stringify(spec.line ? spec.line(r) : r));
      }
      buffered += rows.length;
      if (buffered > max) await flush();
    },
    flush,
    async close() {
      closed = true;
      return flush();
    },
    get keysWritten() {
      return keys;
    },
    get rowsWritten() {
      return rowsWritten;
    },
  };
}
