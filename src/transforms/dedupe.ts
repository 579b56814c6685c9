/**
 * Removing rows whose key was already seen, with a bounded memory of keys.
 * @module
 */
import { ScalplakeError, throwIfAborted } from '../core/errors.js';
import type { Batch, Operator } from '../core/stage.js';
import { operator } from '../core/stage.js';
import { NumberKeyWindow, ValueKeyWindow } from './key-window.js';
import { selectRows } from './select-rows.js';

/** Options of {@link dedupe}. */
export interface DedupeOptions {
  /** The key column, or the columns that together identify a row (e.g. `['symbol', 'agg_trade_id']`). */
  readonly key: string | readonly string[];
  /**
   * How many distinct keys are remembered (default 100 000): a row is a duplicate when its key is among the last
   * `window` distinct keys seen, counted in first-seen order. Memory is O(window).
   */
  readonly window?: number;
}

/** The default number of distinct keys {@link dedupe} remembers. */
export const DEFAULT_DEDUPE_WINDOW = 100_000;

const SEPARATOR = '\u0001';

/**
 * Drops rows whose key was seen among the last `window` distinct keys and keeps the first occurrence; the
 * dropped rows are counted in `ctx.counters.duplicates`. Keys are compared by value. A numeric key column
 * (e.g. `agg_trade_id`), or string columns plus one numeric column (e.g. `symbol, interval, open_time`: the
 * strings are interned), is held in a typed-array hash set, no string built per row; any other key is joined into
 * one string per row.
 *
 * State: the last `window` distinct keys (a hash set and a ring buffer for first-in-first-out eviction, about
 * 40 bytes per key in the numeric form), so a
 * duplicate that arrives more than `window` distinct keys after its first occurrence passes. Output batches keep
 * their origin aligned with the kept rows (and keep `origin.rejects` for a later `validate()`).
 *
 * @throws `INVALID_ARGUMENT` when `window` is not a positive integer, `key` is empty, or a row lacks a key column;
 * `ABORTED` when `ctx.signal` aborts.
 * @example
 * ```ts
 * pipeline('btc').from(source).pipe(dedupe({ key: 'agg_trade_id' })).to(sink);
 * dedupe({ key: ['symbol', 'interval', 'open_time'], window: 10_000 }).name;
 * // 'dedupe(symbol,interval,open_time; window 10000)'
 * ```
 */
export function dedupe<T>(options: DedupeOptions): Operator<T, T> {
  const columns = typeof options.key === 'string' ? [options.key] : [...options.key];
  const window = options.window ?? DEFAULT_DEDUPE_WINDOW;
  if (columns.length === 0) {
    throw new ScalplakeError('INVALID_ARGUMENT', 'dedupe: key must name at least one column', {
      context: { key: options.key },
    });
  }
  if (!Number.isSafeInteger(window) || window < 1) {
    throw new ScalplakeError('INVALID_ARGUMENT', `dedupe: window ${JSON.stringify(window)} is not a positive integer`, {
      context: { window },
    });
  }
  const name = `dedupe(${columns.join(',')}; window ${window})`;
  const single = columns.length === 1 ? (columns[0] as string) : null;

  return operator<T, T>(name, async function* (input, ctx) {
    const keys = new DedupeKeys(columns, single, window, name);
    for await (const batch of input) {
      throwIfAborted(ctx.signal);
      const n = batch.length;
      let kept: number[] | null = null;
      for (let i = 0; i < n; i++) {
        if (keys.add(batch[i] as Record<string, unknown>, batch, i)) {
          if (kept !== null) kept.push(i);
        } else if (kept === null) {
          kept = new Array<number>(i);
          for (let j = 0; j < i; j++) kept[j] = j;
        }
      }
      if (kept === null) {
        if (n > 0 || batch.origin?.rejects !== undefined) yield batch;
        continue;
      }
      ctx.counters.duplicates += n - kept.length;
      const out: Batch<T> = selectRows(batch, kept);
      if (out.length > 0 || out.origin?.rejects !== undefined) yield out;
    }
  });
}

/** The most distinct string prefixes (e.g. symbols) interned before composite keys fall back to strings. */
const MAX_GROUPS = 65_536;

/**
 * The keys seen by one run of {@link dedupe}. Starts in the numeric mode (a {@link NumberKeyWindow}: a single
 * numeric column, or string columns plus one numeric column whose strings are interned to a small group id) and
 * falls back, keeping the remembered keys and their order, to a {@link ValueKeyWindow} of values or joined strings
 * when a row does not fit (a non-number id, a non-string symbol, too many distinct prefixes).
 */
class DedupeKeys {
  private numeric: NumberKeyWindow | null;
  private generic: ValueKeyWindow | null = null;
  /** Composite keys: the index of the numeric column, -1 when the key is joined as a whole; undefined until the first row. */
  private numericIndex: number | undefined;
  private readonly groupIds = new Map<string, number>();
  private readonly groupNames: string[] = [];
  private lastPrefix: string | undefined;
  private lastGroup = 0;

  constructor(
    private readonly columns: readonly string[],
    private readonly single: string | null,
    private readonly window: number,
    private readonly stage: string,
  ) {
    this.numeric = new NumberKeyWindow(window);
    if (single !== null) this.numericIndex = 0;
  }

  /** Remembers the key of `row`; `false` when it was already among the remembered keys. */
  add(row: Record<string, unknown>, batch: Batch<unknown>, i: number): boolean {
    const single = this.single;
    if (single !== null) {
      const v = row[single];
      if (v === undefined) throw missingKey(this.stage, single, batch, i);
      if (this.numeric !== null) {
        if (typeof v === 'number' && v - v === 0) return this.numeric.add(0, v);
        this.toGeneric();
      }
      return (this.generic as ValueKeyWindow).add(v);
    }
    const columns = this.columns;
    if (this.numericIndex === undefined) this.numericIndex = detectNumericColumn(row, columns);
    const ni = this.numericIndex;
    if (this.numeric !== null) {
      if (ni < 0) {
        this.toGeneric();
      } else {
        const prefix = this.prefixOf(row, ni, batch, i, true);
        const v = row[columns[ni] as string];
        if (prefix !== null && typeof v === 'number' && v - v === 0) {
          let group = this.lastGroup;
          if (prefix !== this.lastPrefix) {
            const known = this.groupIds.get(prefix);
            if (known !== undefined) {
              group = known;
            } else if (this.groupNames.length < MAX_GROUPS) {
              group = this.groupNames.length;
              this.groupIds.set(prefix, group);
              this.groupNames.push(prefix);
            } else {
              group = -1;
            }
            this.lastPrefix = prefix;
            this.lastGroup = group;
          }
          if (group >= 0) return this.numeric.add(group, v);
        }
        this.toGeneric();
      }
    }
    return (this.generic as ValueKeyWindow).add(this.stringKey(row, ni, batch, i));
  }

  /** The non-numeric columns joined (strings only when `strict`; `null` when one is not a string). */
  private prefixOf(row: Record<string, unknown>, ni: number, batch: Batch<unknown>, i: number, strict: boolean): string | null {
    const columns = this.columns;
    let prefix: string | undefined;
    for (let c = 0; c < columns.length; c++) {
      if (c === ni) continue;
      const col = columns[c] as string;
      const v = row[col];
      if (v === undefined) throw missingKey(this.stage, col, batch, i);
      if (strict && typeof v !== 'string') return null;
      prefix = prefix === undefined ? String(v) : prefix + SEPARATOR + String(v);
    }
    return prefix ?? '';
  }

  private stringKey(row: Record<string, unknown>, ni: number, batch: Batch<unknown>, i: number): string {
    if (ni < 0) return compositeKey(row, this.columns, this.stage, batch, i);
    const col = this.columns[ni] as string;
    const v = row[col];
    if (v === undefined) throw missingKey(this.stage, col, batch, i);
    return (this.prefixOf(row, ni, batch, i, false) as string) + SEPARATOR + String(v);
  }

  /** Moves the remembered keys, oldest first, to a {@link ValueKeyWindow} in the form {@link stringKey} builds. */
  private toGeneric(): void {
    const generic = new ValueKeyWindow(this.window);
    const names = this.groupNames;
    const single = this.single !== null;
    this.numeric?.forEachOldestFirst((group, value) => {
      generic.add(single ? value : (names[group] as string) + SEPARATOR + String(value));
    });
    this.numeric = null;
    this.generic = generic;
  }
}

/** The index of the only numeric column when all the others hold strings, else -1. */
function detectNumericColumn(row: Record<string, unknown>, columns: readonly string[]): number {
  let found = -1;
  for (let c = 0; c < columns.length; c++) {
    const v = row[columns[c] as string];
    if (typeof v === 'number') {
      if (found >= 0) return -1;
      found = c;
    } else if (typeof v !== 'string') {
      return -1;
    }
  }
  return found;
}

function compositeKey(
  row: Record<string, unknown>,
  columns: readonly string[],
  name: string,
  batch: Batch<unknown>,
  i: number,
): string {
  const c0 = columns[0] as string;
  const v0 = row[c0];
  if (v0 === undefined) throw missingKey(name, c0, batch, i);
  let key = String(v0);
  for (let c = 1; c < columns.length; c++) {
    const col = columns[c] as string;
    const v = row[col];
    if (v === undefined) throw missingKey(name, col, batch, i);
    key += SEPARATOR + String(v);
  }
  return key;
}

function missingKey(name: string, column: string, batch: Batch<unknown>, i: number): ScalplakeError {
  const source = batch.origin?.source;
  const line = batch.origin?.lines?.[i];
  const at = source === undefined ? `row ${i} of the batch` : line === undefined ? source : `${source}:${line}`;
  return new ScalplakeError('INVALID_ARGUMENT', `${name}: key column ${JSON.stringify(column)} is missing at ${at}`, {
    context: { column, ...(source === undefined ? {} : { source }), ...(line === undefined ? {} : { line }) },
  });
}
