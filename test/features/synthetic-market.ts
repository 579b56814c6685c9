/**
 * A seeded synthetic market for the feature tests and the gold benchmark: one symbol's klines, aggregate trades,
 * book snapshots, mark prices and funding settlements, mutually consistent (klines are aggregated from the
 * trades here, independently of src/features/trade-bars.ts). Streams are regenerated lazily, so a year fits in
 * little memory.
 */
import { columnsOf, type TableSchema } from '../../src/core/schema.js';
import type { Batch } from '../../src/core/stage.js';
import { AggTrade, BookDepth, FundingRate, Kline, MarkPrice } from '../../src/core/tables.js';
import { compileRowPacker, type PackedRows } from '../../src/sinks/row-packer.js';

/** Options of the synthetic market. */
export interface SyntheticOptions {
  readonly seed: number;
  readonly start: number; // UTC ms, a whole minute
  readonly minutes: number;
  readonly symbol?: string;
  readonly tradesPerMinute?: number; // mean; actual minTrades..2·mean
  readonly minTradesPerMinute?: number;
  readonly booksPerMinute?: number;
  readonly marksPerMinute?: number;
  /** Minute indices without a kline (a gap). */
  readonly klineGaps?: ReadonlySet<number>;
  /** Minute indices without trades (the kline says 0 trades). */
  readonly emptyMinutes?: ReadonlySet<number>;
  /** Minute indices whose trades are dropped from the trade stream (the kline keeps them). */
  readonly droppedTradeMinutes?: ReadonlySet<number>;
  readonly batchMinutes?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** One generated minute. */
export interface SyntheticMinute {
  readonly index: number;
  readonly openTime: number;
  readonly trades: AggTrade[];
  readonly kline: Kline;
  readonly books: BookDepth[];
  readonly marks: MarkPrice[];
  readonly funding: FundingRate | null;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

// Book rows are built by one generated object literal (fast-mode objects with every field in the same order), as a
// good silver reader would; 86 fields added one by one with computed keys would give slow dictionary-mode objects.
const LEVEL_FIELDS: string[] = [];
for (const side of ['bid', 'ask']) for (const what of ['price', 'qty']) for (let i = 1; i <= 20; i++) LEVEL_FIELDS.push(`${side}_${what}_${i}`);
const bookLiteral = new Function(
  'symbol',
  't',
  'id',
  'v',
  `return { symbol: symbol, event_time: t, transaction_time: t - 2, final_update_id: id, ${LEVEL_FIELDS.map((f, i) => `${f}: v[${i}]`).join(', ')}, source: 'replay', ingested_at: 0 };`,
) as (symbol: string, t: number, id: number, v: Float64Array) => BookDepth;

/** Overwrites the time, id and levels of a book made by {@link bookLiteral} (the same fields, no new object). */
const bookRefill = new Function(
  'b',
  't',
  'id',
  'v',
  `b.event_time = t; b.transaction_time = t - 2; b.final_update_id = id; ${LEVEL_FIELDS.map((f, i) => `b.${f} = v[${i}];`).join(' ')}`,
) as (b: BookDepth, t: number, id: number, v: Float64Array) => void;

/** The 80 level values of a book around `mid`, in {@link LEVEL_FIELDS} order, into `v`. */
function bookLevels(v: Float64Array, mid: number, r: () => number): Float64Array {
  let j = 0;
  for (const side of ['bid', 'ask'] as const) {
    for (let i = 1; i <= 20; i++) v[j++] = round(side === 'bid' ? mid - 0.05 - (i - 1) * 0.1 : mid + 0.05 + (i - 1) * 0.1, 2);
    for (let i = 1; i <= 20; i++) v[j++] = round(0.001 + r() * 3, 3);
  }
  return v;
}

/**
 * Walks the market minute by minute (deterministic for a seed). With `reuseBooks`, the book records of a minute are
 * overwritten by the next minute's (valid until the next step): for a consumer that packs them at once, the
 * generator then makes no book garbage, ~3/4 of what it allocates otherwise (a year of books is 2 GB of records).
 */
export function* syntheticMinutes(o: SyntheticOptions, reuseBooks = false): Generator<SyntheticMinute> {
  const levels = new Float64Array(80);
  const bookPool: BookDepth[] = [];
  const symbol = o.symbol ?? 'BTCUSDT';
  const tpm = o.tradesPerMinute ?? 4;
  const bpm = o.booksPerMinute ?? 2;
  const mpm = o.marksPerMinute ?? 1;
  let price = 40000;
  let aggId = 1000;
  let tradeId = 50000;
  let updateId = 1;
  let prevClose = price;
  for (let i = 0; i < o.minutes; i++) {
    const r = mulberry32((o.seed * 1000003 + i) | 0);
    const openTime = o.start + i * 60_000;
    const n = o.emptyMinutes?.has(i) ? 0 : Math.max(o.minTradesPerMinute ?? 0, Math.floor(r() * (2 * tpm + 1)));
    const times: number[] = [];
    for (let k = 0; k < n; k++) times.push(Math.floor(r() * 60_000));
    times.sort((a, b) => a - b);
    const trades: AggTrade[] = [];
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    let vol = 0;
    let qv = 0;
    let cnt = 0;
    let tb = 0;
    let tbq = 0;
    for (let k = 0; k < n; k++) {
      price *= Math.exp(0.0004 * gauss(r));
      const p = round(price, 1);
      const q = round(Math.max(0.001, Math.exp(-3 + 1.2 * gauss(r))), 3);
      const extra = Math.floor(r() * 4);
      const m = r() < 0.5;
      trades.push({
        symbol,
        agg_trade_id: aggId++,
        price: p,
        quantity: q,
        first_trade_id: tradeId,
        last_trade_id: tradeId + extra,
        trade_time: openTime + times[k]!,
        is_buyer_maker: m,
        source: 'replay',
        ingested_at: 0,
      });
      tradeId += extra + 1;
      if (p > high) high = p;
      if (p < low) low = p;
      vol += q;
      qv += p * q;
      cnt += extra + 1;
      if (!m) {
        tb += q;
        tbq += p * q;
      }
    }
    const open = n > 0 ? trades[0]!.price : prevClose;
    const close = n > 0 ? trades[n - 1]!.price : prevClose;
    const kline: Kline = {
      symbol,
      interval: '1m',
      open_time: openTime,
      close_time: openTime + 59_999,
      open,
      high: n > 0 ? high : prevClose,
      low: n > 0 ? low : prevClose,
      close,
      volume: vol,
      quote_volume: qv,
      trade_count: cnt,
      taker_buy_volume: tb,
      taker_buy_quote_volume: tbq,
      source: 'replay',
      ingested_at: 0,
    };
    prevClose = close;
    const books: BookDepth[] = [];
    for (let k = 0; k < bpm; k++) {
      const t = openTime + Math.floor(((k + 0.5) * 60_000) / bpm);
      const v = bookLevels(levels, round(price, 1), r);
      const id = updateId++;
      if (!reuseBooks) books.push(bookLiteral(symbol, t, id, v));
      else {
        if (bookPool.length <= k) bookPool.push(bookLiteral(symbol, t, id, v));
        else bookRefill(bookPool[k]!, t, id, v);
        books.push(bookPool[k]!);
      }
    }
    const nextFunding = Math.floor(openTime / 28_800_000) * 28_800_000 + 28_800_000;
    const marks: MarkPrice[] = [];
    for (let k = 0; k < mpm; k++) {
      marks.push({
        symbol,
        event_time: openTime + Math.floor(((k + 0.7) * 60_000) / mpm),
        mark_price: round(price * (1 + 0.0002 * gauss(r)), 2),
        index_price: round(price * (1 + 0.0002 * gauss(r)), 2),
        estimated_settle_price: null,
        funding_rate: 0.0001,
        next_funding_time: nextFunding,
        source: 'replay',
        ingested_at: 0,
      });
    }
    const funding: FundingRate | null =
      openTime % 28_800_000 === 0
        ? { symbol, funding_time: openTime + 3, funding_rate: round(0.0001 + 0.0001 * gauss(r), 8), mark_price: null, funding_interval_hours: 8, source: 'replay', ingested_at: 0 }
        : null;
    yield { index: i, openTime, trades, kline, books, marks, funding };
  }
}

type Kind = 'klines' | 'aggTrades' | 'bookDepth' | 'markPrices' | 'fundingRates';
interface Rows {
  klines: Kline;
  aggTrades: AggTrade;
  bookDepth: BookDepth;
  markPrices: MarkPrice;
  fundingRates: FundingRate;
}
const SCHEMAS: Record<Kind, TableSchema> = { klines: Kline, aggTrades: AggTrade, bookDepth: BookDepth, markPrices: MarkPrice, fundingRates: FundingRate };
const KINDS = Object.keys(SCHEMAS) as Kind[];

/**
 * The market's streams as async iterables of batches (one batch per `batchMinutes`). The minutes are generated
 * once and shared by the five streams: a chunk is kept until every stream has taken it (bounded memory as long as
 * the consumer reads the streams roughly in step, as the gold builder does).
 */
export function syntheticSources(o: SyntheticOptions) {
  return chunkedStreams(o, () => ({
    create: (): unknown[] => [],
    push: (into: unknown[], row: unknown) => void into.push(row),
    size: (b: unknown[]) => b.length,
  })) as { [K in Kind]: () => AsyncGenerator<Batch<Rows[K]>> };
}

/**
 * {@link syntheticSources} as column batches (`PackedRows` aligned with `columnsOf(schema)`, what
 * `lake.readSilverColumns` yields). Each row is packed as soon as it is generated, so the records die young, as a
 * column reader's would never exist.
 */
export function syntheticColumnSources(o: SyntheticOptions) {
  return chunkedStreams(o, (kind) => {
    const packer = compileRowPacker(columnsOf(SCHEMAS[kind]));
    return { create: () => packer.create(), push: (into: PackedRows, row: unknown) => packer.push(into, row), size: (b: PackedRows) => b.n };
  }, true) as { [K in Kind]: () => AsyncGenerator<PackedRows> };
}

interface BatchMaker<B> {
  create(): B;
  push(into: B, row: unknown): void;
  size(b: B): number;
}

function chunkedStreams<B>(o: SyntheticOptions, maker: (kind: Kind) => BatchMaker<B>, packs = false) {
  const per = o.batchMinutes ?? 1440;
  // A maker that packs its rows copies them at once: the generator may then reuse its book records.
  const gen = syntheticMinutes(o, packs);
  const makers = Object.fromEntries(KINDS.map((k) => [k, maker(k)])) as Record<Kind, BatchMaker<B>>;
  const chunks = new Map<number, { batches: Record<Kind, B>; takers: number }>();
  let made = 0;
  let ended = false;
  const make = (): boolean => {
    if (ended) return false;
    const b = Object.fromEntries(KINDS.map((k) => [k, makers[k].create()])) as Record<Kind, B>;
    const add = (k: Kind, row: unknown) => makers[k].push(b[k], row);
    for (let k = 0; k < per; k++) {
      const r = gen.next();
      if (r.done) {
        ended = true;
        break;
      }
      const m = r.value;
      if (!o.klineGaps?.has(m.index)) add('klines', m.kline);
      if (!o.droppedTradeMinutes?.has(m.index)) for (const t of m.trades) add('aggTrades', t);
      for (const x of m.books) add('bookDepth', x);
      for (const x of m.marks) add('markPrices', x);
      if (m.funding) add('fundingRates', m.funding);
    }
    chunks.set(made++, { batches: b, takers: 0 });
    return true;
  };
  async function* stream(kind: Kind): AsyncGenerator<B> {
    for (let i = 0; ; i++) {
      while (made <= i) if (!make()) return;
      const c = chunks.get(i)!;
      if (++c.takers === KINDS.length) chunks.delete(i);
      const batch = c.batches[kind];
      if (makers[kind].size(batch) > 0) yield batch;
    }
  }
  return Object.fromEntries(KINDS.map((k) => [k, () => stream(k)]));
}

/** All streams as arrays (small markets only). */
export function syntheticArrays(o: SyntheticOptions) {
  const klines: Kline[] = [];
  const aggTrades: AggTrade[] = [];
  const bookDepth: BookDepth[] = [];
  const markPrices: MarkPrice[] = [];
  const fundingRates: FundingRate[] = [];
  for (const m of syntheticMinutes(o)) {
    if (!o.klineGaps?.has(m.index)) klines.push(m.kline);
    if (!o.droppedTradeMinutes?.has(m.index)) aggTrades.push(...m.trades);
    bookDepth.push(...m.books);
    markPrices.push(...m.marks);
    if (m.funding) fundingRates.push(m.funding);
  }
  return { klines, aggTrades, bookDepth, markPrices, fundingRates };
}

/** Wraps an array as a one-or-more-batch async iterable. */
export async function* batches<T>(rows: readonly T[], size = 1000): AsyncGenerator<Batch<T>> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/** Packs each batch of records into columns aligned with `columnsOf(schema)` (what `lake.readSilverColumns` yields). */
export async function* columnBatches<T>(src: AsyncIterable<Batch<T>>, schema: TableSchema): AsyncGenerator<PackedRows> {
  const packer = compileRowPacker(columnsOf(schema));
  for await (const rows of src) {
    const p = packer.create(rows.length);
    for (const r of rows) packer.push(p, r);
    yield p;
  }
}
