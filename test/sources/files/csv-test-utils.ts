import { readFileSync } from 'node:fs';
import { isScalplakeError, type ScalplakeError } from '../../../src/core/errors.js';
import type { RejectedRow } from '../../../src/core/stage.js';
import { type TimeUnit, toUtcMillis } from '../../../src/core/time.js';
import { type CsvOptions, type CsvRecord, openCsv } from '../../../src/sources/files/csv-records.js';
import type { CsvDetection, CsvTable } from '../../../src/sources/files/detect-format.js';

/** Absolute path of a fixture under test/fixtures/. */
export function fixturePath(rel: string): string {
  return new URL(`../../fixtures/${rel}`, import.meta.url).pathname;
}

/** Bytes of a fixture under test/fixtures/. */
export function fixture(rel: string): Buffer {
  return readFileSync(fixturePath(rel));
}

/** Yields `bytes` in chunks of `size` bytes (or at the given cut points). */
export async function* chunked(bytes: Uint8Array, size: number | readonly number[]): AsyncGenerator<Uint8Array> {
  if (typeof size === 'number') {
    for (let o = 0; o < bytes.length; o += size) yield bytes.slice(o, o + size);
    return;
  }
  let prev = 0;
  for (const cut of [...size, bytes.length]) {
    yield bytes.slice(prev, cut);
    prev = cut;
  }
}

/** Everything an openCsv stream produced, flattened. */
export interface ReadAll<R> {
  detection: CsvDetection;
  records: R[];
  lines: number[];
  raws: string[];
  rejects: RejectedRow[];
  batchSizes: number[];
}

/** Reads a whole CSV through openCsv and flattens records, lines, raw texts and rejects. */
export async function readAll<T extends CsvTable = CsvTable>(
  bytes: Uint8Array | AsyncIterable<Uint8Array>,
  options: Partial<CsvOptions> & { name: string; table?: T },
  chunk = 64 * 1024,
): Promise<ReadAll<CsvRecord<T>>> {
  const input = bytes instanceof Uint8Array ? chunked(bytes, chunk) : bytes;
  const { detection, batches } = await openCsv<T>(input, { ingestedAt: 1_700_000_000_000, ...options });
  const out: ReadAll<CsvRecord<T>> = { detection, records: [], lines: [], raws: [], rejects: [], batchSizes: [] };
  for await (const batch of batches) {
    out.batchSizes.push(batch.length);
    for (let i = 0; i < batch.length; i++) {
      out.records.push(batch[i]!);
      out.lines.push(batch.origin!.lines![i]!);
      out.raws.push(batch.origin!.rawText!(i));
    }
    out.rejects.push(...(batch.origin?.rejects ?? []));
  }
  return out;
}

/** The ScalplakeError a promise rejects with. */
export async function failure(p: Promise<unknown> | (() => unknown)): Promise<ScalplakeError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isScalplakeError(e)) return e;
    throw e;
  }
  throw new Error('expected a ScalplakeError');
}

/** Encodes text as UTF-8 bytes. */
export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * The reference for CSV time fields, computed apart from the code under test: `toUtcMillis(text, unit)`, except
 * that with `'auto'` an unsigned integer of 1e17 or more is epoch nanoseconds, floored to ms with BigInt.
 */
export function expectedMillis(text: string, unit: TimeUnit | 'auto'): number | null {
  const t = text.trim();
  if (unit === 'auto' && /^\+?\d+$/.test(t)) {
    const n = BigInt(t.replace('+', ''));
    if (n >= 10n ** 17n) return Number(n / 1_000_000n);
  }
  return toUtcMillis(text, unit);
}
