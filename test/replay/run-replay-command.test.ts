import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runReplayCommand } from '../../src/replay/index.js';

describe('runReplayCommand', () => {
  it('starts a real-clock exchange over the recorded capture and prints its URLs', async () => {
    let printed = '';
    const out = new Writable({
      write(chunk, _enc, cb) {
        printed += String(chunk);
        cb();
      },
    });
    const ex = await runReplayCommand({ port: 0, data: 'test/fixtures/ws/markPrice_1s_btcusdt_2023-04-04_first20.jsonl', speed: 1000, out });
    try {
      expect(printed).toContain(`REST ${ex.restUrl}/fapi/v1/`);
      expect(printed).toContain(`${ex.wsUrl}/market/stream?streams=`);
      expect(ex.clock.kind).toBe('real');
      const t = (await (await fetch(`${ex.restUrl}/fapi/v1/time`)).json()) as { serverTime: number };
      expect(t.serverTime).toBeGreaterThanOrEqual(ex.market.start);
    } finally {
      await ex.close();
    }
  });
});
