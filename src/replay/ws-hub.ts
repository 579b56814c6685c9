/**
 * The WebSocket side of the replay exchange: `/public` and `/market` roots, raw and combined modes, subscriptions,
 * routing, pings, lifetimes, the client message rate limit, and frame faults.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Fault } from './fault-plan.js';
import type { Prng } from './prng.js';
import type { ReplayMarket } from './replay-market.js';
import { streamRoot } from './stream-names.js';

/** Options of a {@link WsHub}. */
export interface WsHubOptions {
  readonly market: ReplayMarket;
  readonly now: () => number;
  readonly faults: () => readonly Fault[];
  readonly rng: Prng;
  readonly connectionLifetimeMs: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly maxClientMessagesPerSecond: number;
}

/** A description of one open connection. */
export interface ConnectionInfo {
  /** Connection number (1, 2, …). */
  readonly id: number;
  /** `public` or `market`. */
  readonly root: 'public' | 'market';
  /** `raw` or `combined` framing. */
  readonly mode: 'raw' | 'combined';
  /** Subscribed stream names. */
  readonly streams: readonly string[];
  /** Exchange time it opened (UTC ms). */
  readonly openedAt: number;
}

interface Conn {
  readonly id: number;
  readonly ws: WebSocket;
  /** The upgraded TCP socket, corked while a clock step's frames are queued so that they leave in one write. */
  readonly socket: Duplex;
  readonly root: 'public' | 'market';
  combined: boolean;
  readonly initialMode: 'raw' | 'combined';
  /** Subscribed name → canonical name (null when unknown to the market). */
  readonly subs: Map<string, string | null>;
  readonly openedAt: number;
  dataFrames: number;
  held: string | undefined;
  readonly puBroken: Set<Fault>;
  readonly msgTimes: number[];
  lastPong: number;
  closed: boolean;
}

/** Counters of the WS side. */
export interface WsStats {
  /** Frames sent (data frames, duplicates and malformed ones included). */
  framesSent: number;
  /** Connections closed by the server. */
  disconnects: number;
}

/** Canonical diff-depth stream names (`<s>@depth`, `<s>@depth@100ms`, `<s>@depth@500ms`, captured `@depth@0ms`). */
const DIFF_DEPTH_RE = /@depth(@\d+ms)?$/;
const PATH_RE = /^\/(public|market)\/(ws|stream)(?:\/(.*))?$/;

/**
 * Manages the WebSocket connections of a replay exchange and pushes market frames to them.
 *
 * @example
 * ```ts
 * const hub = new WsHub(options);
 * server.on('upgrade', (req, socket, head) => hub.upgrade(req, socket, head));
 * ```
 */
export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private nextId = 1;
  private wanted: Map<string, Conn[]> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Counters. */
  readonly stats: WsStats = { framesSent: 0, disconnects: 0 };

  constructor(private readonly o: WsHubOptions) {
    const ping = setInterval(() => {
      for (const c of this.conns) if (!c.closed) c.ws.ping();
    }, o.pingIntervalMs);
    const check = setInterval(
      () => {
        const t = Date.now();
        for (const c of this.conns) if (!c.closed && t - c.lastPong > o.pongTimeoutMs) this.terminate(c);
      },
      Math.max(5, Math.min(o.pingIntervalMs, o.pongTimeoutMs) / 4),
    );
    ping.unref();
    check.unref();
    this.timers.push(ping, check);
  }

  /** Handles an HTTP upgrade: accepts `/public|/market` + `/ws/…` or `/stream?streams=…`, else answers 404. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://replay');
    const m = PATH_RE.exec(url.pathname);
    if (m === null) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"code":-1000,"msg":"Unknown path"}');
      return;
    }
    const root = m[1] as 'public' | 'market';
    const combined = m[2] === 'stream';
    const names = combined
      ? (url.searchParams.get('streams') ?? '').split('/').filter((s) => s !== '')
      : (m[3] ?? '').split('/').filter((s) => s !== '');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket, root, combined, names));
  }

  private accept(ws: WebSocket, socket: Duplex, root: 'public' | 'market', combined: boolean, names: string[]): void {
    const c: Conn = {
      id: this.nextId++,
      ws,
      socket,
      root,
      combined,
      initialMode: combined ? 'combined' : 'raw',
      subs: new Map(),
      openedAt: this.o.now(),
      dataFrames: 0,
      held: undefined,
      puBroken: new Set(),
      msgTimes: [],
      lastPong: Date.now(),
      closed: false,
    };
    for (const n of names) c.subs.set(n, this.o.market.canonicalStream(n));
    this.conns.add(c);
    this.wanted = undefined;
    ws.on('pong', () => {
      c.lastPong = Date.now();
    });
    ws.on('message', (data, isBinary) => this.onMessage(c, isBinary ? '' : String(data)));
    ws.on('close', () => this.forget(c));
    ws.on('error', () => this.forget(c));
  }

  private forget(c: Conn): void {
    c.closed = true;
    if (this.conns.delete(c)) this.wanted = undefined;
    // Frames queued before a drop or close still leave, as they would have without the cork.
    while (c.socket.writableCorked > 0) c.socket.uncork();
  }

  private terminate(c: Conn): void {
    if (c.closed) return;
    this.stats.disconnects++;
    this.forget(c);
    c.ws.terminate();
  }

  private closeGracefully(c: Conn, code: number, reason: string): void {
    if (c.closed) return;
    this.stats.disconnects++;
    this.forget(c);
    c.ws.close(code, reason);
  }

  private onMessage(c: Conn, text: string): void {
    const t = Date.now();
    c.msgTimes.push(t);
    while (c.msgTimes.length > 0 && c.msgTimes[0]! <= t - 1000) c.msgTimes.shift();
    if (c.msgTimes.length > this.o.maxClientMessagesPerSecond) {
      this.closeGracefully(c, 1008, 'Too many messages');
      return;
    }
    let msg: { method?: unknown; params?: unknown; id?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      c.ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null }));
      return;
    }
    const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
    const params = Array.isArray(msg.params) ? msg.params : [];
    const reply = (result: unknown): void => c.ws.send(JSON.stringify({ result, id }));
    switch (msg.method) {
      case 'SUBSCRIBE':
        for (const p of params) if (typeof p === 'string') c.subs.set(p, this.o.market.canonicalStream(p));
        this.wanted = undefined;
        reply(null);
        return;
      case 'UNSUBSCRIBE':
        for (const p of params) if (typeof p === 'string') c.subs.delete(p);
        this.wanted = undefined;
        reply(null);
        return;
      case 'LIST_SUBSCRIPTIONS':
        reply([...c.subs.keys()]);
        return;
      case 'SET_PROPERTY':
        if (params[0] === 'combined' && typeof params[1] === 'boolean') {
          c.combined = params[1];
          reply(null);
          return;
        }
        break;
      case 'GET_PROPERTY':
        if (params[0] === 'combined') {
          reply(c.combined);
          return;
        }
        break;
      default:
        c.ws.send(JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown method ${JSON.stringify(msg.method)}` }, id }));
        return;
    }
    c.ws.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request: unknown property' }, id }));
  }

  /** Canonical streams with at least one subscriber on the right root, and who gets them. */
  private routes(): Map<string, Conn[]> {
    if (this.wanted !== undefined) return this.wanted;
    const w = new Map<string, Conn[]>();
    for (const c of this.conns) {
      for (const [name, canonical] of c.subs) {
        if (canonical === null || streamRoot(name) !== c.root) continue;
        let list = w.get(canonical);
        if (list === undefined) w.set(canonical, (list = []));
        if (!list.includes(c)) list.push(c);
      }
    }
    this.wanted = w;
    return w;
  }

  /** The canonical streams somebody receives. */
  wantedStreams(): ReadonlySet<string> {
    return new Set(this.routes().keys());
  }

  /** Sends one market frame to every subscriber of `canonical`, applying frame faults. */
  dispatch(time: number, canonical: string, payload: string): void {
    const list = this.routes().get(canonical);
    if (list === undefined) return;
    const faults = this.o.faults();
    for (const f of faults) if (f.kind === 'stall' && time >= f.at && time < f.at + f.durationMs) return;
    const isDiff = DIFF_DEPTH_RE.test(canonical);
    for (const c of list) {
      if (c.closed) continue;
      let skip = false;
      if (isDiff) {
        for (const f of faults) {
          if (f.kind === 'pu-break' && time >= f.at && !c.puBroken.has(f) && c.openedAt <= time) {
            c.puBroken.add(f);
            skip = true;
          }
        }
      }
      if (skip) continue;
      for (const [name, can] of c.subs) {
        if (can !== canonical || streamRoot(name) !== c.root) continue;
        this.sendData(c, c.combined ? `{"stream":"${name}","data":${payload}}` : payload, faults);
        if (c.closed) break;
      }
    }
  }

  private sendData(c: Conn, text: string, faults: readonly Fault[]): void {
    let dup = false;
    let reorder = false;
    let malformed = false;
    let dropAt = 0;
    for (const f of faults) {
      if (f.kind === 'duplicate') dup ||= this.o.rng.next() < f.probability;
      else if (f.kind === 'reorder') reorder ||= this.o.rng.next() < f.probability;
      else if (f.kind === 'malformed') malformed ||= this.o.rng.next() < f.probability;
      else if (f.kind === 'drop' && f.atMessage !== undefined) dropAt = f.atMessage;
    }
    if (malformed) this.raw(c, text.slice(0, Math.max(1, text.length >> 1)));
    if (reorder && c.held === undefined) {
      c.held = text;
    } else {
      this.raw(c, text);
      if (dup) this.raw(c, text);
      if (c.held !== undefined) {
        const h = c.held;
        c.held = undefined;
        this.raw(c, h);
      }
    }
    c.dataFrames++;
    if (dropAt > 0 && c.dataFrames === dropAt) this.terminate(c);
  }

  private raw(c: Conn, text: string): void {
    if (c.closed) return;
    this.stats.framesSent++;
    c.ws.send(text);
  }

  /**
   * Holds every connection's writes until {@link uncork}: the frames of one clock step then leave in one syscall
   * instead of one each (at 50,000 frames/s the per-frame writes cost the exchange more than making the frames).
   */
  cork(): void {
    for (const c of this.conns) if (!c.closed) c.socket.cork();
  }

  /** Releases what {@link cork} held. */
  uncork(): void {
    for (const c of this.conns) c.socket.uncork();
  }

  /** Sends frames held back by `reorder` (called at the end of each push). */
  flushHeld(): void {
    for (const c of this.conns) {
      if (c.held !== undefined) {
        const h = c.held;
        c.held = undefined;
        this.raw(c, h);
      }
    }
  }

  /** The earliest lifetime end after `t`, or Infinity. */
  nextExpiry(): number {
    let e = Number.POSITIVE_INFINITY;
    for (const c of this.conns) e = Math.min(e, c.openedAt + this.o.connectionLifetimeMs);
    return e;
  }

  /** Closes connections whose lifetime ended at or before `t`. */
  expire(t: number): void {
    for (const c of [...this.conns]) {
      if (c.openedAt + this.o.connectionLifetimeMs <= t) this.closeGracefully(c, 1000, 'Connection lifetime reached');
    }
  }

  /** Terminates every open connection. */
  dropAll(): void {
    for (const c of [...this.conns]) this.terminate(c);
  }

  /** Open connections. */
  connections(): ConnectionInfo[] {
    return [...this.conns].map((c) => ({
      id: c.id,
      root: c.root,
      mode: c.initialMode,
      streams: [...c.subs.keys()],
      openedAt: c.openedAt,
    }));
  }

  /** Stops timers and closes every connection. */
  close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const c of [...this.conns]) {
      c.closed = true;
      c.ws.terminate();
    }
    this.conns.clear();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
