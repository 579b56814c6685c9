/**
 * `scalplake/transforms`: operators over batches — validate, dedupe, normalizeTime, reorder, detectGaps, partition
 * keys, map and filter.
 * @module
 */
export * from './compile-fast-check.js';
export * from './dedupe.js';
export * from './detect-gaps.js';
export * from './filter.js';
export * from './map.js';
export * from './normalize-time.js';
export * from './partition.js';
export * from './reorder.js';
export * from './select-rows.js';
export * from './validate.js';
