import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRunEvents, type ProgressEvent } from '../../../src/core/events.js';
import type { StageContext } from '../../../src/core/stage.js';
import { csvFileSource } from '../../../src/sources/files/csv-file-source.js';
import type { CsvDetection } from '../../../src/sources/files/detect-format.js';
import { failure, fixturePath } from './csv-test-utils.js';

function context(signal = new AbortController().signal): StageContext {
  return {
    signal,
    events: createRunEvents(),
    counters: { rowsIn: 0, rowsOut: 0, duplicates: 0, invalid: 0, late: 0 },
    notes: new Map(),
  };
}

async function drain<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

describe('csvFileSource', () => {
  const path = fixturePath('datavision/um_monthly_klines_LTCUSDT-1m-2026-02_first300.csv');

  it('reads a local file, publishes the detection, counts rows and reports progress up to the file size', async () => {
    const ctx = context();
    const progress: ProgressEvent[] = [];
    ctx.events.on('progress', (p) => progress.push(p));
    const src = csvFileSource(path, { ingestedAt: 5, batchSize: 100, readBytes: 4096 });
    expect(src.kind).toBe('source');
    expect(src.name).toBe('csv(um_monthly_klines_LTCUSDT-1m-2026-02_first300.csv)');
    const records = await drain(src.read(ctx));
    expect(records).toHaveLength(300);
    expect(records[0]).toMatchObject({ symbol: 'LTCUSDT', open_time: Date.UTC(2026, 1, 1), ingested_at: 5 });
    expect(ctx.counters.rowsIn).toBe(0); // the pipeline runner counts source rows, not the source itself
    const detection = ctx.notes.get(src.name) as CsvDetection;
    expect(detection).toMatchObject({ format: 'datavision', table: 'klines', symbol: 'LTCUSDT', interval: '1m', hasHeader: true });
    expect(progress.map((p) => p.rows)).toEqual([100, 200, 300]);
    const size = statSync(path).size;
    expect(progress.every((p) => p.totalBytes === size && p.stage === src.name && p.detail === path)).toBe(true);
    expect(progress.at(-1)!.bytes).toBe(size);
  });

  it('throws FILE_NOT_FOUND naming a missing file', async () => {
    const e = await failure(drain(csvFileSource('/nonexistent/BTCUSDT-1m-2019-09.csv', { ingestedAt: 0 }).read(context())));
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toContain('/nonexistent/BTCUSDT-1m-2019-09.csv');
    expect(e.context.file).toBe('/nonexistent/BTCUSDT-1m-2019-09.csv');
  });

  it('stops with ABORTED when the run is aborted', async () => {
    const ac = new AbortController();
    const ctx = context(ac.signal);
    const src = csvFileSource(path, { ingestedAt: 0, batchSize: 50 });
    let seen = 0;
    const e = await failure(
      (async () => {
        for await (const b of src.read(ctx)) {
          seen += b.length;
          ac.abort();
        }
      })(),
    );
    expect(e.code).toBe('ABORTED');
    expect(seen).toBe(50);
  });
});
