import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { BinanceWsClient, type WsEvent } from '../../../src/sources/binance/ws-client.js';

let wss: WebSocketServer | null = null;
afterEach(async () => {
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  wss = null;
});

interface ServerConn {
  readonly ws: WebSocket;
  readonly path: string;
  readonly messages: { at: number; text: string }[];
  pongs: number;
}
async function startServer(onConn: (c: ServerConn) => void = () => {}) {
  const conns: ServerConn[] = [];
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws, req) => {
    const c: ServerConn = { ws, path: req.url ?? '', messages: [], pongs: 0 };
    conns.push(c);
    ws.on('message', (m) => {
      const text = String(m);
      c.messages.push({ at: Date.now(), text });
      const { id } = JSON.parse(text) as { id: number };
      ws.send(JSON.stringify({ result: null, id }));
      ws.send(frame('ack@aggTrade', { id }));
    });
    ws.on('pong', () => c.pongs++);
    onConn(c);
  });
  await new Promise<void>((r) => wss!.once('listening', r));
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/market`, conns };
}
async function collect(client: BinanceWsClient, until: (events: WsEvent[]) => boolean, maxMs = 5000): Promise<WsEvent[]> {
  const out: WsEvent[] = [];
  const timer = setTimeout(() => client.close(), maxMs);
  for await (const batch of client.events()) {
    out.push(...batch);
    if (until(out)) break;
  }
  clearTimeout(timer);
  return out;
}
const frame = (stream: string, data: unknown) => JSON.stringify({ stream, data });

describe('BinanceWsClient', () => {
  it('subscribes on <root>/stream in paced SUBSCRIBE messages and answers server pings', async () => {
    const { url, conns } = await startServer((c) => setTimeout(() => c.ws.ping(), 50));
    const streams = ['a@aggTrade', 'b@aggTrade', 'c@aggTrade', 'd@aggTrade'];
    const client = new BinanceWsClient({ url, streams, streamsPerMessage: 1, messagesPerSecond: 3 });
    await collect(client, () => (conns[0]?.messages.length ?? 0) >= 4 && (conns[0]?.pongs ?? 0) >= 1);
    const c = conns[0]!;
    expect(c.path).toBe('/market/stream');
    expect(c.messages.flatMap((m) => (JSON.parse(m.text) as { params: string[] }).params)).toEqual(streams);
    expect((JSON.parse(c.messages[0]!.text) as { method: string }).method).toBe('SUBSCRIBE');
    // Never more than 3 messages within 900 ms (the pace is 3 per second).
    for (let i = 3; i < c.messages.length; i++) expect(c.messages[i]!.at - c.messages[i - 3]!.at).toBeGreaterThanOrEqual(900);
    expect(c.pongs).toBeGreaterThanOrEqual(1);
  });

  it('turns malformed frames into malformed events and keeps going', async () => {
    const { url } = await startServer((c) => {
      setTimeout(() => {
        c.ws.send(frame('x@aggTrade', { a: 1 }));
        c.ws.send('{"stream":"x@aggTrade","data":{"a":2');
        c.ws.send('[1,2]');
        c.ws.send(frame('x@aggTrade', { a: 3 }));
      }, 30);
    });
    const client = new BinanceWsClient({ url, streams: ['x@aggTrade'] });
    const events = await collect(client, (e) => e.filter((x) => (x.type === 'frame' && x.stream !== 'ack@aggTrade') || x.type === 'malformed').length >= 4);
    const kinds = events.filter((e) => e.type !== 'open' && !(e.type === 'frame' && e.stream === 'ack@aggTrade')).map((e) => (e.type === 'frame' ? (e.data as { a: number }).a : e.type === 'malformed' ? e.reason : e.type));
    expect(kinds).toEqual([1, 'frame is not JSON', 'frame is not a combined-stream frame {"stream","data"}', 3]);
    expect(client.stats.malformed).toBe(2);
  });

  it('reconnects after a stall (no message for stallTimeoutMs) and after a drop, with down/open events', async () => {
    let n = 0;
    const { url, conns } = await startServer((c) => {
      n++;
      if (n === 1) return; // stalls: never sends
      if (n === 2) setTimeout(() => c.ws.terminate(), 30); // drops
      if (n === 3) setTimeout(() => c.ws.send(frame('x@aggTrade', { a: 1 })), 30);
    });
    const client = new BinanceWsClient({ url, streams: ['x@aggTrade'], stallTimeoutMs: 150, backoffBaseMs: 10, backoffMaxMs: 20 });
    const events = await collect(client, (e) => e.some((x) => x.type === 'frame' && x.stream === 'x@aggTrade'));
    const seq = events.filter((e) => !(e.type === 'frame' && e.stream === 'ack@aggTrade')).map((e) => (e.type === 'down' ? `down:${e.reason.split(':')[0]!.split(' ')[0]}` : e.type === 'open' ? `open:${e.reason}` : e.type));
    expect(seq).toEqual(['open:initial', 'down:stall', 'open:reconnect', 'down:close', 'open:reconnect', 'frame']);
    expect(conns).toHaveLength(3);
    expect(client.stats.stalls).toBe(1);
  });

  it('rotates before the lifetime ends: opens a new connection, switches when it delivers, no down event', async () => {
    const { url, conns } = await startServer();
    // One sequence broadcast to every open connection, as an exchange would.
    let id = 0;
    const broadcaster = setInterval(() => {
      id++;
      for (const c of conns) if (c.ws.readyState === 1) c.ws.send(frame('x@aggTrade', { a: id }));
    }, 5);
    const client = new BinanceWsClient({ url, streams: ['x@aggTrade'], lifetimeMs: 300, rotateBeforeMs: 100, stallTimeoutMs: 400 });
    const events = await collect(client, (e) => e.filter((x) => x.type === 'open' && x.reason === 'rotate').length >= 2 && e.at(-1)?.type === 'frame');
    clearInterval(broadcaster);
    expect(events.some((e) => e.type === 'down')).toBe(false);
    expect(events.filter((e) => e.type === 'open' && e.reason === 'rotate').length).toBeGreaterThanOrEqual(2);
    expect(conns.length).toBeGreaterThanOrEqual(3);
    // Ids never go missing across switches (duplicates may appear and are removed downstream).
    const ids = events.filter((e) => e.type === 'frame' && e.stream === 'x@aggTrade').map((e) => (e as { data: { a: number } }).data.a);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! - ids[i - 1]!).toBeLessThanOrEqual(1);
    // After a switch, frames only come from the newer connection.
    const connIds = events.filter((e) => e.type === 'frame').map((e) => (e as { connectionId: number }).connectionId);
    for (let i = 1; i < connIds.length; i++) expect(connIds[i]!).toBeGreaterThanOrEqual(connIds[i - 1]!);
    expect(client.stats.rotations).toBeGreaterThanOrEqual(2);
  });
});
