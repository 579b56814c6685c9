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
// encodeParquetFile / EncodedParquet / parquetSettings stay internal: the silver sink's append bookkeeping.
export {
  concatBytes,
  createParquetWriter,
  DEFAULT_ROW_GROUP_SIZE,
  DEFAULT_ZSTD_LEVEL,
  encodeParquet,
  encodeParquetColumns,
  PARQUET_CREATED_BY,
  type ParquetCodec,
  type ParquetWriteOptions,
  type ParquetWriter,
  parquetStream,
} from './parquet-writer.js';
export * from './quarantine-writer.js';
export * from './row-packer.js';
export * from './silver-sink.js';
export * from './zstd.js';
