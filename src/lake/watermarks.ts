/**
 * Watermarks read from the lake itself: the last value a symbol's silver table holds, for jobs that resume.
 * @module
 */
import type { RejectedRow } from '../core/stage.js';
import type { QuarantineRow, TableName, TableRows } from '../core/tables.js';
import type { Lake } from './lake.js';

/**
 * The largest value `pick` gives over the rows of the last partition of a symbol's silver table that has one
 * (`undefined` when the table is empty for the symbol, or `pick` returns no finite value for any row). Reads the
 * last partition, and earlier ones only while `pick` finds nothing in them (e.g. 1m klines when a later partition
 * holds only hourly klines).
 *
 * @throws `INVALID_SYMBOL`, `PARQUET_READ`.
 * @example
 * ```ts
 * const lastId = await lastSilverValue(lake, 'agg_trades', 'BTCUSDT', (r) => r.agg_trade_id);
 * ```
 */
export async function lastSilverValue<N extends TableName>(
  lake: Lake,
  table: N,
  symbol: string,
  pick: (row: TableRows[N]) => number,
): Promise<number | undefined> {
  const parts = await lake.partitions(table, symbol);
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    let max: number | undefined;
    for await (const batch of lake.readSilver(table, symbol, { from: p.start, to: p.end })) {
      for (const r of batch) {
        const v = pick(r);
        if (Number.isFinite(v) && (max === undefined || v > max)) max = v;
      }
    }
    if (max !== undefined) return max;
  }
  return undefined;
}

/**
 * Turns rejected rows into quarantine rows of a table, stamped now.
 *
 * @example
 * ```ts
 * await lake.quarantine('klines').append(toQuarantineRows('klines', rejected));
 * ```
 */
export function toQuarantineRows(table: string, rejected: readonly RejectedRow[]): QuarantineRow[] {
  const at = Date.now();
  return rejected.map((r) => ({ table, source: r.source, line: r.line, raw: r.raw, reason: r.reason, quarantined_at: at }));
}
