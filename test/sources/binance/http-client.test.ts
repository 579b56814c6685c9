import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../../src/core/errors.js';
import { createBinanceHttpClient } from '../../../src/sources/binance/http-client.js';
import { endpointWeight } from '../../../src/sources/binance/endpoint-weight.js';
import { readFileSync } from 'node:fs';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections(); // undici keeps connections alive for 4 s
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function serve(handler: Handler): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res, hits.length);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, hits };
}
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
/** A fake clock whose sleep advances it and records the waits. */
function fakeClock(start = Date.UTC(2024, 0, 1, 0, 0, 10)) {
  let t = start;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => { sleeps.push(ms); t += ms; }, sleeps };
}

describe('BinanceHttpClient', () => {
  it('retries 5xx with exponential backoff and jitter, then succeeds', async () => {
    const { url, hits } = await serve((_q, res, n) => (n <= 2 ? json(res, 503, { code: -1001, msg: 'Internal error' }) : json(res, 200, [1])));
    const c = fakeClock();
    const http = createBinanceHttpClient({ baseUrl: url, ...c, random: () => 0.5, backoffBaseMs: 100 });
    const res = await http.get('/fapi/v1/time');
    expect(res.body).toEqual([1]);
    expect(hits).toHaveLength(3);
    expect(c.sleeps).toEqual([75, 150]); // d/2 + 0.5·d/2 for d = 100, 200
    expect(http.stats.retries).toBe(2);
  });

  it('gives up on 5xx after maxRetries with BINANCE_HTTP naming the url and status', async () => {
    const { url, hits } = await serve((_q, res) => json(res, 502, { code: -1001, msg: 'bad gateway' }));
    const http = createBinanceHttpClient({ baseUrl: url, ...fakeClock(), maxRetries: 2 });
    const err = await http.get('/fapi/v1/klines', { symbol: 'BTCUSDT', interval: '1m' }).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'BINANCE_HTTP')).toBe(true);
    expect((err as { context: Record<string, unknown> }).context).toMatchObject({ status: 502, code: -1001, msg: 'bad gateway' });
    expect(hits).toHaveLength(3);
  });

  it('maps a {code,msg} 400 to BINANCE_HTTP without retrying', async () => {
    const { url, hits } = await serve((_q, res) => json(res, 400, { code: -1121, msg: 'Invalid symbol.' }));
    const http = createBinanceHttpClient({ baseUrl: url, ...fakeClock() });
    const err = await http.get('/fapi/v1/klines', { symbol: 'NOPE', interval: '1m' }).catch((e: unknown) => e);
    expect(isScalplakeError(err, 'BINANCE_HTTP')).toBe(true);
    const e = err as Error & { context: Record<string, unknown> };
    expect(e.context).toEqual({ url: `${url}/fapi/v1/klines?symbol=NOPE&interval=1m`, status: 400, code: -1121, msg: 'Invalid symbol.', attempts: 1 });
    expect(e.message).toContain('code -1121: Invalid symbol.');
    expect(hits).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    const { url, hits } = await serve((_q, res, n) => (n === 1 ? json(res, 429, { code: -1003, msg: 'Too many requests' }, { 'retry-after': '7' }) : json(res, 200, {})));
    const c = fakeClock();
    const http = createBinanceHttpClient({ baseUrl: url, ...c });
    await http.get('/fapi/v1/time');
    expect(hits).toHaveLength(2);
    expect(c.sleeps).toEqual([7000]);
    expect(http.stats.rateLimited).toBe(1);
  });

  it('stops hard on 418 with BINANCE_BANNED and sends nothing afterwards', async () => {
    const { url, hits } = await serve((_q, res) => json(res, 418, { code: -1003, msg: 'Way too many requests; IP banned' }, { 'retry-after': '120' }));
    const http = createBinanceHttpClient({ baseUrl: url, ...fakeClock() });
    const err = await http.get('/fapi/v1/time').catch((e: unknown) => e);
    expect(isScalplakeError(err, 'BINANCE_BANNED')).toBe(true);
    expect((err as { context: Record<string, unknown> }).context).toMatchObject({ status: 418, retryAfterSeconds: 120 });
    expect(http.banned).toBe(true);
    const again = await http.get('/fapi/v1/time').catch((e: unknown) => e);
    expect(isScalplakeError(again, 'BINANCE_BANNED')).toBe(true);
    expect(hits).toHaveLength(1);
  });

  it('retries a header timeout', async () => {
    const { url, hits } = await serve((_q, res, n) => {
      if (n === 1) setTimeout(() => json(res, 200, 'late'), 300);
      else json(res, 200, 'ok');
    });
    const http = createBinanceHttpClient({ baseUrl: url, ...fakeClock(), timeoutMs: 100 });
    expect((await http.get('/fapi/v1/time')).body).toBe('ok');
    expect(hits).toHaveLength(2);
    expect(http.stats.retries).toBe(1);
  });

  it('waits for the next minute when the next request would exceed the budget (from exchangeInfo and X-MBX-USED-WEIGHT-1M)', async () => {
    const info = JSON.parse(readFileSync(new URL('../../fixtures/rest/exchangeInfo_2021-07-22_BTCUSDT_ETHUSDT.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    let used = 0;
    const { url } = await serve((req, res) => {
      if (req.url?.startsWith('/fapi/v1/exchangeInfo')) {
        used += 1;
        return json(res, 200, { ...info, serverTime: c.now() }, { 'x-mbx-used-weight-1m': String(used) });
      }
      used = 2150; // another client on the IP spent most of the minute
      json(res, 200, [], { 'x-mbx-used-weight-1m': String(used) });
    });
    const c = fakeClock(Date.UTC(2024, 0, 1, 0, 0, 10));
    const http = createBinanceHttpClient({ baseUrl: url, ...c });
    await http.loadExchangeInfo();
    expect(http.weightLimit).toBe(2400);
    await http.get('/fapi/v1/aggTrades', { symbol: 'BTCUSDT' });
    expect(http.usedWeight).toBe(2150);
    expect(c.sleeps).toEqual([]);
    // 2150 + 20 > 2400 − 240: wait for the next minute (+50 ms).
    await http.get('/fapi/v1/aggTrades', { symbol: 'BTCUSDT' });
    expect(c.sleeps).toHaveLength(1);
    expect(c.now()).toBeGreaterThanOrEqual(Date.UTC(2024, 0, 1, 0, 1, 0));
    expect(http.stats.throttles).toBe(1);
  });

  it('keeps fundingRate under its own 500 requests / 5 minutes bucket', async () => {
    const { url, hits } = await serve((_q, res) => json(res, 200, []));
    const c = fakeClock();
    const http = createBinanceHttpClient({ baseUrl: url, ...c, fundingLimit: 5, fundingMargin: 1 });
    for (let i = 0; i < 5; i++) await http.get('/fapi/v1/fundingRate', { symbol: 'BTCUSDT' });
    expect(hits).toHaveLength(5);
    expect(c.sleeps).toEqual([300_001]); // the 5th waited for the first to leave the window
  });

  it('knows the documented endpoint weights', () => {
    expect([99, 100, 499, 500, 1000, 1001, 1500].map((limit) => endpointWeight('/fapi/v1/klines', { limit }))).toEqual([1, 2, 2, 5, 5, 10, 10]);
    expect(endpointWeight('/fapi/v1/klines')).toBe(5);
    expect([5, 50, 100, 500, 1000].map((limit) => endpointWeight('/fapi/v1/depth', { limit }))).toEqual([2, 2, 5, 10, 20]);
    expect(endpointWeight('/fapi/v1/aggTrades', { limit: 1000 })).toBe(20);
    expect(endpointWeight('/fapi/v1/premiumIndex', { symbol: 'BTCUSDT' })).toBe(1);
    expect(endpointWeight('/fapi/v1/premiumIndex')).toBe(10);
  });
});
