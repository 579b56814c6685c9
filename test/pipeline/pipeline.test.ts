import { describe, expect, expectTypeOf, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import type { ProgressEvent } from '../../src/core/events.js';
import type { Batch, Sink, SinkReport } from '../../src/core/stage.js';
import { operator, source } from '../../src/core/stage.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import type { RunHandle } from '../../src/pipeline/run-handle.js';

function numbers(n: number, batchSize: number) {
  return source<{ n: number }>('numbers', async function* (ctx) {
    for (let i = 0; i < n; i += batchSize) {
      if (ctx.signal.aborted) return;
      const b: { n: number }[] = [];
      for (let j = i; j < Math.min(n, i + batchSize); j++) b.push({ n: j });
      yield b;
      await new Promise((r) => setImmediate(r));
    }
  });
}

function collect<T>(): Sink<T> & { rows: T[] } {
  const rows: T[] = [];
  return {
    kind: 'sink',
    name: 'collect',
    rows,
    async write(input: AsyncIterable<Batch<T>>): Promise<SinkReport> {
      for await (const b of input) rows.push(...b);
      return { rowsWritten: rows.length, filesWritten: ['mem://x'] };
    },
  };
}

const double = operator<{ n: number }, { n: number; twice: number }>('double', async function* (input) {
  for await (const b of input) yield b.map((r) => ({ n: r.n, twice: r.n * 2 }));
});

/** A source of 10 one-row batches that counts the batches it has produced. */
function countedSource() {
  const counted = {
    reads: 0,
    src: source<{ n: number }>('counted', async function* () {
      for (let i = 0; i < 10; i++) {
        counted.reads++;
        yield [{ n: i }];
      }
    }),
  };
  return counted;
}

describe('pipeline builder', () => {
  it('is immutable: each call returns a new builder and partial builders are reusable', async () => {
    const base = pipeline('p').from(numbers(10, 4));
    const a = base.pipe(double);
    const sinkA = collect<{ n: number; twice: number }>();
    const sinkB = collect<{ n: number }>();
    await a.to(sinkA).run().done;
    await base.to(sinkB).run().done;
    expect(sinkA.rows.map((r) => r.twice)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(sinkB.rows).toHaveLength(10);
    expect(base.toPlan().stages.map((s) => s.name)).toEqual(['numbers']);
    expect(a.to(sinkA).toPlan()).toEqual({
      name: 'p',
      stages: [
        { kind: 'source', name: 'numbers' },
        { kind: 'operator', name: 'double' },
        { kind: 'sink', name: 'collect' },
      ],
    });
  });

  it('changes the record type through pipe() and keeps it through $if()', () => {
    const p = pipeline('t').from(numbers(1, 1));
    expectTypeOf(p).toEqualTypeOf<Pipeline<{ n: number }>>();
    expectTypeOf(p.pipe(double)).toEqualTypeOf<Pipeline<{ n: number; twice: number }>>();
    expectTypeOf(p.$if(true, (q) => q)).toEqualTypeOf<Pipeline<{ n: number }>>();
    // @ts-expect-error a sink of another record type does not fit
    p.to(collect<{ other: string }>());
  });

  it('applies $if only when the condition holds', async () => {
    const s1 = collect<{ n: number }>();
    await pipeline('p').from(numbers(5, 5)).$if(false, (q) => q.pipe(operator('drop', async function* () {}))).to(s1).run().done;
    expect(s1.rows).toHaveLength(5);
  });

  it('reports rows in, rows out and per-stage counts', async () => {
    const sink = collect<{ n: number; twice: number }>();
    const report = await pipeline('r').from(numbers(1000, 128)).pipe(double).to(sink).run().done;
    expect(report.status).toBe('ok');
    expect(report.rowsIn).toBe(1000);
    expect(report.rowsOut).toBe(1000);
    expect(report.filesWritten).toEqual(['mem://x']);
    expect(report.stages.map((s) => [s.kind, s.rows])).toEqual([['source', 1000], ['operator', 1000], ['sink', 1000]]);
    expect(report.stages[0]?.batches).toBe(8);
    for (const st of report.stages) expect(st.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.stages.reduce((t, st) => t + st.durationMs, 0)).toBeLessThanOrEqual(report.durationMs + report.stages.length);
  });

  it('attributes wall time to the stage that spends it', async () => {
    const slow = operator<{ n: number }, { n: number }>('slow', async function* (input) {
      for await (const b of input) {
        await new Promise((r) => setTimeout(r, 30));
        yield b;
      }
    });
    const report = await pipeline('t').from(numbers(4, 1)).pipe(slow).to(collect()).run().done;
    const [src, op, sink] = report.stages;
    // the operator waits 4 × 30 ms; the source and the sink do almost nothing
    expect(op!.durationMs).toBeGreaterThanOrEqual(110);
    expect(op!.durationMs).toBeGreaterThan(src!.durationMs + sink!.durationMs);
  });

  it('emits progress and gap events that stages raise', async () => {
    const gaps = operator<{ n: number }, { n: number }>('gaps', async function* (input, ctx) {
      for await (const b of input) {
        ctx.events.emit('gap', { table: 'klines', symbol: 'X', kind: 'time', from: 1, to: 2, missing: 2 });
        yield b;
      }
    });
    const run = pipeline('e').from(numbers(3, 1)).pipe(gaps).to(collect()).run({ progressIntervalMs: 1 });
    const progress: number[] = [];
    run.on('progress', (p) => progress.push(p.rows));
    const report = await run.done;
    expect(report.gaps).toHaveLength(3);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('rejects done with the stage error, and stops on abort', async () => {
    const failing = operator<{ n: number }, { n: number }>('fail', async function* (input) {
      for await (const b of input) {
        if (b.some((r) => r.n === 7)) throw new Error('boom at 7');
        yield b;
      }
    });
    await expect(pipeline('f').from(numbers(20, 1)).pipe(failing).to(collect()).run().done).rejects.toThrow('boom at 7');

    const ac = new AbortController();
    const sink = collect<{ n: number }>();
    const run = pipeline('a').from(numbers(1_000_000, 10)).to(sink).run({ signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    const report = await run.done;
    expect(report.status).toBe('aborted');
    expect(sink.rows.length).toBeLessThan(1_000_000);
  });

  it('refuses incomplete or malformed pipelines with PIPELINE_INVALID', () => {
    const p = pipeline('x');
    // @ts-expect-error a source is required first
    expect(() => p.to(collect())).toThrow(/needs a source first/);
    let caught: unknown;
    try {
      p.from({ kind: 'sink' } as never);
    } catch (e) {
      caught = e;
    }
    expect(isScalplakeError(caught, 'PIPELINE_INVALID')).toBe(true);
    expect(() => pipeline('y').from(numbers(1, 1)).pipe({} as never)).toThrow(/pipe\(\) takes an Operator/);
  });

  it('gives listeners attached right after run() the events a stage emits as it starts', async () => {
    const eager = source<{ n: number }>('eager', async function* (ctx) {
      ctx.events.emit('progress', { stage: 'eager', rows: 0, detail: 'opening' });
      ctx.events.emit('gap', { table: 'klines', symbol: 'X', kind: 'time', from: 1, to: 2, missing: 2 });
      yield [{ n: 1 }];
    });
    const run = pipeline('early').from(eager).to(collect()).run();
    const seen: string[] = [];
    run.on('progress', (p) => seen.push(`progress ${p.stage} ${p.rows}${p.detail ? ` ${p.detail}` : ''}`));
    run.on('gap', (g) => seen.push(`gap ${g.missing}`));
    const report = await run.done;
    expect(seen).toEqual(['progress eager 0 opening', 'gap 2', 'progress eager 1']);
    expect(report.gaps).toHaveLength(1);
  });

  it('closes the stages upstream of a sink that stops pulling without closing its input', async () => {
    let closed = false;
    let pulled = 0;
    const src = source<{ n: number }>('tracked', async function* () {
      try {
        for (let i = 0; i < 100; i++) {
          pulled++;
          yield [{ n: i }];
        }
      } finally {
        closed = true;
      }
    });
    const firstOnly: Sink<{ n: number }> = {
      kind: 'sink',
      name: 'first-only',
      async write(input) {
        const first = await input[Symbol.asyncIterator]().next();
        return { rowsWritten: first.done ? 0 : first.value.length, filesWritten: [] };
      },
    };
    const report = await pipeline('short').from(src).to(firstOnly).run().done;
    expect(closed).toBe(true);
    expect(pulled).toBe(1);
    expect(report.rowsIn).toBe(1);
    expect(report.stages.map((s) => s.rows)).toEqual([1, 1]);
  });

  it('closes the source when an operator throws, and rejects done with that error', async () => {
    let closed = false;
    const src = source<{ n: number }>('tracked', async function* () {
      try {
        for (let i = 0; ; i++) yield [{ n: i }];
      } finally {
        closed = true;
      }
    });
    const failing = operator<{ n: number }, { n: number }>('fail', async function* (input) {
      for await (const b of input) {
        if (b[0]!.n === 3) throw new Error('boom at 3');
        yield b;
      }
    });
    await expect(pipeline('f').from(src).pipe(failing).to(collect()).run().done).rejects.toThrow('boom at 3');
    expect(closed).toBe(true);
  });

  it('reads and writes nothing when aborted before the run starts, and rejects done with ABORTED', async () => {
    const counted = countedSource();
    const src = counted.src;
    const sink = collect<{ n: number }>();
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    const err = await pipeline('pre').from(src).to(sink).run({ signal: ac.signal }).done.catch((e: unknown) => e);
    expect(isScalplakeError(err, 'ABORTED')).toBe(true);
    expect(counted.reads).toBe(0);
    expect(sink.rows).toEqual([]);

    // run.abort() right after run(), before any stage ran, does the same.
    const sink2 = collect<{ n: number }>();
    const run = pipeline('pre2').from(src).to(sink2).run();
    run.abort();
    expect(isScalplakeError(await run.done.catch((e: unknown) => e), 'ABORTED')).toBe(true);
    expect(counted.reads).toBe(0);
    expect(sink2.rows).toEqual([]);
  });

  it('stops reading the source at the next batch when aborted while the sink is busy', async () => {
    const counted = countedSource();
    const src = counted.src;
    const rows: number[] = [];
    let run: RunHandle | undefined;
    const abortingSink: Sink<{ n: number }> = {
      kind: 'sink',
      name: 'aborting',
      async write(input) {
        for await (const b of input) {
          rows.push(...b.map((r) => r.n));
          if (rows.length === 3) run?.abort();
        }
        return { rowsWritten: rows.length, filesWritten: [] };
      },
    };
    run = pipeline('mid').from(src).to(abortingSink).run();
    const report = await run.done;
    expect(report.status).toBe('aborted');
    expect(rows).toEqual([0, 1, 2]);
    expect(counted.reads).toBe(3);
    expect(report.rowsIn).toBe(3);
  });

  it('keeps status ok when aborted after the run finished', async () => {
    const ac = new AbortController();
    const run = pipeline('post').from(numbers(10, 5)).to(collect()).run({ signal: ac.signal });
    const report = await run.done;
    ac.abort();
    run.abort();
    expect(report.status).toBe('ok');
    expect(report.rowsIn).toBe(10);
  });

  it('emits a progress event per source batch with progressIntervalMs 0, rows cumulative', async () => {
    const run = pipeline('p0').from(numbers(10, 3)).pipe(double).to(collect()).run({ progressIntervalMs: 0 });
    const progress: ProgressEvent[] = [];
    run.on('progress', (p) => progress.push(p));
    await run.done;
    expect(progress).toEqual([
      { stage: 'numbers', rows: 3 },
      { stage: 'numbers', rows: 6 },
      { stage: 'numbers', rows: 9 },
      { stage: 'numbers', rows: 10 },
    ]);
  });

  it('runs the same pipeline twice, concurrently, with independent reports', async () => {
    const sink = collect<{ n: number; twice: number }>();
    const runnable = pipeline('twice').from(numbers(10, 4)).pipe(double).to(sink);
    const [a, b] = await Promise.all([runnable.run().done, runnable.run().done]);
    for (const r of [a, b]) {
      expect(r.rowsIn).toBe(10);
      expect(r.stages.map((s) => [s.kind, s.rows, s.batches])).toEqual([
        ['source', 10, 3],
        ['operator', 10, 3],
        ['sink', 10, 3],
      ]);
    }
    expect(sink.rows).toHaveLength(20);
    expect(runnable.toPlan().stages).toHaveLength(3);
  });

  it('counts rows per stage as they flowed, rowsIn once however many operators follow', async () => {
    const evens = operator<{ n: number }, { n: number }>('evens', async function* (input) {
      for await (const b of input) yield b.filter((r) => r.n % 2 === 0);
    });
    const sink = collect<{ n: number }>();
    const report = await pipeline('counts').from(numbers(10, 5)).pipe(evens).pipe(evens).to(sink).run().done;
    expect(report.rowsIn).toBe(10);
    expect(report.rowsOut).toBe(5);
    expect(report.stages.map((s) => `${s.kind}:${s.rows}/${s.batches}`)).toEqual([
      'source:10/2',
      'operator:5/2',
      'operator:5/2',
      'sink:5/2',
    ]);
  });
});
