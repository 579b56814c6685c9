import { WebSocket } from 'ws';
import type { ReplayExchange } from '../../src/replay/index.js';

/** GETs a REST path of the exchange: the status, the JSON body and the headers. */
export async function getJson(ex: ReplayExchange, path: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${ex.restUrl}${path}`);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** A test WS client that records every text frame. */
export interface TestClient {
  readonly ws: WebSocket;
  readonly frames: string[];
  readonly closed: Promise<number>;
  send(o: unknown): void;
  waitFor(pred: (frames: string[]) => boolean, ms?: number): Promise<void>;
}

export async function connect(url: string, opts: { autoPong?: boolean } = {}): Promise<TestClient> {
  const ws = new WebSocket(url, { autoPong: opts.autoPong ?? true });
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(String(d)));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    closed,
    send: (o) => ws.send(typeof o === 'string' ? o : JSON.stringify(o)),
    async waitFor(pred, ms = 3000) {
      const end = Date.now() + ms;
      while (!pred(frames)) {
        if (Date.now() > end) throw new Error(`timed out; ${frames.length} frames`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** Lets pending socket writes reach the client. */
export async function settle(ms = 30): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
