/**
 * A per-record transformation for users, run inside batches.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import type { BatchOrigin, Operator } from '../core/stage.js';
import { operator } from '../core/stage.js';

/**
 * Applies `fn` to every row of every batch (called with the row and its index in the batch) and yields the
 * results as batches of the same size, so the origin of each batch still applies and is carried over. `fn` should
 * return records of one shape, with fields created in the same order.
 *
 * State: none.
 *
 * @param fn - The per-row function.
 * @param name - The stage name in plans (default `map(<fn name>)`).
 * @throws `ABORTED` when `ctx.signal` aborts; whatever `fn` throws.
 * @example
 * ```ts
 * pipeline('mid')
 *   .from(source)
 *   .pipe(map((k: Kline) => ({ symbol: k.symbol, open_time: k.open_time, mid: (k.high + k.low) / 2 })));
 * ```
 */
export function map<I, O>(fn: (row: I, index: number) => O, name?: string): Operator<I, O> {
  return operator<I, O>(name ?? `map(${fn.name || 'fn'})`, async function* (input, ctx) {
    for await (const batch of input) {
      throwIfAborted(ctx.signal);
      const n = batch.length;
      const out = new Array<O>(n) as O[] & { origin?: BatchOrigin };
      for (let i = 0; i < n; i++) out[i] = fn(batch[i] as I, i);
      if (batch.origin !== undefined) out.origin = batch.origin;
      if (n > 0 || batch.origin?.rejects !== undefined) yield out;
    }
  });
}
