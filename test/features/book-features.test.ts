import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnsOf } from '../../src/core/schema.js';
import { BookDepth } from '../../src/core/tables.js';
import { BookBatchSummaries, BookSums, bookImbalance, bookSummary, bookSummaryAt } from '../../src/features/book-features.js';
import { compileRowPacker } from '../../src/sinks/row-packer.js';
import { syntheticArrays } from './synthetic-market.js';

const FIELDS = ['best_bid_price', 'best_ask_price', 'best_bid_qty', 'best_ask_qty', 'bid_qty_5', 'ask_qty_5', 'bid_qty_20', 'ask_qty_20', 'bid_notional_20', 'ask_notional_20'] as const;
const LEVELS = columnsOf(BookDepth)
  .map((c) => c.name)
  .filter((n) => /^(bid|ask)_(price|qty)_\d+$/.test(n));
const books = syntheticArrays({ seed: 11, start: Date.UTC(2024, 3, 1), minutes: 40, booksPerMinute: 3, tradesPerMinute: 1 }).bookDepth;

describe('book summaries', () => {
  it('are the same bits from a record, from a column row and from a column batch, with levels missing at random', () => {
    const packer = compileRowPacker(columnsOf(BookDepth));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: LEVELS.length - 1 }), { maxLength: 200 }), fc.integer({ min: 1, max: books.length }), (holes, n) => {
        // Thin books: a level's price or quantity null (the side's best level included), anywhere in the batch.
        const rows = books.slice(0, n).map((b) => ({ ...b }) as Record<string, unknown>);
        holes.forEach((h, j) => {
          rows[(j * 7) % n]![LEVELS[h]!] = null;
        });
        const p = packer.create(n);
        for (const r of rows) packer.push(p, r);
        const batch = new BookBatchSummaries(p);
        for (let i = 0; i < n; i++) {
          const record = rows[i] as unknown as BookDepth;
          const want = bookSummary(record);
          const fromRow = bookSummaryAt(p, i);
          const fromBatch = batch.summary(i, new BookSums());
          const t = record.event_time;
          const lastOfMinute = i === n - 1 || Math.floor(books[i + 1]!.event_time / 60_000) !== Math.floor(t / 60_000);
          expect(fromBatch === null).toBe(!lastOfMinute);
          for (const f of FIELDS) {
            expect(Object.is(fromRow[f], want[f]), f).toBe(true);
            if (fromBatch !== null) expect(Object.is(fromBatch[f], want[f]), f).toBe(true);
          }
          const imb = bookImbalance(record, 5);
          expect(Object.is(batch.imbalance5[i], imb ?? Number.NaN)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('find a single null level in any row of a batch, whatever its length and the alignment of its masks', () => {
    const packer = compileRowPacker(columnsOf(BookDepth));
    // One snapshot a minute, so that every row is the last of its minute and is summed.
    const perMinute = books.filter((b, i) => i === books.length - 1 || Math.floor(books[i + 1]!.event_time / 60_000) !== Math.floor(b.event_time / 60_000));
    for (const level of ['bid_qty_1', 'ask_price_12', 'ask_qty_3']) {
      for (let n = 1; n <= 19; n++) {
        for (let r = 0; r < n; r++) {
          const rows = perMinute.slice(0, n).map((b, i) => ({ ...b, [level]: i === r ? null : (b as unknown as Record<string, unknown>)[level] }));
          const p = packer.create(n + (n % 3)); // spare capacity: the masks start at offsets that are not multiples of 8
          for (const row of rows) packer.push(p, row);
          // The value under a null is unspecified (a reader may leave anything there): make it one that would show.
          (p.cols[columnsOf(BookDepth).findIndex((c) => c.name === level)] as Float64Array)[r] = 1e9;
          const batch = new BookBatchSummaries(p);
          for (let i = 0; i < n; i++) {
            const want = bookSummary(rows[i] as unknown as BookDepth);
            const got = batch.summary(i, new BookSums())!;
            for (const f of FIELDS) expect(Object.is(got[f], want[f]), `${level} null in row ${r} of ${n}: ${f} of row ${i}`).toBe(true);
          }
        }
      }
    }
  });

  it('sum the levels in order, count a missing quantity as 0 and a missing price as no notional', () => {
    const b = { ...books[0]! } as Record<string, unknown>;
    for (let l = 1; l <= 20; l++) {
      b[`bid_qty_${l}`] = l;
      b[`bid_price_${l}`] = 100 - l;
      b[`ask_qty_${l}`] = l === 3 ? null : 2;
      b[`ask_price_${l}`] = l === 4 ? null : 100 + l;
    }
    b.bid_price_1 = null;
    const u = bookSummary(b as unknown as BookDepth);
    expect(u.best_bid_price).toBeNaN();
    expect(u.best_ask_price).toBe(101);
    expect([u.best_bid_qty, u.best_ask_qty]).toEqual([1, 2]);
    expect([u.bid_qty_5, u.ask_qty_5, u.bid_qty_20, u.ask_qty_20]).toEqual([15, 8, 210, 38]);
    let bidUsd = 0;
    for (let l = 2; l <= 20; l++) bidUsd += (100 - l) * l;
    let askUsd = 0;
    for (let l = 1; l <= 20; l++) if (l !== 3 && l !== 4) askUsd += (100 + l) * 2;
    expect(u.bid_notional_20).toBe(bidUsd);
    expect(u.ask_notional_20).toBe(askUsd);
  });
});
