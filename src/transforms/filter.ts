/**
 * A per-record predicate for users, run inside batches.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import type { Batch, Operator } from '../core/stage.js';
import { operator } from '../core/stage.js';
import { selectRows } from './select-rows.js';

/**
 * Keeps the rows for which `pred` returns `true` (called with the row and its index in the batch). Kept rows
 * keep their origin (lines and raw text re-aligned; `origin.rejects` carried over for a later `validate()`); a
 * batch whose rows are all kept is passed as is. Removed rows are not counted: filtering is the user's intent.
 *
 * State: none.
 *
 * @param pred - The per-row predicate; a type guard narrows the output type.
 * @param name - The stage name in plans (default `filter(<pred name>)`).
 * @throws `ABORTED` when `ctx.signal` aborts; whatever `pred` throws.
 * @example
 * ```ts
 * pipeline('busy').from(source).pipe(filter((k: Kline) => k.volume > 0, 'nonzero volume'));
 * ```
 */
export function filter<T, S extends T>(pred: (row: T, index: number) => row is S, name?: string): Operator<T, S>;
export function filter<T>(pred: (row: T, index: number) => boolean, name?: string): Operator<T, T>;
export function filter<T>(pred: (row: T, index: number) => boolean, name?: string): Operator<T, T> {
  return operator<T, T>(name ?? `filter(${pred.name || 'pred'})`, async function* (input, ctx) {
    for await (const batch of input) {
      throwIfAborted(ctx.signal);
      const n = batch.length;
      let kept: number[] | null = null;
      for (let i = 0; i < n; i++) {
        if (pred(batch[i] as T, i)) {
          if (kept !== null) kept.push(i);
        } else if (kept === null) {
          kept = new Array<number>(i);
          for (let j = 0; j < i; j++) kept[j] = j;
        }
      }
      const out: Batch<T> = kept === null ? batch : selectRows(batch, kept);
      if (out.length > 0 || out.origin?.rejects !== undefined) yield out;
    }
  });
}
