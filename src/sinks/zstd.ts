/**
 * The zstd codec for Parquet pages, from `@bokuweb/zstd-wasm` (Node 20 has no zstd in `node:zlib`). The WebAssembly
 * module is loaded once per process by {@link ensureZstd}; compression and decompression are synchronous after that.
 * @module
 */
import { compress, decompress, init } from '@bokuweb/zstd-wasm';

let ready: Promise<void> | undefined;

/**
 * Loads the zstd WebAssembly module once; later calls return the same promise.
 *
 * @example
 * ```ts
 * await ensureZstd();
 * const packed = zstdCompress(bytes, 3);
 * ```
 */
export function ensureZstd(): Promise<void> {
  ready ??= init();
  return ready;
}

/**
 * Compresses bytes into one zstd frame (with its content size, so {@link zstdDecompress} knows the output length).
 * Call {@link ensureZstd} first.
 *
 * @param level - zstd level, 1 (fast) … 19 (small); 3 is zstd's and DuckDB's default.
 * @example
 * ```ts
 * await ensureZstd();
 * zstdCompress(new TextEncoder().encode('hello'), 3);
 * ```
 */
export function zstdCompress(input: Uint8Array, level = 3): Uint8Array {
  return compress(input, level);
}

/**
 * Decompresses one zstd frame. `outputLength`, when known (Parquet page headers carry it), sizes the output for
 * frames that do not record their content size. Call {@link ensureZstd} first.
 *
 * @example
 * ```ts
 * await ensureZstd();
 * zstdDecompress(zstdCompress(bytes)); // bytes
 * ```
 */
export function zstdDecompress(input: Uint8Array, outputLength?: number): Uint8Array {
  return outputLength === undefined ? decompress(input) : decompress(input, { defaultHeapSize: outputLength });
}
