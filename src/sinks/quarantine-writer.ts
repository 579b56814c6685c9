/**
 * The quarantine writer: rejected rows with their reason, as gzip JSON lines under
 * `quarantine/<table>/date=<YYYY-MM-DD of quarantined_at>/<runId>-<n>.jsonl.gz`.
 * @module
 */
import type { QuarantineRow } from '../core/tables.js';
import { utcDate } from '../core/time.js';
import { assertSegment, quarantineKey } from '../lake/layout.js';
import { type JsonlWriter, jsonlWriter } from './jsonl-writer.js';
import type { ObjectStore } from './object-store.js';

/** Options of {@link quarantineWriter}. */
export interface QuarantineWriterOptions {
  /** The run id in object names (letters, digits, `_`, `.`, `-`). */
  readonly runId: string;
  /** Rows buffered before flushing by itself; default 10 000. */
  readonly maxBufferedRows?: number;
}

/**
 * Creates the writer of a table's quarantine. Each line is one {@link QuarantineRow} (`table`, `source`, `line`,
 * `raw`, `reason`, `quarantined_at` in UTC ms); objects are only ever added.
 *
 * @throws `INVALID_ARGUMENT` for an unsafe table name or run id; `SINK_WRITE` when a write fails.
 * @example
 * ```ts
 * const q = quarantineWriter(store, 'klines', { runId: 'run-1' });
 * await q.append([{ table: 'klines', source: 'a.csv', line: 7, raw: 'x,y', reason: 'bad open', quarantined_at: Date.now() }]);
 * await q.close();
 * ```
 */
export function quarantineWriter(store: ObjectStore, table: string, options: QuarantineWriterOptions): JsonlWriter<QuarantineRow> {
  assertSegment(table, 'table');
  assertSegment(options.runId, 'runId');
  return jsonlWriter<QuarantineRow>(store, {
    group: (r) => utcDate(r.quarantined_at),
    objectKey: (date, n) => quarantineKey(table, date, options.runId, n),
    line: (r) => ({ table: r.table, source: r.source, line: r.line, raw: r.raw, reason: r.reason, quarantined_at: r.quarantined_at }),
    ...(options.maxBufferedRows === undefined ? {} : { maxBufferedRows: options.maxBufferedRows }),
  });
}
