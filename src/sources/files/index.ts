/**
 * Bulk history files: data.binance.vision URLs, plans, verified downloads and unzip; the byte-level CSV parser,
 * format detection and one mapper per file kind (data.binance.vision, CryptoDataDownload, Kaggle).
 * @module
 */
export * from './bulk-plan.js';
export * from './checksum.js';
export * from './csv-file-source.js';
export * from './csv-parser.js';
export * from './csv-records.js';
export * from './csv-rows.js';
export * from './datavision-url.js';
export * from './detect-format.js';
export * from './download.js';
export * from './file-name.js';
export * from './http-retry.js';
export * from './zip.js';
