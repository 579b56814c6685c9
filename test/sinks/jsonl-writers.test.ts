import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import type { QuarantineRow } from '../../src/core/tables.js';
import { bronzeWriter, putBronzeFile } from '../../src/sinks/bronze-writer.js';
import { memoryStore } from '../../src/sinks/memory-store.js';
import type { ObjectStore } from '../../src/sinks/object-store.js';
import { quarantineWriter } from '../../src/sinks/quarantine-writer.js';
import { FIXTURES, loadMarkPriceFrames } from './helpers.js';

async function lines(store: ObjectStore, key: string): Promise<unknown[]> {
  const text = gunzipSync((await store.get(key))!).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((l) => JSON.parse(l));
}

const q = (i: number, at: number): QuarantineRow => ({
  table: 'klines',
  source: 'BTCUSDT-1m-2019-09.csv',
  line: i,
  raw: `1567965420000,10000,x,${i}`,
  reason: 'high "x" is not a number',
  quarantined_at: at,
});

describe('quarantineWriter', () => {
  it('writes gzip JSON lines under the UTC date of quarantined_at, flushing on close', async () => {
    const store = memoryStore();
    const w = quarantineWriter(store, 'klines', { runId: 'run-1' });
    const late = Date.UTC(2024, 0, 1, 23, 59, 59, 999); // still 2024-01-01 in UTC, not in New York
    const rows = [q(1, late), q(2, late + 1), q(3, late)];
    await w.append(rows);
    expect(await store.list('')).toEqual([]);
    const keys = await w.close();
    expect(keys).toEqual(['quarantine/klines/date=2024-01-01/run-1-0.jsonl.gz', 'quarantine/klines/date=2024-01-02/run-1-1.jsonl.gz']);
    expect(await lines(store, keys[0]!)).toEqual([rows[0], rows[2]]);
    expect(await lines(store, keys[1]!)).toEqual([rows[1]]);
    expect(w.rowsWritten).toBe(3);
    await expect(w.append([q(4, late)])).rejects.toSatisfy((e) => isScalplakeError(e, 'SINK_WRITE'));
  });

  it('flushes by itself past the bound and only ever adds objects', async () => {
    const store = memoryStore();
    const at = Date.UTC(2024, 0, 1);
    const w = quarantineWriter(store, 'klines', { runId: 'r', maxBufferedRows: 2 });
    await w.append([q(1, at), q(2, at)]);
    expect(await store.list('')).toEqual([]);
    await w.append([q(3, at)]);
    expect((await store.list('')).map((o) => o.key)).toEqual(['quarantine/klines/date=2024-01-01/r-0.jsonl.gz']);
    await w.flush();
    await w.flush(); // nothing buffered: nothing written
    const first = Buffer.from((await store.get('quarantine/klines/date=2024-01-01/r-0.jsonl.gz'))!);
    // A second writer with the same run id must not overwrite the first one's objects.
    const w2 = quarantineWriter(store, 'klines', { runId: 'r' });
    await w2.append([q(9, at)]);
    const keys2 = await w2.close();
    // r-0 exists (the first writer's only object: its later flushes had nothing to write): the new object is r-1.
    expect(keys2).toEqual(['quarantine/klines/date=2024-01-01/r-1.jsonl.gz']);
    expect(Buffer.from((await store.get('quarantine/klines/date=2024-01-01/r-0.jsonl.gz'))!).equals(first)).toBe(true);
    expect((await store.list('quarantine/')).length).toBe(2);
    expect(await lines(store, 'quarantine/klines/date=2024-01-01/r-0.jsonl.gz')).toEqual([q(1, at), q(2, at), q(3, at)]);
  });

  it('writes every row exactly once when rows are appended while a flush is writing (appends not awaited)', async () => {
    const inner = memoryStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The first put waits (a slow disk or S3), as a backfill keeps receiving REST pages meanwhile.
    let puts = 0;
    const store: ObjectStore = {
      ...inner,
      async put(key, body) {
        if (puts++ === 0) await gate;
        return inner.put(key, body);
      },
    };
    const w = quarantineWriter(store, 'klines', { runId: 'run-1', maxBufferedRows: 2 });
    const at = Date.UTC(2024, 0, 1);
    const rows = [1, 2, 3, 4, 5].map((i) => q(i, at));
    const first = w.append(rows.slice(0, 3)); // past the bound: flushes, and waits in put
    const second = w.append(rows.slice(3)); // arrives during that flush
    release();
    await Promise.all([first, second]);
    await w.close();
    const got: unknown[] = [];
    for (const o of await inner.list('quarantine/')) got.push(...(await lines(inner, o.key)));
    expect(got.map((r) => (r as QuarantineRow).line).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(w.rowsWritten).toBe(5);
  });

  it('refuses unsafe table names and run ids', () => {
    const store = memoryStore();
    expect(() => quarantineWriter(store, '../x', { runId: 'r' })).toThrow(/table/);
    expect(() => quarantineWriter(store, 'klines', { runId: 'a/b' })).toThrow(/runId/);
  });
});

describe('bronzeWriter', () => {
  it('writes real markPrice frames as {received_at, source, endpoint, payload} lines per symbol and UTC date', async () => {
    const store = memoryStore();
    const frames = loadMarkPriceFrames();
    const w = bronzeWriter(store, { runId: 'run-7' });
    await w.append(
      frames.map((f) => ({ received_at: Math.floor(f.recv_ts_us / 1000), source: 'ws', endpoint: 'btcusdt@markPrice@1s', symbol: 'BTCUSDT', payload: f.msg })),
    );
    const keys = await w.close();
    expect(keys).toEqual(['bronze/ws/btcusdt_markPrice_1s/symbol=BTCUSDT/date=2023-04-04/run-7-0.jsonl.gz']);
    const got = await lines(store, keys[0]!);
    expect(got.length).toBe(20);
    expect(got[0]).toEqual({ received_at: Math.floor(frames[0]!.recv_ts_us / 1000), source: 'ws', endpoint: 'btcusdt@markPrice@1s', payload: frames[0]!.msg });
  });

  it('refuses an unsafe symbol', async () => {
    const w = bronzeWriter(memoryStore(), { runId: 'r' });
    await expect(w.append([{ received_at: 0, source: 'rest', endpoint: '/fapi/v1/klines', symbol: '../x', payload: {} }])).rejects.toSatisfy((e) =>
      isScalplakeError(e, 'INVALID_SYMBOL'),
    );
  });
});

describe('putBronzeFile', () => {
  it('copies a bulk file as-is, streamed, with a sha256sum-style sidecar', async () => {
    const store = memoryStore();
    const bytes = readFileSync(join(FIXTURES, 'um_monthly_klines_BTCUSDT-1m-2019-09_first1500.csv'));
    const expected = createHash('sha256').update(bytes).digest('hex');
    async function* stream() {
      for (let i = 0; i < bytes.length; i += 10_000) yield new Uint8Array(bytes.subarray(i, i + 10_000));
    }
    const info = await putBronzeFile(store, 'datavision', 'klines/BTCUSDT-1m-2019-09.csv', stream());
    expect(info).toEqual({
      key: 'bronze/datavision/klines/BTCUSDT-1m-2019-09.csv',
      sha256Key: 'bronze/datavision/klines/BTCUSDT-1m-2019-09.csv.sha256',
      sha256: expected,
      size: bytes.length,
    });
    expect(Buffer.from((await store.get(info.key))!).equals(bytes)).toBe(true);
    expect(new TextDecoder().decode(await store.get(info.sha256Key))).toBe(`${expected}  BTCUSDT-1m-2019-09.csv\n`);
  });

  it('refuses paths that escape bronze', async () => {
    await expect(putBronzeFile(memoryStore(), 'datavision', '../../x.zip', new Uint8Array(1))).rejects.toSatisfy((e) =>
      isScalplakeError(e, 'INVALID_ARGUMENT'),
    );
  });
});
