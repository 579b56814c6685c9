import { describe, expect, expectTypeOf, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import type { Batch, Sink, SinkReport } from '../../src/core/stage.js';
import { operator, source } from '../../src/core/stage.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';

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
});
