/**
 * scalplake: Binance USD-M futures market data into a bronze/silver/gold Parquet lakehouse.
 *
 * The root export holds the core (schemas and tables, time and decimal parsing, errors, stage contracts, events),
 * the pipeline builder, the lake and its jobs. Sources, transforms, sinks, features and the replay exchange live on
 * their own subpaths (`scalplake/sources`, …).
 * @module
 */
export * from './core/decimal.js';
export * from './core/errors.js';
export * from './core/events.js';
export * from './core/schema.js';
export * from './core/stage.js';
export * from './core/symbol.js';
export * from './core/tables.js';
export * from './core/time.js';
export * from './lake/backfill.js';
export * from './lake/build-gold-table.js';
export * from './lake/download-files.js';
export * from './lake/find-silver-gaps.js';
export * from './lake/import-files.js';
export * from './lake/ingest-live.js';
export * from './lake/lake.js';
export * from './lake/layout.js';
export * from './lake/watermarks.js';
export * from './pipeline/context.js';
export * from './pipeline/pipeline.js';
export * from './pipeline/run-handle.js';
export * from './pipeline/run-report.js';
export * from './quality/completeness.js';
