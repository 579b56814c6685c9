/**
 * `scalplake/sinks`: object stores (local disk, memory), the Parquet writer and reader, the silver sink with
 * partition upsert, and the bronze and quarantine JSON-lines writers.
 * @module
 */
export * from './bronze-writer.js';
export * from './jsonl-writer.js';
export * from './local-store.js';
export * from './memory-store.js';
export * from './object-store.js';
export type { GatheredColumn } from './parquet-gather.js';
export * from './parquet-reader.js';
export * from './parquet-writer.js';
export * from './quarantine-writer.js';
export * from './row-packer.js';
export * from './silver-sink.js';
export * from './zstd.js';
