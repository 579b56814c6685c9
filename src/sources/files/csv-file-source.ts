/**
 * A {@link Source} that reads a local CSV file with the CSV reader ({@link openCsv}).
 * @module
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { isScalplakeError, ScalplakeError, throwIfAborted } from '../../core/errors.js';
import type { Batch, Source, StageContext } from '../../core/stage.js';
import { type CsvOptions, type CsvRecord, openCsv } from './csv-records.js';
import type { CsvTable } from './detect-format.js';

/** Options of {@link csvFileSource}: those of {@link openCsv}, with `name` defaulting to the path. */
export type CsvFileSourceOptions = Omit<CsvOptions, 'name'> & {
  /** The name used for detection and in rejects (default: the path). */
  readonly name?: string;
  /** Bytes per read from the file (default 1 MiB). */
  readonly readBytes?: number;
};

/**
 * A source of records read from a local CSV file (data.binance.vision, CryptoDataDownload or Kaggle; see
 * {@link openCsv}). It streams the file with bounded memory, publishes the detection in
 * `ctx.notes.set(source.name, detection)` and emits a
 * `progress` event per batch with the bytes read and the file size. Stops with `ABORTED` when `ctx.signal` aborts.
 *
 * @throws `FILE_NOT_FOUND` when the file does not exist (naming it); `STORE_IO` when reading it fails; the errors
 *   of {@link openCsv}.
 * @example
 * ```ts
 * const src = csvFileSource('data/BTCUSDT-1m-2019-09.csv', { ingestedAt: Date.now() });
 * for await (const batch of src.read(ctx)) console.log(batch.length, batch.origin?.rejects?.length);
 * console.log(ctx.notes.get(src.name)); // the CsvDetection
 * ```
 */
export function csvFileSource<T extends CsvTable = CsvTable>(
  path: string,
  options: CsvFileSourceOptions & { readonly table?: T },
): Source<CsvRecord<T>> {
  const name = `csv(${basename(path)})`;
  return {
    kind: 'source',
    name,
    read(ctx: StageContext): AsyncIterable<Batch<CsvRecord<T>>> {
      return readFile<T>(path, name, options, ctx);
    },
  };
}

async function* readFile<T extends CsvTable>(
  path: string,
  stage: string,
  options: CsvFileSourceOptions & { readonly table?: T },
  ctx: StageContext,
): AsyncGenerator<Batch<CsvRecord<T>>> {
  throwIfAborted(ctx.signal);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw Object.assign(new Error(`${path} is not a file`), { code: 'ENOENT' });
    size = s.size;
  } catch (e) {
    throw new ScalplakeError('FILE_NOT_FOUND', `CSV file ${JSON.stringify(path)} not found`, { context: { file: path }, cause: e });
  }
  const stream = createReadStream(path, { highWaterMark: options.readBytes ?? 1 << 20 });
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  try {
    const { readBytes: _r, name: _n, ...rest } = options;
    const { detection, batches } = await openCsv<T>(counted(), { ...rest, name: options.name ?? path });
    ctx.notes.set(stage, detection);
    let rows = 0;
    for await (const batch of batches) {
      throwIfAborted(ctx.signal);
      rows += batch.length;
      ctx.events.emit('progress', { stage, rows, bytes, totalBytes: size, detail: path });
      yield batch;
    }
  } catch (e) {
    if (isScalplakeError(e)) throw e;
    const code = (e as { code?: string }).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'STORE_IO';
    throw new ScalplakeError(code, `Could not read CSV file ${JSON.stringify(path)}: ${(e as Error).message}`, {
      context: { file: path },
      cause: e,
    });
  } finally {
    stream.destroy();
  }
}
