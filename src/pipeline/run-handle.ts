import { EventEmitter } from 'eventemitter3';
import { isScalplakeError, ScalplakeError } from '../core/errors.js';
import type { GapEvent, RunEventMap } from '../core/events.js';
import type { Batch, Operator, Sink, SinkReport, Source, StageContext } from '../core/stage.js';
import { emptyCounters } from './context.js';
import type { RunOptions } from './pipeline.js';
import type { RunReport, StageReport } from './run-report.js';

interface MutableStage {
  name: string;
  kind: StageReport['kind'];
  batches: number;
  rows: number;
  /** Time spent waiting for this stream's next batch: this stage and every stage before it. */
  cumulativeMs: number;
}

/**
 * A running pipeline: an event emitter (`progress`, `invalid`, `gap`, `flush`, `reconnect`) and a promise of its
 * report. Created by {@link RunnablePipeline.run}.
 */
export class RunHandle extends EventEmitter<RunEventMap> {
  /** Resolves with the report when the sink has written everything; rejects with the first stage error. */
  readonly done: Promise<RunReport>;
  readonly #controller = new AbortController();
  readonly #ctx: StageContext;
  readonly #stages: MutableStage[] = [];
  readonly #gaps: GapEvent[] = [];
  readonly #startedAt = Date.now();
  #lastProgress = 0;

  /** @internal */
  /** The pipeline's name. */
  readonly pipelineName: string;

  /** @internal */
  constructor(
    pipelineName: string,
    source: Source<unknown>,
    operators: readonly Operator<unknown, unknown>[],
    sink: Sink<unknown>,
    options: RunOptions,
  ) {
    super();
    this.pipelineName = pipelineName;
    const { signal } = options;
    if (signal) {
      if (signal.aborted) this.#controller.abort(signal.reason);
      else signal.addEventListener('abort', () => this.#controller.abort(signal.reason), { once: true });
    }
    this.#ctx = { signal: this.#controller.signal, events: this, counters: emptyCounters(), notes: new Map() };
    this.on('gap', (g) => this.#gaps.push(g));
    const progressEvery = options.progressIntervalMs ?? 500;
    // Start on the next microtask, so that listeners attached right after `run()` returns see every event, even
    // one a stage emits synchronously when it starts.
    this.done = Promise.resolve().then(() => this.#run(source, operators, sink, progressEvery));
    // The caller may only listen to events; the rejection is still delivered to whoever awaits `done`.
    this.done.catch(() => {});
  }

  /**
   * Stops the run: sources stop reading, the sink finishes what it holds.
   *
   * @example
   * ```ts
   * setTimeout(() => run.abort(), 5_000);
   * ```
   */
  abort(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  async #run(
    source: Source<unknown>,
    operators: readonly Operator<unknown, unknown>[],
    sink: Sink<unknown>,
    progressEvery: number,
  ): Promise<RunReport> {
    const ctx = this.#ctx;
    let sinkReport: SinkReport | undefined;
    try {
      // Aborted before any stage ran (a signal already aborted, or abort() right after run()): nothing is read or
      // written, and `done` rejects with ABORTED, as the built-in stages do when they start on an aborted signal.
      if (this.#controller.signal.aborted) throw this.#aborted(this.#controller.signal.reason);
      let stream = this.#count(source.read(ctx), this.#stage(source.name, 'source'), progressEvery, true);
      for (const op of operators) stream = this.#count(op.apply(stream, ctx), this.#stage(op.name, 'operator'), 0, false);
      const input = this.#count(stream, this.#stage(sink.name, 'sink'), 0, false);
      try {
        sinkReport = await sink.write(input, ctx);
      } catch (error) {
        await input.return(undefined).catch(() => {});
        throw error;
      }
      // A sink may stop pulling before the end without closing its input: close it, so that every stage
      // upstream (files, sockets) is released before the run settles.
      await input.return(undefined);
      return this.#report(this.#controller.signal.aborted ? 'aborted' : 'ok', sinkReport);
    } catch (error) {
      if (this.#controller.signal.aborted && !isScalplakeError(error)) throw this.#aborted(error);
      throw error;
    }
  }

  #aborted(cause: unknown): ScalplakeError {
    return new ScalplakeError('ABORTED', `Pipeline "${this.pipelineName}" was aborted`, {
      cause,
      context: { pipeline: this.pipelineName },
    });
  }

  #stage(name: string, kind: StageReport['kind']): MutableStage {
    const stage = { name, kind, batches: 0, rows: 0, cumulativeMs: 0 };
    this.#stages.push(stage);
    return stage;
  }

  async *#count(
    input: AsyncIterable<Batch<unknown>>,
    stage: MutableStage,
    progressEvery: number,
    isSource: boolean,
  ): AsyncGenerator<Batch<unknown>> {
    const counters = this.#ctx.counters;
    const it = input[Symbol.asyncIterator]();
    try {
      for (;;) {
        // An aborted run reads nothing more from its source (also when the abort came before its first batch).
        if (isSource && this.#ctx.signal.aborted) return;
        const t0 = performance.now();
        const next = await it.next();
        stage.cumulativeMs += performance.now() - t0;
        if (next.done) return;
        const batch = next.value;
        stage.batches++;
        stage.rows += batch.length;
        if (isSource) {
          counters.rowsIn += batch.length;
          // `progressIntervalMs: 0` means a progress event for every batch.
          const now = Date.now();
          if (now - this.#lastProgress >= progressEvery) {
            this.#lastProgress = now;
            this.emit('progress', { stage: stage.name, rows: stage.rows });
          }
        }
        yield batch;
      }
    } finally {
      await it.return?.();
    }
  }

  #report(status: RunReport['status'], sink: SinkReport | undefined): RunReport {
    const c = this.#ctx.counters;
    const finishedAt = Date.now();
    return {
      pipeline: this.pipelineName,
      status,
      startedAt: this.#startedAt,
      finishedAt,
      durationMs: finishedAt - this.#startedAt,
      rowsIn: c.rowsIn,
      rowsOut: sink?.rowsWritten ?? c.rowsOut,
      duplicates: c.duplicates,
      invalid: c.invalid,
      late: c.late,
      gaps: [...this.#gaps],
      filesWritten: sink?.filesWritten ?? [],
      unchanged: sink?.unchanged ?? 0,
      stages: this.#stages.map((s, i) => {
        // A stage's own time: the wait on its output minus the wait on its input (the sink: the rest of the run).
        const before = i === 0 ? 0 : this.#stages[i - 1]!.cumulativeMs;
        const own = s.kind === 'sink' ? finishedAt - this.#startedAt - s.cumulativeMs : s.cumulativeMs - before;
        return { name: s.name, kind: s.kind, batches: s.batches, rows: s.rows, durationMs: Math.max(0, Math.round(own)) };
      }),
      notes: Object.fromEntries(this.#ctx.notes),
    };
  }
}
