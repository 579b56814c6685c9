/**
 * Keeping a subset of the rows of a batch without losing where the kept rows came from.
 * @module
 */
import type { Batch, BatchOrigin, RejectedRow } from '../core/stage.js';

/**
 * Builds a new batch holding the rows of `batch` at the indices `kept` (in that order), with its origin narrowed
 * to those rows: `origin.lines` becomes the lines of the kept rows and `origin.rawText(j)` reads the raw text of
 * kept row `j`. `origin.rejects` (rows the reader could not parse) is carried over unchanged so that a later
 * `validate()` still quarantines them; pass `dropRejects` when they were already handled.
 *
 * Cost: one array of `kept.length` rows (plus one of lines when the origin has them); no per-row closure.
 *
 * @param batch - The input batch.
 * @param kept - 0-based indices into `batch` of the rows to keep, increasing.
 * @param dropRejects - Leave `origin.rejects` out of the new origin.
 * @returns The new batch; it has no origin when `batch` had none.
 * @example
 * ```ts
 * const input = withOrigin([{ id: 1 }, { id: 2 }, { id: 3 }], { source: 'a.csv', lines: [2, 3, 4] });
 * const out = selectRows(input, [0, 2]);
 * out.origin?.lines; // [2, 4]
 * ```
 */
export function selectRows<T>(batch: Batch<T>, kept: ArrayLike<number>, dropRejects = false): Batch<T> {
  const n = kept.length;
  const rows = new Array<T>(n);
  for (let j = 0; j < n; j++) rows[j] = batch[kept[j] as number] as T;
  const origin = batch.origin;
  if (origin === undefined) return rows;
  const out = rows as T[] & { origin?: BatchOrigin };
  out.origin = narrowOrigin(origin, kept, dropRejects);
  return out;
}

/**
 * Returns `batch` itself when its origin carries no `rejects`, else a copy of the rows whose origin leaves them out
 * (lines and raw text stay aligned). Used once the rejects have been routed to quarantine.
 *
 * @example
 * ```ts
 * const clean = withoutRejects(batch); // clean.origin?.rejects === undefined
 * ```
 */
export function withoutRejects<T>(batch: Batch<T>): Batch<T> {
  const origin = batch.origin;
  if (origin === undefined || origin.rejects === undefined) return batch;
  const out = batch.slice() as T[] & { origin?: BatchOrigin };
  out.origin = copyOrigin(origin);
  return out;
}

function narrowOrigin(origin: BatchOrigin, kept: ArrayLike<number>, dropRejects: boolean): BatchOrigin {
  const n = kept.length;
  const src = origin.source;
  const lines = origin.lines;
  let keptLines: number[] | undefined;
  if (lines !== undefined) {
    keptLines = new Array<number>(n);
    for (let j = 0; j < n; j++) keptLines[j] = lines[kept[j] as number] as number;
  }
  const raw = origin.rawText === undefined ? undefined : origin.rawText.bind(origin);
  const rejects: readonly RejectedRow[] | undefined = dropRejects ? undefined : origin.rejects;
  const out: { source: string; lines?: ArrayLike<number>; rawText?(index: number): string; rejects?: readonly RejectedRow[] } = {
    source: src,
  };
  if (keptLines !== undefined) out.lines = keptLines;
  if (raw !== undefined) {
    const index = Array.from(kept);
    out.rawText = (j: number) => raw(index[j] as number);
  }
  if (rejects !== undefined) out.rejects = rejects;
  return out;
}

function copyOrigin(origin: BatchOrigin): BatchOrigin {
  const out: { source: string; lines?: ArrayLike<number>; rawText?(index: number): string } = { source: origin.source };
  if (origin.lines !== undefined) out.lines = origin.lines;
  if (origin.rawText !== undefined) out.rawText = origin.rawText.bind(origin);
  return out;
}
