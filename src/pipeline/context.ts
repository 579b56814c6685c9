import { createRunEvents, type RunEvents } from '../core/events.js';
import type { RunCounters, StageContext } from '../core/stage.js';

/** Options of {@link createStageContext}. */
export interface StageContextOptions {
  /** Aborts the stages. */
  readonly signal?: AbortSignal;
  /** An existing emitter to report on (a run handle's); a new one when absent. */
  readonly events?: RunEvents;
}

/**
 * Creates the context stages run with, for calling sources, operators and sinks directly with `for await`
 * instead of through {@link pipeline}.
 *
 * @example
 * ```ts
 * const ctx = createStageContext({ signal: AbortSignal.timeout(10_000) });
 * for await (const batch of mySource.read(ctx)) console.log(batch.length);
 * ```
 */
export function createStageContext(options: StageContextOptions = {}): StageContext {
  return {
    signal: options.signal ?? new AbortController().signal,
    events: options.events ?? createRunEvents(),
    counters: emptyCounters(),
    notes: new Map(),
  };
}

/** A zeroed {@link RunCounters}. */
export function emptyCounters(): RunCounters {
  return { rowsIn: 0, rowsOut: 0, duplicates: 0, invalid: 0, late: 0 };
}
