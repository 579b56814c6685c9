import type { GapEvent } from '../core/events.js';
import type { RunnablePipeline } from './pipeline.js';

/** What one stage did in a run. */
export interface StageReport {
  /** The stage's name. */
  readonly name: string;
  /** `source`, `operator` or `sink`. */
  readonly kind: 'source' | 'operator' | 'sink';
  /** Batches the stage emitted (sinks: consumed). */
  readonly batches: number;
  /** Rows the stage emitted (sinks: consumed). */
  readonly rows: number;
  /** Wall time spent in this stage itself (ms): waiting on its output minus waiting on its input. */
  readonly durationMs: number;
}

/** The summary of a finished run. */
export interface RunReport {
  /** The pipeline's name. */
  readonly pipeline: string;
  /**
   * `ok`, or `aborted` (the signal fired and the stages stopped without throwing). `failed` is not produced by
   * {@link RunnablePipeline.run}: an error, `ABORTED` included, rejects `done` instead of producing a report.
   */
  readonly status: 'ok' | 'failed' | 'aborted';
  /** Start of the run (UTC ms). */
  readonly startedAt: number;
  /** End of the run (UTC ms). */
  readonly finishedAt: number;
  /** Wall time in milliseconds. */
  readonly durationMs: number;
  /** Records the source produced (rows its reader could not turn into records are counted in `invalid` only). */
  readonly rowsIn: number;
  /** Rows the sink wrote: new or changed rows (rows identical to what the lake held are counted in `unchanged`). */
  readonly rowsOut: number;
  /** Rows removed as duplicates. */
  readonly duplicates: number;
  /** Rows rejected by validation or by the reader. */
  readonly invalid: number;
  /** Rows that arrived later than a reorder window allowed (kept). */
  readonly late: number;
  /** Gaps found while the data flowed. */
  readonly gaps: readonly GapEvent[];
  /** Object keys the sink wrote. */
  readonly filesWritten: readonly string[];
  /** Rows that were already in the lake, identical. */
  readonly unchanged: number;
  /** Per-stage row counts, in pipeline order. */
  readonly stages: readonly StageReport[];
  /** What stages published for the report (detected formats, symbols), by stage name. */
  readonly notes: Readonly<Record<string, unknown>>;
  /** The error message when `status` is `failed`. */
  readonly error?: string;
}
