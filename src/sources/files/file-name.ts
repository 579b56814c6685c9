/**
 * Reads the symbol, data type, interval and date out of a data.binance.vision file name.
 * @module
 */

/** What a data.binance.vision file name says. */
export interface BinanceFileName {
  /** The market symbol, e.g. `BTCUSDT` (not yet checked with `assertSymbol`). */
  readonly symbol: string;
  /**
   * The data type: `klines` (also for price-index klines, see `priceKind`), `aggTrades`, `trades`, `fundingRate`,
   * `bookDepth`, `bookTicker` or `metrics`; null when the name is only `SYMBOL-date` without a `kind_` prefix.
   */
  readonly dataType: 'klines' | 'aggTrades' | 'trades' | 'fundingRate' | 'bookDepth' | 'bookTicker' | 'metrics' | null;
  /** The kline interval (`1m`, `1h`, `1mo`, …), for klines only. */
  readonly interval: string | null;
  /** `YYYY-MM` (monthly file) or `YYYY-MM-DD` (daily file). */
  readonly date: string;
  /** `monthly` or `daily`, from the date's form. */
  readonly period: 'monthly' | 'daily';
  /** The price-index kind when the path names it (`markPriceKlines`, `indexPriceKlines`, `premiumIndexKlines`). */
  readonly priceKind: 'markPriceKlines' | 'indexPriceKlines' | 'premiumIndexKlines' | null;
}

const KINDS = 'aggTrades|trades|fundingRate|bookDepth|bookTicker|metrics';
const INTERVALS = '1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1mo|1M';
const NAME_RE = new RegExp(`(?:^|[^A-Za-z0-9])([A-Z0-9]{2,30})-(${KINDS}|${INTERVALS})-(\\d{4}-\\d{2}(?:-\\d{2})?)(?![0-9])`);
/** Lenient form `…[kind_]SYMBOL-YYYY-MM[-DD]…`, as in renamed copies (`um_daily_aggTrades_BTCUSDT-2025-10-22.csv`). */
const SHORT_RE = new RegExp(
  `(?:^|[^A-Za-z0-9])(?:(${KINDS}|klines|markPriceKlines|indexPriceKlines|premiumIndexKlines)_)?([A-Z0-9]{2,30})-(\\d{4}-\\d{2}(?:-\\d{2})?)(?![0-9])`,
);
const PRICE_KIND_RE = /(markPriceKlines|indexPriceKlines|premiumIndexKlines)/i;

/**
 * Parses a data.binance.vision file name (or a path or URL ending in one): `BTCUSDT-1m-2019-09.csv`,
 * `BTCUSDT-aggTrades-2024-01-01.zip`, `BTCUSDT-fundingRate-2024-01.zip`, also with a prefix or suffix such as
 * `um_monthly_klines_BTCUSDT-1m-2019-09.csv` or `…-2025-10-22_first6rows.csv`. The price-index kind is read from
 * anywhere in the path (`…/markPriceKlines/BTCUSDT/1m/…`). Returns `null` when the name does not follow the pattern.
 *
 * @example
 * ```ts
 * parseBinanceFileName('um_monthly_klines_BTCUSDT-1m-2019-09.csv');
 * // { symbol: 'BTCUSDT', dataType: 'klines', interval: '1m', date: '2019-09', period: 'monthly', priceKind: null }
 * parseBinanceFileName('data/futures/um/monthly/markPriceKlines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip')?.priceKind;
 * // 'markPriceKlines'
 * ```
 */
export function parseBinanceFileName(name: string): BinanceFileName | null {
  const m = NAME_RE.exec(name);
  if (m === null) return parseShortName(name);
  const symbol = m[1]!;
  const kind = m[2]!;
  const date = m[3]!;
  const isKline = !KINDS.split('|').includes(kind);
  const pk = PRICE_KIND_RE.exec(name)?.[1]?.toLowerCase();
  const priceKind =
    pk === 'markpriceklines'
      ? 'markPriceKlines'
      : pk === 'indexpriceklines'
        ? 'indexPriceKlines'
        : pk === 'premiumindexklines'
          ? 'premiumIndexKlines'
          : null;
  return {
    symbol,
    dataType: isKline ? 'klines' : (kind as BinanceFileName['dataType']),
    interval: isKline ? kind : null,
    date,
    period: date.length === 7 ? 'monthly' : 'daily',
    priceKind: isKline ? priceKind : null,
  };
}

function parseShortName(name: string): BinanceFileName | null {
  const m = SHORT_RE.exec(name);
  if (m === null) return null;
  const kind = m[1];
  const date = m[3]!;
  const dataType = kind === undefined ? null : kind.endsWith('lines') ? 'klines' : (kind as BinanceFileName['dataType']);
  return {
    symbol: m[2]!,
    dataType,
    interval: null,
    date,
    period: date.length === 7 ? 'monthly' : 'daily',
    priceKind: kind !== undefined && kind !== 'klines' && kind.endsWith('Klines') ? (kind as BinanceFileName['priceKind']) : null,
  };
}
