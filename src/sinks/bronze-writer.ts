/**
 * Bronze: every payload exactly as received, and bulk files as downloaded.
 *
 * - payloads: gzip JSON lines `{received_at, source, endpoint, payload}` under
 *   `bronze/<source>/<endpoint>/symbol=<S>/date=<YYYY-MM-DD of received_at>/<runId>-<n>.jsonl.gz`;
 * - bulk files: `bronze/<source>/<path>` copied byte for byte, with a `<path>.sha256` sidecar
 *   (`<hex>  <file name>`, the `sha256sum` format).
 * @module
 */
import { createHash } from 'node:crypto';
import { assertSymbol } from '../core/symbol.js';
import { utcDate } from '../core/time.js';
import { assertSegment, bronzeFileKey, bronzePayloadKey, endpointSegment, sha256SidecarKey } from '../lake/layout.js';
import { type JsonlWriter, jsonlWriter } from './jsonl-writer.js';
import type { ObjectStore } from './object-store.js';

/** One payload as received, with where and when it came from.
 *
 * @example
 * ```ts
 * const rec: BronzeRecord = { received_at: Date.now(), source: 'ws', endpoint: 'btcusdt@aggTrade', symbol: 'BTCUSDT', payload: frame };
 * ```
 */
export interface BronzeRecord {
  /** When scalplake received the payload (UTC ms). */
  readonly received_at: number;
  /** The source kind: `rest`, `ws`, `replay`, … (a path segment). */
  readonly source: string;
  /** The REST path or stream name, e.g. `/fapi/v1/klines` or `btcusdt@aggTrade` (sanitized in the path). */
  readonly endpoint: string;
  /** The market symbol the payload is about (the `symbol=` folder; not repeated in the line). */
  readonly symbol: string;
  /** The payload exactly as received (parsed JSON or text). */
  readonly payload: unknown;
}

/** Options of {@link bronzeWriter}. */
export interface BronzeWriterOptions {
  /** The run id in object names. */
  readonly runId: string;
  /** Payloads buffered before flushing by itself; default 10 000. */
  readonly maxBufferedRows?: number;
}

/**
 * Creates the writer of bronze payloads. Objects are only ever added; each line is
 * `{"received_at":…,"source":…,"endpoint":…,"payload":…}`.
 *
 * @throws `INVALID_ARGUMENT` for an unsafe run id, source or endpoint; `INVALID_SYMBOL`; `SINK_WRITE` when a write
 *   fails.
 * @example
 * ```ts
 * const w = bronzeWriter(store, { runId: 'run-1' });
 * await w.append([{ received_at: Date.now(), source: 'rest', endpoint: '/fapi/v1/klines', symbol: 'BTCUSDT', payload: page }]);
 * await w.close();
 * ```
 */
export function bronzeWriter(store: ObjectStore, options: BronzeWriterOptions): JsonlWriter<BronzeRecord> {
  const runId = assertSegment(options.runId, 'runId');
  return jsonlWriter<BronzeRecord>(store, {
    group: (r) =>
      `${assertSegment(r.source, 'source')}/${endpointSegment(r.endpoint)}/${assertSymbol(r.symbol)}/${utcDate(r.received_at)}`,
    objectKey: (group, n) => {
      const [source, endpoint, symbol, date] = group.split('/') as [string, string, string, string];
      return bronzePayloadKey(source, endpoint, symbol, date, runId, n);
    },
    line: (r) => ({ received_at: r.received_at, source: r.source, endpoint: r.endpoint, payload: r.payload }),
    ...(options.maxBufferedRows === undefined ? {} : { maxBufferedRows: options.maxBufferedRows }),
  });
}

/** What {@link putBronzeFile} stored. */
export interface BronzeFileInfo {
  /** The key of the copied file. */
  readonly key: string;
  /** The key of its sha256 sidecar. */
  readonly sha256Key: string;
  /** The lowercase hex sha256 of the bytes. */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * Copies a bulk file into bronze as-is (streamed when given an `AsyncIterable`), hashing it on the way, then writes
 * its `.sha256` sidecar. The sidecar is written last: its presence means the copy is complete.
 *
 * @throws `INVALID_ARGUMENT` for an unsafe source or path; `STORE_IO` from the store.
 * @example
 * ```ts
 * const info = await putBronzeFile(store, 'datavision', 'BTCUSDT-1m-2024-01.zip', createReadStream(zipPath));
 * info.key; // 'bronze/datavision/BTCUSDT-1m-2024-01.zip'
 * ```
 */
export async function putBronzeFile(
  store: ObjectStore,
  source: string,
  path: string,
  body: Uint8Array | AsyncIterable<Uint8Array>,
): Promise<BronzeFileInfo> {
  const key = bronzeFileKey(source, path);
  const hash = createHash('sha256');
  let size = 0;
  if (body instanceof Uint8Array) {
    hash.update(body);
    size = body.byteLength;
    await store.put(key, body);
  } else {
    const src = body;
    async function* hashing(): AsyncIterable<Uint8Array> {
      for await (const chunk of src) {
        hash.update(chunk);
        size += chunk.byteLength;
        yield chunk;
      }
    }
    await store.put(key, hashing());
  }
  const sha256 = hash.digest('hex');
  const sha256Key = sha256SidecarKey(key);
  const name = key.slice(key.lastIndexOf('/') + 1);
  await store.put(sha256Key, `${sha256}  ${name}\n`);
  return { key, sha256Key, sha256, size };
}
