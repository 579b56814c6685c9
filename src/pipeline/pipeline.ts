/**
 * The immutable fluent pipeline builder: `pipeline(name).from(source).pipe(op).to(sink).run()`.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import type { Batch, Operator, Sink, Source } from '../core/stage.js';
import { RunHandle } from './run-handle.js';

/** A stage as the plan lists it. */
export interface PlanStage {
  /** `source`, `operator` or `sink`. */
  readonly kind: 'source' | 'operator' | 'sink';
  /** The stage's descriptive name. */
  readonly name: string;
}

/** The stages of a pipeline, in order, without running them. */
export interface PipelinePlan {
  /** The pipeline's name. */
  readonly name: string;
  /** The stages from source to sink. */
  readonly stages: readonly PlanStage[];
}

/** Options of {@link RunnablePipeline.run}. */
export interface RunOptions {
  /**
   * Aborts the run: the source is not read again, buffered rows already handed to the sink are flushed or discarded
   * by it. `done` then resolves with status `aborted` when every stage stops quietly, or rejects with `ABORTED` when
   * a stage throws on the abort (the built-in sources, operators and the silver sink check the signal and do) or
   * when the signal was aborted before the run started (nothing is read).
   */
  readonly signal?: AbortSignal;
  /** Minimum milliseconds between two `progress` events (default 500). */
  readonly progressIntervalMs?: number;
}

interface State {
  readonly name: string;
  readonly source?: Source<unknown>;
  readonly operators: readonly Operator<unknown, unknown>[];
  readonly sink?: Sink<unknown>;
}

/** A pipeline that has a name but no source yet. */
export interface EmptyPipeline {
  /**
   * Sets the source; the record type of the pipeline becomes the source's.
   *
   * @example
   * ```ts
   * const p = pipeline('import').from(csvFileSource('BTCUSDT-1m-2019-09.csv', { ingestedAt: Date.now() }));
   * ```
   */
  from<T>(source: Source<T>): Pipeline<T>;
}

/** A pipeline with a source and zero or more operators; `T` is the record type flowing at its end. */
export interface Pipeline<T> {
  /**
   * Appends an operator, returning a new pipeline whose record type is the operator's output.
   *
   * @example
   * ```ts
   * const p2 = p.pipe(validate('klines')).pipe(dedupe({ key: 'open_time' }));
   * ```
   */
  pipe<O>(op: Operator<T, O>): Pipeline<O>;
  /**
   * Applies `build` only when `condition` holds, keeping the record type; for optional stages.
   *
   * @example
   * ```ts
   * const p2 = p.$if(opts.dedupe, (q) => q.pipe(dedupe({ key: 'agg_trade_id' })));
   * ```
   */
  $if(condition: boolean, build: (p: Pipeline<T>) => Pipeline<T>): Pipeline<T>;
  /**
   * Ends the chain with a sink.
   *
   * @example
   * ```ts
   * const runnable = p.to(lake.silver('klines'));
   * ```
   */
  to(sink: Sink<T>): RunnablePipeline<T>;
  /**
   * Lists the stages without running anything.
   *
   * @example
   * ```ts
   * console.log(p.toPlan().stages.map((s) => s.name));
   * ```
   */
  toPlan(): PipelinePlan;
}

/** A complete pipeline, ready to run. */
export interface RunnablePipeline<T> {
  /** The record type entering the sink (type-level only). */
  readonly __type?: T;
  /**
   * Lists the stages without running anything.
   *
   * @example
   * ```ts
   * runnable.toPlan(); // { name: 'import', stages: [{ kind: 'source', … }, …, { kind: 'sink', … }] }
   * ```
   */
  toPlan(): PipelinePlan;
  /**
   * Starts the run and returns its handle at once; await `handle.done` for the report.
   *
   * @throws The returned `done` promise rejects with the first stage error (e.g. `CHECKSUM_MISMATCH`).
   * @example
   * ```ts
   * const run = runnable.run({ signal: AbortSignal.timeout(60_000) });
   * run.on('progress', (p) => console.log(p.stage, p.rows));
   * const report = await run.done;
   * ```
   */
  run(options?: RunOptions): RunHandle;
}

class Builder implements EmptyPipeline, Pipeline<unknown>, RunnablePipeline<unknown> {
  readonly #state: State;

  constructor(state: State) {
    this.#state = Object.freeze(state);
  }

  from<T>(source: Source<T>): Pipeline<T> {
    if (this.#state.source) throw invalid(this.#state.name, 'the pipeline already has a source');
    if (source?.kind !== 'source') throw invalid(this.#state.name, 'from() takes a Source');
    return new Builder({ ...this.#state, source: source as Source<unknown> }) as unknown as Pipeline<T>;
  }

  pipe<O>(op: Operator<unknown, O>): Pipeline<O> {
    if (op?.kind !== 'operator') throw invalid(this.#state.name, 'pipe() takes an Operator');
    return new Builder({
      ...this.#state,
      operators: [...this.#state.operators, op as Operator<unknown, unknown>],
    }) as unknown as Pipeline<O>;
  }

  $if(condition: boolean, build: (p: Pipeline<unknown>) => Pipeline<unknown>): Pipeline<unknown> {
    return condition ? build(this) : this;
  }

  to(sink: Sink<unknown>): RunnablePipeline<unknown> {
    if (!this.#state.source) throw invalid(this.#state.name, 'to() needs a source first: call from()');
    if (sink?.kind !== 'sink') throw invalid(this.#state.name, 'to() takes a Sink');
    return new Builder({ ...this.#state, sink });
  }

  toPlan(): PipelinePlan {
    const s = this.#state;
    const stages: PlanStage[] = [];
    if (s.source) stages.push({ kind: 'source', name: s.source.name });
    for (const op of s.operators) stages.push({ kind: 'operator', name: op.name });
    if (s.sink) stages.push({ kind: 'sink', name: s.sink.name });
    return { name: s.name, stages };
  }

  run(options: RunOptions = {}): RunHandle {
    const { source, sink } = this.#state;
    if (!source || !sink) throw invalid(this.#state.name, 'a pipeline needs a source and a sink to run');
    return new RunHandle(this.#state.name, source, this.#state.operators, sink, options);
  }
}

function invalid(name: string, why: string): ScalplakeError {
  return new ScalplakeError('PIPELINE_INVALID', `Pipeline "${name}": ${why}`, { context: { pipeline: name } });
}

/**
 * Starts an immutable pipeline builder. Every method returns a new builder, so partial pipelines can be reused.
 *
 * @example
 * ```ts
 * const report = await pipeline('btc-klines')
 *   .from(csvFileSource('BTCUSDT-1m-2019-09.csv', { ingestedAt: Date.now() }))
 *   .pipe(validate('klines'))
 *   .to(lake.silver('klines'))
 *   .run().done;
 * ```
 */
export function pipeline(name: string): EmptyPipeline {
  return new Builder({ name, operators: [] });
}

/** A batch type helper for users writing stages: the record type of a {@link Pipeline}. */
export type RecordOf<P> = P extends Pipeline<infer T> ? T : P extends Batch<infer U> ? U : never;
