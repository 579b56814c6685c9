import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureOutput } from './capture-output.js';

let dir: string;
let stdout: string[];
let stderr: string[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalplake-cli-args-'));
  ({ stdout, stderr } = captureOutput());
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** The lines written to stderr (without the trailing empty one). */
function stderrLines(): string[] {
  return stderr.join('').split('\n').filter((l) => l !== '');
}

describe('scalplake argument errors', () => {
  it('reports an unknown option on one stderr line naming it, exits 2, and prints a JSON error with --json', async () => {
    expect(await main(['download', '--lake', join(dir, 'lake'), '--bogus', '--json'])).toBe(2);
    expect(stderrLines()).toHaveLength(1);
    expect(stderrLines()[0]).toMatch(/^scalplake download: .*'--bogus'/);
    const doc = JSON.parse(stdout.join(''));
    expect(doc).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(doc.error).toContain('--bogus');
  });

  it('reports a flag without its value on one line naming the flag', async () => {
    expect(await main(['gaps', '--symbol', 'BTCUSDT', '--lake'])).toBe(2);
    expect(stderrLines()).toHaveLength(1);
    expect(stderrLines()[0]).toMatch(/^scalplake gaps: .*--lake/);
    expect(stdout.join('')).toBe('');

    stderr.length = 0;
    // `--from` swallowing the next flag: node's message spans three lines; one is printed.
    expect(await main(['download', '--from', '--to', '2024-01-31'])).toBe(2);
    expect(stderrLines()).toHaveLength(1);
    expect(stderrLines()[0]).toContain("'--from'");
  });

  it('refuses a --data list that names no data type, before any work', async () => {
    const lake = join(dir, 'lake');
    expect(await main(['download', '--lake', lake, '--symbol', 'BTCUSDT', '--data', ' , ', '--from', '2024-01-01', '--to', '2024-01-02'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake download: INVALID_ARGUMENT: --data " , " names no data type']);

    stderr.length = 0;
    // Port 9 (discard) on loopback: nothing must be requested before the list is checked.
    expect(await main(['backfill', '--lake', lake, '--symbol', 'BTCUSDT', '--data', ',', '--from', '2024-01-01', '--rest-url', 'http://127.0.0.1:9'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake backfill: INVALID_ARGUMENT: --data "," names no data type']);
  });

  it('names the flag of a bad time, also when there is nothing to build', async () => {
    const lake = join(dir, 'lake');
    expect(await main(['gold', '--lake', lake, '--from', '2024-13-01'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake gold: INVALID_ARGUMENT: --from: "2024-13-01" is not a time']);

    stderr.length = 0;
    expect(await main(['download', '--lake', lake, '--symbol', 'BTCUSDT', '--data', 'klines', '--from', '2024-01-01', '--to', '2024-02-30'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake download: INVALID_ARGUMENT: --to: "2024-02-30" is not a time']);

    stderr.length = 0;
    expect(await main(['gaps', '--lake', lake, '--symbol', 'BTCUSDT', '--from', '2024-01-10', '--to', '2024-01-01'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake gaps: INVALID_ARGUMENT: --from 2024-01-10 00:00:00 is after --to 2024-01-01 00:00:00']);
  });

  it('refuses an out-of-range replay --port before starting anything', async () => {
    expect(await main(['replay', '--port', '70000'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake replay: INVALID_ARGUMENT: --port "70000" is not a port (an integer from 0 to 65535)']);
    stderr.length = 0;
    expect(await main(['replay', '--port=1.5'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake replay: INVALID_ARGUMENT: --port "1.5" is not a port (an integer from 0 to 65535)']);
  });
});

describe('scalplake replay', () => {
  it('takes --port 0 (a free port) and --seed 0, prints its URLs as one JSON line with --json, and exits 0 on SIGINT', async () => {
    const run = main(['replay', '--port', '0', '--seed', '0', '--json']);
    let line = '';
    for (let i = 0; i < 200 && !line.endsWith('\n'); i++) {
      await new Promise((r) => setTimeout(r, 25));
      line = stdout.join('');
    }
    const doc = JSON.parse(line);
    expect(doc).toMatchObject({ ok: true, seed: 0, symbols: ['BTCUSDT'] });
    expect(doc.restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.restUrl).not.toBe('http://127.0.0.1:0');
    const res = await fetch(`${doc.restUrl}/fapi/v1/time`);
    expect(res.status).toBe(200);
    process.emit('SIGINT');
    expect(await run).toBe(0);
    expect(line.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });
});

describe('scalplake live durations', () => {
  it('refuses a duration without a unit or of zero, and an empty --streams, naming the flag', async () => {
    const lake = join(dir, 'lake');
    const base = ['live', '--lake', lake, '--symbol', 'BTCUSDT', '--rest-url', 'http://127.0.0.1:9', '--ws-url', 'ws://127.0.0.1:9'];
    expect(await main([...base, '--duration', '10'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake live: INVALID_ARGUMENT: --duration "10" is not a duration like 250ms, 90s, 10m or 2h']);
    stderr.length = 0;
    expect(await main([...base, '--duration', '1m', '--flush-every', '0s'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake live: INVALID_ARGUMENT: --flush-every "0s" is not a duration like 250ms, 90s, 10m or 2h']);
    stderr.length = 0;
    expect(await main([...base, '--duration', '1m', '--streams', ' ,'])).toBe(1);
    expect(stderrLines()).toEqual(['scalplake live: INVALID_ARGUMENT: --streams " ," names no stream']);
  });

  it('fails with WS_UNAVAILABLE, naming the URL, when no WebSocket connection ever opened', async () => {
    const { startReplayExchange, syntheticMarket, realClock } = await import('../../src/replay/index.js');
    const { createServer } = await import('node:net');
    // A loopback port with nothing listening: bind, note it, close.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const ex = await startReplayExchange({ market: syntheticMarket({ seed: 3, symbols: ['BTCUSDT'], start: now - 3_600_000 }), clock: realClock({ start: now }) });
    try {
      const wsUrl = `ws://127.0.0.1:${port}`;
      const code = await main(['live', '--lake', join(dir, 'lake'), '--symbol', 'BTCUSDT', '--streams', 'kline_1m', '--duration', '1500ms',
        '--rest-url', ex.restUrl, '--ws-url', wsUrl, '--json']);
      expect(code).not.toBe(0);
      const last = stderrLines().at(-1)!;
      expect(last).toMatch(/^scalplake live: WS_UNAVAILABLE: /);
      expect(last).toContain(wsUrl);
      expect(JSON.parse(stdout.join(''))).toMatchObject({ ok: false, code: 'WS_UNAVAILABLE' });
    } finally {
      await ex.close();
    }
  });

  it('runs for a --duration longer than setTimeout can wait (30d) instead of stopping at once', async () => {
    const { startReplayExchange, syntheticMarket, realClock } = await import('../../src/replay/index.js');
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const ex = await startReplayExchange({
      market: syntheticMarket({ seed: 3, symbols: ['BTCUSDT'], start: now - 3_600_000 }),
      clock: realClock({ start: now, speed: 30 }),
    });
    try {
      let settled = false;
      const run = main(['live', '--lake', join(dir, 'lake'), '--symbol', 'BTCUSDT', '--streams', 'aggTrade', '--duration', '30d',
        '--rest-url', ex.restUrl, '--ws-url', ex.wsUrl, '--json']).finally(() => (settled = true));
      for (let i = 0; i < 100 && !settled && ex.connections().every((c) => c.streams.length === 0); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
      process.emit('SIGINT');
      expect(await run).toBe(0);
      expect(stderr.join('')).not.toContain('TimeoutOverflowWarning');
      expect(JSON.parse(stdout.join('')).ok).toBe(true);
    } finally {
      await ex.close();
    }
  });
});
