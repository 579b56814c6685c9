/**
 * `scalplake/sources`: bulk history files (data.binance.vision, CryptoDataDownload, Kaggle) and the Binance REST and
 * WebSocket sources.
 * @module
 */
export * from './binance/index.js';
export * from './files/index.js';
