/**
 * A market replayed from recorded files: data.binance.vision kline and aggTrades CSVs, and WebSocket captures
 * (hftbacktest `<ts> <json>` lines, cryptofeed `<ts>: <json>` lines, `{recv_ts|recv_ts_us, msg}` JSON lines).
 * @module
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { AggTrade, Kline } from '../core/tables.js';
import { ScalplakeError } from '../core/errors.js';
import { INTERVAL_MS, MINUTE_MS } from '../core/time.js';
import type { ReplayMarket, WireAggTrade, WireDepth, WireKline } from './replay-market.js';
import { klineToWs, parseStream } from './stream-names.js';

/** A recorded CSV file of one symbol. */
export interface RecordedFile {
  /** Symbol (upper case) the file holds. */
  readonly symbol: string;
  /** Path of the CSV (plain or gzip). */
  readonly path: string;
}

/** A recorded WebSocket capture. */
export interface RecordedCapture {
  /** Path of the capture (plain or gzip, detected by content). */
  readonly path: string;
  /** Line format; detected from the first lines when omitted. */
  readonly format?: 'hftbacktest' | 'cryptofeed' | 'jsonl';
}

/** Options of {@link recordedMarket}. */
export interface RecordedMarketOptions {
  /** Kline CSVs (data.binance.vision layout, with or without header, 11 or 12 columns). */
  readonly klines?: readonly RecordedFile[];
  /** aggTrades CSVs (data.binance.vision layout). */
  readonly aggTrades?: readonly RecordedFile[];
  /** WebSocket captures. */
  readonly captures?: readonly RecordedCapture[];
  /** Klines already parsed (e.g. read from a silver lake), 1-minute bars; grouped by their symbol. */
  readonly klineRecords?: readonly Kline[];
  /** Aggregate trades already parsed (e.g. read from a silver lake); grouped by their symbol. */
  readonly aggTradeRecords?: readonly AggTrade[];
  /** Seed for random faults; default 1. */
  readonly seed?: number;
}

interface Frame {
  readonly time: number;
  readonly stream: string;
  readonly payload: string;
}

interface Snapshot {
  readonly time: number;
  readonly symbol: string;
  readonly text: string;
}

function readText(path: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new ScalplakeError('FILE_NOT_FOUND', `Cannot read recorded file ${JSON.stringify(path)}`, {
      context: { path },
      cause: e,
    });
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return buf.toString('utf8');
}

function toMs(n: number): number {
  if (n >= 1e17) return Math.floor(n / 1e6);
  if (n >= 1e14) return Math.floor(n / 1e3);
  if (n >= 1e11) return Math.floor(n);
  return Math.floor(n * 1000);
}

/** Splits a line into its receive time (ms) and JSON text, or null when the line is not a frame. */
function splitLine(line: string, format: RecordedCapture['format']): { time: number; json: string } | null {
  if (format === 'jsonl' || (format === undefined && line.startsWith('{'))) {
    try {
      const o = JSON.parse(line) as { recv_ts?: number; recv_ts_us?: number; msg?: unknown };
      const ts = o.recv_ts_us !== undefined ? o.recv_ts_us / 1e6 : o.recv_ts;
      if (ts === undefined || o.msg === undefined) return null;
      return { time: toMs(ts), json: JSON.stringify(o.msg) };
    } catch {
      return null;
    }
  }
  const m = /^(\d+(?:\.\d+)?):? (\{.*\})\s*$/.exec(line);
  if (m === null) return null;
  return { time: toMs(Number(m[1])), json: m[2]! };
}

function parseCapture(capture: RecordedCapture, frames: Frame[], snapshots: Snapshot[]): void {
  const text = readText(capture.path);
  let lastDepthSymbol = '';
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const s = splitLine(line, capture.format);
    if (s === null) continue;
    const { time, json } = s;
    if (json.startsWith('{"stream":"')) {
      const end = json.indexOf('"', 11);
      const stream = json.slice(11, end);
      const dataAt = json.indexOf(',"data":', end);
      if (dataAt < 0 || !json.endsWith('}')) continue;
      frames.push({ time, stream, payload: json.slice(dataAt + 8, -1) });
      if (stream.includes('@depth')) lastDepthSymbol = stream.slice(0, stream.indexOf('@')).toUpperCase();
    } else if (json.startsWith('{"lastUpdateId"')) {
      if (lastDepthSymbol === '') {
        const next = /"stream":"([a-z0-9]+)@depth/.exec(text.slice(text.indexOf(json) + json.length, text.indexOf(json) + json.length + 4000));
        lastDepthSymbol = next?.[1]?.toUpperCase() ?? '';
      }
      if (lastDepthSymbol === '') {
        throw new ScalplakeError('FORMAT_UNKNOWN', `Depth snapshot without a symbol in ${capture.path}:${lineNo}`, {
          context: { path: capture.path, line: lineNo },
        });
      }
      snapshots.push({ time, symbol: lastDepthSymbol, text: json });
    }
  }
}

function csvRows(path: string): string[][] {
  const rows: string[][] = [];
  for (const line of readText(path).split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    const cols = t.split(',');
    if (!/^\d/.test(cols[0] ?? '')) continue; // header
    rows.push(cols);
  }
  return rows;
}

/**
 * Creates a market from recorded files (see src/replay/README.md): REST klines and aggTrades from the CSVs, depth
 * snapshots and every captured stream from the captures, replayed at their receive time on the exchange clock.
 *
 * @throws `FILE_NOT_FOUND` for a missing file, `FORMAT_UNKNOWN` when nothing usable was found.
 * @example
 * ```ts
 * const market = recordedMarket({ captures: [{ path: 'test/fixtures/ws/hftbacktest_usdm_btcusdt_20240808.gz' }] });
 * const ex = await startReplayExchange({ market, clock: virtualClock(market.start) });
 * ```
 */
export function recordedMarket(options: RecordedMarketOptions): ReplayMarket {
  const frames: Frame[] = [];
  const snapshots: Snapshot[] = [];
  for (const c of options.captures ?? []) parseCapture(c, frames, snapshots);
  const klines = new Map<string, { intervalMs: number; byOpen: Map<number, WireKline>; first: number }>();
  const addKlines = (symbol: string, rows: Iterable<WireKline>) => {
    const byOpen = new Map<number, WireKline>();
    let first = Number.POSITIVE_INFINITY;
    let intervalMs = MINUTE_MS;
    for (const k of rows) {
      intervalMs = k[6] - k[0] + 1;
      first = Math.min(first, k[0]);
      byOpen.set(k[0], k);
    }
    klines.set(symbol, { intervalMs, byOpen, first });
    const lower = symbol.toLowerCase();
    // The final push goes out on the stream of the file's own interval (`kline_5m` for a 5m file).
    const interval = Object.keys(INTERVAL_MS).find((i) => INTERVAL_MS[i] === intervalMs);
    if (interval === undefined) return;
    for (const k of byOpen.values()) {
      frames.push({
        time: k[6] + 101,
        stream: `${lower}@kline_${interval}`,
        payload: klineToWs(symbol, interval, k, -1, -1, true, k[6] + 101),
      });
    }
  };
  for (const f of options.klines ?? []) {
    addKlines(
      f.symbol,
      (function* () {
        for (const c of csvRows(f.path)) {
          const open = toMs(Number(c[0]));
          const close = toMs(Number(c[6]));
          yield [open, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, close, c[7]!, Number(c[8]), c[9]!, c[10]!, c[11] ?? '0'] as WireKline;
        }
      })(),
    );
  }
  for (const [symbol, rows] of groupBySymbol(options.klineRecords ?? [])) {
    addKlines(
      symbol,
      rows.map((k): WireKline => [
        k.open_time, String(k.open), String(k.high), String(k.low), String(k.close), String(k.volume), k.close_time,
        String(k.quote_volume ?? 0), k.trade_count ?? 0, String(k.taker_buy_volume ?? 0), String(k.taker_buy_quote_volume ?? 0), '0',
      ]),
    );
  }
  const trades = new Map<string, WireAggTrade[]>();
  const addTrades = (symbol: string, rows: Iterable<WireAggTrade>) => {
    const list: WireAggTrade[] = trades.get(symbol) ?? [];
    const lower = symbol.toLowerCase();
    for (const a of rows) {
      list.push(a);
      frames.push({
        time: a.T,
        stream: `${lower}@aggTrade`,
        payload: `{"e":"aggTrade","E":${a.T},"a":${a.a},"s":"${symbol}","p":"${a.p}","q":"${a.q}","f":${a.f},"l":${a.l},"T":${a.T},"m":${a.m}}`,
      });
    }
    list.sort((x, y) => x.a - y.a);
    trades.set(symbol, list);
  };
  for (const f of options.aggTrades ?? []) {
    addTrades(
      f.symbol,
      (function* () {
        for (const c of csvRows(f.path)) {
          yield { a: Number(c[0]), p: c[1]!, q: c[2]!, f: Number(c[3]), l: Number(c[4]), T: toMs(Number(c[5])), m: c[6] === 'true' || c[6] === 'True' };
        }
      })(),
    );
  }
  for (const [symbol, rows] of groupBySymbol(options.aggTradeRecords ?? [])) {
    addTrades(
      symbol,
      rows.map((t) => ({ a: t.agg_trade_id, p: String(t.price), q: String(t.quantity), f: t.first_trade_id, l: t.last_trade_id, T: t.trade_time, m: t.is_buyer_maker })),
    );
  }
  frames.sort((x, y) => x.time - y.time);
  snapshots.sort((x, y) => x.time - y.time);
  const streams = new Set(frames.map((f) => f.stream));
  const symbols = new Set<string>();
  for (const s of streams) symbols.add(s.slice(0, s.indexOf('@')).toUpperCase());
  for (const s of snapshots) symbols.add(s.symbol);
  for (const s of klines.keys()) symbols.add(s);
  for (const s of trades.keys()) symbols.add(s);
  if (symbols.size === 0) {
    throw new ScalplakeError('FORMAT_UNKNOWN', 'recordedMarket: no klines, aggTrades or capture frames found', {
      context: { options },
    });
  }
  let start = Number.POSITIVE_INFINITY;
  if (frames[0] !== undefined) start = Math.min(start, frames[0].time);
  if (snapshots[0] !== undefined) start = Math.min(start, snapshots[0].time);
  for (const k of klines.values()) start = Math.min(start, k.first);
  const firstFrameAfter = (t: number): number => {
    let lo = 0;
    let hi = frames.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (frames[mid]!.time <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const tradeIndex = (list: WireAggTrade[], key: (a: WireAggTrade) => number, v: number): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key(list[mid]!) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  return {
    symbols: [...symbols],
    start,
    seed: options.seed ?? 1,
    symbolInfo(symbol) {
      return {
        symbol,
        baseAsset: symbol.endsWith('USDT') ? symbol.slice(0, -4) : symbol.slice(0, 3),
        quoteAsset: symbol.endsWith('USDT') ? 'USDT' : symbol.slice(3),
        pricePrecision: 2,
        quantityPrecision: 3,
        tickSize: '0.10',
        stepSize: '0.001',
        onboardDate: start,
      };
    },
    kline(symbol, intervalMs, openTime, now) {
      const k = klines.get(symbol);
      if (k === undefined || k.intervalMs !== intervalMs) return null;
      const bar = k.byOpen.get(openTime);
      return bar !== undefined && bar[6] < now ? bar : null;
    },
    priceKline: () => null,
    aggTradeIdAt(symbol, time) {
      const list = trades.get(symbol) ?? [];
      const i = tradeIndex(list, (a) => a.T, time);
      return list[i]?.a ?? (list[list.length - 1]?.a ?? 0) + 1;
    },
    aggTradesFrom(symbol, fromId, limit, maxTime) {
      const list = trades.get(symbol) ?? [];
      const out: WireAggTrade[] = [];
      for (let i = tradeIndex(list, (a) => a.a, fromId); i < list.length && out.length < limit; i++) {
        if (list[i]!.T > maxTime) break;
        out.push(list[i]!);
      }
      return out;
    },
    firstAggTradeId: (symbol) => trades.get(symbol)?.[0]?.a ?? null,
    fundingRates: () => [],
    premiumIndex: () => null,
    depth(symbol, limit, now): WireDepth | null {
      const mine = snapshots.filter((s) => s.symbol === symbol);
      if (mine.length === 0) return null;
      let pick = mine[0]!;
      for (const s of mine) if (s.time <= now) pick = s;
      const d = JSON.parse(pick.text) as WireDepth;
      return { ...d, bids: d.bids.slice(0, limit), asks: d.asks.slice(0, limit) };
    },
    canonicalStream(stream) {
      if (streams.has(stream)) return stream;
      const p = parseStream(stream);
      return p !== null && streams.has(p.canonical) ? p.canonical : null;
    },
    frames(from, to, wanted, sink) {
      if (wanted.size === 0) return;
      for (let i = firstFrameAfter(from); i < frames.length; i++) {
        const f = frames[i]!;
        if (f.time > to) return;
        if (wanted.has(f.stream)) sink(f.time, f.stream, f.payload);
      }
    },
  };
}

function groupBySymbol<T extends { readonly symbol: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    let list = out.get(r.symbol);
    if (!list) out.set(r.symbol, (list = []));
    list.push(r);
  }
  return out;
}
