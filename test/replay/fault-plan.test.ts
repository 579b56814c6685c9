import { afterEach, describe, expect, it } from 'vitest';
import {
  parseFaultSpec,
  type ReplayExchange,
  type ReplayExchangeOptions,
  startReplayExchange,
  syntheticMarket,
  virtualClock,
} from '../../src/replay/index.js';
import { connect, settle } from './ws-client.js';

const start = Date.UTC(2024, 0, 1);
const t0 = start + 3_600_000;
let ex: ReplayExchange | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

async function boot(extra: Partial<ReplayExchangeOptions>): Promise<ReplayExchange> {
  ex = await startReplayExchange({ market: syntheticMarket({ seed: 5, start }), clock: virtualClock(t0), ...extra });
  return ex;
}

describe('parseFaultSpec', () => {
  it('parses every item of the CLI spec relative to the origin', () => {
    expect(
      parseFaultSpec('drop@msg=500,stall@t=5m:300s,dup=0.01,reorder=0.02,malformed=0.03,pu-break@t=2m,http5xx=0.05,429burst@t=1m:10,ban@t=3m,drop@every=2m', 1000),
    ).toEqual([
      { kind: 'drop', atMessage: 500 },
      { kind: 'stall', at: 1000 + 300_000, durationMs: 300_000 },
      { kind: 'duplicate', probability: 0.01 },
      { kind: 'reorder', probability: 0.02 },
      { kind: 'malformed', probability: 0.03 },
      { kind: 'pu-break', at: 1000 + 120_000 },
      { kind: 'http5xx', probability: 0.05 },
      { kind: '429burst', at: 1000 + 60_000, count: 10 },
      { kind: 'ban', at: 1000 + 180_000 },
      { kind: 'drop', at: 1000 + 120_000, every: 120_000 },
    ]);
    expect(() => parseFaultSpec('explode@t=1m', 0)).toThrow(/explode/);
  });
});

describe('WebSocket faults', () => {
  it('drops a connection at its N-th message and all connections at time T', async () => {
    await boot({ faults: 'drop@msg=5,drop@t=2m' });
    const a = await connect(`${ex!.wsUrl}/market/ws/btcusdt@markPrice@1s`);
    ex!.clock.advance(10_000);
    expect(await a.closed).toBe(1006);
    expect(a.frames).toHaveLength(5);
    ex!.faults.clear();
    ex!.faults.add({ kind: 'drop', at: t0 + 120_000 });
    const b = await connect(`${ex!.wsUrl}/market/ws/btcusdt@markPrice@1s`);
    ex!.clock.advance(200_000);
    expect(await b.closed).toBe(1006);
    expect(JSON.parse(b.frames[b.frames.length - 1]!).E).toBe(t0 + 120_000);
  });

  it('stalls without closing, then resumes', async () => {
    await boot({ faults: [{ kind: 'stall', at: t0 + 10_000, durationMs: 30_000 }] });
    const c = await connect(`${ex!.wsUrl}/market/ws/btcusdt@markPrice@1s`);
    ex!.clock.advance(60_000);
    await c.waitFor((f) => f.length === 30);
    const times = c.frames.map((f) => JSON.parse(f).E);
    expect(times.filter((t) => t >= t0 + 10_000 && t < t0 + 40_000)).toEqual([]);
    expect(times[times.length - 1]).toBe(t0 + 60_000);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('duplicates, reorders and inserts malformed frames deterministically', async () => {
    const run = async (): Promise<string[]> => {
      await boot({ faults: 'dup=0.1,reorder=0.1,malformed=0.1' });
      const c = await connect(`${ex!.wsUrl}/market/ws/btcusdt@markPrice@1s`);
      ex!.clock.advance(200_000);
      await settle(50);
      await ex!.close();
      ex = undefined;
      return c.frames;
    };
    const frames = await run();
    expect(await run()).toEqual(frames);
    const good = frames.flatMap((f) => {
      try {
        return [JSON.parse(f).E as number];
      } catch {
        return [];
      }
    });
    const malformed = frames.length - good.length;
    expect(malformed).toBeGreaterThan(5);
    expect(new Set(good).size).toBe(200);
    expect(good.length).toBeGreaterThan(205);
    let inversions = 0;
    for (let i = 1; i < good.length; i++) if (good[i]! < good[i - 1]!) inversions++;
    expect(inversions).toBeGreaterThan(5);
  });

  it('skips one depth diff per connection for a pu break', async () => {
    await boot({ faults: [{ kind: 'pu-break', at: t0 + 1_000 }] });
    const c = await connect(`${ex!.wsUrl}/public/ws/btcusdt@depth@100ms`);
    ex!.clock.advance(3_000);
    await c.waitFor((f) => f.length === 29);
    const ev = c.frames.map((f) => JSON.parse(f));
    const breaks = ev.filter((e, i) => i > 0 && e.pu !== ev[i - 1].u);
    expect(breaks).toHaveLength(1);
    expect(breaks[0].E).toBe(t0 + 1_100);
  });
});

describe('REST faults', () => {
  it('answers 5xx, 429 bursts and a 418 ban', async () => {
    await boot({ faults: 'http5xx=1' });
    expect((await fetch(`${ex!.restUrl}/fapi/v1/time`)).status).toBe(503);
    ex!.faults.clear();
    ex!.faults.add('429burst@t=1m:2,ban@t=3m:1m'); // offsets from the clock's start (t0)
    expect((await fetch(`${ex!.restUrl}/fapi/v1/time`)).status).toBe(200);
    ex!.clock.advance(60_000);
    const r = await fetch(`${ex!.restUrl}/fapi/v1/time`);
    expect([r.status, r.headers.get('retry-after')]).toEqual([429, '60']);
    expect((await fetch(`${ex!.restUrl}/fapi/v1/time`)).status).toBe(429);
    ex!.clock.advance(60_000);
    expect((await fetch(`${ex!.restUrl}/fapi/v1/time`)).status).toBe(200);
    ex!.clock.advance(60_000);
    const ban = await fetch(`${ex!.restUrl}/fapi/v1/time`);
    expect([ban.status, ban.headers.get('retry-after')]).toEqual([418, '60']);
    ex!.clock.advance(60_000);
    expect((await fetch(`${ex!.restUrl}/fapi/v1/time`)).status).toBe(200);
  });
});
